// The ONNX exporter: every model form is exported, run in ONNX Runtime on random inputs and random initial states, and
// compared with the generated model on the same inputs (outputs and final states); the file re-imports exactly.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.IO;
using LstmGen.Onnx;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Tests.IO;
using Microsoft.ML.OnnxRuntime;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Formats;

public sealed class OnnxExporterTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _temp = new();

    public OnnxExporterTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _temp.Dispose();

    /// <summary>Every input form, cell, direction, head and HeadOn, stacked and not, and peepholes.</summary>
    public static readonly Dictionary<string, ModelShape> Shapes = new()
    {
        ["lstm1_i1_h32_linear_every"] = new(1, 0, 0, 32, 1, 1, Head.Linear, HeadOn.EveryStep),
        ["lstm2_i3_h7_nohead_every"] = new(3, 0, 0, 7, 2, 0, Head.None, HeadOn.EveryStep),
        ["tokens_lstm2_h9_softmax_last"] = new(0, 13, 5, 9, 2, 4, Head.Softmax, HeadOn.LastStep),
        ["tokens_lstm1_h6_sigmoid_every"] = new(0, 11, 4, 6, 1, 2, Head.Sigmoid, HeadOn.EveryStep),
        ["bilstm2_i3_h5_sigmoid_final"] = new(3, 0, 0, 5, 2, 1, Head.Sigmoid, HeadOn.FinalState, bidirectional: true),
        ["bilstm1_i2_h4_linear_last"] = new(2, 0, 0, 4, 1, 3, Head.Linear, HeadOn.LastStep, bidirectional: true),
        ["bilstm2_i2_h3_nohead_every"] = new(2, 0, 0, 3, 2, 0, Head.None, HeadOn.EveryStep, bidirectional: true),
        ["gru2_i3_h6_nohead_every"] = new(3, 0, 0, 6, 2, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru),
        ["tokens_gru1_h8_softmax_every"] = new(0, 9, 3, 8, 1, 5, Head.Softmax, HeadOn.EveryStep, RecurrentCell.Gru),
        ["bigru2_i2_h4_linear_final"] = new(2, 0, 0, 4, 2, 2, Head.Linear, HeadOn.FinalState, RecurrentCell.Gru, bidirectional: true),
        ["peephole_lstm2_i2_h5_linear_every"] = new(2, 0, 0, 5, 2, 1, Head.Linear, HeadOn.EveryStep, peephole: true),
        ["peephole_bilstm1_i2_h3_nohead_final"] = new(2, 0, 0, 3, 1, 0, Head.None, HeadOn.FinalState, bidirectional: true, peephole: true),
    };

    public static TheoryData<string> Names() => new(Shapes.Keys);

    /// <summary>A generated model of <paramref name="shape"/> with seeded random weights (scaled so gates are not saturated).</summary>
    internal static ILstmModel RandomGenerated(ModelShape shape, int seed)
    {
        ILstmModel model = ModelCompiler.CreateModel(shape);
        var random = new Random(seed);
        Span<float> p = model.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] = (float)(random.NextDouble() * 1.2 - 0.6);
        model.ParametersChanged();
        return model;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void OnnxExporter_OnnxRuntimeComputesWhatTheGeneratedModelComputes(string name)
    {
        ModelShape shape = Shapes[name];
        ILstmModel model = RandomGenerated(shape, seed: name.Length * 31 + 7);
        byte[] onnx = OnnxExporter.ToBytes(model);

        const int Batch = 3, Steps = 7;
        int h = shape.HiddenSize, slots = shape.StateSlotCount;
        var random = new Random(5);
        float[] inputs = Enumerable.Range(0, Steps * Batch * Math.Max(1, shape.InputSize)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        long[] tokens = Enumerable.Range(0, Steps * Batch).Select(_ => (long)random.Next(Math.Max(1, shape.VocabularySize))).ToArray();
        float[] h0 = Enumerable.Range(0, slots * Batch * h).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] c0 = Enumerable.Range(0, slots * Batch * h).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();

        using var session = new InferenceSession(onnx);
        var feeds = new Dictionary<string, OrtValue>();
        try
        {
            feeds[shape.IsTokenModel ? "tokens" : "input"] = shape.IsTokenModel
                ? OrtValue.CreateTensorValueFromMemory(tokens, new long[] { Steps, Batch })
                : OrtValue.CreateTensorValueFromMemory(inputs, new long[] { Steps, Batch, shape.InputSize });
            feeds["initial_h"] = OrtValue.CreateTensorValueFromMemory(h0, new long[] { slots, Batch, h });
            if (shape.HasCellState) feeds["initial_c"] = OrtValue.CreateTensorValueFromMemory(c0, new long[] { slots, Batch, h });
            string[] outputNames = shape.HasCellState ? new[] { "output", "final_h", "final_c" } : new[] { "output", "final_h" };
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, feeds.Keys.ToArray(), feeds.Values.ToArray(), outputNames);
            float[] onnxOutput = results[0].GetTensorDataAsSpan<float>().ToArray();
            float[] onnxH = results[1].GetTensorDataAsSpan<float>().ToArray();
            float[]? onnxC = shape.HasCellState ? results[2].GetTensorDataAsSpan<float>().ToArray() : null;

            bool perStep = shape.HeadOn == HeadOn.EveryStep;
            int stepOut = shape.StepOutputSize;
            double worst = 0, worstState = 0;
            for (int b = 0; b < Batch; b++)
            {
                LstmState state = model.CreateState();
                for (int s = 0; s < slots; s++)
                {
                    h0.AsSpan((s * Batch + b) * h, h).CopyTo(state.Hidden(s));
                    if (shape.HasCellState) c0.AsSpan((s * Batch + b) * h, h).CopyTo(state.Cell(s));
                }
                var expected = new float[shape.OutputLength(Steps)];
                if (shape.IsTokenModel)
                {
                    int[] sequence = Enumerable.Range(0, Steps).Select(t => (int)tokens[t * Batch + b]).ToArray();
                    ((ITokenSequenceModel)model).Predict(sequence, expected, state);
                }
                else
                {
                    var sequence = new float[Steps * shape.InputSize];
                    for (int t = 0; t < Steps; t++) inputs.AsSpan((t * Batch + b) * shape.InputSize, shape.InputSize).CopyTo(sequence.AsSpan(t * shape.InputSize));
                    ((IFloatSequenceModel)model).Predict(sequence, expected, state);
                }
                var actual = new float[expected.Length];
                for (int t = 0; t < (perStep ? Steps : 1); t++)
                    onnxOutput.AsSpan(((perStep ? t * Batch : 0) + b) * stepOut, stepOut).CopyTo(actual.AsSpan(t * stepOut));
                worst = Math.Max(worst, ReferenceVectors.MaxNormalisedError(expected, actual));
                for (int s = 0; s < slots; s++)
                {
                    worstState = Math.Max(worstState, ReferenceVectors.MaxNormalisedError(state.Hidden(s).ToArray(), onnxH.AsSpan((s * Batch + b) * h, h)));
                    if (onnxC is not null) worstState = Math.Max(worstState, ReferenceVectors.MaxNormalisedError(state.Cell(s).ToArray(), onnxC.AsSpan((s * Batch + b) * h, h)));
                }
            }
            _output.WriteLine($"{name}: max-normalised error of ONNX Runtime vs generated: output {worst:E2}, final states {worstState:E2}");
            Assert.True(worst <= 1e-5, $"{name}: output error {worst:E2}");
            Assert.True(worstState <= 1e-5, $"{name}: final state error {worstState:E2}");
        }
        finally
        {
            foreach (OrtValue value in feeds.Values) value.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void OnnxExporter_FileReimportsExactly(string name)
    {
        ModelShape shape = Shapes[name];
        ILstmModel model = RandomGenerated(shape, seed: 3);
        string path = _temp.File(name + ".onnx");
        OnnxExporter.Export(model, path);
        Assert.Empty(Directory.GetFiles(_temp.Path, "*.tmp"));
        var loaded = new ReferenceLstm(shape);
        OnnxWeights.Load(path, loaded);
        Assert.Equal(model.Parameters.ToArray(), loaded.Parameters.ToArray());
    }

    [Fact]
    public void OnnxExporter_WithoutStates_RunsFromZeroStates()
    {
        ModelShape shape = Shapes["tokens_lstm2_h9_softmax_last"];
        ILstmModel model = RandomGenerated(shape, seed: 4);
        using var session = new InferenceSession(OnnxExporter.ToBytes(model, new OnnxExportOptions { IncludeStates = false }));
        Assert.Equal(new[] { "tokens" }, session.InputNames);
        Assert.Equal(new[] { "output" }, session.OutputNames);
        long[] tokens = { 3, 1, 12, 0, 7 };
        using var input = OrtValue.CreateTensorValueFromMemory(tokens, new long[] { 5, 1 });
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { "tokens" }, new[] { input }, new[] { "output" });
        var expected = new float[shape.OutputSize];
        ((ITokenSequenceModel)model).Predict(tokens.Select(t => (int)t).ToArray(), expected);
        Assert.True(ReferenceVectors.MaxNormalisedError(expected, results[0].GetTensorDataAsSpan<float>()) <= 1e-5);
    }

    [Fact]
    public void OnnxExporter_RefusesAProjection_NamingIt()
    {
        var shape = new ModelShape(3, 0, 0, 8, 1, 0, Head.None, HeadOn.EveryStep, projectionSize: 4);
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToBytes(new ReferenceLstm(shape)));
        Assert.Contains("Projection = 4", e.Message);
        Assert.Contains("no projection", e.Message);
    }

    [Fact]
    public void OnnxExporter_ReferenceVectors_AreCheckedOnLoad()
    {
        ModelShape shape = Shapes["gru2_i3_h6_nohead_every"];
        ILstmModel model = RandomGenerated(shape, seed: 8);
        ReferenceVectors vectors = ReferenceVectors.Record(model, count: 2, steps: 5);
        string good = _temp.File("good.onnx"), bad = _temp.File("bad.onnx");
        OnnxExporter.Export(model, good, new OnnxExportOptions { ReferenceVectors = vectors });
        var loaded = new ReferenceLstm(shape);
        OnnxWeights.Load(good, loaded);
        Assert.Equal(model.Parameters.ToArray(), loaded.Parameters.ToArray());

        // The same vectors with other weights: the file no longer computes what they recorded.
        model.Parameters[shape.GetLayerTensor(LayerParameter.BiasIh, 0).Offset] += 0.5f;
        model.ParametersChanged();
        OnnxExporter.Export(model, bad, new OnnxExportOptions { ReferenceVectors = vectors });
        var target = new ReferenceLstm(shape);
        target.Parameters.Fill(3f);
        var e = Assert.Throws<WeightFileException>(() => OnnxWeights.Load(bad, target));
        Assert.Contains("reference vector 0 of 2", e.Message);
        Assert.All(target.Parameters.ToArray(), v => Assert.Equal(3f, v));
    }

    [Fact]
    public void OnnxExporter_ExportToAStream_MatchesTheFile()
    {
        ILstmModel model = RandomGenerated(Shapes["lstm1_i1_h32_linear_every"], seed: 9);
        string path = _temp.File("m.onnx");
        OnnxExporter.Export(model, path);
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream);
        Assert.Equal(File.ReadAllBytes(path), stream.ToArray());
    }
}
