// Every loader leaves the model running the weights it loaded (no ParametersChanged needed afterwards), and reference
// vectors stored by Save travel with the weights and are checked on Load.
using System;
using System.IO;
using System.Linq;
using LstmGen.IO;
using LstmGen.Keras;
using LstmGen.Onnx;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Tests.IO;
using Xunit;

namespace LstmGen.Tests.Formats;

public sealed class LoadsRepackTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>
    /// A generated model that has already run with other weights (so its packed copy holds them), then loaded: its next
    /// prediction must be the reference's on the loaded parameters. Without the repack it would still compute the old weights.
    /// </summary>
    private static void AssertRunsTheLoadedWeights(ModelShape shape, Action<ILstmModel> load, float[] inputs)
    {
        ILstmModel model = OnnxExporterTests.RandomGenerated(shape, seed: 99);
        var before = new float[shape.OutputLength(inputs.Length / shape.InputSize)];
        ((IFloatSequenceModel)model).Predict(inputs, before);

        load(model);
        var reference = new ReferenceLstm(shape);
        model.Parameters.CopyTo(reference.Parameters);
        var expected = new float[before.Length];
        reference.Predict(inputs, expected);
        var actual = new float[before.Length];
        ((IFloatSequenceModel)model).Predict(inputs, actual);
        Assert.True(ReferenceVectors.MaxNormalisedError(before, expected) > 1e-3, "the loaded weights should compute something else than the old ones");
        Assert.True(ReferenceVectors.MaxNormalisedError(expected, actual) <= 1e-5, $"the model still runs its old weights: error {ReferenceVectors.MaxNormalisedError(expected, actual):E2}");
    }

    private static float[] Inputs(int count) => Enumerable.Range(0, count).Select(i => MathF.Sin(i * 0.7f)).ToArray();

    [Fact]
    public void LoadsRepack_Onnx()
    {
        var shape = new ModelShape(3, 0, 0, 5, 2, 2, Head.Linear, HeadOn.EveryStep);
        string path = _temp.File("m.onnx");
        OnnxExporter.Export(OnnxExporterTests.RandomGenerated(shape, seed: 1), path);
        AssertRunsTheLoadedWeights(shape, m => OnnxWeights.Load(path, m), Inputs(3 * 9));
    }

    [Fact]
    public void LoadsRepack_Keras() =>
        AssertRunsTheLoadedWeights(new ModelShape(3, 0, 0, 6, 2, 4, Head.Softmax, HeadOn.EveryStep),
            m => KerasWeights.Load(TestFiles.Fixture(Path.Combine("keras", "tfjs_i3_lstm6x2_seq_dense4_softmax.keras")), m), Inputs(3 * 8));

    [Fact]
    public void LoadsRepack_RtNeuralJson() =>
        AssertRunsTheLoadedWeights(new ModelShape(1, 0, 0, 8, 4, 1, Head.Linear, HeadOn.EveryStep, RecurrentCell.Gru),
            m => RtNeuralJson.Load(TestFiles.Fixture(Path.Combine("rtneural", "gru_torch.json")), m), Inputs(30));

    [Fact]
    public void LoadsRepack_NamFile() =>
        AssertRunsTheLoadedWeights(new ModelShape(1, 0, 0, 4, 2, 1, Head.Linear, HeadOn.EveryStep),
            m => NamFile.Load(TestFiles.Fixture(Path.Combine("nam", "lstm2_h4_synthetic.nam")), m), Inputs(30));

    [Fact]
    public void LoadsRepack_Safetensors()
    {
        var shape = new ModelShape(2, 0, 0, 7, 1, 3, Head.Sigmoid, HeadOn.LastStep);
        string path = _temp.File("m.safetensors");
        OnnxExporterTests.RandomGenerated(shape, seed: 2).Save(path);
        AssertRunsTheLoadedWeights(shape, m => m.Load(path), Inputs(2 * 6));
    }

    // ---- reference vectors ------------------------------------------------------------------------

    [Fact]
    public void ReferenceVectors_SavedWithTheWeights_PassOnLoad_AndCatchChangedWeights()
    {
        var shape = new ModelShape(0, 10, 4, 6, 2, 3, Head.Softmax, HeadOn.EveryStep, RecurrentCell.Gru);
        ILstmModel model = OnnxExporterTests.RandomGenerated(shape, seed: 5);
        ReferenceVectors vectors = ReferenceVectors.Record(model, count: 3, steps: 12);
        string good = _temp.File("good.safetensors");
        ModelWeights.Save(good, shape, model.Parameters, vectors);
        using (SafetensorsFile file = SafetensorsFile.Open(good))
            Assert.True(file.Metadata.ContainsKey(ReferenceVectors.MetadataKey));

        ILstmModel loaded = ModelCompiler.CreateModel(shape);
        loaded.Load(good);
        Assert.Equal(model.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.True(vectors.MaxError(loaded) <= 1e-5);

        // One weight changed after the vectors were recorded: the file no longer computes them.
        float[] changed = model.Parameters.ToArray();
        changed[shape.GetLayerTensor(LayerParameter.WeightHh, 1).Offset + 4] += 0.25f;
        string bad = _temp.File("bad.safetensors");
        ModelWeights.Save(bad, shape, changed, vectors);
        ILstmModel target = ModelCompiler.CreateModel(shape);
        var e = Assert.Throws<WeightFileException>(() => target.Load(bad));
        Assert.Contains("reference vector", e.Message);
        Assert.Contains("do not compute what the saved model computed", e.Message);
        Assert.All(target.Parameters.ToArray(), v => Assert.Equal(0f, v));

        // The check can be skipped.
        target.Load(bad, new WeightLoadOptions { VerifyReferenceVectors = false });
        Assert.Equal(changed, target.Parameters.ToArray());
    }

    [Fact]
    public void ReferenceVectors_RoundTripThroughJson_AndRejectMalformedText()
    {
        var shape = new ModelShape(2, 0, 0, 4, 1, 1, Head.Linear, HeadOn.LastStep, bidirectional: true);
        ILstmModel model = OnnxExporterTests.RandomGenerated(shape, seed: 6);
        ReferenceVectors vectors = ReferenceVectors.Record(model, count: 2, steps: 5, tolerance: 1e-3);
        ReferenceVectors parsed = ReferenceVectors.Parse(vectors.ToJson());
        Assert.Equal(1e-3, parsed.Tolerance);
        Assert.Equal(vectors.Vectors.Count, parsed.Vectors.Count);
        for (int v = 0; v < vectors.Vectors.Count; v++)
        {
            Assert.Equal(vectors.Vectors[v].Inputs.ToArray(), parsed.Vectors[v].Inputs.ToArray());
            Assert.Equal(vectors.Vectors[v].Outputs.ToArray(), parsed.Vectors[v].Outputs.ToArray()); // floats round-trip exactly
        }
        parsed.Verify(model);

        foreach (string bad in new[] { "", "[]", "{\"version\":2,\"vectors\":[]}", "{\"version\":1,\"vectors\":[]}",
                     "{\"version\":1,\"vectors\":[{\"steps\":0,\"inputs\":[],\"outputs\":[]}]}",
                     "{\"version\":1,\"vectors\":[{\"steps\":1,\"inputs\":[\"x\"],\"outputs\":[1]}]}",
                     "{\"version\":1,\"tolerance\":-1,\"vectors\":[{\"steps\":1,\"inputs\":[1,2],\"outputs\":[1]}]}" })
        {
            var e = Assert.Throws<WeightFileException>(() => ReferenceVectors.Parse(bad));
            Assert.StartsWith(ReferenceVectors.MetadataKey + ":", e.Message);
        }
    }

    [Fact]
    public void ReferenceVectors_ThatDoNotFitTheModel_AreNamed()
    {
        var shape = new ModelShape(2, 0, 0, 4, 1, 1, Head.Linear, HeadOn.LastStep);
        var vectors = new ReferenceVectors(new[] { new ReferenceVector(3, new float[9], new float[1]) });
        var e = Assert.Throws<ArgumentException>(() => ModelWeights.Save(_temp.File("x.safetensors"), shape, new float[shape.ParameterCount], vectors));
        Assert.Contains("expected steps × 2 input floats, found 9", e.Message);
    }
}
