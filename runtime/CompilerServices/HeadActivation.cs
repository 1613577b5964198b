// Softmax and sigmoid over a head's outputs, applied after the linear head.
using System;

namespace LstmGen.CompilerServices;

/// <summary>The activations a head applies to its logits, in place.</summary>
public static class HeadActivation
{
    /// <summary>Softmax over <paramref name="values"/>, shifted by the maximum so large logits do not overflow.</summary>
    public static void Softmax(Span<float> values)
    {
        float max = float.NegativeInfinity;
        foreach (float v in values) max = MathF.Max(max, v);
        float sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            float e = MathF.Exp(values[i] - max);
            values[i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < values.Length; i++) values[i] *= inv;
    }

    /// <summary>The logistic sigmoid of every value.</summary>
    public static void Sigmoid(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Activations.Sigmoid(values[i]);
    }

    /// <summary>Applies <paramref name="head"/>'s activation (none for <see cref="Head.Linear"/>).</summary>
    public static void Apply(Head head, Span<float> values)
    {
        if (head == Head.Softmax) Softmax(values);
        else if (head == Head.Sigmoid) Sigmoid(values);
    }
}
