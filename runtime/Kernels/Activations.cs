// Vectorised logistic sigmoid and tanh used by the generated gate code, with their error bound.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LstmGen.Kernels;

/// <summary>
/// Gate activations for every vector width and a scalar path.
/// </summary>
/// <remarks>
/// <para><b>Sigmoid</b>: <c>1 / (1 + exp(-x))</c> with the vector <c>Exp</c> of .NET (relative error
/// ≤ 1.5e-7 measured over [-20, 20]) and a true division: relative error ≤ 3e-7 for x ≥ −87; below,
/// exp(−x) overflows and the result is 0 where the exact value is under 1.2e-38 (absolute error
/// &lt; 1.2e-38); saturates to exactly 1 for large x; NaN stays NaN.</para>
/// <para><b>Tanh</b>: for |x| ≥ 0.0625, <c>sign(x)·(1 − 2 / (exp(2|x|) + 1))</c> (absolute error ≤ 2.5e-7,
/// saturating to ±1); below, the odd Taylor polynomial to x⁷ (relative error ≤ 1e-9 there), so
/// small arguments keep their relative precision.</para>
/// <para>The scalar path uses <see cref="MathF.Exp"/> and <see cref="MathF.Tanh"/>.</para>
/// </remarks>
public static class Activations
{
    private const float SmallTanh = 0.0625f;


    /// <summary>Logistic sigmoid of one float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>Hyperbolic tangent of one float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);

    /// <summary>Logistic sigmoid of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) =>
        Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-x));

    /// <summary>Logistic sigmoid of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) =>
        Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

    /// <summary>Logistic sigmoid of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) =>
        Vector128<float>.One / (Vector128<float>.One + Vector128.Exp(-x));

    /// <summary>Hyperbolic tangent of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> a = Vector512.Abs(x);
        Vector512<float> large = Vector512<float>.One - Vector512.Create(2f) / (Vector512.Exp(a + a) + Vector512<float>.One);
        large = Vector512.CopySign(large, x);
        Vector512<float> x2 = x * x;
        // x · (1 − x²/3 + 2x⁴/15 − 17x⁶/315)
        Vector512<float> p = Vector512.MultiplyAddEstimate(x2, Vector512.Create(-17f / 315f), Vector512.Create(2f / 15f));
        p = Vector512.MultiplyAddEstimate(x2, p, Vector512.Create(-1f / 3f));
        p = Vector512.MultiplyAddEstimate(x2 * p, x, x);
        return Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(SmallTanh)), p, large);
    }

    /// <summary>Hyperbolic tangent of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> a = Vector256.Abs(x);
        Vector256<float> large = Vector256<float>.One - Vector256.Create(2f) / (Vector256.Exp(a + a) + Vector256<float>.One);
        large = Vector256.CopySign(large, x);
        Vector256<float> x2 = x * x;
        Vector256<float> p = Vector256.MultiplyAddEstimate(x2, Vector256.Create(-17f / 315f), Vector256.Create(2f / 15f));
        p = Vector256.MultiplyAddEstimate(x2, p, Vector256.Create(-1f / 3f));
        p = Vector256.MultiplyAddEstimate(x2 * p, x, x);
        return Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(SmallTanh)), p, large);
    }

    /// <summary>Hyperbolic tangent of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        Vector128<float> a = Vector128.Abs(x);
        Vector128<float> large = Vector128<float>.One - Vector128.Create(2f) / (Vector128.Exp(a + a) + Vector128<float>.One);
        large = Vector128.CopySign(large, x);
        Vector128<float> x2 = x * x;
        Vector128<float> p = Vector128.MultiplyAddEstimate(x2, Vector128.Create(-17f / 315f), Vector128.Create(2f / 15f));
        p = Vector128.MultiplyAddEstimate(x2, p, Vector128.Create(-1f / 3f));
        p = Vector128.MultiplyAddEstimate(x2 * p, x, x);
        return Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(SmallTanh)), p, large);
    }

    /// <summary>
    /// Carried gradients smaller than this (2^−100 ≈ 7.9e-31) in magnitude are flushed to zero by the
    /// backward pass. Long sequences shrink the gradients carried back through time until they underflow;
    /// subnormal float32 arithmetic is very slow on x86 and .NET cannot switch on the CPU's flush-to-zero
    /// mode. Flushing only true subnormals (below 2^−126) is not enough: products of a carried value with
    /// gate derivatives still land in the subnormal range. Measured on the golden IMDB case (T = 300,
    /// H = 128, reference backward): 194 ms flushing below 2^−126, 40 ms below 2^−100. The values dropped are
    /// far below what float32 gradients of normal size can resolve.
    /// </summary>
    public const float GradientFlushThreshold = 7.88860905E-31f;

    /// <summary>Zero when |x| &lt; <see cref="GradientFlushThreshold"/>, else x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FlushTiny(float x) => MathF.Abs(x) < GradientFlushThreshold ? 0f : x;

    /// <summary>Lanes with |x| &lt; <see cref="GradientFlushThreshold"/> set to zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FlushTiny(Vector512<float> x) =>
        Vector512.AndNot(x, Vector512.LessThan(Vector512.Abs(x), Vector512.Create(GradientFlushThreshold)));

    /// <summary>Lanes with |x| &lt; <see cref="GradientFlushThreshold"/> set to zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FlushTiny(Vector256<float> x) =>
        Vector256.AndNot(x, Vector256.LessThan(Vector256.Abs(x), Vector256.Create(GradientFlushThreshold)));

    /// <summary>Lanes with |x| &lt; <see cref="GradientFlushThreshold"/> set to zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FlushTiny(Vector128<float> x) =>
        Vector128.AndNot(x, Vector128.LessThan(Vector128.Abs(x), Vector128.Create(GradientFlushThreshold)));
}
