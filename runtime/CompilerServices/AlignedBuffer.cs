// A float buffer whose first element sits on a 64-byte boundary, so vector loads never split a cache line.
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// A zero-initialised float buffer aligned to 64 bytes (a pinned array with an offset; no unsafe
/// code, no finalizer). Generated models keep their packed weights in one.
/// </summary>
public sealed class AlignedBuffer
{
    private const int AlignmentBytes = 64;
    private readonly float[] _array;
    private readonly int _offset;

    /// <summary>Allocates <paramref name="length"/> zero floats.</summary>
    public AlignedBuffer(int length)
    {
        _array = Allocate<float>(length, out _offset);
        Length = length;
    }

    /// <summary>Number of floats.</summary>
    public int Length { get; }

    /// <summary>The floats.</summary>
    public Span<float> Span => _array.AsSpan(_offset, Length);

    /// <summary>
    /// A pinned, zeroed array of <paramref name="length"/> + slack elements and the <paramref name="offset"/> of
    /// its first element on a 64-byte boundary (pinned arrays do not move, so the offset stays valid).
    /// </summary>
    internal static T[] Allocate<T>(int length, out int offset) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int size = Unsafe.SizeOf<T>();
        var array = GC.AllocateArray<T>(checked(length + AlignmentBytes / size), pinned: true);
        int misalign = (int)(Marshal.UnsafeAddrOfPinnedArrayElement(array, 0) & (AlignmentBytes - 1));
        offset = misalign == 0 ? 0 : (AlignmentBytes - misalign) / size;
        return array;
    }

    /// <summary>Reference to the first float.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ref float Reference => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _offset);
}
