// 512-bit lanes: 16 floats in a Vector512<float>, one implementation of the kernels' vector-width abstraction.
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.CompilerServices;

/// <summary>16 floats in a <see cref="Vector512{T}"/> (see <see cref="ILanes{TSelf}"/>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Lanes512(Vector512<float> value) : ILanes<Lanes512>
{
    /// <summary>The lanes.</summary>
    public Vector512<float> Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get; } = value;

    /// <inheritdoc/>
    public static int Count => Vector512<float>.Count;

    /// <inheritdoc/>
    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    /// <inheritdoc/>
    public static Lanes512 Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(Vector512<float>.Zero); }

    /// <inheritdoc/>
    public static Lanes512 One { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(Vector512<float>.One); }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Create(float value) => new(Vector512.Create(value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Broadcast(ref float source, nuint index) => new(Vector512.Create(Unsafe.Add(ref source, index)));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Load(ref float source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 LoadBFloat16(ref ushort source, nuint index) => new(BFloat16.Load512(ref source, index));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => Value.StoreUnsafe(ref destination, index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 MultiplyAdd(Lanes512 a, Lanes512 b, Lanes512 addend) => new(Vector512.MultiplyAddEstimate(a.Value, b.Value, addend.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 MinNative(Lanes512 a, Lanes512 b) => new(Vector512.MinNative(a.Value, b.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 MaxNative(Lanes512 a, Lanes512 b) => new(Vector512.MaxNative(a.Value, b.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Max(Lanes512 a, Lanes512 b) => new(Vector512.Max(a.Value, b.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Sqrt(Lanes512 x) => new(Vector512.Sqrt(x.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 DivideAdd(Lanes512 numerator, Lanes512 denominator, Lanes512 addend)
    {
        if (!Avx512F.IsSupported) return new(numerator.Value / denominator.Value + addend.Value);
        Vector512<float> r = Avx512F.Reciprocal14(denominator.Value);
        Vector512<float> e = Avx512F.FusedMultiplyAddNegated(denominator.Value, r, Vector512.Create(2f));
        return new(Avx512F.FusedMultiplyAdd(numerator.Value * r, e, addend.Value));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes512 x) => Vector512.Sum(x.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Sigmoid(Lanes512 x) => Activations.RationalSigmoid(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Tanh(Lanes512 x) => Activations.RationalTanh(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 FlushTiny(Lanes512 x) =>
        new(Vector512.AndNot(x.Value, Vector512.LessThan(Vector512.Abs(x.Value), Vector512.Create(Activations.GradientFlushThreshold))));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator +(Lanes512 a, Lanes512 b) => new(a.Value + b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator -(Lanes512 a, Lanes512 b) => new(a.Value - b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator *(Lanes512 a, Lanes512 b) => new(a.Value * b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator /(Lanes512 a, Lanes512 b) => new(a.Value / b.Value);
}
