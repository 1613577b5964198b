// The Keras importer: Keras-named tensors built from PyTorch-layout models by the inverse mapping (written here,
// independently of the loader) must compute what the original computes; a 1-unit LSTM is checked against numbers by hand.
using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.IO;
using LstmGen.Keras;
using LstmGen.Reference;
using Xunit;

namespace LstmGen.Tests.IO;

public sealed class KerasWeightsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
    }

    private static float[] Part(ModelShape shape, float[] p, string name) => p.AsSpan(shape.GetTensor(name).Offset, shape.GetTensor(name).Length).ToArray();

    /// <summary>
    /// Keras tensors of one layer and direction from the PyTorch block. LSTM: column blocks i,f,c,o = PyTorch rows i,f,g,o,
    /// one bias = b_ih + b_hh. GRU: Keras block z,r,h takes PyTorch block 1,0,2; bias rows [input; recurrent].
    /// </summary>
    private static void AddKerasCell(List<(string, float[], int[])> tensors, string prefix, ModelShape shape, float[] p, int layer, int direction)
    {
        int h = shape.HiddenSize, g = shape.GatesPerUnit, input = shape.LayerInputSize(layer);
        bool gru = shape.Cell == RecurrentCell.Gru;
        float[] wIh = Part(shape, p, shape.LayerTensorName(LayerParameter.WeightIh, layer, direction));
        float[] wHh = Part(shape, p, shape.LayerTensorName(LayerParameter.WeightHh, layer, direction));
        float[] bIh = Part(shape, p, shape.LayerTensorName(LayerParameter.BiasIh, layer, direction));
        float[] bHh = Part(shape, p, shape.LayerTensorName(LayerParameter.BiasHh, layer, direction));
        var kernel = new float[input * g * h];
        var recurrent = new float[h * g * h];
        var bias = new float[(gru ? 2 : 1) * g * h];
        for (int q = 0; q < g; q++)
        {
            int t = gru ? new[] { 1, 0, 2 }[q] : q;
            for (int j = 0; j < h; j++)
            {
                for (int c = 0; c < input; c++) kernel[c * g * h + q * h + j] = wIh[(t * h + j) * input + c];
                for (int c = 0; c < h; c++) recurrent[c * g * h + q * h + j] = wHh[(t * h + j) * h + c];
                if (gru)
                {
                    bias[q * h + j] = bIh[t * h + j];
                    bias[g * h + q * h + j] = bHh[t * h + j];
                }
                else bias[q * h + j] = bIh[t * h + j] + bHh[t * h + j];
            }
        }
        tensors.Add((prefix + "/kernel", kernel, new[] { input, g * h }));
        tensors.Add((prefix + "/recurrent_kernel", recurrent, new[] { h, g * h }));
        tensors.Add((prefix + "/bias", bias, gru ? new[] { 2, g * h } : new[] { g * h }));
    }

    private static void AddDense(List<(string, float[], int[])> tensors, string prefix, ModelShape shape, float[] p)
    {
        int o = shape.OutputSize, f = shape.LayerOutputSize;
        float[] weight = Part(shape, p, ModelShape.HeadWeightName);
        var kernel = new float[f * o];
        for (int r = 0; r < o; r++) for (int c = 0; c < f; c++) kernel[c * o + r] = weight[r * f + c];
        tensors.Add((prefix + "/kernel", kernel, new[] { f, o }));
        tensors.Add((prefix + "/bias", Part(shape, p, ModelShape.HeadBiasName), new[] { o }));
    }

    private string Write(string file, IEnumerable<(string Name, float[] Data, int[] Shape)> tensors)
    {
        var writer = new SafetensorsWriter();
        foreach (var (name, data, shape) in tensors) writer.Add(name, data, shape);
        string path = _temp.File(file);
        writer.Save(path);
        return path;
    }

    private static float[] Run(ModelShape shape, float[] parameters, float[]? inputs, int[]? tokens)
    {
        var model = new ReferenceLstm(shape);
        parameters.CopyTo(model.Parameters);
        model.ParametersChanged();
        int steps = tokens?.Length ?? inputs!.Length / shape.InputSize;
        var output = new float[shape.OutputLength(steps)];
        if (tokens is not null) model.Predict(tokens, output);
        else model.Predict(inputs!, output);
        return output;
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        double scale = expected.Max(v => Math.Abs((double)v));
        double error = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max() / scale;
        Assert.True(error <= tolerance, $"max-normalised error {error:E3} > {tolerance:E1}");
    }

    [Fact]
    public void TokenLstm_TfKerasNames_ComputesWhatTheOriginalComputes()
    {
        var shape = new ModelShape(0, 9, 4, 5, 2, 2, Head.Linear, HeadOn.LastStep);
        float[] original = Random(shape.ParameterCount, 1);
        var tensors = new List<(string, float[], int[])> { ("embedding/embeddings", Part(shape, original, ModelShape.EmbeddingWeightName), new[] { 9, 4 }) };
        AddKerasCell(tensors, "lstm/lstm_cell", shape, original, 0, 0);
        AddKerasCell(tensors, "lstm_1/lstm_cell_1", shape, original, 1, 0);
        AddDense(tensors, "dense", shape, original);
        string path = Write("tf.safetensors", tensors.Select(t => (t.Item1 + ":0", t.Item2, t.Item3))); // tf.keras variable names

        var loaded = new float[shape.ParameterCount];
        BlockLoads.Into(m => KerasWeights.Load(path, m), shape, loaded);
        for (int k = 0; k < 2; k++)
        {
            Assert.Equal(Part(shape, original, ModelShape.WeightIhName(k)), Part(shape, loaded, ModelShape.WeightIhName(k)));
            Assert.Equal(Part(shape, original, ModelShape.WeightHhName(k)), Part(shape, loaded, ModelShape.WeightHhName(k)));
            Assert.All(Part(shape, loaded, ModelShape.BiasHhName(k)), v => Assert.Equal(0f, v));
        }
        int[] tokens = { 3, 0, 8, 5, 5, 1, 7 };
        AssertClose(Run(shape, original, null, tokens), Run(shape, loaded, null, tokens), 1e-6);
    }

    [Fact]
    public void BidirectionalGru_Keras3Names_LoadsExactly()
    {
        var shape = new ModelShape(3, 0, 0, 4, 2, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru, bidirectional: true);
        float[] original = Random(shape.ParameterCount, 2);
        var tensors = new List<(string, float[], int[])>();
        AddKerasCell(tensors, "bidirectional/forward_gru/gru_cell", shape, original, 0, 0);
        AddKerasCell(tensors, "bidirectional/backward_gru/gru_cell", shape, original, 0, 1);
        AddKerasCell(tensors, "bidirectional_1/forward_gru_1/gru_cell", shape, original, 1, 0);
        AddKerasCell(tensors, "bidirectional_1/backward_gru_1/gru_cell", shape, original, 1, 1);
        var loaded = new float[shape.ParameterCount];
        BlockLoads.Into(m => KerasWeights.Load(Write("bigru.safetensors", tensors), m), shape, loaded);
        Assert.Equal(original, loaded); // reset_after=True keeps both biases: nothing is summed
    }

    [Fact]
    public void BidirectionalLstm_WithDenseHead_ComputesWhatTheOriginalComputes()
    {
        var shape = new ModelShape(3, 0, 0, 4, 1, 2, Head.Sigmoid, HeadOn.LastStep, bidirectional: true);
        float[] original = Random(shape.ParameterCount, 3);
        var tensors = new List<(string, float[], int[])>();
        AddKerasCell(tensors, "bidirectional/forward_lstm/lstm_cell", shape, original, 0, 0);
        AddKerasCell(tensors, "bidirectional/backward_lstm/lstm_cell", shape, original, 0, 1);
        AddDense(tensors, "dense", shape, original);
        var loaded = new float[shape.ParameterCount];
        BlockLoads.Into(m => KerasWeights.Load(Write("bilstm.safetensors", tensors), m), shape, loaded);
        float[] inputs = Random(3 * 6, 4);
        AssertClose(Run(shape, original, inputs, null), Run(shape, loaded, inputs, null), 1e-6);
    }

    [Fact]
    public void OneUnitLstm_MatchesTheHandComputedSteps()
    {
        // Keras gate columns i, f, c, o. Worked out by hand (double precision):
        //   t=0: x=0.7, h=c=0: z = 0.7k + b = [0.45, 0.79, 0.36, 0.19]; c = σ(0.45)·tanh(0.36) = 0.2108012; h = σ(0.19)·tanh(c) = 0.1137044
        //   t=1: x=-1.2: z = -1.2k + 0.1137044r + b; c = σ(z_f)·0.2108012 + σ(z_i)·tanh(z_c) = -0.1490810; h = σ(z_o)·tanh(c) = -0.0682375
        float[] kernel = { 0.5f, -0.3f, 0.8f, 0.2f }, recurrent = { 0.1f, 0.2f, -0.4f, 0.3f }, bias = { 0.1f, 1.0f, -0.2f, 0.05f };
        string path = Write("one.safetensors", new[] { ("lstm/kernel", kernel, new[] { 1, 4 }), ("lstm/recurrent_kernel", recurrent, new[] { 1, 4 }), ("lstm/bias", bias, new[] { 4 }) });
        var shape = new ModelShape(1, 0, 0, 1, 1, 0, Head.None, HeadOn.EveryStep);
        var loaded = new float[shape.ParameterCount];
        BlockLoads.Into(m => KerasWeights.Load(path, m), shape, loaded);
        Assert.Equal(kernel, Part(shape, loaded, "lstm.weight_ih_l0"));
        Assert.Equal(recurrent, Part(shape, loaded, "lstm.weight_hh_l0"));
        Assert.Equal(bias, Part(shape, loaded, "lstm.bias_ih_l0"));
        float[] h = Run(shape, loaded, new[] { 0.7f, -1.2f }, null);
        Assert.Equal(0.11370439599203422, h[0], 1e-6);
        Assert.Equal(-0.0682374633854574, h[1], 1e-6);
    }

    /// <summary>
    /// tests/Fixtures/keras/emb5x2_gru_h2_dense1.safetensors was written by tools/export_keras.py's <c>export</c> from a stub
    /// model (variables with <c>path</c> and <c>numpy()</c>; Keras itself is not installable here): Embedding(5, 2) → GRU(2,
    /// reset_after=True) → Dense(1). The expected output comes from Keras' GRU equations written out below in double,
    /// on the Keras tensors as stored: nothing of PyTorch's layout is involved.
    /// </summary>
    [Fact]
    public void ExportKerasFile_GruResetAfter_MatchesKerasEquations()
    {
        string path = TestFiles.Fixture(System.IO.Path.Combine("keras", "emb5x2_gru_h2_dense1.safetensors"));
        var shape = new ModelShape(0, 5, 2, 2, 1, 1, Head.Linear, HeadOn.LastStep, RecurrentCell.Gru);
        var loaded = new float[shape.ParameterCount];
        BlockLoads.Into(m => KerasWeights.Load(path, m), shape, loaded);

        using var file = SafetensorsFile.Open(path);
        float[] table = file.ReadFloat32("embedding/embeddings"), kernel = file.ReadFloat32("gru/gru_cell/kernel");
        float[] recurrent = file.ReadFloat32("gru/gru_cell/recurrent_kernel"), bias = file.ReadFloat32("gru/gru_cell/bias");
        float[] dense = file.ReadFloat32("dense/kernel"), denseBias = file.ReadFloat32("dense/bias");
        int[] tokens = { 4, 0, 3, 1, 1 };
        const int H = 2, G = 3 * H;
        double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        // Keras: columns z | r | h; x·W + b_in, h·U + b_rec; hh = tanh(xW_h + b_in_h + r ∘ (hU_h + b_rec_h)); h' = z∘h + (1−z)∘hh.
        var h = new double[H];
        foreach (int token in tokens)
        {
            var xw = new double[G];
            var hu = new double[G];
            for (int col = 0; col < G; col++)
            {
                xw[col] = bias[col];
                hu[col] = bias[G + col];
                for (int i = 0; i < 2; i++) xw[col] += table[token * 2 + i] * kernel[i * G + col];
                for (int i = 0; i < H; i++) hu[col] += h[i] * recurrent[i * G + col];
            }
            var next = new double[H];
            for (int j = 0; j < H; j++)
            {
                double z = Sigmoid(xw[j] + hu[j]), r = Sigmoid(xw[H + j] + hu[H + j]);
                double candidate = Math.Tanh(xw[2 * H + j] + r * hu[2 * H + j]);
                next[j] = z * h[j] + (1 - z) * candidate;
            }
            h = next;
        }
        double expected = denseBias[0] + h[0] * dense[0] + h[1] * dense[1];

        float[] output = Run(shape, loaded, null, tokens);
        Assert.Equal(expected, output[0], 1e-6);
    }

    private WeightFileException Rejects(string path, ModelShape shape, params string[] fragments)
    {
        var model = new ReferenceLstm(shape);
        model.Parameters.Fill(7f);
        var e = Assert.Throws<WeightFileException>(() => KerasWeights.Load(path, model));
        foreach (string f in fragments) Assert.Contains(f, e.Message);
        Assert.All(model.Parameters.ToArray(), v => Assert.Equal(7f, v));
        return e;
    }

    private static readonly ModelShape s_gru = new(3, 0, 0, 2, 1, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru);
    private static readonly ModelShape s_lstm = new(3, 0, 0, 2, 1, 0, Head.None, HeadOn.EveryStep);

    [Fact]
    public void GruResetAfterFalse_IsRejected() =>
        Rejects(Write("ra.safetensors", new[] { ("gru/kernel", new float[18], new[] { 3, 6 }), ("gru/recurrent_kernel", new float[12], new[] { 2, 6 }), ("gru/bias", new float[6], new[] { 6 }) }),
            s_gru, "'gru/bias'", "reset_after=False", "different function");

    [Fact]
    public void MissingBias_IsRejected() =>
        Rejects(Write("nb.safetensors", new[] { ("lstm/kernel", new float[24], new[] { 3, 8 }), ("lstm/recurrent_kernel", new float[16], new[] { 2, 8 }) }),
            s_lstm, "'lstm/bias': expected a bias", "use_bias=False");

    [Fact]
    public void LstmFileIntoGruModel_SaysSo() =>
        Rejects(Write("lg.safetensors", new[] { ("lstm/kernel", new float[24], new[] { 3, 8 }), ("lstm/recurrent_kernel", new float[16], new[] { 2, 8 }), ("lstm/bias", new float[8], new[] { 8 }) }),
            s_gru, "'lstm/kernel': expected shape [3, 6], found [3, 8]", "looks like an LSTM");

    [Fact]
    public void ExtraTensor_IsRejected() =>
        Rejects(Write("ex.safetensors", new[] { ("lstm/kernel", new float[24], new[] { 3, 8 }), ("lstm/recurrent_kernel", new float[16], new[] { 2, 8 }), ("lstm/bias", new float[8], new[] { 8 }), ("batch_normalization/gamma", new float[2], new[] { 2 }) }),
            s_lstm, "'batch_normalization/gamma': not a weight of the model");

    [Fact]
    public void BidirectionalFile_IntoUnidirectionalModel_IsRejected()
    {
        var tensors = new List<(string, float[], int[])>();
        foreach (string d in new[] { "forward_lstm", "backward_lstm" })
        {
            tensors.Add(($"bidirectional/{d}/lstm_cell/kernel", new float[24], new[] { 3, 8 }));
            tensors.Add(($"bidirectional/{d}/lstm_cell/recurrent_kernel", new float[16], new[] { 2, 8 }));
            tensors.Add(($"bidirectional/{d}/lstm_cell/bias", new float[8], new[] { 8 }));
        }
        Rejects(Write("bi.safetensors", tensors), s_lstm, "backward_lstm", "the model is not bidirectional");
    }

    [Fact]
    public void NoRecurrentLayer_IsRejected() =>
        Rejects(Write("d.safetensors", new[] { ("dense/kernel", new float[6], new[] { 3, 2 }), ("dense/bias", new float[2], new[] { 2 }) }), s_lstm, "expected 1 LSTM layer(s)", "found 0");
}
