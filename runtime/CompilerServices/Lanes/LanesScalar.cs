// One float as "lanes": the scalar path of the kernels (no SIMD) and the tail of the optimizers' vector loops.
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// One float (see <see cref="ILanes{TSelf}"/>): every operation rounds as the vector lanes do, except that
/// <see cref="MultiplyAdd"/> rounds twice (as vectors without FMA do) and the activations use <see cref="MathF"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct LanesScalar(float value) : ILanes<LanesScalar>
{
    /// <summary>The value.</summary>
    public float Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get; } = value;

    /// <inheritdoc/>
    public static int Count => 1;

    /// <inheritdoc/>
    public static bool IsHardwareAccelerated => true;

    /// <inheritdoc/>
    public static LanesScalar Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(0f); }

    /// <inheritdoc/>
    public static LanesScalar One { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(1f); }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar Create(float value) => new(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar Broadcast(ref float source, nuint index) => new(Unsafe.Add(ref source, index));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar Load(ref float source, nuint index) => new(Unsafe.Add(ref source, index));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar LoadBFloat16(ref ushort source, nuint index) => new(BFloat16.ToSingle(Unsafe.Add(ref source, index)));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => Unsafe.Add(ref destination, index) = Value;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar MultiplyAdd(LanesScalar a, LanesScalar b, LanesScalar addend) => new(a.Value * b.Value + addend.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar MinNative(LanesScalar a, LanesScalar b) => new(a.Value < b.Value ? a.Value : b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar MaxNative(LanesScalar a, LanesScalar b) => new(a.Value > b.Value ? a.Value : b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar Max(LanesScalar a, LanesScalar b) => new(MathF.Max(a.Value, b.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar Sqrt(LanesScalar x) => new(MathF.Sqrt(x.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar DivideAdd(LanesScalar numerator, LanesScalar denominator, LanesScalar addend) => new(numerator.Value / denominator.Value + addend.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(LanesScalar x) => x.Value;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar Sigmoid(LanesScalar x) => new(Activations.Sigmoid(x.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar Tanh(LanesScalar x) => new(Activations.Tanh(x.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar FlushTiny(LanesScalar x) => new(Activations.FlushTiny(x.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar operator +(LanesScalar a, LanesScalar b) => new(a.Value + b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar operator -(LanesScalar a, LanesScalar b) => new(a.Value - b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar operator *(LanesScalar a, LanesScalar b) => new(a.Value * b.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar operator /(LanesScalar a, LanesScalar b) => new(a.Value / b.Value);
}
