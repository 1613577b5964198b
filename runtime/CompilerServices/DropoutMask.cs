// Dropout masks as a pure function of (seed, step, site, feature), so a mask never depends on which
// thread ran a sample or in which order: the generated and the reference models draw identical masks.
using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// The dropout masks of a training forward pass (inverted dropout, as PyTorch's <c>nn.Dropout</c> in training
/// mode): each kept value is scaled by 1 / (1 − rate), each dropped one is zero, so the expected input of the
/// layer is unchanged and inference needs no scaling. A mask element is decided by a counter-based hash of
/// the tape's <see cref="LstmGen.Training.TrainingTape.DropoutSeed"/>, the time step, the dropout site and the feature index
/// (SplitMix64's finaliser over a combined 64-bit counter; 24 bits of the hash give the uniform number), so
/// the same seed gives the same masks in any implementation, on any thread, in any order.
/// </summary>
/// <remarks>
/// Sites: 0 is the model's input (the embedding row of a token model, <c>InputDropout</c>); site k ≥ 1 is
/// the input of layer k, i.e. the output of layer k − 1 (<c>Dropout</c>, PyTorch's <c>nn.LSTM(dropout=…)</c>).
/// Features of a bidirectional layer's output are numbered [forward 0 … H−1, reverse H … 2H−1]. Masks are
/// drawn independently per step, as PyTorch does for a dropout on a sequence tensor.
/// </remarks>
public static class DropoutMask
{
    /// <summary>Whether the feature is kept (true) or dropped.</summary>
    /// <param name="rate">The dropout probability p, 0 ≤ p &lt; 1.</param>
    /// <param name="seed">The sample's dropout seed (<see cref="LstmGen.Training.TrainingTape.DropoutSeed"/>).</param>
    /// <param name="step">The time step t (0-based, within the recorded sequence).</param>
    /// <param name="site">0 for the model input, k for the input of layer k.</param>
    /// <param name="feature">The feature index within the site.</param>
    public static bool IsKept(float rate, ulong seed, int step, int site, int feature)
    {
        ulong counter = ((((ulong)(uint)step << 11) | ((uint)site & 0x7FF)) << 25) | ((uint)feature & 0x1FFFFFF);
        ulong z = seed + 0x9E3779B97F4A7C15UL * (counter + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        float uniform = (z >> 40) * (1f / (1 << 24));
        return uniform >= rate;
    }

    /// <summary>The scale of a kept value, 1 / (1 − <paramref name="rate"/>).</summary>
    public static float KeepScale(float rate) => 1f / (1f - rate);

    /// <summary>
    /// Fills <paramref name="mask"/> with the scales of features <paramref name="firstFeature"/> … +
    /// <c>mask.Length − 1</c> of one site and step: 1 / (1 − rate) where kept, 0 where dropped.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not in [0, 1), or step, site or first feature is negative.</exception>
    public static void Fill(Span<float> mask, float rate, ulong seed, int step, int site, int firstFeature = 0)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "A dropout rate must be in [0, 1).");
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegative(site);
        ArgumentOutOfRangeException.ThrowIfNegative(firstFeature);
        float keep = KeepScale(rate);
        for (int j = 0; j < mask.Length; j++)
            mask[j] = IsKept(rate, seed, step, site, firstFeature + j) ? keep : 0f;
    }

    /// <summary>
    /// For generated code: fills <paramref name="count"/> mask floats at <paramref name="mask"/> (see
    /// <see cref="Fill"/>), then writes <c>masked[j] = input[j] · mask[j]</c>.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Apply(ref float input, ref float mask, ref float masked, int count, float rate, ulong seed, int step, int site, int firstFeature)
    {
        Span<float> m = MemoryMarshal.CreateSpan(ref mask, count);
        Fill(m, rate, seed, step, site, firstFeature);
        TensorPrimitives.Multiply(MemoryMarshal.CreateReadOnlySpan(ref input, count), m, MemoryMarshal.CreateSpan(ref masked, count));
    }

    /// <summary>For generated code: <c>values[j] ·= mask[j]</c> for <paramref name="count"/> floats (the backward pass of a dropout).</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public static void Scale(ref float values, ref float mask, int count)
    {
        Span<float> v = MemoryMarshal.CreateSpan(ref values, count);
        TensorPrimitives.Multiply(v, MemoryMarshal.CreateReadOnlySpan(ref mask, count), v);
    }
}
