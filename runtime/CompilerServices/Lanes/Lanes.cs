// The vector-width abstraction the kernels are written over: each operation once for Vector512, Vector256, Vector128
// and scalar floats, chosen by the type argument (the JIT keeps only the branch of the width it compiles for).
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using F128 = System.Runtime.Intrinsics.Vector128<float>;
using F256 = System.Runtime.Intrinsics.Vector256<float>;
using F512 = System.Runtime.Intrinsics.Vector512<float>;

namespace LstmGen.CompilerServices;

/// <summary>
/// Lane-wise float operations for code generic over the vector width: <c>T</c> is <see cref="Vector512{T}"/>,
/// <see cref="Vector256{T}"/> or <see cref="Vector128{T}"/> of float, or <see cref="float"/> itself (the scalar path).
/// Each method tests <c>typeof(T)</c>, which the JIT folds when it compiles a generic method for a width, so the
/// code left is the width's own intrinsics; every method is inlined. (The values are the vectors themselves, not
/// wrappers: the JIT inlines thousands of these calls into one kernel without temporaries, where a wrapper struct
/// per value, or a helper method per conversion, makes it give up: hence the direct <see cref="Unsafe.BitCast{TFrom, TTo}"/>s.) <see cref="VectorWidth"/> says which width runs.
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
    public static int Count<T>() where T : struct
    {
        if (typeof(T) == typeof(F512)) return 16;
        if (typeof(T) == typeof(F256)) return 8;
        if (typeof(T) == typeof(F128)) return 4;
        return 1;
    }

    /// <summary>Whether <typeparamref name="T"/>'s operations run in hardware (the scalar path always does).</summary>
    public static bool IsHardwareAccelerated<T>() where T : struct
    {
        if (typeof(T) == typeof(F512)) return Vector512.IsHardwareAccelerated;
        if (typeof(T) == typeof(F256)) return Vector256.IsHardwareAccelerated;
        if (typeof(T) == typeof(F128)) return Vector128.IsHardwareAccelerated;
        return true;
    }

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Create<T>(float value) where T : struct
    {
        if (typeof(T) == typeof(F512)) return Unsafe.BitCast<F512, T>(Vector512.Create(value));
        if (typeof(T) == typeof(F256)) return Unsafe.BitCast<F256, T>(Vector256.Create(value));
        if (typeof(T) == typeof(F128)) return Unsafe.BitCast<F128, T>(Vector128.Create(value));
        return Unsafe.BitCast<float, T>(value);
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
        if (typeof(T) == typeof(F512)) return Unsafe.BitCast<F512, T>(Vector512.LoadUnsafe(ref source, index));
        if (typeof(T) == typeof(F256)) return Unsafe.BitCast<F256, T>(Vector256.LoadUnsafe(ref source, index));
        if (typeof(T) == typeof(F128)) return Unsafe.BitCast<F128, T>(Vector128.LoadUnsafe(ref source, index));
        return Unsafe.BitCast<float, T>(Unsafe.Add(ref source, index));
    }

    /// <summary>The bfloat16 values at <paramref name="source"/> + <paramref name="index"/>, widened to float (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LoadBFloat16<T>(ref ushort source, nuint index) where T : struct
    {
        if (typeof(T) == typeof(F512)) return Unsafe.BitCast<F512, T>(BFloat16.Load512(ref source, index));
        if (typeof(T) == typeof(F256)) return Unsafe.BitCast<F256, T>(BFloat16.Load256(ref source, index));
        if (typeof(T) == typeof(F128)) return Unsafe.BitCast<F128, T>(BFloat16.Load128(ref source, index));
        return Unsafe.BitCast<float, T>(BFloat16.ToSingle(Unsafe.Add(ref source, index)));
    }

    /// <summary>Writes <paramref name="value"/> at <paramref name="destination"/> + <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T value, ref float destination, nuint index) where T : struct
    {
        if (typeof(T) == typeof(F512)) Unsafe.BitCast<T, F512>(value).StoreUnsafe(ref destination, index);
        else if (typeof(T) == typeof(F256)) Unsafe.BitCast<T, F256>(value).StoreUnsafe(ref destination, index);
        else if (typeof(T) == typeof(F128)) Unsafe.BitCast<T, F128>(value).StoreUnsafe(ref destination, index);
        else Unsafe.Add(ref destination, index) = Unsafe.BitCast<T, float>(value);
    }

    /// <summary>Lane-wise <paramref name="a"/> + <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Add<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(F512)) return Unsafe.BitCast<F512, T>(Unsafe.BitCast<T, F512>(a) + Unsafe.BitCast<T, F512>(b));
        if (typeof(T) == typeof(F256)) return Unsafe.BitCast<F256, T>(Unsafe.BitCast<T, F256>(a) + Unsafe.BitCast<T, F256>(b));
        if (typeof(T) == typeof(F128)) return Unsafe.BitCast<F128, T>(Unsafe.BitCast<T, F128>(a) + Unsafe.BitCast<T, F128>(b));
        return Unsafe.BitCast<float, T>(Unsafe.BitCast<T, float>(a) + Unsafe.BitCast<T, float>(b));
    }

    /// <summary>Lane-wise <paramref name="a"/> − <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Subtract<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(F512)) return Unsafe.BitCast<F512, T>(Unsafe.BitCast<T, F512>(a) - Unsafe.BitCast<T, F512>(b));
        if (typeof(T) == typeof(F256)) return Unsafe.BitCast<F256, T>(Unsafe.BitCast<T, F256>(a) - Unsafe.BitCast<T, F256>(b));
        if (typeof(T) == typeof(F128)) return Unsafe.BitCast<F128, T>(Unsafe.BitCast<T, F128>(a) - Unsafe.BitCast<T, F128>(b));
        return Unsafe.BitCast<float, T>(Unsafe.BitCast<T, float>(a) - Unsafe.BitCast<T, float>(b));
    }

    /// <summary>Lane-wise <paramref name="a"/> · <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Multiply<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(F512)) return Unsafe.BitCast<F512, T>(Unsafe.BitCast<T, F512>(a) * Unsafe.BitCast<T, F512>(b));
        if (typeof(T) == typeof(F256)) return Unsafe.BitCast<F256, T>(Unsafe.BitCast<T, F256>(a) * Unsafe.BitCast<T, F256>(b));
        if (typeof(T) == typeof(F128)) return Unsafe.BitCast<F128, T>(Unsafe.BitCast<T, F128>(a) * Unsafe.BitCast<T, F128>(b));
        return Unsafe.BitCast<float, T>(Unsafe.BitCast<T, float>(a) * Unsafe.BitCast<T, float>(b));
    }

    /// <summary>Lane-wise <paramref name="a"/> / <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Divide<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(F512)) return Unsafe.BitCast<F512, T>(Unsafe.BitCast<T, F512>(a) / Unsafe.BitCast<T, F512>(b));
        if (typeof(T) == typeof(F256)) return Unsafe.BitCast<F256, T>(Unsafe.BitCast<T, F256>(a) / Unsafe.BitCast<T, F256>(b));
        if (typeof(T) == typeof(F128)) return Unsafe.BitCast<F128, T>(Unsafe.BitCast<T, F128>(a) / Unsafe.BitCast<T, F128>(b));
        return Unsafe.BitCast<float, T>(Unsafe.BitCast<T, float>(a) / Unsafe.BitCast<T, float>(b));
    }

    /// <summary><paramref name="a"/> · <paramref name="b"/> + <paramref name="addend"/>: one rounding where the hardware has FMA, two elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd<T>(T a, T b, T addend) where T : struct
    {
        if (typeof(T) == typeof(F512))
            return Unsafe.BitCast<F512, T>(Vector512.MultiplyAddEstimate(Unsafe.BitCast<T, F512>(a), Unsafe.BitCast<T, F512>(b), Unsafe.BitCast<T, F512>(addend)));
        if (typeof(T) == typeof(F256))
            return Unsafe.BitCast<F256, T>(Vector256.MultiplyAddEstimate(Unsafe.BitCast<T, F256>(a), Unsafe.BitCast<T, F256>(b), Unsafe.BitCast<T, F256>(addend)));
        if (typeof(T) == typeof(F128))
            return Unsafe.BitCast<F128, T>(Vector128.MultiplyAddEstimate(Unsafe.BitCast<T, F128>(a), Unsafe.BitCast<T, F128>(b), Unsafe.BitCast<T, F128>(addend)));
        return Unsafe.BitCast<float, T>(Unsafe.BitCast<T, float>(a) * Unsafe.BitCast<T, float>(b) + Unsafe.BitCast<T, float>(addend));
    }

    /// <summary>Lane-wise minimum as the hardware computes it: the second operand when either is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MinNative<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(F512)) return Unsafe.BitCast<F512, T>(Vector512.MinNative(Unsafe.BitCast<T, F512>(a), Unsafe.BitCast<T, F512>(b)));
        if (typeof(T) == typeof(F256)) return Unsafe.BitCast<F256, T>(Vector256.MinNative(Unsafe.BitCast<T, F256>(a), Unsafe.BitCast<T, F256>(b)));
        if (typeof(T) == typeof(F128)) return Unsafe.BitCast<F128, T>(Vector128.MinNative(Unsafe.BitCast<T, F128>(a), Unsafe.BitCast<T, F128>(b)));
        float x = Unsafe.BitCast<T, float>(a), y = Unsafe.BitCast<T, float>(b);
        return Unsafe.BitCast<float, T>(x < y ? x : y);
    }

    /// <summary>Lane-wise maximum as the hardware computes it: the second operand when either is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxNative<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(F512)) return Unsafe.BitCast<F512, T>(Vector512.MaxNative(Unsafe.BitCast<T, F512>(a), Unsafe.BitCast<T, F512>(b)));
        if (typeof(T) == typeof(F256)) return Unsafe.BitCast<F256, T>(Vector256.MaxNative(Unsafe.BitCast<T, F256>(a), Unsafe.BitCast<T, F256>(b)));
        if (typeof(T) == typeof(F128)) return Unsafe.BitCast<F128, T>(Vector128.MaxNative(Unsafe.BitCast<T, F128>(a), Unsafe.BitCast<T, F128>(b)));
        float x = Unsafe.BitCast<T, float>(a), y = Unsafe.BitCast<T, float>(b);
        return Unsafe.BitCast<float, T>(x > y ? x : y);
    }

    /// <summary>Lane-wise maximum; NaN in either lane gives NaN (as <c>torch.maximum</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max<T>(T a, T b) where T : struct
    {
        if (typeof(T) == typeof(F512)) return Unsafe.BitCast<F512, T>(Vector512.Max(Unsafe.BitCast<T, F512>(a), Unsafe.BitCast<T, F512>(b)));
        if (typeof(T) == typeof(F256)) return Unsafe.BitCast<F256, T>(Vector256.Max(Unsafe.BitCast<T, F256>(a), Unsafe.BitCast<T, F256>(b)));
        if (typeof(T) == typeof(F128)) return Unsafe.BitCast<F128, T>(Vector128.Max(Unsafe.BitCast<T, F128>(a), Unsafe.BitCast<T, F128>(b)));
        return Unsafe.BitCast<float, T>(MathF.Max(Unsafe.BitCast<T, float>(a), Unsafe.BitCast<T, float>(b)));
    }

    /// <summary>Lane-wise square root.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sqrt<T>(T x) where T : struct
    {
        if (typeof(T) == typeof(F512)) return Unsafe.BitCast<F512, T>(Vector512.Sqrt(Unsafe.BitCast<T, F512>(x)));
        if (typeof(T) == typeof(F256)) return Unsafe.BitCast<F256, T>(Vector256.Sqrt(Unsafe.BitCast<T, F256>(x)));
        if (typeof(T) == typeof(F128)) return Unsafe.BitCast<F128, T>(Vector128.Sqrt(Unsafe.BitCast<T, F128>(x)));
        return Unsafe.BitCast<float, T>(MathF.Sqrt(Unsafe.BitCast<T, float>(x)));
    }

    /// <summary>The sum of the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum<T>(T x) where T : struct
    {
        if (typeof(T) == typeof(F512)) return Vector512.Sum(Unsafe.BitCast<T, F512>(x));
        if (typeof(T) == typeof(F256)) return Vector256.Sum(Unsafe.BitCast<T, F256>(x));
        if (typeof(T) == typeof(F128)) return Vector128.Sum(Unsafe.BitCast<T, F128>(x));
        return Unsafe.BitCast<T, float>(x);
    }

    /// <summary>The logistic sigmoid of each lane (see <see cref="Activations"/> for the approximation and its error bound).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x) where T : struct
    {
        if (typeof(T) == typeof(float)) return Unsafe.BitCast<float, T>(Activations.Sigmoid(Unsafe.BitCast<T, float>(x)));
        return Activations.RationalSigmoid(x);
    }

    /// <summary>The hyperbolic tangent of each lane (see <see cref="Activations"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Tanh<T>(T x) where T : struct
    {
        if (typeof(T) == typeof(float)) return Unsafe.BitCast<float, T>(Activations.Tanh(Unsafe.BitCast<T, float>(x)));
        return Activations.RationalTanh(x);
    }

    /// <summary>Lanes with |x| &lt; <see cref="Activations.GradientFlushThreshold"/> set to zero (see there why).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FlushTiny<T>(T x) where T : struct
    {
        const float t = Activations.GradientFlushThreshold;
        if (typeof(T) == typeof(F512))
        {
            F512 v = Unsafe.BitCast<T, F512>(x);
            return Unsafe.BitCast<F512, T>(Vector512.AndNot(v, Vector512.LessThan(Vector512.Abs(v), Vector512.Create(t))));
        }
        if (typeof(T) == typeof(F256))
        {
            F256 v = Unsafe.BitCast<T, F256>(x);
            return Unsafe.BitCast<F256, T>(Vector256.AndNot(v, Vector256.LessThan(Vector256.Abs(v), Vector256.Create(t))));
        }
        if (typeof(T) == typeof(F128))
        {
            F128 v = Unsafe.BitCast<T, F128>(x);
            return Unsafe.BitCast<F128, T>(Vector128.AndNot(v, Vector128.LessThan(Vector128.Abs(v), Vector128.Create(t))));
        }
        return Unsafe.BitCast<float, T>(Activations.FlushTiny(Unsafe.BitCast<T, float>(x)));
    }

    /// <summary>
    /// <paramref name="numerator"/> / <paramref name="denominator"/> + <paramref name="addend"/>: with AVX-512 the quotient
    /// from the 14-bit reciprocal estimate refined by one Newton step, <c>r·(2 − d·r)</c>, folded into the last
    /// multiply-add (the activations' last step), else a division.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T DivideAdd<T>(T numerator, T denominator, T addend) where T : struct
    {
        if (typeof(T) == typeof(F512) && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            F512 q = Unsafe.BitCast<T, F512>(denominator), r = System.Runtime.Intrinsics.X86.Avx512F.Reciprocal14(q);
            F512 e = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAddNegated(q, r, Vector512.Create(2f));
            return Unsafe.BitCast<F512, T>(System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(Unsafe.BitCast<T, F512>(numerator) * r, e, Unsafe.BitCast<T, F512>(addend)));
        }
        if (typeof(T) == typeof(F256) && System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported)
        {
            F256 q = Unsafe.BitCast<T, F256>(denominator), r = System.Runtime.Intrinsics.X86.Avx512F.VL.Reciprocal14(q);
            F256 e = System.Runtime.Intrinsics.X86.Fma.MultiplyAddNegated(q, r, Vector256.Create(2f));
            return Unsafe.BitCast<F256, T>(System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(Unsafe.BitCast<T, F256>(numerator) * r, e, Unsafe.BitCast<T, F256>(addend)));
        }
        if (typeof(T) == typeof(F128) && System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported)
        {
            F128 q = Unsafe.BitCast<T, F128>(denominator), r = System.Runtime.Intrinsics.X86.Avx512F.VL.Reciprocal14(q);
            F128 e = System.Runtime.Intrinsics.X86.Fma.MultiplyAddNegated(q, r, Vector128.Create(2f));
            return Unsafe.BitCast<F128, T>(System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(Unsafe.BitCast<T, F128>(numerator) * r, e, Unsafe.BitCast<T, F128>(addend)));
        }
        return Add(Divide(numerator, denominator), addend);
    }
}
