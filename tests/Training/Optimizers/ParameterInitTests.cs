// Seeded initialisation: bounds and moments of each scheme, orthogonality, the forget-gate bias, determinism;
// for LSTM and GRU, one or two directions.
using System;
using System.Linq;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Training.Optimizers;

public sealed class ParameterInitTests
{
    private const int H = 64;

    private static readonly ModelShape Shape = new(inputSize: 0, vocabularySize: 2000, embeddingSize: 16, hiddenSize: H, layerCount: 2, outputSize: 5, Head.Linear, HeadOn.LastStep);
    private static readonly ModelShape GruShape = new(inputSize: 0, vocabularySize: 2000, embeddingSize: 16, hiddenSize: H, layerCount: 2, outputSize: 5, Head.Linear, HeadOn.LastStep, RecurrentCell.Gru);
    private static readonly ModelShape BiGruShape = new(inputSize: 0, vocabularySize: 2000, embeddingSize: 16, hiddenSize: H, layerCount: 2, outputSize: 5, Head.Linear, HeadOn.LastStep, RecurrentCell.Gru, bidirectional: true);
    private static readonly ModelShape BiLstmShape = new(inputSize: 7, vocabularySize: 0, embeddingSize: 0, hiddenSize: H, layerCount: 2, outputSize: 3, Head.Softmax, HeadOn.EveryStep, bidirectional: true);

    /// <summary>The shapes every scheme is checked on, by name.</summary>
    public static TheoryData<string> Shapes() => ["lstm", "gru", "bigru", "bilstm"];

    private static ModelShape ShapeNamed(string name) => name switch
    {
        "lstm" => Shape,
        "gru" => GruShape,
        "bigru" => BiGruShape,
        _ => BiLstmShape,
    };

    /// <summary>Every direction's weight_hh of every layer.</summary>
    private static ParameterTensor[] RecurrentWeights(ModelShape shape) =>
        Enumerable.Range(0, shape.LayerCount).SelectMany(l => Enumerable.Range(0, shape.DirectionCount).Select(d => shape.GetLayerTensor(LayerParameter.WeightHh, l, d))).ToArray();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void PyTorchDefaultBoundsAndMoments(string name)
    {
        ModelShape shape = ShapeNamed(name);
        float[] p = new float[shape.ParameterCount];
        ParameterInit.PyTorchDefault(shape, p, seed: 1);
        foreach (ParameterTensor t in shape.Tensors)
        {
            float[] v = p.AsSpan(t.Offset, t.Length).ToArray();
            if (t.Name == ModelShape.EmbeddingWeightName)
                AssertGaussian(v, 0, 1, t.Name);
            else if (t.Name.StartsWith("head.", StringComparison.Ordinal))
                AssertUniform(v, 1 / Math.Sqrt(shape.DirectionCount * H), t.Name); // nn.Linear: 1/√fan_in, fan_in = H or 2H (bidirectional)
            else
                AssertUniform(v, 1 / Math.Sqrt(H), t.Name); // nn.LSTM and nn.GRU, every direction: 1/√H
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void XavierBoundsPerMatrixAndZeroBiases(string name)
    {
        ModelShape shape = ShapeNamed(name);
        float[] p = new float[shape.ParameterCount];
        p.AsSpan().Fill(float.NaN);
        ParameterInit.Xavier(shape, p, seed: 2);
        foreach (ParameterTensor t in shape.Tensors)
        {
            float[] v = p.AsSpan(t.Offset, t.Length).ToArray();
            if (t.Shape.Length == 1)
            {
                Assert.All(v, x => Assert.Equal(0f, x));
                continue;
            }
            int fanOut = t.Shape[0], fanIn = t.Shape[1];
            AssertUniform(v, Math.Sqrt(6.0 / (fanIn + fanOut)), t.Name);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OrthogonalRecurrentBlocksAreOrthogonal(string name)
    {
        ModelShape shape = ShapeNamed(name);
        float[] p = new float[shape.ParameterCount];
        ParameterInit.PyTorchDefault(shape, p, seed: 3);
        float[] before = (float[])p.Clone();
        ParameterInit.Orthogonal(shape, p, seed: 4);
        ParameterTensor[] recurrent = RecurrentWeights(shape);
        Assert.Equal(shape.LayerCount * shape.DirectionCount, recurrent.Length);
        var blocks = new System.Collections.Generic.List<float[]>();
        foreach (ParameterTensor hh in recurrent)
        {
            string tensorName = hh.Name;
            for (int gate = 0; gate < shape.GatesPerUnit; gate++)
            {
                float[] q = p.AsSpan(hh.Offset + gate * H * H, H * H).ToArray();
                blocks.Add(q);
                double worst = 0;
                for (int i = 0; i < H; i++)
                {
                    for (int j = 0; j < H; j++)
                    {
                        double columns = 0, rows = 0;
                        for (int r = 0; r < H; r++)
                        {
                            columns += (double)q[r * H + i] * q[r * H + j];
                            rows += (double)q[i * H + r] * q[j * H + r];
                        }
                        double identity = i == j ? 1 : 0;
                        worst = Math.Max(worst, Math.Max(Math.Abs(columns - identity), Math.Abs(rows - identity)));
                    }
                }
                Assert.True(worst < 1e-5, $"{tensorName} gate {gate}: |QᵀQ − I| and |QQᵀ − I| up to {worst:E2}");
                // Entries of a random orthogonal matrix have mean 0 and variance 1/H.
                AssertMoments(q, 0, 1 / Math.Sqrt(H), 0.1, $"{tensorName} gate {gate}");
            }
        }
        // Every block is a fresh draw, and everything else is untouched.
        Assert.Equal(blocks.Count, blocks.Select(b => b[0]).Distinct().Count());
        for (int i = 0; i < p.Length; i++)
        {
            bool inRecurrent = recurrent.Any(t => i >= t.Offset && i < t.Offset + t.Length);
            if (!inRecurrent) Assert.Equal(before[i], p[i]);
        }
    }

    [Fact]
    public void OrthogonalIsTheQOfTheGaussianMatrixWithPositiveRDiagonal()
    {
        // torch.nn.init.orthogonal_: A = N(0,1) matrix, A = QR, Q·sign(diag R). Then QᵀA = R must be
        // upper triangular with a positive diagonal. The first block's A is the seed's first H² Gaussians.
        var shape = new ModelShape(inputSize: 3, vocabularySize: 0, embeddingSize: 0, hiddenSize: 9, layerCount: 1, outputSize: 0, Head.None, HeadOn.LastStep);
        const int n = 9;
        float[] p = new float[shape.ParameterCount];
        ParameterInit.Orthogonal(shape, p, seed: 77);
        var random = new SeededRandom(77);
        double[] a = Enumerable.Range(0, n * n).Select(_ => random.NextGaussian()).ToArray();
        ReadOnlySpan<float> q = p.AsSpan(shape.GetTensor(ModelShape.WeightHhName(0)).Offset, n * n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double r = 0;
                for (int k = 0; k < n; k++) r += q[k * n + i] * a[k * n + j];
                if (i > j) Assert.True(Math.Abs(r) < 1e-5, $"R[{i},{j}] = {r:E2}, expected 0 below the diagonal");
                if (i == j) Assert.True(r > 0.05, $"R[{i},{i}] = {r}, expected positive");
            }
        }
    }

    [Fact]
    public void ForgetGateBiasSumsToTheValue()
    {
        float[] plain = new float[Shape.ParameterCount], biased = new float[Shape.ParameterCount];
        ParameterInit.Initialize(Shape, plain, seed: 5);
        ParameterInit.Initialize(Shape, biased, seed: 5, new ParameterInitOptions { ForgetGateBias = 1f });
        for (int layer = 0; layer < Shape.LayerCount; layer++)
        {
            ParameterTensor ih = Shape.GetTensor(ModelShape.BiasIhName(layer)), hh = Shape.GetTensor(ModelShape.BiasHhName(layer));
            for (int row = 0; row < 4 * H; row++)
            {
                bool forget = row >= H && row < 2 * H;
                Assert.Equal(forget ? 1f : plain[ih.Offset + row], biased[ih.Offset + row]);
                Assert.Equal(forget ? 0f : plain[hh.Offset + row], biased[hh.Offset + row]);
            }
            // Only the biases' f blocks changed.
            int changed = Enumerable.Range(0, plain.Length).Count(i => plain[i] != biased[i]);
            Assert.True(changed <= 2 * H * Shape.LayerCount);
        }
    }

    [Fact]
    public void ForgetGateBiasCoversBothDirectionsOfABidirectionalLstm()
    {
        float[] plain = new float[BiLstmShape.ParameterCount], biased = new float[BiLstmShape.ParameterCount];
        ParameterInit.Initialize(BiLstmShape, plain, seed: 5);
        ParameterInit.Initialize(BiLstmShape, biased, seed: 5, new ParameterInitOptions { ForgetGateBias = 2f });
        int touched = 0;
        for (int layer = 0; layer < BiLstmShape.LayerCount; layer++)
        {
            for (int direction = 0; direction < 2; direction++)
            {
                ParameterTensor ih = BiLstmShape.GetLayerTensor(LayerParameter.BiasIh, layer, direction);
                ParameterTensor hh = BiLstmShape.GetLayerTensor(LayerParameter.BiasHh, layer, direction);
                for (int row = H; row < 2 * H; row++)
                {
                    Assert.Equal(2f, biased[ih.Offset + row]);
                    Assert.Equal(0f, biased[hh.Offset + row]);
                }
                touched += 2 * H;
            }
        }
        Assert.True(Enumerable.Range(0, plain.Length).Count(i => plain[i] != biased[i]) <= touched);
    }

    [Fact]
    public void ForgetGateBiasIsRefusedForAGruBeforeAnythingIsWritten()
    {
        float[] p = Enumerable.Repeat(7f, GruShape.ParameterCount).ToArray();
        var e = Assert.Throws<ArgumentException>(() => ParameterInit.Initialize(GruShape, p, seed: 5, new ParameterInitOptions { ForgetGateBias = 1f }));
        Assert.Equal("options", e.ParamName);
        Assert.Contains("LSTMs only", e.Message);
        Assert.Contains("no forget gate", e.Message);
        Assert.Contains("ForgetGateBias null", e.Message);
        Assert.All(p, v => Assert.Equal(7f, v));

        e = Assert.Throws<ArgumentException>(() => ParameterInit.SetForgetGateBias(BiGruShape, new float[BiGruShape.ParameterCount]));
        Assert.Contains("Gru", e.Message);

        // Without the option a GRU initialises like any model: PyTorch's bounds, orthogonal blocks.
        ParameterInit.Initialize(GruShape, p, seed: 5, new ParameterInitOptions { OrthogonalRecurrent = true });
        Assert.DoesNotContain(7f, p);
    }

    [Fact]
    public void InitializeCombinesTheOptionsInOrder()
    {
        var options = new ParameterInitOptions { Scheme = InitScheme.Xavier, OrthogonalRecurrent = true, ForgetGateBias = 1f };
        float[] combined = new float[Shape.ParameterCount], manual = new float[Shape.ParameterCount];
        ParameterInit.Initialize(Shape, combined, seed: 6, options);
        var random = new SeededRandom(6);
        ParameterInit.Xavier(Shape, manual, random);
        ParameterInit.Orthogonal(Shape, manual, random);
        ParameterInit.SetForgetGateBias(Shape, manual);
        Assert.Equal(manual, combined);
    }

    [Fact]
    public void SameSeedSameValuesOtherSeedOtherValues()
    {
        float[] a = new float[Shape.ParameterCount], b = new float[Shape.ParameterCount], c = new float[Shape.ParameterCount];
        var options = new ParameterInitOptions { OrthogonalRecurrent = true };
        ParameterInit.Initialize(Shape, a, seed: 8, options);
        ParameterInit.Initialize(Shape, b, seed: 8, options);
        ParameterInit.Initialize(Shape, c, seed: 9, options);
        Assert.Equal(a, b);
        Assert.True(a.Zip(c).Count(x => x.First == x.Second) < a.Length / 100);
    }

    [Fact]
    public void BlockOfTheWrongLengthIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => ParameterInit.PyTorchDefault(Shape, new float[Shape.ParameterCount - 1], seed: 1));
        Assert.Equal("parameters", e.ParamName);
        Assert.Contains($"{Shape.ParameterCount}", e.Message);
        Assert.Contains($"{Shape.ParameterCount - 1}", e.Message);
        Assert.Throws<ArgumentException>(() => ParameterInit.SetForgetGateBias(Shape, new float[3]));
        Assert.Throws<ArgumentNullException>(() => ParameterInit.Xavier(Shape, new float[Shape.ParameterCount], random: null!));
    }

    /// <summary>Inside [−b, b], reaching close to both ends, mean 0 and standard deviation b/√3 within 5 standard errors.</summary>
    private static void AssertUniform(float[] v, double bound, string name)
    {
        float b = (float)bound;
        Assert.All(v, x => Assert.True(x >= -b && x <= b, $"{name}: {x} outside ±{b}"));
        if (v.Length >= 100)
        {
            Assert.True(v.Max() > 0.9 * b && v.Min() < -0.9 * b, $"{name}: range [{v.Min()}, {v.Max()}] does not fill ±{b}");
        }
        // Standard error of the variance of U(−b, b): √((E[x⁴] − E[x²]²)/n) = √(4/45)·b²/√n.
        double n = v.Length;
        double mean = v.Average(x => (double)x);
        double variance = v.Average(x => (double)x * x) - mean * mean;
        Assert.True(Math.Abs(mean) <= 5 * bound / Math.Sqrt(3 * n), $"{name}: mean {mean} (bound {bound}, n {n})");
        Assert.True(Math.Abs(variance - bound * bound / 3) <= 5 * Math.Sqrt(4.0 / 45) * bound * bound / Math.Sqrt(n) + 1e-12,
            $"{name}: variance {variance}, expected {bound * bound / 3}");
    }

    /// <summary>Mean and standard deviation of N(mean, std) within 5 standard errors.</summary>
    private static void AssertGaussian(float[] v, double mean, double std, string name)
    {
        double n = v.Length;
        double m = v.Average(x => (double)x);
        double s = Math.Sqrt(v.Average(x => ((double)x - m) * ((double)x - m)));
        Assert.True(Math.Abs(m - mean) <= 5 * std / Math.Sqrt(n), $"{name}: mean {m}, expected {mean}");
        Assert.True(Math.Abs(s - std) <= 5 * std / Math.Sqrt(2 * n), $"{name}: std {s}, expected {std}");
    }

    /// <summary>Mean within <paramref name="relative"/>·std and standard deviation within <paramref name="relative"/> of the expected.</summary>
    private static void AssertMoments(float[] v, double mean, double std, double relative, string name)
    {
        double m = v.Average(x => (double)x);
        double s = Math.Sqrt(v.Average(x => ((double)x - m) * ((double)x - m)));
        Assert.True(Math.Abs(m - mean) <= relative * std, $"{name}: mean {m}");
        Assert.True(Math.Abs(s - std) <= relative * std, $"{name}: std {s}, expected {std}");
    }
}
