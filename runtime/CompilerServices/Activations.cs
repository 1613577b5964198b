// The gate activations (logistic sigmoid and tanh) of every kernel, written once over the vector-width abstraction, with
// their error bounds.
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
[EditorBrowsable(EditorBrowsableState.Never)]
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
    public static Vector512<float> Sigmoid(Vector512<float> x) => RationalSigmoid(x);

    /// <summary>Logistic sigmoid of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => RationalSigmoid(x);

    /// <summary>Logistic sigmoid of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => RationalSigmoid(x);

    /// <summary>Hyperbolic tangent of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x) => RationalTanh(x);

    /// <summary>Hyperbolic tangent of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x) => RationalTanh(x);

    /// <summary>Hyperbolic tangent of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x) => RationalTanh(x);

    /// <summary>σ(x) = ½ + ½·tanh(x/2) by the rational approximation, for the vector widths; at least 0 (see the remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T RationalSigmoid<T>(T x) where T : struct => Lanes.MaxNative(Lanes.Zero<T>(), Rational(x, 0.5f, 0.5f));

    /// <summary>tanh(x) by the rational approximation, for the vector widths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T RationalTanh<T>(T x) where T : struct => Rational(x, 1f, 0f);

    // offset + x·P(a²x²)·(a or a/2) / Q(a²x²): tanh(x) for a = 1, offset 0; σ(x) = ½ + ½·tanh(x/2) for
    // a = ½, offset ½. x is clamped to ±9/a; Min/MaxNative return their second operand when either is NaN,
    // so NaN stays NaN (vrangeps would clamp in one instruction but drops NaN). s = x² is clamped to
    // (9/a)² rather than computed from the clamped x: the same value bit for bit (81 and 324 are exact),
    // but the polynomials, which are the dependency chain, start one min/max earlier (the clamp of x
    // runs alongside, for the numerator). The quotient and the offset are Lanes.DivideAdd's: with AVX-512 the
    // reciprocal of Q is refined by one Newton step, r·(2 − Q·r), folded into the last multiply.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Rational<T>(T x, float a, float offset) where T : struct
    {
        float limit = TanhClamp / a, a2 = a * a, a4 = a2 * a2, a6 = a4 * a2, a8 = a4 * a4, n = offset == 0f ? a : a * 0.5f;
        T s = Lanes.MinNative(Lanes.Create<T>(limit * limit), Lanes.Multiply(x, x));
        x = Lanes.MinNative(Lanes.Create<T>(limit), Lanes.MaxNative(Lanes.Create<T>(-limit), x));
        T s2 = Lanes.Multiply(s, s);
        T p = Lanes.MultiplyAdd(s2,
            Lanes.MultiplyAdd(s2, Lanes.Create<T>(n * P4 * a8), Lanes.MultiplyAdd(s, Lanes.Create<T>(n * P3 * a6), Lanes.Create<T>(n * P2 * a4))),
            Lanes.MultiplyAdd(s, Lanes.Create<T>(n * P1 * a2), Lanes.Create<T>(n * P0)));
        T q = Lanes.MultiplyAdd(s2,
            Lanes.MultiplyAdd(s2, Lanes.Create<T>(Q4 * a8), Lanes.MultiplyAdd(s, Lanes.Create<T>(Q3 * a6), Lanes.Create<T>(Q2 * a4))),
            Lanes.MultiplyAdd(s, Lanes.Create<T>(Q1 * a2), Lanes.One<T>()));
        return Lanes.DivideAdd(Lanes.Multiply(x, p), q, Lanes.Create<T>(offset));
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
    public static Vector512<float> FlushTiny(Vector512<float> x) => Lanes.FlushTiny(x);

    /// <summary>Lanes with |x| &lt; <see cref="GradientFlushThreshold"/> set to zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FlushTiny(Vector256<float> x) => Lanes.FlushTiny(x);

    /// <summary>Lanes with |x| &lt; <see cref="GradientFlushThreshold"/> set to zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FlushTiny(Vector128<float> x) => Lanes.FlushTiny(x);
}
