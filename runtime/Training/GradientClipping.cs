// Gradient clipping as torch.nn.utils.clip_grad_norm_ / clip_grad_value_, over a whole gradient block.
using System;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LstmGen.Training.Optimizers;

namespace LstmGen.Training;

/// <summary>
/// Clips a model's gradients (all parameters in one block, e.g. PyTorch layout) before the optimizer step.
/// </summary>
public static class GradientClipping
{
    /// <summary>The <c>1e-6</c> PyTorch adds to the norm before dividing.</summary>
    public const double NormEpsilon = 1e-6;

    private const int Lanes = 16;

    /// <summary>
    /// <c>torch.nn.utils.clip_grad_norm_(parameters, max_norm)</c> with the L2 norm: computes
    /// <c>total = √(Σ g²)</c> over the whole block and, when <c>clip_coef = max_norm / (total + 1e-6)</c>
    /// is below 1, multiplies every gradient by it (in float32, the coefficient rounded to float).
    /// </summary>
    /// <param name="gradients">The gradients of every parameter, clipped in place.</param>
    /// <param name="maxNorm">The largest norm allowed (finite, ≥ 0).</param>
    /// <returns>
    /// The norm before clipping (PyTorch's return value). The norm is one global L2 norm, which
    /// equals PyTorch's norm of the per-tensor norms; it is summed in double, exactly and in a fixed
    /// order (see <see cref="GlobalNorm"/>). A NaN or infinite norm is returned as is and the
    /// gradients are left untouched (PyTorch would scale them by NaN or 0), so the caller can skip
    /// the step and still inspect the gradients.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is negative or not finite.</exception>
    public static double ClipByGlobalNorm(Span<float> gradients, double maxNorm)
    {
        HyperparameterCheck.NonNegative(maxNorm, nameof(maxNorm));
        double total = GlobalNorm(gradients);
        double coefficient = maxNorm / (total + NormEpsilon);
        if (double.IsFinite(total) && coefficient < 1)
            TensorPrimitives.Multiply(gradients, (float)coefficient, gradients);
        return total;
    }

    /// <summary>
    /// <c>torch.nn.utils.clip_grad_value_(parameters, clip_value)</c>: clamps every gradient to
    /// [−clipValue, clipValue] in place; NaN stays NaN, as in <c>torch.clamp</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipValue"/> is negative or not finite.</exception>
    public static void ClipByValue(Span<float> gradients, double clipValue)
    {
        HyperparameterCheck.NonNegative(clipValue, nameof(clipValue));
        float limit = (float)clipValue;
        TensorPrimitives.Max(gradients, -limit, gradients);
        TensorPrimitives.Min(gradients, limit, gradients);
    }

    /// <summary>
    /// The L2 norm <c>√(Σ g²)</c> of a gradient block, in double. Each square of a float is exact in
    /// double; element i is added into accumulator <c>i mod 16</c> and the 16 accumulators are added
    /// in a fixed order, whatever the SIMD width, so the result is bit-identical on every machine.
    /// </summary>
    public static double GlobalNorm(ReadOnlySpan<float> gradients) => Math.Sqrt(SumOfSquares(gradients));

    /// <summary>Σ g² in double, in the fixed 16-accumulator order described on <see cref="GlobalNorm"/>.</summary>
    internal static double SumOfSquares(ReadOnlySpan<float> values)
    {
        Span<double> lanes = stackalloc double[Lanes];
        lanes.Clear();
        ref float x = ref MemoryMarshal.GetReference(values);
        ref double lane = ref MemoryMarshal.GetReference(lanes);
        nuint length = (nuint)values.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<double> a0 = default, a1 = default;
            for (; length - i >= Lanes; i += Lanes)
            {
                (Vector512<double> lo, Vector512<double> hi) = Vector512.Widen(Vector512.LoadUnsafe(ref x, i));
                a0 += lo * lo;
                a1 += hi * hi;
            }
            a0.StoreUnsafe(ref lane, 0);
            a1.StoreUnsafe(ref lane, 8);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; length - i >= Lanes; i += Lanes)
            {
                (Vector256<double> l0, Vector256<double> h0) = Vector256.Widen(Vector256.LoadUnsafe(ref x, i));
                (Vector256<double> l1, Vector256<double> h1) = Vector256.Widen(Vector256.LoadUnsafe(ref x, i + 8));
                a0 += l0 * l0;
                a1 += h0 * h0;
                a2 += l1 * l1;
                a3 += h1 * h1;
            }
            a0.StoreUnsafe(ref lane, 0);
            a1.StoreUnsafe(ref lane, 4);
            a2.StoreUnsafe(ref lane, 8);
            a3.StoreUnsafe(ref lane, 12);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<double> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (; length - i >= Lanes; i += Lanes)
            {
                (Vector128<double> l0, Vector128<double> h0) = Vector128.Widen(Vector128.LoadUnsafe(ref x, i));
                (Vector128<double> l1, Vector128<double> h1) = Vector128.Widen(Vector128.LoadUnsafe(ref x, i + 4));
                (Vector128<double> l2, Vector128<double> h2) = Vector128.Widen(Vector128.LoadUnsafe(ref x, i + 8));
                (Vector128<double> l3, Vector128<double> h3) = Vector128.Widen(Vector128.LoadUnsafe(ref x, i + 12));
                a0 += l0 * l0;
                a1 += h0 * h0;
                a2 += l1 * l1;
                a3 += h1 * h1;
                a4 += l2 * l2;
                a5 += h2 * h2;
                a6 += l3 * l3;
                a7 += h3 * h3;
            }
            a0.StoreUnsafe(ref lane, 0);
            a1.StoreUnsafe(ref lane, 2);
            a2.StoreUnsafe(ref lane, 4);
            a3.StoreUnsafe(ref lane, 6);
            a4.StoreUnsafe(ref lane, 8);
            a5.StoreUnsafe(ref lane, 10);
            a6.StoreUnsafe(ref lane, 12);
            a7.StoreUnsafe(ref lane, 14);
        }
        // The rest (everything, without SIMD): element i into lane i mod 16, as the vectors did.
        for (; i < length; i++)
        {
            double v = values[(int)i];
            lanes[(int)(i % Lanes)] += v * v;
        }
        double sum = 0;
        foreach (double s in lanes) sum += s;
        return sum;
    }
}
