// The vector-width abstraction the kernels are written over: each operation once for Vector512, Vector256, Vector128
// and scalar floats, chosen by the type argument (the JIT keeps only the branch of the width it compiles for).
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LstmGen.CompilerServices;

/// <summary>
/// Lane-wise float operations for code generic over the vector width: <c>T</c> is <see cref="Vector512{T}"/>,
/// <see cref="Vector256{T}"/> or <see cref="Vector128{T}"/> of float, or <see cref="float"/> itself (the scalar path).
/// Each method tests <c>typeof(T)</c>, which the JIT folds when it compiles a generic method for a width, so the
/// code left is the width's own intrinsics; every method is inlined. (The values are the vectors themselves, not
/// wrappers: the JIT inlines thousands of these calls into one kernel without temporaries, where a wrapper struct
/// per value makes it give up.) <see cref="VectorWidth"/> says which width runs.
/// </summary>
/// <remarks>
/// <see cref="MultiplyAdd"/> is fused where the hardware has FMA and two roundings elsewhere (including the scalar
/// path), so results differ between machines in the last bits; tests compare with stated tolerances. The other
/// arithmetic is correctly rounded. <see cref="Sigmoid"/> and <see cref="Tanh"/> are <see cref="Activations"/>'
/// rational approximation on vectors and <see cref="MathF"/> on the scalar path. A type argument other than the four
/// is a programming error (the conversions throw).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Lanes
{
    /// <summary>Floats per value of <typeparamref name="T"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Count<T>() where T : struct =>
        typeof(T) == typeof(Vector512<float>) ? 16 : typeof(T) == typeof(Vector256<float>) ? 8 : typeof(T) == typeof(Vector128<float>) ? 4 : 1;

    /// <summary>Whether <typeparamref name="T"/>'s operations run in hardware (the scalar path always does).</summary>
    public static bool IsHardwareAccelerated<T>() where T : struct =>
        typeof(T) == typeof(Vector512<float>) ? Vector512.IsHardwareAccelerated
        : typeof(T) == typeof(Vector256<float>) ? Vector256.IsHardwareAccelerated
        : typeof(T) != typeof(Vector128<float>) || Vector128.IsHardwareAccelerated;

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Create<T>(float value) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return To<T, Vector512<float>>(Vector512.Create(value));
        if (typeof(T) == typeof(Vector256<float>)) return To<T, Vector256<float>>(Vector256.Create(value));
        if (typeof(T) == typeof(Vector128<float>)) return To<T, Vector128<float>>(Vector128.Create(value));
        return To<T, float>(value);
    }

    /// <summary>All lanes zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Zero<T>() where T : struct => Create<T>(0f);

    /// <summary>All lanes one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T One<T>() where T : struct => Create<T>(1f);

    /// <summary>Every lane set to the float at <paramref name="source"/> + <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Broadcast<T>(ref float source, nuint index) where T : struct => Create<T>(Unsafe.Add(ref source, index));

    /// <summary>The floats at <paramref name="source"/> + <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load<T>(ref float source, nuint index) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return To<T, Vector512<float>>(Vector512.LoadUnsafe(ref source, index));
        if (typeof(T) == typeof(Vector256<float>)) return To<T, Vector256<float>>(Vector256.LoadUnsafe(ref source, index));
        if (typeof(T) == typeof(Vector128<float>)) return To<T, Vector128<float>>(Vector128.LoadUnsafe(ref source, index));
        return To<T, float>(Unsafe.Add(ref source, index));
    }

    /// <summary>The bfloat16 values at <paramref name="source"/> + <paramref name="index"/>, widened to float (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LoadBFloat16<T>(ref ushort source, nuint index) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return To<T, Vector512<float>>(BFloat16.Load512(ref source, index));
        if (typeof(T) == typeof(Vector256<float>)) return To<T, Vector256<float>>(BFloat16.Load256(ref source, index));
        if (typeof(T) == typeof(Vector128<float>)) return To<T, Vector128<float>>(BFloat16.Load128(ref source, index));
        return To<T, float>(BFloat16.ToSingle(Unsafe.Add(ref source, index)));
    }

    /// <summary>Writes <paramref name="value"/> at <paramref name="destination"/> + <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T value, ref float destination, nuint index) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) As<Vector512<float>, T>(value).StoreUnsafe(ref destination, index);
        else if (typeof(T) == typeof(Vector256<float>)) As<Vector256<float>, T>(value).StoreUnsafe(ref destination, index);
        else if (typeof(T) == typeof(Vector128<float>)) As<Vector128<float>, T>(value).StoreUnsafe(ref destination, index);
        else Unsafe.Add(ref destination, index) = As<float, T>(value);
    }

    /// <summary>Lane-wise <paramref name="a"/> + <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Add<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return To<T, Vector512<float>>(As<Vector512<float>, T>(a) + As<Vector512<float>, T>(b));
        if (typeof(T) == typeof(Vector256<float>)) return To<T, Vector256<float>>(As<Vector256<float>, T>(a) + As<Vector256<float>, T>(b));
        if (typeof(T) == typeof(Vector128<float>)) return To<T, Vector128<float>>(As<Vector128<float>, T>(a) + As<Vector128<float>, T>(b));
        return To<T, float>(As<float, T>(a) + As<float, T>(b));
    }

    /// <summary>Lane-wise <paramref name="a"/> − <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Subtract<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return To<T, Vector512<float>>(As<Vector512<float>, T>(a) - As<Vector512<float>, T>(b));
        if (typeof(T) == typeof(Vector256<float>)) return To<T, Vector256<float>>(As<Vector256<float>, T>(a) - As<Vector256<float>, T>(b));
        if (typeof(T) == typeof(Vector128<float>)) return To<T, Vector128<float>>(As<Vector128<float>, T>(a) - As<Vector128<float>, T>(b));
        return To<T, float>(As<float, T>(a) - As<float, T>(b));
    }

    /// <summary>Lane-wise <paramref name="a"/> · <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Multiply<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return To<T, Vector512<float>>(As<Vector512<float>, T>(a) * As<Vector512<float>, T>(b));
        if (typeof(T) == typeof(Vector256<float>)) return To<T, Vector256<float>>(As<Vector256<float>, T>(a) * As<Vector256<float>, T>(b));
        if (typeof(T) == typeof(Vector128<float>)) return To<T, Vector128<float>>(As<Vector128<float>, T>(a) * As<Vector128<float>, T>(b));
        return To<T, float>(As<float, T>(a) * As<float, T>(b));
    }

    /// <summary>Lane-wise <paramref name="a"/> / <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Divide<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return To<T, Vector512<float>>(As<Vector512<float>, T>(a) / As<Vector512<float>, T>(b));
        if (typeof(T) == typeof(Vector256<float>)) return To<T, Vector256<float>>(As<Vector256<float>, T>(a) / As<Vector256<float>, T>(b));
        if (typeof(T) == typeof(Vector128<float>)) return To<T, Vector128<float>>(As<Vector128<float>, T>(a) / As<Vector128<float>, T>(b));
        return To<T, float>(As<float, T>(a) / As<float, T>(b));
    }

    /// <summary><paramref name="a"/> · <paramref name="b"/> + <paramref name="addend"/>: one rounding where the hardware has FMA, two elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd<T>(T a, T b, T addend) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>))
            return To<T, Vector512<float>>(Vector512.MultiplyAddEstimate(As<Vector512<float>, T>(a), As<Vector512<float>, T>(b), As<Vector512<float>, T>(addend)));
        if (typeof(T) == typeof(Vector256<float>))
            return To<T, Vector256<float>>(Vector256.MultiplyAddEstimate(As<Vector256<float>, T>(a), As<Vector256<float>, T>(b), As<Vector256<float>, T>(addend)));
        if (typeof(T) == typeof(Vector128<float>))
            return To<T, Vector128<float>>(Vector128.MultiplyAddEstimate(As<Vector128<float>, T>(a), As<Vector128<float>, T>(b), As<Vector128<float>, T>(addend)));
        return To<T, float>(As<float, T>(a) * As<float, T>(b) + As<float, T>(addend));
    }

    /// <summary>Lane-wise minimum as the hardware computes it: the second operand when either is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MinNative<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return To<T, Vector512<float>>(Vector512.MinNative(As<Vector512<float>, T>(a), As<Vector512<float>, T>(b)));
        if (typeof(T) == typeof(Vector256<float>)) return To<T, Vector256<float>>(Vector256.MinNative(As<Vector256<float>, T>(a), As<Vector256<float>, T>(b)));
        if (typeof(T) == typeof(Vector128<float>)) return To<T, Vector128<float>>(Vector128.MinNative(As<Vector128<float>, T>(a), As<Vector128<float>, T>(b)));
        return To<T, float>(As<float, T>(a) < As<float, T>(b) ? As<float, T>(a) : As<float, T>(b));
    }

    /// <summary>Lane-wise maximum as the hardware computes it: the second operand when either is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxNative<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return To<T, Vector512<float>>(Vector512.MaxNative(As<Vector512<float>, T>(a), As<Vector512<float>, T>(b)));
        if (typeof(T) == typeof(Vector256<float>)) return To<T, Vector256<float>>(Vector256.MaxNative(As<Vector256<float>, T>(a), As<Vector256<float>, T>(b)));
        if (typeof(T) == typeof(Vector128<float>)) return To<T, Vector128<float>>(Vector128.MaxNative(As<Vector128<float>, T>(a), As<Vector128<float>, T>(b)));
        return To<T, float>(As<float, T>(a) > As<float, T>(b) ? As<float, T>(a) : As<float, T>(b));
    }

    /// <summary>Lane-wise maximum; NaN in either lane gives NaN (as <c>torch.maximum</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return To<T, Vector512<float>>(Vector512.Max(As<Vector512<float>, T>(a), As<Vector512<float>, T>(b)));
        if (typeof(T) == typeof(Vector256<float>)) return To<T, Vector256<float>>(Vector256.Max(As<Vector256<float>, T>(a), As<Vector256<float>, T>(b)));
        if (typeof(T) == typeof(Vector128<float>)) return To<T, Vector128<float>>(Vector128.Max(As<Vector128<float>, T>(a), As<Vector128<float>, T>(b)));
        return To<T, float>(MathF.Max(As<float, T>(a), As<float, T>(b)));
    }

    /// <summary>Lane-wise square root.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sqrt<T>(T x) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return To<T, Vector512<float>>(Vector512.Sqrt(As<Vector512<float>, T>(x)));
        if (typeof(T) == typeof(Vector256<float>)) return To<T, Vector256<float>>(Vector256.Sqrt(As<Vector256<float>, T>(x)));
        if (typeof(T) == typeof(Vector128<float>)) return To<T, Vector128<float>>(Vector128.Sqrt(As<Vector128<float>, T>(x)));
        return To<T, float>(MathF.Sqrt(As<float, T>(x)));
    }

    /// <summary>The sum of the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum<T>(T x) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) return Vector512.Sum(As<Vector512<float>, T>(x));
        if (typeof(T) == typeof(Vector256<float>)) return Vector256.Sum(As<Vector256<float>, T>(x));
        if (typeof(T) == typeof(Vector128<float>)) return Vector128.Sum(As<Vector128<float>, T>(x));
        return As<float, T>(x);
    }

    /// <summary>The logistic sigmoid of each lane (see <see cref="Activations"/> for the approximation and its error bound).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x) where T : struct =>
        typeof(T) == typeof(float) ? To<T, float>(Activations.Sigmoid(As<float, T>(x))) : Activations.RationalSigmoid(x);

    /// <summary>The hyperbolic tangent of each lane (see <see cref="Activations"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Tanh<T>(T x) where T : struct =>
        typeof(T) == typeof(float) ? To<T, float>(Activations.Tanh(As<float, T>(x))) : Activations.RationalTanh(x);

    /// <summary>Lanes with |x| &lt; <see cref="Activations.GradientFlushThreshold"/> set to zero (see there why).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FlushTiny<T>(T x) where T : struct
    {
        const float t = Activations.GradientFlushThreshold;
        if (typeof(T) == typeof(Vector512<float>))
        {
            Vector512<float> v = As<Vector512<float>, T>(x);
            return To<T, Vector512<float>>(Vector512.AndNot(v, Vector512.LessThan(Vector512.Abs(v), Vector512.Create(t))));
        }
        if (typeof(T) == typeof(Vector256<float>))
        {
            Vector256<float> v = As<Vector256<float>, T>(x);
            return To<T, Vector256<float>>(Vector256.AndNot(v, Vector256.LessThan(Vector256.Abs(v), Vector256.Create(t))));
        }
        if (typeof(T) == typeof(Vector128<float>))
        {
            Vector128<float> v = As<Vector128<float>, T>(x);
            return To<T, Vector128<float>>(Vector128.AndNot(v, Vector128.LessThan(Vector128.Abs(v), Vector128.Create(t))));
        }
        return To<T, float>(Activations.FlushTiny(As<float, T>(x)));
    }

    /// <summary>
    /// <paramref name="numerator"/> / <paramref name="denominator"/> + <paramref name="addend"/>: with AVX-512 the quotient
    /// from the 14-bit reciprocal estimate refined by one Newton step, <c>r·(2 − d·r)</c>, folded into the last
    /// multiply-add (the activations' last step), else a division.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T DivideAdd<T>(T numerator, T denominator, T addend) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>) && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            Vector512<float> q = As<Vector512<float>, T>(denominator), r = System.Runtime.Intrinsics.X86.Avx512F.Reciprocal14(q);
            Vector512<float> e = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAddNegated(q, r, Vector512.Create(2f));
            return To<T, Vector512<float>>(System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(As<Vector512<float>, T>(numerator) * r, e, As<Vector512<float>, T>(addend)));
        }
        if (typeof(T) == typeof(Vector256<float>) && System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported)
        {
            Vector256<float> q = As<Vector256<float>, T>(denominator), r = System.Runtime.Intrinsics.X86.Avx512F.VL.Reciprocal14(q);
            Vector256<float> e = System.Runtime.Intrinsics.X86.Fma.MultiplyAddNegated(q, r, Vector256.Create(2f));
            return To<T, Vector256<float>>(System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(As<Vector256<float>, T>(numerator) * r, e, As<Vector256<float>, T>(addend)));
        }
        if (typeof(T) == typeof(Vector128<float>) && System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported)
        {
            Vector128<float> q = As<Vector128<float>, T>(denominator), r = System.Runtime.Intrinsics.X86.Avx512F.VL.Reciprocal14(q);
            Vector128<float> e = System.Runtime.Intrinsics.X86.Fma.MultiplyAddNegated(q, r, Vector128.Create(2f));
            return To<T, Vector128<float>>(System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(As<Vector128<float>, T>(numerator) * r, e, As<Vector128<float>, T>(addend)));
        }
        return Add(Divide(numerator, denominator), addend);
    }

    /// <summary><paramref name="x"/> as the width's own type (the same bits; free).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TTo As<TTo, T>(T x) where TTo : struct where T : struct => Unsafe.BitCast<T, TTo>(x);

    /// <summary>A width's value as <typeparamref name="T"/> (the same bits; free).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T To<T, TFrom>(TFrom x) where T : struct where TFrom : struct => Unsafe.BitCast<TFrom, T>(x);
}
