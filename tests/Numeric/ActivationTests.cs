// The vector sigmoid and tanh against double-precision Math on every width, within their documented bounds.
using System;
using System.Runtime.Intrinsics;
using LstmGen.Kernels;
using Xunit;

namespace LstmGen.Tests.Numeric;

public sealed class ActivationTests
{
    private static float[] Arguments()
    {
        var xs = new System.Collections.Generic.List<float>();
        for (float x = -30f; x <= 30f; x += 0.0137f) xs.Add(x);
        for (float x = -0.1f; x <= 0.1f; x += 0.0001f) xs.Add(x);
        xs.AddRange(new[] { 0f, -0f, 1e-30f, -1e-30f, 1e-8f, 0.0625f, -0.0625f, 88f, -88f, 100f, -100f, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity });
        while (xs.Count % 16 != 0) xs.Add(0.5f);
        return xs.ToArray();
    }

    private static void Check(Func<float, float> f, Func<double, double> exact, double relative, double absolute, string what)
    {
        foreach (float x in Arguments())
        {
            double e = exact(x), a = f(x);
            double err = Math.Abs(a - e);
            Assert.True(err <= absolute || err <= relative * Math.Abs(e), $"{what}({x:R}) = {a:R}, exact {e:R}, err {err:E2}");
        }
        Assert.True(float.IsNaN(f(float.NaN)), $"{what}(NaN) must be NaN");
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    // Documented in Activations: sigmoid relative error ≤ 3e-7 (absolute < 1.2e-38 below x = −87, where the
    // result flushes to 0); tanh absolute ≤ 2.5e-7 (and relative 1e-6 near 0).
    private const double SigmoidTail = 1.2e-38;
    [Fact]
    public void Vector512Bounds()
    {
        Check(x => Activations.Sigmoid(Vector512.Create(x)).ToScalar(), Sigmoid, 3e-7, SigmoidTail, "Sigmoid512");
        Check(x => Activations.Tanh(Vector512.Create(x)).ToScalar(), Math.Tanh, 1e-6, 2.5e-7, "Tanh512");
    }

    [Fact]
    public void Vector256Bounds()
    {
        Check(x => Activations.Sigmoid(Vector256.Create(x)).ToScalar(), Sigmoid, 3e-7, SigmoidTail, "Sigmoid256");
        Check(x => Activations.Tanh(Vector256.Create(x)).ToScalar(), Math.Tanh, 1e-6, 2.5e-7, "Tanh256");
    }

    [Fact]
    public void Vector128Bounds()
    {
        Check(x => Activations.Sigmoid(Vector128.Create(x)).ToScalar(), Sigmoid, 3e-7, SigmoidTail, "Sigmoid128");
        Check(x => Activations.Tanh(Vector128.Create(x)).ToScalar(), Math.Tanh, 1e-6, 2.5e-7, "Tanh128");
    }

    [Fact]
    public void ScalarBounds()
    {
        Check(Activations.Sigmoid, Sigmoid, 3e-7, SigmoidTail, "Sigmoid");
        Check(Activations.Tanh, Math.Tanh, 1e-6, 2.5e-7, "Tanh");
    }

    [Fact]
    public void TanhIsOddAndSaturates()
    {
        foreach (float x in Arguments())
        {
            Assert.Equal(-Activations.Tanh(Vector512.Create(x)).ToScalar(), Activations.Tanh(Vector512.Create(-x)).ToScalar());
        }
        Assert.Equal(1f, Activations.Tanh(Vector256.Create(50f)).ToScalar());
        Assert.Equal(0f, Activations.Sigmoid(Vector128.Create(-200f)).ToScalar());
        Assert.Equal(1f, Activations.Sigmoid(Vector128.Create(200f)).ToScalar());
    }
}
