// The vector sigmoid and tanh against double-precision Math on every width, within their documented bounds.
using System;
using System.Runtime.Intrinsics;
using LstmGen.CompilerServices;
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

    // Documented in Activations: vector sigmoid absolute error ≤ 2e-7; vector tanh relative error ≤ 4e-7.
    // The scalar path (MathF) is checked against its own, tighter bounds.
    [Fact]
    public void Vector512Bounds()
    {
        Check(x => Activations.Sigmoid(Vector512.Create(x)).ToScalar(), Sigmoid, 0, 2e-7, "Sigmoid512");
        Check(x => Activations.Tanh(Vector512.Create(x)).ToScalar(), Math.Tanh, 4e-7, 0, "Tanh512");
    }

    [Fact]
    public void Vector256Bounds()
    {
        Check(x => Activations.Sigmoid(Vector256.Create(x)).ToScalar(), Sigmoid, 0, 2e-7, "Sigmoid256");
        Check(x => Activations.Tanh(Vector256.Create(x)).ToScalar(), Math.Tanh, 4e-7, 0, "Tanh256");
    }

    [Fact]
    public void Vector128Bounds()
    {
        Check(x => Activations.Sigmoid(Vector128.Create(x)).ToScalar(), Sigmoid, 0, 2e-7, "Sigmoid128");
        Check(x => Activations.Tanh(Vector128.Create(x)).ToScalar(), Math.Tanh, 4e-7, 0, "Tanh128");
    }

    [Fact]
    public void ScalarBounds()
    {
        Check(Activations.Sigmoid, Sigmoid, 3e-7, 1.2e-38, "Sigmoid");
        Check(Activations.Tanh, Math.Tanh, 1e-6, 2.5e-7, "Tanh");
    }

    [Fact]
    public void TanhIsOddAndSaturates()
    {
        foreach (float x in Arguments())
        {
            float plus = Activations.Tanh(Vector512.Create(x)).ToScalar(), minus = Activations.Tanh(Vector512.Create(-x)).ToScalar();
            Assert.True(plus == -minus, $"tanh({x:R}) = {plus:R} but tanh(-x) = {minus:R}");
        }
        Assert.Equal(-1f, Activations.Tanh(Vector512.Create(-50f)).ToScalar());
        Assert.Equal(1f, Activations.Tanh(Vector256.Create(50f)).ToScalar());
        Assert.InRange(Activations.Sigmoid(Vector128.Create(-200f)).ToScalar(), 0f, 2e-7f);
        Assert.Equal(1f, Activations.Sigmoid(Vector128.Create(200f)).ToScalar());
    }
}
