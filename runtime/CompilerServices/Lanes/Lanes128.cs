// 128-bit lanes: 4 floats in a Vector128<float>, one implementation of the kernels' vector-width abstraction.
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.CompilerServices;

/// <summary>4 floats in a <see cref="Vector128{T}"/> (see <see cref="ILanes{TSelf}"/>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Lanes128(Vector128<float> value) : ILanes<Lanes128>
{
    /// <summary>The lanes.</summary>
    public Vector128<float> Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get; } = value;

    /// <inheritdoc/>
    public static int Count => Vector128<float>.Count;

    /// <inheritdoc/>
    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;

    /// <inheritdoc/>
    public static Lanes128 Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(Vector128<float>.Zero); }

    /// <inheritdoc/>
    public static Lanes128 One { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(Vector128<float>.One); }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Create(float value) => new(Vector128.Create(value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Broadcast(ref float source, nuint index) => new(Vector128.Create(Unsafe.Add(ref source, index)));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Load(ref float source, nuint index) => new(Vector128.LoadUnsafe(ref source, index));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 LoadBFloat16(ref ushort source, nuint index) => new(BFloat16.Load128(ref source, index));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => Value.StoreUnsafe(ref destination, index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 MultiplyAdd(Lanes128 a, Lanes128 b, Lanes128 addend) => new(Vector128.MultiplyAddEstimate(a.Value, b.Value, addend.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 MinNative(Lanes128 a, Lanes128 b) => new(Vector128.MinNative(a.Value, b.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 MaxNative(Lanes128 a, Lanes128 b) => new(Vector128.MaxNative(a.Value, b.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Max(Lanes128 a, Lanes128 b) => new(Vector128.Max(a.Value, b.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Sqrt(Lanes128 x) => new(Vector128.Sqrt(x.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 DivideAdd(Lanes128 numerator, Lanes128 denominator, Lanes128 addend)
    {
        if (!Avx512F.VL.IsSupported) return new(numerator.Value / denominator.Value + addend.Value);
        Vector128<float> r = Avx512F.VL.Reciprocal14(denominator.Value);
        Vector128<float> e = Fma.MultiplyAddNegated(denominator.Value, r, Vector128.Create(2f));
        return new(Fma.MultiplyAdd(numerator.Value * r, e, addend.Value));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes128 x) => Vector128.Sum(x.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Sigmoid(Lanes128 x) => Activations.RationalSigmoid(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Tanh(Lanes128 x) => Activations.RationalTanh(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 FlushTiny(Lanes128 x) =>
        new(Vector128.AndNot(x.Value, Vector128.LessThan(Vector128.Abs(x.Value), Vector128.Create(Activations.GradientFlushThreshold))));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator +(Lanes128 a, Lanes128 b) => new(a.Value + b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator -(Lanes128 a, Lanes128 b) => new(a.Value - b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator *(Lanes128 a, Lanes128 b) => new(a.Value * b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator /(Lanes128 a, Lanes128 b) => new(a.Value / b.Value);
}
