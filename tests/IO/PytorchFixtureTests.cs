// A state_dict exported from real PyTorch (tools/make_pytorch_fixture.py) with renamed modules must load
// with no options, and the loaded block must reproduce PyTorch's outputs: proof every tensor is in place.
using System;
using LstmGen.IO;
using Xunit;

namespace LstmGen.Tests.IO;

public sealed class PytorchFixtureTests
{
    private static readonly ModelShape s_shape = new(inputSize: 0, vocabularySize: 27, embeddingSize: 8, hiddenSize: 14, layerCount: 1, outputSize: 3, Head.Softmax, HeadOn.LastStep);

    private static string WeightsPath => TestFiles.Fixture("pytorch_renamed_modules.safetensors");
    private static string IoPath => TestFiles.Fixture("pytorch_renamed_modules.io.safetensors");

    [Fact]
    public void RenamedModules_LoadWithNoOptions_AtTheCanonicalOffsets()
    {
        var parameters = new float[s_shape.ParameterCount];
        ModelWeights.Load(WeightsPath, s_shape, parameters);

        using var file = SafetensorsFile.Open(WeightsPath);
        (string Canonical, string InFile)[] pairs =
        {
            ("embed.weight", "embed_layer.weight"),
            ("lstm.weight_ih_l0", "lstm_layer.weight_ih_l0"),
            ("lstm.weight_hh_l0", "lstm_layer.weight_hh_l0"),
            ("lstm.bias_ih_l0", "lstm_layer.bias_ih_l0"),
            ("lstm.bias_hh_l0", "lstm_layer.bias_hh_l0"),
            ("head.weight", "linear_layer.weight"),
            ("head.bias", "linear_layer.bias"),
        };
        Assert.Equal(pairs.Length, file.Names.Count);
        foreach (var (canonical, inFile) in pairs)
        {
            var tensor = s_shape.GetTensor(canonical);
            Assert.Equal(tensor.Shape.ToArray(), file.GetInfo(inFile).Shape.ToArray());
            Assert.Equal(file.ReadFloat32(inFile), parameters.AsSpan(tensor.Offset, tensor.Length).ToArray());
        }
    }

    [Fact]
    public void LoadedWeights_ReproducePytorchOutputs()
    {
        var parameters = new float[s_shape.ParameterCount];
        ModelWeights.Load(WeightsPath, s_shape, parameters);

        using var io = SafetensorsFile.Open(IoPath);
        var input = io.GetInfo("input");
        int batch = input.Shape[0], steps = input.Shape[1];
        int[] tokens = io.ReadInt32("input");
        double[] expectedRnn = io.ReadFloat64("expected.rnn_output.f64");
        double[] expectedLogits = io.ReadFloat64("expected.logits.f64");
        double[] expectedOutput = io.ReadFloat64("expected.output.f64");
        double[] expectedH = io.ReadFloat64("expected.h_n.f64");
        double[] expectedC = io.ReadFloat64("expected.c_n.f64");
        float[] pytorchF32Output = io.ReadFloat32("expected.output");

        int hidden = s_shape.HiddenSize;
        for (int b = 0; b < batch; b++)
        {
            var (rnn, h, c, logits, output) = Forward(parameters, tokens.AsSpan(b * steps, steps));
            // Same float32 weights, both computed in float64: only summation order differs.
            AssertClose(expectedRnn.AsSpan(b * steps * hidden, steps * hidden), rnn, 1e-12);
            AssertClose(expectedH.AsSpan(b * hidden, hidden), h, 1e-12);
            AssertClose(expectedC.AsSpan(b * hidden, hidden), c, 1e-12);
            AssertClose(expectedLogits.AsSpan(b * 3, 3), logits, 1e-12);
            AssertClose(expectedOutput.AsSpan(b * 3, 3), output, 1e-12);
            for (int k = 0; k < 3; k++) Assert.Equal(output[k], pytorchF32Output[b * 3 + k], 1e-6);
        }
    }

    /// <summary>A plain double-precision LSTM from the README's equations, reading the canonical parameter block.</summary>
    private static (double[] Rnn, double[] H, double[] C, double[] Logits, double[] Output) Forward(float[] p, ReadOnlySpan<int> tokens)
    {
        int e = s_shape.EmbeddingSize, n = s_shape.HiddenSize, o = s_shape.OutputSize;
        int emb = s_shape.GetTensor("embed.weight").Offset;
        int wih = s_shape.GetTensor("lstm.weight_ih_l0").Offset, whh = s_shape.GetTensor("lstm.weight_hh_l0").Offset;
        int bih = s_shape.GetTensor("lstm.bias_ih_l0").Offset, bhh = s_shape.GetTensor("lstm.bias_hh_l0").Offset;
        int hw = s_shape.GetTensor("head.weight").Offset, hb = s_shape.GetTensor("head.bias").Offset;

        var h = new double[n];
        var c = new double[n];
        var z = new double[4 * n];
        var rnn = new double[tokens.Length * n];
        static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
        for (int t = 0; t < tokens.Length; t++)
        {
            int x = emb + tokens[t] * e;
            for (int r = 0; r < 4 * n; r++)
            {
                double sum = p[bih + r] + (double)p[bhh + r];
                for (int j = 0; j < e; j++) sum += (double)p[wih + r * e + j] * p[x + j];
                for (int j = 0; j < n; j++) sum += (double)p[whh + r * n + j] * h[j];
                z[r] = sum;
            }
            for (int u = 0; u < n; u++)
            {
                double i = Sigmoid(z[u]), f = Sigmoid(z[n + u]), g = Math.Tanh(z[2 * n + u]), og = Sigmoid(z[3 * n + u]);
                c[u] = f * c[u] + i * g;
                h[u] = og * Math.Tanh(c[u]);
                rnn[t * n + u] = h[u];
            }
        }
        var logits = new double[o];
        for (int k = 0; k < o; k++)
        {
            double sum = p[hb + k];
            for (int j = 0; j < n; j++) sum += (double)p[hw + k * n + j] * h[j];
            logits[k] = sum;
        }
        double max = Math.Max(logits[0], Math.Max(logits[1], logits[2]));
        double total = 0;
        var output = new double[o];
        for (int k = 0; k < o; k++) total += output[k] = Math.Exp(logits[k] - max);
        for (int k = 0; k < o; k++) output[k] /= total;
        return (rnn, h, c, logits, output);
    }

    private static void AssertClose(ReadOnlySpan<double> expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"index {i}: expected {expected[i]:R}, found {actual[i]:R}");
    }
}
