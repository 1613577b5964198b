// 256-bit lanes: 8 floats in a Vector256<float>, one implementation of the kernels' vector-width abstraction.
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.CompilerServices;

/// <summary>8 floats in a <see cref="Vector256{T}"/> (see <see cref="ILanes{TSelf}"/>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Lanes256(Vector256<float> value) : ILanes<Lanes256>
{
    /// <summary>The lanes.</summary>
    public Vector256<float> Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get; } = value;

    /// <inheritdoc/>
    public static int Count => Vector256<float>.Count;

    /// <inheritdoc/>
    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

    /// <inheritdoc/>
    public static Lanes256 Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(Vector256<float>.Zero); }

    /// <inheritdoc/>
    public static Lanes256 One { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(Vector256<float>.One); }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Create(float value) => new(Vector256.Create(value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Broadcast(ref float source, nuint index) => new(Vector256.Create(Unsafe.Add(ref source, index)));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref float source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 LoadBFloat16(ref ushort source, nuint index) => new(BFloat16.Load256(ref source, index));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => Value.StoreUnsafe(ref destination, index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 MultiplyAdd(Lanes256 a, Lanes256 b, Lanes256 addend) => new(Vector256.MultiplyAddEstimate(a.Value, b.Value, addend.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 MinNative(Lanes256 a, Lanes256 b) => new(Vector256.MinNative(a.Value, b.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 MaxNative(Lanes256 a, Lanes256 b) => new(Vector256.MaxNative(a.Value, b.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Max(Lanes256 a, Lanes256 b) => new(Vector256.Max(a.Value, b.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Sqrt(Lanes256 x) => new(Vector256.Sqrt(x.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 DivideAdd(Lanes256 numerator, Lanes256 denominator, Lanes256 addend)
    {
        if (!Avx512F.VL.IsSupported) return new(numerator.Value / denominator.Value + addend.Value);
        Vector256<float> r = Avx512F.VL.Reciprocal14(denominator.Value);
        Vector256<float> e = Fma.MultiplyAddNegated(denominator.Value, r, Vector256.Create(2f));
        return new(Fma.MultiplyAdd(numerator.Value * r, e, addend.Value));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes256 x) => Vector256.Sum(x.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Sigmoid(Lanes256 x) => Activations.RationalSigmoid(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Tanh(Lanes256 x) => Activations.RationalTanh(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 FlushTiny(Lanes256 x) =>
        new(Vector256.AndNot(x.Value, Vector256.LessThan(Vector256.Abs(x.Value), Vector256.Create(Activations.GradientFlushThreshold))));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator +(Lanes256 a, Lanes256 b) => new(a.Value + b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator -(Lanes256 a, Lanes256 b) => new(a.Value - b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator *(Lanes256 a, Lanes256 b) => new(a.Value * b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator /(Lanes256 a, Lanes256 b) => new(a.Value / b.Value);
}
