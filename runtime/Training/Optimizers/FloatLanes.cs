// The optimizers' view of the vector-width abstraction (LstmGen.CompilerServices.Lanes): the exactly rounded
// operations only, with operators, so each update rule is written once and runs bit-identically on every width.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LstmGen.CompilerServices;

namespace LstmGen.Training.Optimizers;

/// <summary>
/// Lane-wise float arithmetic for one register width, over <see cref="Lanes"/>' operations. Only correctly rounded IEEE operations are
/// offered (+, −, ×, ÷, √, max, and no fused multiply-add), so a lane's result is the same whatever
/// width computed it: an element's update does not depend on its position, the buffer's alignment
/// or the machine's SIMD support.
/// </summary>
internal interface IFloatLanes<TSelf> where TSelf : struct, IFloatLanes<TSelf>
{
    /// <summary>Floats per register.</summary>
    static abstract int Count { get; }

    /// <summary>True when this width runs in hardware (the scalar lane always does).</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TSelf Create(float value);

    /// <summary>Reads <see cref="Count"/> floats at <paramref name="source"/> + <paramref name="index"/>.</summary>
    static abstract TSelf Load(ref float source, nuint index);

    /// <summary>Writes the lanes at <paramref name="destination"/> + <paramref name="index"/>.</summary>
    void Store(ref float destination, nuint index);

    /// <summary>Lane-wise square root.</summary>
    static abstract TSelf Sqrt(TSelf x);

    /// <summary>Lane-wise maximum; NaN in either lane gives NaN (as <c>torch.maximum</c>).</summary>
    static abstract TSelf Max(TSelf a, TSelf b);

    /// <summary>Lane-wise sum.</summary>
    static abstract TSelf operator +(TSelf a, TSelf b);

    /// <summary>Lane-wise difference.</summary>
    static abstract TSelf operator -(TSelf a, TSelf b);

    /// <summary>Lane-wise product.</summary>
    static abstract TSelf operator *(TSelf a, TSelf b);

    /// <summary>Lane-wise quotient.</summary>
    static abstract TSelf operator /(TSelf a, TSelf b);
}

/// <summary>16 floats in a <see cref="Vector512{T}"/>.</summary>
internal readonly struct Lanes512(Vector512<float> value) : IFloatLanes<Lanes512>
{
    private readonly Vector512<float> _value = value;

    public static int Count => Vector512<float>.Count;
    public static bool IsHardwareAccelerated => Lanes.IsHardwareAccelerated<Vector512<float>>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Create(float value) => new(Lanes.Create<Vector512<float>>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Load(ref float source, nuint index) => new(Lanes.Load<Vector512<float>>(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => Lanes.Store(_value, ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Sqrt(Lanes512 x) => new(Lanes.Sqrt(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Max(Lanes512 a, Lanes512 b) => new(Lanes.Max(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator +(Lanes512 a, Lanes512 b) => new(Lanes.Add(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator -(Lanes512 a, Lanes512 b) => new(Lanes.Subtract(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator *(Lanes512 a, Lanes512 b) => new(Lanes.Multiply(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator /(Lanes512 a, Lanes512 b) => new(Lanes.Divide(a._value, b._value));
}

/// <summary>8 floats in a <see cref="Vector256{T}"/>.</summary>
internal readonly struct Lanes256(Vector256<float> value) : IFloatLanes<Lanes256>
{
    private readonly Vector256<float> _value = value;

    public static int Count => Vector256<float>.Count;
    public static bool IsHardwareAccelerated => Lanes.IsHardwareAccelerated<Vector256<float>>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Create(float value) => new(Lanes.Create<Vector256<float>>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref float source, nuint index) => new(Lanes.Load<Vector256<float>>(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => Lanes.Store(_value, ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Sqrt(Lanes256 x) => new(Lanes.Sqrt(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Max(Lanes256 a, Lanes256 b) => new(Lanes.Max(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator +(Lanes256 a, Lanes256 b) => new(Lanes.Add(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator -(Lanes256 a, Lanes256 b) => new(Lanes.Subtract(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator *(Lanes256 a, Lanes256 b) => new(Lanes.Multiply(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator /(Lanes256 a, Lanes256 b) => new(Lanes.Divide(a._value, b._value));
}

/// <summary>4 floats in a <see cref="Vector128{T}"/>.</summary>
internal readonly struct Lanes128(Vector128<float> value) : IFloatLanes<Lanes128>
{
    private readonly Vector128<float> _value = value;

    public static int Count => Vector128<float>.Count;
    public static bool IsHardwareAccelerated => Lanes.IsHardwareAccelerated<Vector128<float>>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Create(float value) => new(Lanes.Create<Vector128<float>>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Load(ref float source, nuint index) => new(Lanes.Load<Vector128<float>>(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => Lanes.Store(_value, ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Sqrt(Lanes128 x) => new(Lanes.Sqrt(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Max(Lanes128 a, Lanes128 b) => new(Lanes.Max(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator +(Lanes128 a, Lanes128 b) => new(Lanes.Add(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator -(Lanes128 a, Lanes128 b) => new(Lanes.Subtract(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator *(Lanes128 a, Lanes128 b) => new(Lanes.Multiply(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator /(Lanes128 a, Lanes128 b) => new(Lanes.Divide(a._value, b._value));
}

/// <summary>One float: the tail after the vector loop, and the whole loop without SIMD.</summary>
internal readonly struct ScalarLane(float value) : IFloatLanes<ScalarLane>
{
    private readonly float _value = value;

    public static int Count => 1;
    public static bool IsHardwareAccelerated => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane Create(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane Load(ref float source, nuint index) => new(Unsafe.Add(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => Unsafe.Add(ref destination, index) = _value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane Sqrt(ScalarLane x) => new(MathF.Sqrt(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane Max(ScalarLane a, ScalarLane b) => new(MathF.Max(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane operator +(ScalarLane a, ScalarLane b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane operator -(ScalarLane a, ScalarLane b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane operator *(ScalarLane a, ScalarLane b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane operator /(ScalarLane a, ScalarLane b) => new(a._value / b._value);
}
