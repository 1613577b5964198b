// Keras-style initialisation: each tensor's distribution (bounds and variance of the uniform draws), the recurrent
// kernel orthogonal as one matrix, zero biases with a total forget-gate bias of 1 split over PyTorch's two vectors.
using System;
using System.Linq;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Training.Optimizers;

public sealed class KerasInitTests
{
    private const int H = 32;

    private static readonly ModelShape Lstm = new(inputSize: 0, vocabularySize: 3000, embeddingSize: 24, hiddenSize: H, layerCount: 2, outputSize: 5, Head.Softmax, HeadOn.LastStep);
    private static readonly ModelShape Gru = new(inputSize: 6, vocabularySize: 0, embeddingSize: 0, hiddenSize: H, layerCount: 1, outputSize: 2, Head.Linear, HeadOn.LastStep, RecurrentCell.Gru, bidirectional: true);

    private static float[] Initialised(ModelShape shape, ulong seed = 1)
    {
        var p = new float[shape.ParameterCount];
        ParameterInit.Initialize(shape, p, seed, ParameterInitOptions.Keras);
        return p;
    }

    /// <summary>Every value inside ±bound and the sample variance within 10 % of the uniform's bound²/3.</summary>
    private static void UniformWithin(ReadOnlySpan<float> values, double bound, string what)
    {
        double sum = 0, squares = 0;
        foreach (float v in values)
        {
            Assert.True(Math.Abs(v) <= bound, $"{what}: {v} outside ±{bound}");
            sum += v;
            squares += (double)v * v;
        }
        double mean = sum / values.Length, variance = squares / values.Length - mean * mean;
        Assert.InRange(variance, 0.9 * bound * bound / 3, 1.1 * bound * bound / 3);
        Assert.InRange(Math.Abs(mean), 0, 4 * bound / Math.Sqrt(3 * values.Length));
    }

    private static ReadOnlySpan<float> Tensor(ModelShape shape, float[] p, string name)
    {
        ParameterTensor t = shape.GetTensor(name);
        return p.AsSpan(t.Offset, t.Length);
    }

    [Fact]
    public void LstmTensorsFollowKerasDefaults()
    {
        float[] p = Initialised(Lstm);
        UniformWithin(Tensor(Lstm, p, ModelShape.EmbeddingWeightName), 0.05, "embedding");
        for (int layer = 0; layer < 2; layer++)
        {
            int inputs = Lstm.LayerInputSize(layer);
            UniformWithin(p.AsSpan(Lstm.GetLayerTensor(LayerParameter.WeightIh, layer).Offset, 4 * H * inputs), Math.Sqrt(6.0 / (inputs + 4 * H)), $"weight_ih_l{layer}");
            ParameterTensor bih = Lstm.GetLayerTensor(LayerParameter.BiasIh, layer), bhh = Lstm.GetLayerTensor(LayerParameter.BiasHh, layer);
            for (int r = 0; r < 4 * H; r++)
            {
                float keras = r >= H && r < 2 * H ? 1f : 0f; // Keras' one bias: ones on the forget block (unit_forget_bias)
                Assert.Equal(keras, p[bih.Offset + r] + p[bhh.Offset + r]);
                Assert.Equal(0f, p[bhh.Offset + r]);
            }
        }
        UniformWithin(Tensor(Lstm, p, ModelShape.HeadWeightName), Math.Sqrt(6.0 / (H + 5)), "head");
        Assert.All(Tensor(Lstm, p, ModelShape.HeadBiasName).ToArray(), b => Assert.Equal(0f, b));
    }

    [Fact]
    public void TheRecurrentKernelIsOrthogonalAsOneMatrixNotPerGate()
    {
        float[] p = Initialised(Lstm);
        for (int layer = 0; layer < 2; layer++)
        {
            ParameterTensor w = Lstm.GetLayerTensor(LayerParameter.WeightHh, layer); // [4H, H]
            for (int a = 0; a < H; a++)
            {
                for (int b = 0; b < H; b++)
                {
                    double dot = 0;
                    for (int r = 0; r < 4 * H; r++) dot += (double)p[w.Offset + r * H + a] * p[w.Offset + r * H + b];
                    Assert.True(Math.Abs(dot - (a == b ? 1 : 0)) < 1e-5, $"layer {layer}: column {a}·{b} = {dot}");
                }
            }
            // A single gate block (H × H) then has columns of squared norm about 1/4, not 1: it is not orthogonal by itself.
            double firstBlockNorm = 0;
            for (int r = 0; r < H; r++) firstBlockNorm += (double)p[w.Offset + r * H] * p[w.Offset + r * H];
            Assert.InRange(firstBlockNorm, 0.05, 0.6);
        }
    }

    [Fact]
    public void GruGetsZeroBiasesAndAnOrthogonalKernelPerDirection()
    {
        float[] p = Initialised(Gru);
        for (int direction = 0; direction < 2; direction++)
        {
            Assert.All(p.AsSpan(Gru.GetLayerTensor(LayerParameter.BiasIh, 0, direction).Offset, 3 * H).ToArray(), b => Assert.Equal(0f, b));
            Assert.All(p.AsSpan(Gru.GetLayerTensor(LayerParameter.BiasHh, 0, direction).Offset, 3 * H).ToArray(), b => Assert.Equal(0f, b));
            UniformWithin(p.AsSpan(Gru.GetLayerTensor(LayerParameter.WeightIh, 0, direction).Offset, 3 * H * 6), Math.Sqrt(6.0 / (6 + 3 * H)), "gru weight_ih");
            ParameterTensor w = Gru.GetLayerTensor(LayerParameter.WeightHh, 0, direction);
            double norm = 0;
            for (int r = 0; r < 3 * H; r++) norm += (double)p[w.Offset + r * H + 5] * p[w.Offset + r * H + 5];
            Assert.Equal(1, norm, 5);
        }
    }

    [Fact]
    public void TheOneLineOptionEqualsTheSchemeAndIsSeeded()
    {
        var direct = new float[Lstm.ParameterCount];
        ParameterInit.Keras(Lstm, direct, seed: 1);
        Assert.Equal(direct, Initialised(Lstm, 1));
        Assert.NotEqual(direct, Initialised(Lstm, 2));
        Assert.Equal(InitScheme.Keras, ParameterInitOptions.Keras.Scheme);
    }
}
