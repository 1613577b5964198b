// Where a unit's four gate sums sit in a packed row, and how a layer's training record is laid out: the two
// addressing rules every cell kind shares (see GateLayout for the packing itself).
using System.Runtime.CompilerServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// Offsets in the packed layout the cells read: units come in blocks of 16, and a block's four gate (or GRU slot)
/// sums sit side by side, so unit u's gate k is at column <c>(u / 16)·64 + k·16 + u % 16</c>. A layer's record of one
/// training step (P = units rounded up to 16): the four activations at those columns (4·P floats), then c, tanh(c)
/// and h (or, with a projection, m = o·tanh(c)), P floats each.
/// </summary>
internal static class PackedColumns
{
    /// <summary>Column of gate 0 of <paramref name="unit"/> (a multiple of the vector width within its block); gate k is 16·k further.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint Of(nuint unit) => (unit >> 4) * 64 + (unit & 15);

    /// <summary>Offset in a layer's record of the cell state c (after the 4·P gate activations).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint RecordedCell(nuint padded) => 4 * padded;

    /// <summary>Offset in a layer's record of tanh(c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint RecordedTanh(nuint padded) => 5 * padded;

    /// <summary>Offset in a layer's record of h (of m = o·tanh(c) with a projection).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint RecordedHidden(nuint padded) => 6 * padded;
}
