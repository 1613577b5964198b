// Checks the loss functions against values worked out by hand, against central finite differences of
// themselves, at extreme logits, and that the weight scales loss and gradient alike.
using System;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Training.Losses;

public sealed class LossTests
{
    private const double Ln2 = 0.69314718055994531;
    private const double Ln3 = 1.0986122886681098;

    // ---- hand-computed values ------------------------------------------------------------------

    [Fact]
    public void MeanSquaredErrorIsTheSumOfSquaresWithGradientTwiceTheDifference()
    {
        var g = new float[3];
        float loss = LossFunctions.MeanSquaredError([1f, -2f, 0.5f], [0f, 1f, 0.5f], g);
        Assert.Equal(10f, loss);               // 1 + 9 + 0
        Assert.Equal([2f, -6f, 0f], g);
    }

    [Fact]
    public void SoftmaxCrossEntropyOfEqualLogitsIsLogOfTheClassCount()
    {
        var g = new float[3];
        float loss = LossFunctions.SoftmaxCrossEntropy([0f, 0f, 0f], 1, g);
        Assert.Equal(Ln3, loss, 6);
        Assert.Equal(1.0 / 3, g[0], 7);
        Assert.Equal(-2.0 / 3, g[1], 7);
        Assert.Equal(1.0 / 3, g[2], 7);
    }

    [Fact]
    public void SoftmaxCrossEntropyOfLogProbabilities()
    {
        // logits = log(1, 2, 3): softmax = (1/6, 2/6, 3/6); target 2 → −log(1/2).
        var g = new float[3];
        float loss = LossFunctions.SoftmaxCrossEntropy([0f, (float)Ln2, (float)Ln3], 2, g);
        Assert.Equal(Ln2, loss, 6);
        Assert.Equal(1.0 / 6, g[0], 7);
        Assert.Equal(2.0 / 6, g[1], 7);
        Assert.Equal(-0.5, g[2], 7);
    }

    [Fact]
    public void SoftmaxCrossEntropyIsShiftInvariant()
    {
        var g = new float[3];
        var shifted = new float[3];
        float loss = LossFunctions.SoftmaxCrossEntropy([0.5f, -1f, 2f], 0, g);
        float lossShifted = LossFunctions.SoftmaxCrossEntropy([100.5f, 99f, 102f], 0, shifted);
        Assert.Equal(loss, lossShifted, 5);
        for (int i = 0; i < 3; i++) Assert.Equal(g[i], shifted[i], 6);
    }

    [Fact]
    public void BinaryCrossEntropyHandValues()
    {
        var g = new float[4];
        // z = 0, y = 1: −log ½.  z = log 3 (σ = ¾), y = 0: −log ¼.  z = −log 3 (σ = ¼), y = 0: −log ¾.  z = 0, y = ¼ (soft): log 2.
        float loss = LossFunctions.BinaryCrossEntropy([0f, (float)Ln3, -(float)Ln3, 0f], [1f, 0f, 0f, 0.25f], g);
        Assert.Equal(Ln2 + 2 * Ln2 + (2 * Ln2 - Ln3) + Ln2, loss, 5);
        Assert.Equal(-0.5, g[0], 7);
        Assert.Equal(0.75, g[1], 6);
        Assert.Equal(0.25, g[2], 6);
        Assert.Equal(0.25, g[3], 7);
    }

    // ---- finite differences --------------------------------------------------------------------

    /// <summary>
    /// Central differences of the float functions themselves. The loss is computed in double and rounded
    /// to float (relative error 6e-8), so rounding contributes ~6e-8·|L|/h, and truncation ~h²·|L'''|/6.
    /// Cross-entropies use h = 1e-2 (both terms ~1e-5; measured worst 2.1e-5); MSE is quadratic, so its
    /// central difference has no truncation error and a large h = 0.25 keeps the rounding small (measured
    /// worst 1.8e-6). The absolute tolerance 1e-4 leaves ≥ 5× headroom.
    /// </summary>
    private const float FiniteStep = 1e-2f;
    private const float QuadraticStep = 0.25f;
    private const double FiniteTolerance = 1e-4;

    public static TheoryData<int> Seeds() => [1, 2, 3, 4, 5];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void SoftmaxCrossEntropyGradientMatchesFiniteDifferences(int seed)
    {
        float[] logits = RandomLogits(seed, 7, 3f);
        int target = seed % 7;
        var g = new float[7];
        LossFunctions.SoftmaxCrossEntropy(logits, target, g);
        AssertMatchesFiniteDifferences(logits, g, z => LossFunctions.SoftmaxCrossEntropy(z, target, new float[7]));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void BinaryCrossEntropyGradientMatchesFiniteDifferences(int seed)
    {
        float[] logits = RandomLogits(seed, 5, 4f);
        float[] targets = [0f, 1f, 0.3f, 1f, 0f];
        var g = new float[5];
        LossFunctions.BinaryCrossEntropy(logits, targets, g);
        AssertMatchesFiniteDifferences(logits, g, z => LossFunctions.BinaryCrossEntropy(z, targets, new float[5]));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MeanSquaredErrorGradientMatchesFiniteDifferences(int seed)
    {
        float[] outputs = RandomLogits(seed, 6, 2f);
        float[] targets = RandomLogits(seed + 100, 6, 2f);
        var g = new float[6];
        LossFunctions.MeanSquaredError(outputs, targets, g);
        AssertMatchesFiniteDifferences(outputs, g, y => LossFunctions.MeanSquaredError(y, targets, new float[6]), QuadraticStep);
    }

    private static void AssertMatchesFiniteDifferences(float[] x, float[] gradient, Func<float[], float> loss, float step = FiniteStep)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float[] up = (float[])x.Clone(), down = (float[])x.Clone();
            up[i] += step;
            down[i] -= step;
            // The actual float step (x ± h is rounded), in double.
            double derivative = ((double)loss(up) - loss(down)) / ((double)up[i] - down[i]);
            Assert.True(Math.Abs(gradient[i] - derivative) <= FiniteTolerance,
                $"element {i}: gradient {gradient[i]:R}, finite difference {derivative:R}");
        }
    }

    // ---- extreme logits ------------------------------------------------------------------------

    [Fact]
    public void SoftmaxCrossEntropyStaysFiniteAtExtremeLogits()
    {
        var g = new float[3];
        Assert.Equal(0f, LossFunctions.SoftmaxCrossEntropy([1000f, -1000f, 0f], 0, g));
        Assert.Equal([0f, 0f, 0f], g);

        Assert.Equal(2000f, LossFunctions.SoftmaxCrossEntropy([1000f, -1000f, 0f], 1, g));
        Assert.Equal([1f, -1f, 0f], g);

        Assert.Equal(1000f, LossFunctions.SoftmaxCrossEntropy([-1000f, -1000f, 0f], 0, g));
        Assert.Equal([-1f, 0f, 1f], g);
    }

    [Fact]
    public void BinaryCrossEntropyStaysFiniteAtExtremeLogits()
    {
        var g = new float[4];
        float loss = LossFunctions.BinaryCrossEntropy([1000f, -1000f, 1000f, -1000f], [0f, 1f, 1f, 0f], g);
        Assert.Equal(2000f, loss);             // the two wrong answers cost |z| each, the right ones 0
        Assert.Equal([1f, -1f, 0f, 0f], g);
    }

    [Fact]
    public void MeanSquaredErrorStaysFiniteAtLargeOutputs()
    {
        var g = new float[2];
        Assert.Equal(2e6f, LossFunctions.MeanSquaredError([1000f, -1000f], [0f, 0f], g));
        Assert.Equal([2000f, -2000f], g);
    }

    // ---- weights -------------------------------------------------------------------------------

    [Theory]
    [InlineData(1f)]
    [InlineData(0.25f)]
    [InlineData(1f / 60)]
    [InlineData(3f)]
    public void TheWeightScalesLossAndGradient(float weight)
    {
        float[] logits = [0.3f, -1.2f, 2f, 0.1f];
        float[] targets = [0f, 1f, 1f, 0.5f];
        var g1 = new float[4];
        var gw = new float[4];

        float ce = LossFunctions.SoftmaxCrossEntropy(logits, 2, g1);
        AssertScaled(ce, g1, LossFunctions.SoftmaxCrossEntropy(logits, 2, gw, weight), gw, weight);
        float bce = LossFunctions.BinaryCrossEntropy(logits, targets, g1);
        AssertScaled(bce, g1, LossFunctions.BinaryCrossEntropy(logits, targets, gw, weight), gw, weight);
        float mse = LossFunctions.MeanSquaredError(logits, targets, g1);
        AssertScaled(mse, g1, LossFunctions.MeanSquaredError(logits, targets, gw, weight), gw, weight);
    }

    [Fact]
    public void AZeroWeightMasksThePosition()
    {
        var g = new float[3];
        g.AsSpan().Fill(float.NaN);
        Assert.Equal(0f, LossFunctions.SoftmaxCrossEntropy([5f, -3f, 1f], 1, g, weight: 0f));
        Assert.Equal([0f, 0f, 0f], g);
    }

    [Fact]
    public void AMeanOverPositionsIsWeightOneOverN()
    {
        // CrossEntropyLoss(reduction = mean) over two positions: (log 3 + log 2) / 2.
        var g = new float[3];
        float loss = LossFunctions.SoftmaxCrossEntropy([0f, 0f, 0f], 0, g, 0.5f)
            + LossFunctions.SoftmaxCrossEntropy([0f, (float)Ln2, (float)Ln3], 2, g, 0.5f);
        Assert.Equal((Ln3 + Ln2) / 2, loss, 6);
    }

    private static void AssertScaled(float loss, float[] gradient, float scaledLoss, float[] scaledGradient, float weight)
    {
        Assert.Equal(weight * loss, scaledLoss, 6 - (int)Math.Ceiling(Math.Log10(Math.Max(1, Math.Abs(weight * loss)))));
        for (int i = 0; i < gradient.Length; i++)
            Assert.True(Math.Abs(weight * gradient[i] - scaledGradient[i]) <= 1e-6 * Math.Max(1, Math.Abs(weight * gradient[i])),
                $"element {i}: weight {weight} × {gradient[i]:R} ≠ {scaledGradient[i]:R}");
    }

    // ---- argument checks -----------------------------------------------------------------------

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void SoftmaxCrossEntropyRejectsATargetOutsideTheClasses(int target)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LossFunctions.SoftmaxCrossEntropy([0f, 1f, 2f], target, new float[3]));
        Assert.Equal("target", e.ParamName);
        Assert.Equal(target, e.ActualValue);
        Assert.Contains("[0, 3)", e.Message);
    }

    [Fact]
    public void MismatchedLengthsAreRejected()
    {
        Assert.Contains("Expected spans of 3 floats, got 2", Assert.Throws<ArgumentException>(() => LossFunctions.SoftmaxCrossEntropy([0f, 1f, 2f], 0, new float[2])).Message);
        Assert.Throws<ArgumentException>(() => LossFunctions.BinaryCrossEntropy([0f, 1f], [0f], new float[2]));
        Assert.Throws<ArgumentException>(() => LossFunctions.BinaryCrossEntropy([0f, 1f], [0f, 1f], new float[3]));
        Assert.Throws<ArgumentException>(() => LossFunctions.MeanSquaredError([0f, 1f], [0f, 1f, 2f], new float[2]));
        Assert.Throws<ArgumentException>(() => LossFunctions.MeanSquaredError([0f, 1f], [0f, 1f], new float[1]));
    }

    private static float[] RandomLogits(int seed, int length, float scale)
    {
        var random = new Random(seed);
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return x;
    }
}
