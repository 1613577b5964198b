// The golden README's error measure (section 6), in one place for the golden and the reference tests.
using System;

namespace LstmGen.Tests.Golden;

/// <summary>
/// Per-tensor, max-normalised error: <c>err = max_i |impl_i − ref_i| / max(max_i |ref_i|, 1e-3)</c>.
/// Tiny entries do not blow it up (unlike a relative error), and one bad entry is never averaged away.
/// </summary>
internal readonly record struct NormalisedError(double Error, int WorstIndex, double Implementation, double Reference, double Scale)
{
    /// <summary>Forward tensors (<c>expected.*</c>) pass at or below this.</summary>
    public const double ForwardTolerance = 2e-5;

    /// <summary>Gradient tensors (<c>grad.*</c>) pass at or below this.</summary>
    public const double GradientTolerance = 1e-4;

    /// <summary><c>expected.loss</c> passes at or below this <b>relative</b> error.</summary>
    public const double LossTolerance = 1e-5;

    /// <summary>Floor of the normaliser, so an all-zero reference does not divide by zero.</summary>
    public const double ScaleFloor = 1e-3;

    /// <summary>Measures <paramref name="implementation"/> against <paramref name="reference"/> (same length). A NaN anywhere is an infinite error.</summary>
    public static NormalisedError Of(ReadOnlySpan<float> implementation, ReadOnlySpan<double> reference)
    {
        if (implementation.Length != reference.Length)
            throw new ArgumentException($"Lengths differ: implementation {implementation.Length}, reference {reference.Length}.");
        double scale = ScaleFloor;
        foreach (double r in reference) scale = Math.Max(scale, Math.Abs(r));
        double worst = -1;
        int worstIndex = -1;
        for (int i = 0; i < implementation.Length; i++)
        {
            double d = Math.Abs(implementation[i] - reference[i]);
            if (double.IsNaN(d)) d = double.PositiveInfinity;
            if (d > worst)
            {
                worst = d;
                worstIndex = i;
            }
        }
        if (worstIndex < 0) return new NormalisedError(0, -1, 0, 0, scale);
        return new NormalisedError(worst / scale, worstIndex, implementation[worstIndex], reference[worstIndex], scale);
    }

    /// <summary>The flat index as a multi-index of <paramref name="shape"/>, e.g. <c>[1, 14, 3]</c>.</summary>
    public string IndexText(ReadOnlySpan<int> shape)
    {
        if (WorstIndex < 0) return "[]";
        var parts = new string[shape.Length];
        int rest = WorstIndex;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            int size = Math.Max(shape[d], 1);
            parts[d] = (rest % size).ToString(System.Globalization.CultureInfo.InvariantCulture);
            rest /= size;
        }
        return "[" + string.Join(", ", parts) + "]";
    }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant(
        $"err {Error:E2} at flat index {WorstIndex} (impl {Implementation:R}, ref {Reference:R}, scale {Scale:G6})");
}
