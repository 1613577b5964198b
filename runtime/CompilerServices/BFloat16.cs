// bfloat16 weight storage for inference: conversion from float32 (round to nearest even) and the
// widening loads the generated kernels use.
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen.CompilerServices;

/// <summary>
/// bfloat16: the upper 16 bits of a float32 (sign, 8-bit exponent, 7 mantissa bits). Widening is a
/// 16-bit shift, so a kernel pays one zero-extending load and one shift per vector of weights and
/// streams half the bytes.
/// </summary>
public static class BFloat16
{
    /// <summary>Rounds to the nearest bfloat16 (ties to even); NaN stays NaN, overflow becomes ±∞.</summary>
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    /// <summary>The float32 a bfloat16 stands for (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    /// <summary>Converts every float of <paramref name="source"/> into <paramref name="destination"/> (same length).</summary>
    public static void Convert(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length != source.Length)
            throw new ArgumentException($"Expected {source.Length} values, got {destination.Length}.", nameof(destination));
        for (int i = 0; i < source.Length; i++) destination[i] = FromSingle(source[i]);
    }

    /// <summary>16 bfloat16 values at <paramref name="source"/> + <paramref name="index"/>, widened.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(ref ushort source, nuint index) =>
        (Vector512.WidenLower(Vector256.LoadUnsafe(ref source, index).ToVector512Unsafe()) << 16).AsSingle();

    /// <summary>8 bfloat16 values at <paramref name="source"/> + <paramref name="index"/>, widened.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(ref ushort source, nuint index) =>
        (Vector256.WidenLower(Vector128.LoadUnsafe(ref source, index).ToVector256Unsafe()) << 16).AsSingle();

    /// <summary>4 bfloat16 values at <paramref name="source"/> + <paramref name="index"/>, widened.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load128(ref ushort source, nuint index) =>
        (Vector128.WidenLower(Vector64.LoadUnsafe(ref source, index).ToVector128Unsafe()) << 16).AsSingle();
}

/// <summary>A zero-initialised bfloat16 buffer aligned to 64 bytes, like <see cref="AlignedBuffer"/>.</summary>
public sealed class BFloat16Buffer
{
    private readonly ushort[] _array;
    private readonly int _offset;

    /// <summary>Allocates <paramref name="length"/> zero values.</summary>
    public BFloat16Buffer(int length)
    {
        _array = AlignedBuffer.Allocate<ushort>(length, out _offset);
        Length = length;
    }

    /// <summary>Number of values.</summary>
    public int Length { get; }

    /// <summary>The values (bfloat16 bit patterns).</summary>
    public Span<ushort> Span => _array.AsSpan(_offset, Length);

    /// <summary>Reference to the first value.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ref ushort Reference => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _offset);
}
