// Losses and their gradients with respect to the model's outputs, as PyTorch defines them.
using System;

namespace LstmGen.Training;

/// <summary>The loss functions a trainer can use.</summary>
public enum LossKind
{
    /// <summary>Mean squared error (PyTorch <c>MSELoss</c>) on the raw outputs.</summary>
    MeanSquaredError,

    /// <summary>Softmax cross-entropy on the logits with an integer class target (PyTorch <c>CrossEntropyLoss</c>).</summary>
    SoftmaxCrossEntropy,

    /// <summary>Binary cross-entropy on the logits with 0/1 targets (PyTorch <c>BCEWithLogitsLoss</c>).</summary>
    BinaryCrossEntropy,
}

/// <summary>
/// Loss values and gradients for one output position. Each returns the position's loss times
/// <c>weight</c> and writes <c>weight × dLoss/doutput</c>; a mean over N positions is weight = 1/N,
/// a per-sample weight or a 0/1 mask multiplies in.
/// </summary>
public static class LossFunctions
{
    /// <summary><c>−log softmax(logits)[target]</c>; gradient <c>softmax(logits) − onehot(target)</c>.</summary>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, int target, Span<float> gradients, float weight = 1f)
    {
        if ((uint)target >= (uint)logits.Length) throw new ArgumentOutOfRangeException(nameof(target), target, $"Class targets must be in [0, {logits.Length}).");
        CheckLengths(logits.Length, gradients.Length);
        float max = float.NegativeInfinity;
        foreach (float z in logits) max = MathF.Max(max, z);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += Math.Exp(logits[i] - max);
        double logSum = Math.Log(sum) + max;
        for (int i = 0; i < logits.Length; i++)
            gradients[i] = weight * (float)(Math.Exp(logits[i] - logSum) - (i == target ? 1 : 0));
        return weight * (float)(logSum - logits[target]);
    }

    /// <summary>
    /// Σ over outputs of <c>−(y·log σ(z) + (1−y)·log(1−σ(z)))</c>, computed stably as
    /// <c>max(z, 0) − z·y + log(1 + e^−|z|)</c>; gradient <c>σ(z) − y</c>.
    /// </summary>
    public static float BinaryCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradients, float weight = 1f)
    {
        CheckLengths(logits.Length, targets.Length);
        CheckLengths(logits.Length, gradients.Length);
        double loss = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            double z = logits[i], y = targets[i];
            loss += Math.Max(z, 0) - z * y + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            gradients[i] = weight * (float)(1 / (1 + Math.Exp(-z)) - y);
        }
        return weight * (float)loss;
    }

    /// <summary>Σ over outputs of <c>(output − target)²</c>; gradient <c>2·(output − target)</c>.</summary>
    public static float MeanSquaredError(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> gradients, float weight = 1f)
    {
        CheckLengths(outputs.Length, targets.Length);
        CheckLengths(outputs.Length, gradients.Length);
        double loss = 0;
        for (int i = 0; i < outputs.Length; i++)
        {
            double d = (double)outputs[i] - targets[i];
            loss += d * d;
            gradients[i] = weight * (float)(2 * d);
        }
        return weight * (float)loss;
    }

    private static void CheckLengths(int expected, int actual)
    {
        if (expected != actual) throw new ArgumentException($"Expected spans of {expected} floats, got {actual}.");
    }
}
