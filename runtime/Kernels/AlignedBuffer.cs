// A float buffer whose first element sits on a 64-byte boundary, so vector loads never split a cache line.
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LstmGen.Kernels;

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
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _array = GC.AllocateArray<float>(checked(length + AlignmentBytes / sizeof(float)), pinned: true);
        nint address = Marshal.UnsafeAddrOfPinnedArrayElement(_array, 0);
        int misalign = (int)(address & (AlignmentBytes - 1));
        _offset = misalign == 0 ? 0 : (AlignmentBytes - misalign) / sizeof(float);
        Length = length;
    }

    /// <summary>Number of floats.</summary>
    public int Length { get; }

    /// <summary>The floats.</summary>
    public Span<float> Span => _array.AsSpan(_offset, Length);

    /// <summary>Reference to the first float.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ref float Reference => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _offset);
}
