// Vectorised logistic sigmoid and tanh used by the generated gate code, with their error bound.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.CompilerServices;

/// <summary>
/// Gate activations for every vector width and a scalar path.
/// </summary>
/// <remarks>
/// <para>The vector paths use one rational function for both: <c>tanh(x) ≈ x·P(x²)/Q(x²)</c> with P and Q
/// of degree 4 in x², fitted for minimal relative error on [0, 9] (4.2e-8 in exact arithmetic), x clamped to
/// [−9, 9] (tanh(9) rounds to 1 in float), and <c>σ(x) = ½ + ½·tanh(x/2)</c> with the halvings folded into
/// the coefficients. The polynomials are evaluated by Estrin's scheme and the reciprocal of Q is the AVX-512
/// estimate <c>vrcp14ps</c> refined by one Newton step (a division without AVX-512, where <c>rcpps</c> and
/// one step would not reach the bounds below). 18 vector instructions (19 for σ) and a dependency chain
/// of 8 (9) floating-point latencies — x², its clamp, s², 2 for Q, the reciprocal, the Newton step, the
/// result, and σ's max (the clamp of x for the numerator runs alongside) — half that of an exp-based activation, and no division (whose throughput
/// alone is 10–16 cycles per 16 lanes): what bounds the step time of small models is this chain, twice per
/// step (gates, then tanh of the new cell).</para>
/// <para>Error, measured against double precision over [−30, 30] in steps of 0.0137 and [−0.1, 0.1] in
/// steps of 1e-4 (tests/Numeric/ActivationTests): tanh relative error ≤ 4e-7 (so small arguments keep their
/// precision); σ absolute error ≤ 2e-7 and σ in [0, 1] (the rational part can undershoot by a few 1e-8
/// near x = −18, so σ ends with a max against 0) — exactly 1 for large x. NaN stays NaN.</para>
/// <para>The scalar path uses <see cref="MathF.Exp"/> and <see cref="MathF.Tanh"/>.</para>
/// </remarks>
public static class Activations
{
    // tanh(x) ≈ x·(P0 + P1·s + … + P4·s⁴) / (1 + Q1·s + … + Q4·s⁴), s = x², |x| ≤ TanhClamp.
    private const float P0 = 1f, P1 = 0.133813456f, P2 = 0.00349596655f, P3 = 2.06152163e-5f, P4 = 1.33629774e-8f;
    private const float Q1 = 0.467146605f, Q2 = 0.0258784276f, Q3 = 0.000328624970f, Q4 = 7.78000071e-7f;
    private const float TanhClamp = 9f;

    /// <summary>Logistic sigmoid of one float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>Hyperbolic tangent of one float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);

    /// <summary>Logistic sigmoid of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512.MaxNative(Vector512<float>.Zero, Rational(x, 0.5f, 0.5f));

    /// <summary>Logistic sigmoid of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256.MaxNative(Vector256<float>.Zero, Rational(x, 0.5f, 0.5f));

    /// <summary>Logistic sigmoid of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => Vector128.MaxNative(Vector128<float>.Zero, Rational(x, 0.5f, 0.5f));

    /// <summary>Hyperbolic tangent of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x) => Rational(x, 1f, 0f);

    /// <summary>Hyperbolic tangent of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x) => Rational(x, 1f, 0f);

    /// <summary>Hyperbolic tangent of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x) => Rational(x, 1f, 0f);

    // offset + x·P(a²x²)·(a or a/2) / Q(a²x²): tanh(x) for a = 1, offset 0; σ(x) = ½ + ½·tanh(x/2) for
    // a = ½, offset ½. x is clamped to ±9/a; Min/MaxNative return their second operand when either is NaN,
    // so NaN stays NaN (vrangeps would clamp in one instruction but drops NaN). s = x² is clamped to
    // (9/a)² rather than computed from the clamped x: the same value bit for bit (81 and 324 are exact),
    // but the polynomials, which are the dependency chain, start one min/max earlier (the clamp of x
    // runs alongside, for the numerator). The reciprocal r of Q is refined by one Newton step,
    // r·(2 − Q·r), folded into the last multiply.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Rational(Vector512<float> x, float a, float offset)
    {
        float limit = TanhClamp / a, a2 = a * a, a4 = a2 * a2, a6 = a4 * a2, a8 = a4 * a4, n = offset == 0f ? a : a * 0.5f;
        Vector512<float> s = Vector512.MinNative(Vector512.Create(limit * limit), x * x);
        x = Vector512.MinNative(Vector512.Create(limit), Vector512.MaxNative(Vector512.Create(-limit), x));
        Vector512<float> s2 = s * s;
        Vector512<float> p = Vector512.MultiplyAddEstimate(s2,
            Vector512.MultiplyAddEstimate(s2, Vector512.Create(n * P4 * a8), Vector512.MultiplyAddEstimate(s, Vector512.Create(n * P3 * a6), Vector512.Create(n * P2 * a4))),
            Vector512.MultiplyAddEstimate(s, Vector512.Create(n * P1 * a2), Vector512.Create(n * P0)));
        Vector512<float> q = Vector512.MultiplyAddEstimate(s2,
            Vector512.MultiplyAddEstimate(s2, Vector512.Create(Q4 * a8), Vector512.MultiplyAddEstimate(s, Vector512.Create(Q3 * a6), Vector512.Create(Q2 * a4))),
            Vector512.MultiplyAddEstimate(s, Vector512.Create(Q1 * a2), Vector512<float>.One));
        Vector512<float> numerator = x * p;
        if (!Avx512F.IsSupported) return numerator / q + Vector512.Create(offset);
        Vector512<float> r = Avx512F.Reciprocal14(q);
        Vector512<float> e = Avx512F.FusedMultiplyAddNegated(q, r, Vector512.Create(2f));
        return Avx512F.FusedMultiplyAdd(numerator * r, e, Vector512.Create(offset));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Rational(Vector256<float> x, float a, float offset)
    {
        float limit = TanhClamp / a, a2 = a * a, a4 = a2 * a2, a6 = a4 * a2, a8 = a4 * a4, n = offset == 0f ? a : a * 0.5f;
        Vector256<float> s = Vector256.MinNative(Vector256.Create(limit * limit), x * x);
        x = Vector256.MinNative(Vector256.Create(limit), Vector256.MaxNative(Vector256.Create(-limit), x));
        Vector256<float> s2 = s * s;
        Vector256<float> p = Vector256.MultiplyAddEstimate(s2,
            Vector256.MultiplyAddEstimate(s2, Vector256.Create(n * P4 * a8), Vector256.MultiplyAddEstimate(s, Vector256.Create(n * P3 * a6), Vector256.Create(n * P2 * a4))),
            Vector256.MultiplyAddEstimate(s, Vector256.Create(n * P1 * a2), Vector256.Create(n * P0)));
        Vector256<float> q = Vector256.MultiplyAddEstimate(s2,
            Vector256.MultiplyAddEstimate(s2, Vector256.Create(Q4 * a8), Vector256.MultiplyAddEstimate(s, Vector256.Create(Q3 * a6), Vector256.Create(Q2 * a4))),
            Vector256.MultiplyAddEstimate(s, Vector256.Create(Q1 * a2), Vector256<float>.One));
        Vector256<float> numerator = x * p;
        if (!Avx512F.VL.IsSupported) return numerator / q + Vector256.Create(offset);
        Vector256<float> r = Avx512F.VL.Reciprocal14(q);
        Vector256<float> e = Fma.MultiplyAddNegated(q, r, Vector256.Create(2f));
        return Fma.MultiplyAdd(numerator * r, e, Vector256.Create(offset));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Rational(Vector128<float> x, float a, float offset)
    {
        float limit = TanhClamp / a, a2 = a * a, a4 = a2 * a2, a6 = a4 * a2, a8 = a4 * a4, n = offset == 0f ? a : a * 0.5f;
        Vector128<float> s = Vector128.MinNative(Vector128.Create(limit * limit), x * x);
        x = Vector128.MinNative(Vector128.Create(limit), Vector128.MaxNative(Vector128.Create(-limit), x));
        Vector128<float> s2 = s * s;
        Vector128<float> p = Vector128.MultiplyAddEstimate(s2,
            Vector128.MultiplyAddEstimate(s2, Vector128.Create(n * P4 * a8), Vector128.MultiplyAddEstimate(s, Vector128.Create(n * P3 * a6), Vector128.Create(n * P2 * a4))),
            Vector128.MultiplyAddEstimate(s, Vector128.Create(n * P1 * a2), Vector128.Create(n * P0)));
        Vector128<float> q = Vector128.MultiplyAddEstimate(s2,
            Vector128.MultiplyAddEstimate(s2, Vector128.Create(Q4 * a8), Vector128.MultiplyAddEstimate(s, Vector128.Create(Q3 * a6), Vector128.Create(Q2 * a4))),
            Vector128.MultiplyAddEstimate(s, Vector128.Create(Q1 * a2), Vector128<float>.One));
        Vector128<float> numerator = x * p;
        if (!Avx512F.VL.IsSupported) return numerator / q + Vector128.Create(offset);
        Vector128<float> r = Avx512F.VL.Reciprocal14(q);
        Vector128<float> e = Fma.MultiplyAddNegated(q, r, Vector128.Create(2f));
        return Fma.MultiplyAdd(numerator * r, e, Vector128.Create(offset));
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
