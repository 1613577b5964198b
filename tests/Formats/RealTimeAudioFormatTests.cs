// RTNeural JSON and NAM (.nam) models: the test models and reference outputs those projects publish (bundled under
// tests/Fixtures/rtneural and tests/Fixtures/nam with their licences) must be reproduced by the reference and the
// generated model, streamed one sample at a time as those plugins run them; everything else is refused by name.
using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using LstmGen.IO;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Tests.IO;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Formats;

public sealed class RtNeuralJsonTests
{
    private readonly ITestOutputHelper _output;

    public RtNeuralJsonTests(ITestOutputHelper output) => _output = output;

    private static string Fixture(string file) => TestFiles.Fixture(Path.Combine("rtneural", file));

    private static float[] Csv(string file) =>
        File.ReadAllLines(Fixture(file)).Where(l => l.Length > 0).Select(l => float.Parse(l, CultureInfo.InvariantCulture)).ToArray();

    public static TheoryData<string> Models() => new() { "lstm_1d", "lstm_torch", "gru_torch" };

    private static ModelShape ShapeOf(string name) => name switch
    {
        // Keras LSTM(8) → Dense(1), exported by RTNeural's model_utils.py.
        "lstm_1d" => new ModelShape(1, 0, 0, 8, 1, 1, Head.Linear, HeadOn.EveryStep),
        // PyTorch nn.LSTM(1, 8) then nn.LSTM(8, 8, num_layers=3) then nn.Linear(8, 1): four stacked layers.
        "lstm_torch" => new ModelShape(1, 0, 0, 8, 4, 1, Head.Linear, HeadOn.EveryStep),
        "gru_torch" => new ModelShape(1, 0, 0, 8, 4, 1, Head.Linear, HeadOn.EveryStep, RecurrentCell.Gru),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void RtNeuralJson_ReproducesThePublishedOutputs(string name)
    {
        ModelShape shape = ShapeOf(name);
        float[] x = Csv(name + "_x_python.csv"), expected = Csv(name + "_y_python.csv");
        foreach (ILstmModel model in new ILstmModel[] { new ReferenceLstm(shape), ModelCompiler.CreateModel(shape) })
        {
            RtNeuralJson.Load(Fixture(name + ".json"), model);
            // As RTNeural runs it: one sample at a time from a zero state.
            var streamed = new float[x.Length];
            LstmState state = model.CreateState();
            for (int t = 0; t < x.Length; t++) ((IFloatSequenceModel)model).Step(x.AsSpan(t, 1), streamed.AsSpan(t, 1), state);
            var whole = new float[x.Length];
            ((IFloatSequenceModel)model).Predict(x, whole);
            double error = ReferenceVectors.MaxNormalisedError(expected, streamed), wholeError = ReferenceVectors.MaxNormalisedError(expected, whole);
            _output.WriteLine($"{name} ({model.GetType().Name}): max-normalised error {error:E2} streamed, {wholeError:E2} whole sequence, max |y| {expected.Max(Math.Abs):G3}");
            Assert.True(error <= 1e-5, $"{name} ({model.GetType().Name}): {error:E2}");
            Assert.True(wholeError <= 1e-5, $"{name} ({model.GetType().Name}): {wholeError:E2}");
        }
    }

    private void Rejects(string file, ModelShape shape, params string[] fragments)
    {
        var model = new ReferenceLstm(shape);
        model.Parameters.Fill(7f);
        var e = Assert.Throws<WeightFileException>(() => RtNeuralJson.Load(Fixture(file), model));
        _output.WriteLine(e.Message);
        foreach (string f in fragments) Assert.Contains(f, e.Message);
        Assert.All(model.Parameters.ToArray(), v => Assert.Equal(7f, v));
    }

    [Fact]
    public void RtNeuralJson_LayersLstmGenDoesNotRun_AreNamed()
    {
        var lstm8 = new ModelShape(1, 0, 0, 8, 1, 1, Head.Linear, HeadOn.EveryStep);
        // Dense(8, tanh) before the LSTM.
        Rejects("lstm.json", lstm8, "layer 0 ('time-distributed-dense'): a Dense layer before the recurrent layers");
        // GRU → Dense(8, sigmoid) → Dense(1).
        Rejects("gru_1d.json", new ModelShape(1, 0, 0, 8, 1, 8, Head.Sigmoid, HeadOn.EveryStep, RecurrentCell.Gru), "layer 2 ('dense'): a second Dense layer");
        Rejects("conv.json", lstm8, "('conv1d'): not supported");
        // RTNeural's own malformed-file test: the layer says 16 units, its weights have 20.
        Rejects("bad_lstm.json", new ModelShape(1, 0, 0, 16, 1, 1, Head.Linear, HeadOn.EveryStep), "layer 0 ('lstm'): its shape says 16 units, its weights have 20");
    }

    [Fact]
    public void RtNeuralJson_ModelMismatches_AreNamed()
    {
        Rejects("lstm_1d.json", new ModelShape(1, 0, 0, 9, 1, 1, Head.Linear, HeadOn.EveryStep), "layer 0 ('lstm'): expected 9 units (the model's Hidden), found 8");
        Rejects("lstm_1d.json", new ModelShape(1, 0, 0, 8, 1, 1, Head.Linear, HeadOn.EveryStep, RecurrentCell.Gru), "the model's cell is Gru");
        Rejects("lstm_1d.json", new ModelShape(2, 0, 0, 8, 1, 1, Head.Linear, HeadOn.EveryStep), "in_shape: expected 2 input(s)");
        Rejects("lstm_1d.json", new ModelShape(1, 0, 0, 8, 1, 1, Head.Sigmoid, HeadOn.EveryStep), "the Dense head's activation is Head.Linear; the model's Head is Sigmoid");
        Rejects("lstm_torch.json", new ModelShape(1, 0, 0, 8, 3, 1, Head.Linear, HeadOn.EveryStep), "expected 3 recurrent layer(s)");
        Rejects("gru_torch.json", new ModelShape(1, 0, 0, 8, 4, 1, Head.Linear, HeadOn.EveryStep), "'gru.weight_ih_l0': expected shape [32, 1]", "this looks like a GRU");
    }
}

public sealed class NamFileTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _temp = new();

    public NamFileTests(ITestOutputHelper output) => _output = output;

    private static string Fixture(string file) => TestFiles.Fixture(Path.Combine("nam", file));

    public static TheoryData<string> Models() => new() { "lstm", "lstm2_h4_synthetic" };

    private static ModelShape ShapeOf(string name) => name switch
    {
        // NeuralAmpModelerCore's example_models/lstm.nam: 1 layer of 3 units.
        "lstm" => new ModelShape(1, 0, 0, 3, 1, 1, Head.Linear, HeadOn.EveryStep),
        "lstm2_h4_synthetic" => new ModelShape(1, 0, 0, 4, 2, 1, Head.Linear, HeadOn.EveryStep),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void NamFile_FromItsLearnedInitialState_ReproducesTheReference(string name)
    {
        ModelShape shape = ShapeOf(name);
        using SafetensorsFile io = SafetensorsFile.Open(Fixture(name + ".io.safetensors"));
        float[] x = io.ReadFloat32("input"), expected = io.ReadFloat32("output");
        foreach (ILstmModel model in new ILstmModel[] { new ReferenceLstm(shape), ModelCompiler.CreateModel(shape) })
        {
            NamFile nam = NamFile.Load(Fixture(name + ".nam"), model);
            Assert.Equal(48000, nam.SampleRate);
            var streamed = new float[x.Length];
            LstmState state = nam.CreateState();
            for (int t = 0; t < x.Length; t++) ((IFloatSequenceModel)model).Step(x.AsSpan(t, 1), streamed.AsSpan(t, 1), state);
            var whole = new float[x.Length];
            ((IFloatSequenceModel)model).Predict(x, whole, nam.CreateState());
            double error = ReferenceVectors.MaxNormalisedError(expected, streamed), wholeError = ReferenceVectors.MaxNormalisedError(expected, whole);
            // The initial state matters: from zeros the first outputs differ.
            var fromZero = new float[x.Length];
            ((IFloatSequenceModel)model).Predict(x, fromZero);
            double zeroError = ReferenceVectors.MaxNormalisedError(expected.AsSpan(0, 20), fromZero.AsSpan(0, 20));
            _output.WriteLine($"{name} ({model.GetType().Name}): max-normalised error {error:E2} streamed, {wholeError:E2} whole; from a zero state instead {zeroError:E2} over the first 20 samples");
            Assert.True(error <= 1e-5, $"{error:E2}");
            Assert.True(wholeError <= 1e-5, $"{wholeError:E2}");
            Assert.True(zeroError > 1e-3, "the file's initial state should change the first outputs");
        }
    }

    [Fact]
    public void NamFile_TheExampleModelsMetadata_IsRead()
    {
        NamFile nam = NamFile.Load(Fixture("lstm.nam"), new ReferenceLstm(ShapeOf("lstm")));
        Assert.Equal("0.5.4", nam.Version);
        Assert.Equal("Test LSTM", nam.Name);
    }

    private void Rejects(string json, ModelShape shape, params string[] fragments)
    {
        string path = _temp.Write("m.nam", Encoding.UTF8.GetBytes(json));
        var model = new ReferenceLstm(shape);
        model.Parameters.Fill(7f);
        var e = Assert.Throws<WeightFileException>(() => NamFile.Load(path, model));
        _output.WriteLine(e.Message);
        foreach (string f in fragments) Assert.Contains(f, e.Message);
        Assert.All(model.Parameters.ToArray(), v => Assert.Equal(7f, v));
    }

    [Fact]
    public void NamFile_OtherArchitecturesAndMismatches_AreNamed()
    {
        ModelShape shape = ShapeOf("lstm");
        Rejects("{\"version\":\"0.5.4\",\"architecture\":\"WaveNet\",\"config\":{},\"weights\":[]}", shape, "architecture 'WaveNet' is not supported");
        string lstm = File.ReadAllText(Fixture("lstm.nam"));
        Rejects(lstm, new ModelShape(1, 0, 0, 4, 1, 1, Head.Linear, HeadOn.EveryStep), "hidden_size 3: the model's Hidden is 4");
        Rejects(lstm, new ModelShape(1, 0, 0, 3, 2, 1, Head.Linear, HeadOn.EveryStep), "num_layers 1: the model's Layers is 2");
        Rejects(lstm, new ModelShape(1, 0, 0, 3, 1, 1, Head.Sigmoid, HeadOn.EveryStep), "a linear head of 1 output(s)");
        Rejects(lstm.Replace("\"weights\": [", "\"weights\": [0.5, "), shape, "weights: expected 70 numbers", "found 71");
    }

    public void Dispose() => _temp.Dispose();
}
