// Global-norm and value clipping as torch.nn.utils.clip_grad_norm_ / clip_grad_value_.
using System;
using System.Linq;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Training.Optimizers;

public sealed class GradientClippingTests
{
    [Fact]
    public void NormBelowTheLimitLeavesGradientsUntouched()
    {
        float[] g = [3f, -4f];
        double total = GradientClipping.ClipByGlobalNorm(g, 5.5);
        Assert.Equal(5.0, total);
        Assert.Equal([3f, -4f], g);
    }

    [Fact]
    public void NormAtTheLimitIsNotClipped()
    {
        // clip_coef = 5 / (5 + 1e-6) < 1: PyTorch multiplies by it even at the limit.
        float[] g = [3f, -4f];
        double total = GradientClipping.ClipByGlobalNorm(g, 5.0);
        Assert.Equal(5.0, total);
        float coef = (float)(5.0 / (5.0 + 1e-6));
        Assert.Equal([3f * coef, -4f * coef], g);
    }

    [Fact]
    public void LargeNormScalesEveryGradientByMaxNormOverNormPlusEpsilon()
    {
        float[] g = OptimizerCases.Uniform(1001, 2f, seed: 9);
        float[] raw = (float[])g.Clone();
        double expectedTotal = Math.Sqrt(raw.Sum(x => (double)x * x));
        double total = GradientClipping.ClipByGlobalNorm(g, 0.5);
        Assert.Equal(expectedTotal, total, 1e-12 * expectedTotal);
        float coef = (float)(0.5 / (total + 1e-6));
        for (int i = 0; i < g.Length; i++) Assert.Equal(raw[i] * coef, g[i]);
        Assert.Equal(0.5, GradientClipping.GlobalNorm(g), 1e-6);
    }

    [Fact]
    public void GlobalNormIsExactToDoubleRounding()
    {
        // Squares of floats are exact in double; only the additions round.
        var random = new SeededRandom(4);
        float[] g = new float[4099];
        for (int i = 0; i < g.Length; i++) g[i] = MathF.ScaleB(random.NextFloat() - 0.5f, random.Next(60) - 30);
        decimal exact = 0;
        foreach (float x in g) exact += (decimal)((double)x * x);
        double expected = Math.Sqrt((double)exact);
        Assert.Equal(expected, GradientClipping.GlobalNorm(g), expected * 1e-14);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteNormIsReturnedAndGradientsAreLeftAlone(float bad)
    {
        float[] g = [1f, 2f, bad, 3f];
        float[] copy = (float[])g.Clone();
        double total = GradientClipping.ClipByGlobalNorm(g, 1.0);
        Assert.False(double.IsFinite(total));
        Assert.Equal(float.IsNaN(bad), double.IsNaN(total));
        Assert.Equal(copy, g);
    }

    [Fact]
    public void EmptyBlockHasNormZero()
    {
        Assert.Equal(0.0, GradientClipping.ClipByGlobalNorm(Span<float>.Empty, 1.0));
    }

    [Fact]
    public void ClipByValueClampsAndKeepsNaN()
    {
        float[] g = [-3f, -0.5f, 0f, 0.25f, 2f, float.NaN, float.PositiveInfinity, float.NegativeInfinity];
        GradientClipping.ClipByValue(g, 0.5);
        Assert.Equal([-0.5f, -0.5f, 0f, 0.25f, 0.5f, float.NaN, 0.5f, -0.5f], g);

        float[] many = OptimizerCases.Uniform(1003, 3f, seed: 2);
        float[] raw = (float[])many.Clone();
        GradientClipping.ClipByValue(many, 1.25);
        for (int i = 0; i < many.Length; i++) Assert.Equal(Math.Clamp(raw[i], -1.25f, 1.25f), many[i]);
    }

    [Fact]
    public void LimitsMustBeFiniteAndNonNegative()
    {
        Assert.Equal("maxNorm", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(new float[2], -1)).ParamName);
        Assert.Equal("maxNorm", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(new float[2], double.NaN)).ParamName);
        Assert.Equal("clipValue", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByValue(new float[2], double.PositiveInfinity)).ParamName);
    }
}
