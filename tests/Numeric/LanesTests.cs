// The vector-width abstraction (Lanes) on every width against scalar arithmetic, and the choice of the width the
// generated kernels run (VectorWidth, LSTMGEN_VECTOR_WIDTH).
using System;
using System.Linq;
using System.Runtime.Intrinsics;
using LstmGen.CompilerServices;
using Xunit;

namespace LstmGen.Tests.Numeric;

public sealed class LanesTests
{
    private static readonly float[] s_a = Enumerable.Range(0, 16).Select(i => (float)Math.Sin(i + 1) * 3).ToArray();
    private static readonly float[] s_b = Enumerable.Range(0, 16).Select(i => (float)Math.Cos(i * 0.7) * 2 + 0.1f).ToArray();
    private static readonly float[] s_c = Enumerable.Range(0, 16).Select(i => i - 7.5f).ToArray();

    /// <summary>Applies <paramref name="op"/> to every lane group of the inputs at width T and returns the 16 results.</summary>
    private static float[] Apply<T>(Func<T, T, T, T> op) where T : struct
    {
        var result = new float[16];
        for (int i = 0; i < 16; i += Lanes.Count<T>())
            Lanes.Store(op(Lanes.Load<T>(ref s_a[0], (nuint)i), Lanes.Load<T>(ref s_b[0], (nuint)i), Lanes.Load<T>(ref s_c[0], (nuint)i)), ref result[0], (nuint)i);
        return result;
    }

    [Theory]
    [InlineData("512")]
    [InlineData("256")]
    [InlineData("128")]
    [InlineData("scalar")]
    public void EveryOperationComputesItsLaneWiseDefinition(string width)
    {
        void Check<T>() where T : struct
        {
            Assert.Equal(width switch { "512" => 16, "256" => 8, "128" => 4, _ => 1 }, Lanes.Count<T>());
            Assert.Equal(s_a.Zip(s_b, (a, b) => a + b), Apply<T>((a, b, _) => Lanes.Add(a, b)));
            Assert.Equal(s_a.Zip(s_b, (a, b) => a - b), Apply<T>((a, b, _) => Lanes.Subtract(a, b)));
            Assert.Equal(s_a.Zip(s_b, (a, b) => a * b), Apply<T>((a, b, _) => Lanes.Multiply(a, b)));
            Assert.Equal(s_a.Zip(s_b, (a, b) => a / b), Apply<T>((a, b, _) => Lanes.Divide(a, b)));
            Assert.Equal(s_a.Zip(s_b, MathF.Max), Apply<T>((a, b, _) => Lanes.Max(a, b)));
            Assert.Equal(s_a.Zip(s_b, Math.Min), Apply<T>((a, b, _) => Lanes.MinNative(a, b)));
            Assert.Equal(s_a.Zip(s_b, Math.Max), Apply<T>((a, b, _) => Lanes.MaxNative(a, b)));
            Assert.Equal(s_b.Select(b => MathF.Sqrt(Math.Abs(b))), Apply<T>((_, b, _) => Lanes.Sqrt(Lanes.Max(b, Lanes.Subtract(Lanes.Zero<T>(), b)))));
            // Multiply-add: fused or not, within one rounding of the exact value.
            float[] fma = Apply<T>((a, b, c) => Lanes.MultiplyAdd(a, b, c));
            for (int i = 0; i < 16; i++) Assert.True(Math.Abs(fma[i] - ((double)s_a[i] * s_b[i] + s_c[i])) <= 1e-6 * Math.Max(1, Math.Abs(fma[i])), $"{width}: MultiplyAdd lane {i}");
            float[] quotient = Apply<T>((a, b, c) => Lanes.DivideAdd(a, b, c));
            for (int i = 0; i < 16; i++) Assert.True(Math.Abs(quotient[i] - ((double)s_a[i] / s_b[i] + s_c[i])) <= 1e-5 * Math.Max(1, Math.Abs(quotient[i])), $"{width}: DivideAdd lane {i}");
            Assert.Equal(s_a.Take(Lanes.Count<T>()).Sum(v => (double)v), Lanes.Sum(Lanes.Load<T>(ref s_a[0], 0)), 4);
            Assert.Equal(Enumerable.Repeat(s_c[3], 16), Apply<T>((_, _, _) => Lanes.Broadcast<T>(ref s_c[0], 3)));
            ushort[] half = s_a.Select(BFloat16.FromSingle).ToArray();
            var widened = new float[16];
            for (int i = 0; i < 16; i += Lanes.Count<T>()) Lanes.Store(Lanes.LoadBFloat16<T>(ref half[0], (nuint)i), ref widened[0], (nuint)i);
            Assert.Equal(half.Select(BFloat16.ToSingle), widened);
            float[] tiny = { 1e-31f, -1e-31f, 1e-29f, -3f, 0f, 7.8e-31f, 8e-31f, float.NaN, 1, 2, 3, 4, 5, 6, 7, 8 };
            var flushed = new float[16];
            for (int i = 0; i < 16; i += Lanes.Count<T>()) Lanes.Store(Lanes.FlushTiny(Lanes.Load<T>(ref tiny[0], (nuint)i)), ref flushed[0], (nuint)i);
            Assert.Equal(tiny.Select(Activations.FlushTiny), flushed);
        }
        CellTests.OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    [Fact]
    public void ActivationsAreTheVectorOverloadsBitForBit()
    {
        float[] xs = Enumerable.Range(-400, 801).Select(i => i * 0.0371f).ToArray();
        foreach (float x in xs)
        {
            Assert.Equal(Activations.Sigmoid(Vector256.Create(x)).ToScalar(), Lanes.Sigmoid(Vector256.Create(x)).ToScalar());
            Assert.Equal(Activations.Tanh(Vector128.Create(x)).ToScalar(), Lanes.Tanh(Vector128.Create(x)).ToScalar());
            Assert.Equal(Activations.Sigmoid(x), Lanes.Sigmoid(x));
            Assert.Equal(Activations.Tanh(x), Lanes.Tanh(x));
        }
    }

    [Theory]
    [InlineData("512", 512)]
    [InlineData(" 256 ", 256)]
    [InlineData("128", 128)]
    [InlineData("Scalar", 32)]
    public void TheEnvironmentVariableForcesAWidth(string value, int bits) => Assert.Equal(bits, VectorWidth.Select(value));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("64")]
    [InlineData("avx2")]
    public void OtherwiseTheWidestAcceleratedWidthRuns(string? value)
    {
        int widest = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 32;
        Assert.Equal(widest, VectorWidth.Select(value));
        if (Environment.GetEnvironmentVariable(VectorWidth.EnvironmentVariable) is null) Assert.Equal(widest, VectorWidth.Bits);
    }

    [Fact]
    public void TheProcessRunsTheWidthTheEnvironmentAsks() =>
        Assert.Equal(VectorWidth.Select(Environment.GetEnvironmentVariable(VectorWidth.EnvironmentVariable)), VectorWidth.Bits);
}
