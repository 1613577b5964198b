// The runtime's loop kernels (PackedMatrix: the products of the scalar path, compact models, heads and projections;
// LaneKernels: the lock-step lanes' products) on every vector width against plain double-precision loops, with column
// counts that exercise every tile size and remainder.
using System;
using System.Linq;
using System.Runtime.Intrinsics;
using LstmGen.CompilerServices;
using Xunit;

namespace LstmGen.Tests.Numeric;

public sealed class LoopKernelTests
{
    public static TheoryData<string, int> WidthsAndColumns()
    {
        var data = new TheoryData<string, int>();
        foreach (string width in new[] { "512", "256", "128", "scalar" })
            foreach (int columns in new[] { 16, 48, 80, 320, 1088 })
                data.Add(width, columns);
        return data;
    }

    private static float[] Random(Random random, int count, double scale = 1) => Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();

    private static void AssertClose(double expected, float actual, double scale, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Max(1, scale), $"{what}: {actual:R}, expected {expected:R}");

    [Theory]
    [MemberData(nameof(WidthsAndColumns))]
    public void ForwardOfThreeRunsIsTheSumOfProducts(string width, int columns)
    {
        var random = new Random(columns);
        int[] counts = { 5, 0, 9 };
        float[] initial = Random(random, columns), rows = Random(random, counts.Sum() * columns);
        float[] x0 = Random(random, counts[0]), x1 = Random(random, 1), x2 = Random(random, counts[2]);
        ushort[] half = rows.Select(BFloat16.FromSingle).ToArray();
        void Check<T>() where T : struct
        {
            float[] y = new float[columns], yh = new float[columns], y2 = new float[columns];
            PackedMatrix.Forward<T>(ref initial[0], ref rows[0], (nuint)columns, ref x0[0], 5, ref x1[0], 0, ref x2[0], 9, ref y[0]);
            PackedMatrix.ForwardBFloat16<T>(ref initial[0], ref half[0], (nuint)columns, ref x0[0], 5, ref x2[0], 9, ref yh[0]);
            PackedMatrix.Forward<T>(ref initial[0], ref rows[0], (nuint)columns, ref x0[0], 5, ref y2[0]);
            for (int c = 0; c < columns; c++)
            {
                double sum = initial[c], sumHalf = initial[c], first = initial[c];
                for (int j = 0; j < 5; j++)
                {
                    sum += (double)x0[j] * rows[j * columns + c];
                    sumHalf += (double)x0[j] * BFloat16.ToSingle(half[j * columns + c]);
                    first += (double)x0[j] * rows[j * columns + c];
                }
                for (int j = 0; j < 9; j++)
                {
                    sum += (double)x2[j] * rows[(5 + j) * columns + c];
                    sumHalf += (double)x2[j] * BFloat16.ToSingle(half[(5 + j) * columns + c]);
                }
                AssertClose(sum, y[c], 1, $"{width}: column {c}");
                AssertClose(sumHalf, yh[c], 1, $"{width}: bfloat16 column {c}");
                AssertClose(first, y2[c], 1, $"{width}: one run, column {c}");
            }
        }
        CellTests.OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    [Theory]
    [MemberData(nameof(WidthsAndColumns))]
    public void BackwardAddsGradientsAndTransposedProducts(string width, int columns)
    {
        var random = new Random(columns + 1);
        int[] counts = { 4, 3, 6 };
        float[] weights = Random(random, (1 + counts.Sum()) * columns), d = Random(random, columns), start = Random(random, weights.Length);
        float[][] x = counts.Select(n => Random(random, n)).ToArray();
        void Check<T>() where T : struct
        {
            float[] g = (float[])start.Clone();
            float[][] dx = counts.Select(n => Enumerable.Repeat(0.5f, n).ToArray()).ToArray();
            PackedMatrix.Backward<T>(ref weights[0], ref g[0], (nuint)columns, ref d[0], ref x[0][0], 4, ref dx[0][0], ref x[1][0], 3, ref dx[1][0], ref x[2][0], 6, ref dx[2][0]);
            for (int c = 0; c < columns; c++) AssertClose(start[c] + (double)d[c], g[c], 1, $"{width}: bias row, column {c}");
            int row = 1;
            for (int r = 0; r < 3; r++)
            {
                for (int j = 0; j < counts[r]; j++, row++)
                {
                    double sum = 0.5;
                    for (int c = 0; c < columns; c++)
                    {
                        sum += (double)weights[row * columns + c] * d[c];
                        AssertClose(start[row * columns + c] + (double)x[r][j] * d[c], g[row * columns + c], 1, $"{width}: gradient row {row}, column {c}");
                    }
                    AssertClose(sum, dx[r][j], Math.Sqrt(columns), $"{width}: dx of run {r}, input {j}");
                }
            }
        }
        CellTests.OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    [Theory]
    [MemberData(nameof(WidthsAndColumns))]
    public void FourStepsAreFourProducts(string width, int columns)
    {
        var random = new Random(columns + 2);
        const int count = 7, stride = 16;
        float[] bias = Random(random, columns), rows = Random(random, count * columns), x = Random(random, 3 * stride + count);
        void Check<T>() where T : struct
        {
            float[] y = new float[4 * columns];
            PackedMatrix.ForwardFourSteps<T>(ref bias[0], ref rows[0], (nuint)columns, ref x[0], count, stride, ref y[0]);
            for (int s = 0; s < 4; s++)
            {
                for (int c = 0; c < columns; c++)
                {
                    double sum = bias[c];
                    for (int j = 0; j < count; j++) sum += (double)x[s * stride + j] * rows[j * columns + c];
                    AssertClose(sum, y[s * columns + c], 1, $"{width}: step {s}, column {c}");
                }
            }
        }
        CellTests.OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    [Theory]
    [InlineData("512")]
    [InlineData("256")]
    [InlineData("128")]
    [InlineData("scalar")]
    public void DotRowsAreTheHeadsLogits(string width)
    {
        var random = new Random(3);
        const int hidden = 37, padded = 48, outputs = 3;
        float[] weight = Random(random, outputs * hidden), bias = Random(random, outputs), h = Random(random, padded);
        for (int u = hidden; u < padded; u++) h[u] = 0;
        float[] rows = new float[GateLayout.HeadRowsLength(hidden, outputs)];
        GateLayout.PackHeadRows(weight, bias, hidden, outputs, rows);
        void Check<T>() where T : struct
        {
            float[] y = new float[outputs];
            PackedMatrix.DotRows<T>(ref rows[0], ref h[0], padded, outputs, ref y[0]);
            for (int o = 0; o < outputs; o++)
                AssertClose(bias[o] + Enumerable.Range(0, hidden).Sum(u => (double)weight[o * hidden + u] * h[u]), y[o], 1, $"{width}: output {o}");
        }
        CellTests.OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    public static TheoryData<string, int> WidthsAndLanes()
    {
        var data = new TheoryData<string, int>();
        foreach (string width in new[] { "512", "256", "128", "scalar" })
            foreach (int lanes in new[] { 4, 8, 12 })
                data.Add(width, lanes);
        return data;
    }

    [Theory]
    [MemberData(nameof(WidthsAndLanes))]
    public void LaneKernelsAreEveryLanesProducts(string width, int lanes)
    {
        var random = new Random(lanes);
        const int inputs = 5, hidden = 20, padded = 32, columns = 4 * padded, inputColumns = 16, transposedWidth = inputColumns + padded, stride = 300;
        float[] weights = Random(random, (1 + inputs + hidden) * columns), states = Random(random, lanes * stride);
        float[] transposed = Random(random, columns * transposedWidth), dz = Random(random, lanes * columns);
        void Check<T>() where T : struct
        {
            // The gate sums of every lane: inputs at +0, h at +40 of each lane's state, sums to +140.
            float[] s = (float[])states.Clone();
            LaneKernels.Gates<T>(ref weights[0], columns, LaneRows.Strided(ref s[0], stride), inputs, LaneRows.Strided(ref s[40], stride), hidden, ref s[140], stride, (nuint)lanes);
            for (int l = 0; l < lanes; l++)
            {
                for (int c = 0; c < columns; c += 7)
                {
                    double sum = weights[c];
                    for (int j = 0; j < inputs; j++) sum += (double)states[l * stride + j] * weights[(1 + j) * columns + c];
                    for (int j = 0; j < hidden; j++) sum += (double)states[l * stride + 40 + j] * weights[(1 + inputs + j) * columns + c];
                    AssertClose(sum, s[l * stride + 140 + c], 3, $"{width}: lane {l}, gate column {c}");
                }
            }
            // dx, dh of every lane from the transposed weights.
            float[] dx = new float[lanes * 24], dh = new float[lanes * 40];
            LaneKernels.Transposed<T>(ref transposed[0], transposedWidth, inputColumns, columns, ref dz[0], (nuint)lanes, ref dx[0], 24, ref dh[0], 40);
            for (int l = 0; l < lanes; l++)
            {
                for (int j = 0; j < transposedWidth; j++)
                {
                    double sum = 0;
                    for (int c = 0; c < columns; c++) sum += (double)dz[l * columns + c] * transposed[c * transposedWidth + j];
                    float actual = j < inputColumns ? dx[l * 24 + j] : dh[l * 40 + j - inputColumns];
                    AssertClose(sum, actual, Math.Sqrt(columns), $"{width}: lane {l}, transposed column {j}");
                }
            }
            // Outer products of a block of lanes × 3 steps: g[r, ·] += Σ_k x[k·stride + r] · d[k, ·].
            int count = 3 * lanes, rows = 1 + inputs + hidden;
            float[] x = Random(new Random(lanes + 9), count * 32), d = Random(new Random(lanes + 10), count * columns), g = new float[rows * columns];
            LaneKernels.OuterProducts<T>(ref g[0], ref x[0], 32, ref d[0], (nuint)count, (nuint)rows, columns);
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c += 5)
                {
                    double sum = 0;
                    for (int k = 0; k < count; k++) sum += (double)x[k * 32 + r] * d[k * columns + c];
                    AssertClose(sum, g[r * columns + c], Math.Sqrt(count), $"{width}: outer product row {r}, column {c}");
                }
            }
        }
        CellTests.OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    [Fact]
    public void TokenLanesReadTheirEmbeddingRows()
    {
        float[] embedding = Enumerable.Range(0, 50).Select(i => (float)i).ToArray();
        int[] tokens = { 3, 0, 9, 7, 1, 2 }; // lane l's token at l·2 (stride 2)
        LaneRows rows = LaneRows.Embedded(ref embedding[0], 5, ref tokens[0], 2);
        Assert.Equal(15f, rows.Row(0));
        Assert.Equal(45f, rows.Row(1));
        Assert.Equal(5f, rows.Row(2));
        Assert.Equal(20f, LaneRows.Strided(ref embedding[0], 10).Row(2));
    }
}
