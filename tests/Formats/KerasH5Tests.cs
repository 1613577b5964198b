// Keras files read without Python: the Keras-layer fixtures (TensorFlow.js' Keras layers, and a reset_after GRU computed
// from Keras' equations) written by tools/export_keras_h5_fixtures.py as .keras (Keras 3), .h5 (Keras 2 model),
// .weights.h5 (Keras 3 weights) and _weights.h5 (Keras 2 weights); each must reproduce its outputs in the reference and
// the generated model. Config checks name the layer at fault.
using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using LstmGen.IO;
using LstmGen.Keras;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Tests.IO;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Formats;

public sealed class KerasH5Tests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _temp = new();

    public KerasH5Tests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _temp.Dispose();

    private static string Fixture(string file) => TestFiles.Fixture(Path.Combine("keras", file));

    private static ModelShape ShapeOf(string name) => name switch
    {
        "tfjs_emb7x3_lstm5_dense2" => new ModelShape(0, 7, 3, 5, 1, 2, Head.Linear, HeadOn.LastStep),
        "tfjs_i3_lstm6x2_seq_dense4_softmax" => new ModelShape(3, 0, 0, 6, 2, 4, Head.Softmax, HeadOn.EveryStep),
        "tfjs_i2_bilstm4_dense1_sigmoid" => new ModelShape(2, 0, 0, 4, 1, 1, Head.Sigmoid, HeadOn.FinalState, bidirectional: true),
        "tfjs_i3_bilstm3x2_seq" => new ModelShape(3, 0, 0, 3, 2, 0, Head.None, HeadOn.EveryStep, bidirectional: true),
        "gru3_resetafter_i2" => new ModelShape(2, 0, 0, 3, 1, 2, Head.Linear, HeadOn.LastStep, RecurrentCell.Gru),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static TheoryData<string, string> Files()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in new[] { "tfjs_emb7x3_lstm5_dense2", "tfjs_i3_lstm6x2_seq_dense4_softmax", "tfjs_i2_bilstm4_dense1_sigmoid", "tfjs_i3_bilstm3x2_seq", "gru3_resetafter_i2" })
        {
            data.Add(name, ".keras");
            data.Add(name, ".h5");
        }
        foreach (string name in new[] { "tfjs_i3_lstm6x2_seq_dense4_softmax", "tfjs_i2_bilstm4_dense1_sigmoid", "gru3_resetafter_i2" })
        {
            data.Add(name, ".weights.h5");
            data.Add(name, "_weights.h5");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void KerasH5_ReferenceAndGeneratedReproduceTheKerasOutputs(string name, string form)
    {
        ModelShape shape = ShapeOf(name);
        foreach (ILstmModel model in new ILstmModel[] { new ReferenceLstm(shape), ModelCompiler.CreateModel(shape) })
        {
            KerasWeights.Load(Fixture(name + form), model);
            double error = MaxError(name, model);
            _output.WriteLine($"{name}{form} ({model.GetType().Name}): max-normalised error {error:E2}");
            Assert.True(error <= 1e-5, $"{name}{form} ({model.GetType().Name}): max-normalised error {error:E2}");
        }
    }

    /// <summary>The largest max-normalised error of <paramref name="model"/> over the batch of the fixture's .io file.</summary>
    internal static double MaxError(string name, ILstmModel model)
    {
        ModelShape shape = model.Shape;
        using SafetensorsFile io = SafetensorsFile.Open(Fixture(name + ".io.safetensors"));
        float[] expected = io.ReadFloat32("output");
        int batch = io.GetInfo("input").Shape[0], steps = io.GetInfo("input").Shape[1];
        int length = shape.OutputLength(steps);
        Assert.Equal(batch * length, expected.Length);
        var actual = new float[expected.Length];
        for (int b = 0; b < batch; b++)
        {
            if (shape.IsTokenModel)
                ((ITokenSequenceModel)model).Predict(io.ReadInt32("input").AsSpan(b * steps, steps), actual.AsSpan(b * length, length), model.CreateState());
            else
                ((IFloatSequenceModel)model).Predict(io.ReadFloat32("input").AsSpan(b * steps * shape.InputSize, steps * shape.InputSize), actual.AsSpan(b * length, length), model.CreateState());
        }
        return ReferenceVectors.MaxNormalisedError(expected, actual);
    }

    [Fact]
    public void KerasH5_TheSameWeightsLoadFromEveryForm()
    {
        ModelShape shape = ShapeOf("tfjs_i2_bilstm4_dense1_sigmoid");
        var fromSafetensors = new ReferenceLstm(shape);
        KerasWeights.Load(Fixture("tfjs_i2_bilstm4_dense1_sigmoid.safetensors"), fromSafetensors);
        foreach (string form in new[] { ".keras", ".h5", ".weights.h5", "_weights.h5" })
        {
            var model = new ReferenceLstm(shape);
            KerasWeights.Load(Fixture("tfjs_i2_bilstm4_dense1_sigmoid" + form), model);
            Assert.Equal(fromSafetensors.Parameters.ToArray(), model.Parameters.ToArray());
        }
    }

    [Fact]
    public void KerasH5_FromBytes_AsFromTheFile()
    {
        ModelShape shape = ShapeOf("gru3_resetafter_i2");
        var model = new ReferenceLstm(shape);
        KerasWeights.Load(File.ReadAllBytes(Fixture("gru3_resetafter_i2.keras")), model);
        Assert.True(MaxError("gru3_resetafter_i2", model) <= 1e-5);
    }

    private WeightFileException Rejects(string path, ModelShape shape, params string[] fragments)
    {
        var model = new ReferenceLstm(shape);
        model.Parameters.Fill(7f);
        var e = Assert.Throws<WeightFileException>(() => KerasWeights.Load(path, model));
        foreach (string f in fragments) Assert.Contains(f, e.Message);
        Assert.All(model.Parameters.ToArray(), v => Assert.Equal(7f, v));
        _output.WriteLine(e.Message);
        return e;
    }

    [Theory]
    [InlineData(".keras")]
    [InlineData(".h5")]
    public void KerasH5_AResetBeforeGru_IsRefusedByItsConfig(string form) =>
        Rejects(Fixture("tfjs_i2_gru3_resetbefore" + form), new ModelShape(2, 0, 0, 3, 1, 0, Head.None, HeadOn.LastStep, RecurrentCell.Gru),
            "layer 'gru' (GRU): reset_after=False");

    [Fact]
    public void KerasH5_ConfigMismatches_NameTheLayer()
    {
        string file = Fixture("tfjs_i3_lstm6x2_seq_dense4_softmax.keras");
        Rejects(file, new ModelShape(3, 0, 0, 6, 2, 4, Head.Softmax, HeadOn.LastStep), "layer 'lstm_1' (LSTM): return_sequences=True", "HeadOn = LastStep");
        Rejects(file, new ModelShape(3, 0, 0, 6, 2, 4, Head.Sigmoid, HeadOn.EveryStep), "layer 'dense' (Dense): activation 'softmax' is Head.Softmax; the model's Head is Sigmoid");
        Rejects(file, new ModelShape(3, 0, 0, 7, 2, 4, Head.Softmax, HeadOn.EveryStep), "layer 'lstm' (LSTM): expected 7 units (the model's Hidden), found 6", "layer 'lstm_1' (LSTM): expected 7 units");
        Rejects(file, new ModelShape(3, 0, 0, 6, 2, 4, Head.Softmax, HeadOn.EveryStep, RecurrentCell.Gru), "layer 'lstm' (LSTM): a LSTM; the model's cell is Gru");
        Rejects(Fixture("tfjs_i2_bilstm4_dense1_sigmoid.h5"), new ModelShape(2, 0, 0, 4, 1, 1, Head.Sigmoid, HeadOn.LastStep, bidirectional: true),
            "layer 'bidirectional' (Bidirectional(LSTM))", "use HeadOn.FinalState");
    }

    [Fact]
    public void KerasH5_WithoutAConfig_MismatchesNameTheVariable()
    {
        Rejects(Fixture("tfjs_i3_lstm6x2_seq_dense4_softmax.weights.h5"), new ModelShape(3, 0, 0, 6, 1, 4, Head.Softmax, HeadOn.EveryStep),
            "expected 1 LSTM layer(s)", "found 2: 'lstm', 'lstm_1'");
        Rejects(Fixture("tfjs_i3_lstm6x2_seq_dense4_softmax_weights.h5"), new ModelShape(3, 0, 0, 6, 2, 5, Head.Softmax, HeadOn.EveryStep),
            "expected one Dense head", "'dense/kernel' [6, 4]");
    }

    /// <summary>A copy of a .keras archive whose config.json is edited.</summary>
    private string EditConfig(string name, Func<string, string> edit)
    {
        string path = _temp.File(name + "-edited.keras");
        File.Copy(Fixture(name + ".keras"), path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            ZipArchiveEntry entry = zip.GetEntry("config.json")!;
            string config;
            using (var reader = new StreamReader(entry.Open())) config = reader.ReadToEnd();
            entry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("config.json").Open(), new UTF8Encoding(false));
            writer.Write(edit(config));
        }
        return path;
    }

    [Fact]
    public void KerasH5_AnUnsupportedLayer_IsNamed()
    {
        string path = EditConfig("gru3_resetafter_i2", c => c.Replace(
            "{\"module\": \"keras.layers\", \"class_name\": \"Dense\"",
            "{\"module\": \"keras.layers\", \"class_name\": \"Conv1D\", \"config\": {\"name\": \"conv1d\", \"filters\": 4}}, {\"module\": \"keras.layers\", \"class_name\": \"Dense\""));
        Rejects(path, ShapeOf("gru3_resetafter_i2"), "layer 'conv1d' (Conv1D): not supported", "Embedding, LSTM, GRU, Bidirectional and Dense");
    }

    [Fact]
    public void KerasH5_HardSigmoidAndOtherActivations_AreRefused()
    {
        string path = EditConfig("gru3_resetafter_i2", c => c.Replace("\"recurrent_activation\": \"sigmoid\"", "\"recurrent_activation\": \"hard_sigmoid\""));
        Rejects(path, ShapeOf("gru3_resetafter_i2"), "layer 'gru' (GRU): expected recurrent_activation 'sigmoid', found 'hard_sigmoid'");
        path = EditConfig("tfjs_emb7x3_lstm5_dense2", c => c.Replace("\"activation\": \"tanh\"", "\"activation\": \"relu\""));
        Rejects(path, ShapeOf("tfjs_emb7x3_lstm5_dense2"), "layer 'lstm' (LSTM): expected activation 'tanh', found 'relu'");
    }

    /// <summary>
    /// A file saved by Keras itself (e.g. GuitarLSTM's models/ts9_model.h5, tf.keras 2.2.4: Conv1D, Conv1D, LSTM(36),
    /// Dense(1); GPL-3.0, so not bundled here): set LSTMGEN_REAL_KERAS_H5 to its path. Its Conv1D layers must be named.
    /// </summary>
    [SkippableFact]
    public void KerasH5_ARealKerasFile_NamesItsUnsupportedLayers()
    {
        string? path = Environment.GetEnvironmentVariable("LSTMGEN_REAL_KERAS_H5");
        Skip.If(string.IsNullOrEmpty(path), "LSTMGEN_REAL_KERAS_H5 is not set");
        Rejects(path!, new ModelShape(1, 0, 0, 36, 1, 1, Head.Linear, HeadOn.LastStep), "layer 'conv1d' (Conv1D): not supported", "layer 'conv1d_1' (Conv1D): not supported");
    }

    [Fact]
    public void KerasH5_NotAKerasFile_IsRejected()
    {
        ModelShape shape = ShapeOf("gru3_resetafter_i2");
        Rejects(_temp.Write("junk.h5", new byte[] { 0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0 }), shape, "HDF5");
        string zip = _temp.File("empty.keras");
        using (ZipFile.Open(zip, ZipArchiveMode.Create)) { }
        Rejects(zip, shape, "expected a .keras archive with config.json");
    }
}
