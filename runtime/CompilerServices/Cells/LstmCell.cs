// The LSTM cell (PyTorch nn.LSTM), written once for every vector width: the update of a layer's cells from their
// gate sums, the same while recording for training, and the gate gradients of backpropagation through time.
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// The LSTM cell: <c>i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o); c' = f·c + i·g; h' = o·tanh(c')</c>, and its
/// gradients. Each method handles T.Count units (T the vector width) (generated code calls it with the register
/// accumulators of a tile) or every block of a layer (from gate sums in memory); sums and records are in the
/// packed layout (<see cref="GateLayout"/>: unit u's gate k at column <c>(u / 16)·64 + k·16 + u % 16</c>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LstmCell
{
    /// <summary>
    /// Updates units <paramref name="unit"/> … + Count − 1 from their gate sums: the new c goes to
    /// <paramref name="c"/>, o·tanh(c) to <paramref name="h"/> (or to m, a projection's input).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update<T>(T zi, T zf, T zg, T zo, ref float c, ref float h, nuint unit) where T : struct, ILanes<T>
    {
        T i = T.Sigmoid(zi), f = T.Sigmoid(zf), g = T.Tanh(zg), o = T.Sigmoid(zo);
        T cNew = T.MultiplyAdd(f, T.Load(ref c, unit), i * g);
        cNew.Store(ref c, unit);
        (o * T.Tanh(cNew)).Store(ref h, unit);
    }

    /// <summary>
    /// <see cref="Update{T}"/>, recording for the backward pass: i, f, g, o at the units' gate columns of
    /// <paramref name="record"/>, then c, tanh(c) and o·tanh(c) (see <see cref="PackedColumns"/>; <paramref name="padded"/> = P).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Record<T>(T zi, T zf, T zg, T zo, ref float c, ref float h, ref float record, nuint unit, nuint padded) where T : struct, ILanes<T>
    {
        T i = T.Sigmoid(zi), f = T.Sigmoid(zf), g = T.Tanh(zg), o = T.Sigmoid(zo);
        T cNew = T.MultiplyAdd(f, T.Load(ref c, unit), i * g);
        T t = T.Tanh(cNew), hNew = o * t;
        cNew.Store(ref c, unit);
        hNew.Store(ref h, unit);
        nuint column = PackedColumns.Of(unit);
        i.Store(ref record, column);
        f.Store(ref record, column + 16);
        g.Store(ref record, column + 32);
        o.Store(ref record, column + 48);
        cNew.Store(ref record, PackedColumns.RecordedCell(padded) + unit);
        t.Store(ref record, PackedColumns.RecordedTanh(padded) + unit);
        hNew.Store(ref record, PackedColumns.RecordedHidden(padded) + unit);
    }

    /// <summary>Updates every unit of <paramref name="blocks"/> 16-unit blocks from the gate sums at <paramref name="z"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateBlocks<T>(ref float z, ref float c, ref float h, nuint blocks) where T : struct, ILanes<T>
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)T.Count)
        {
            nuint column = PackedColumns.Of(unit);
            Update(T.Load(ref z, column), T.Load(ref z, column + 16), T.Load(ref z, column + 32), T.Load(ref z, column + 48), ref c, ref h, unit);
        }
    }

    /// <summary><see cref="UpdateBlocks{T}"/>, recording as <see cref="Record{T}"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RecordBlocks<T>(ref float z, ref float c, ref float h, ref float record, nuint blocks) where T : struct, ILanes<T>
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)T.Count)
        {
            nuint column = PackedColumns.Of(unit);
            Record(T.Load(ref z, column), T.Load(ref z, column + 16), T.Load(ref z, column + 32), T.Load(ref z, column + 48), ref c, ref h, ref record, unit, blocks * 16);
        }
    }

    /// <summary>
    /// The gate gradients of one step from the recorded activations: with dh (flushed below
    /// <see cref="Activations.GradientFlushThreshold"/>) and the carried dc,
    /// <c>dc += dh·o·(1 − tanh²c); dz_i = dc·g·i(1 − i); dz_f = dc·c_prev·f(1 − f); dz_g = dc·i·(1 − g²);
    /// dz_o = dh·tanh(c)·o(1 − o)</c> into <paramref name="dz"/> (packed columns), and dc becomes the carried
    /// <c>dc·f</c> (flushed). <paramref name="dh"/> is left as it was; the caller adds W_hhᵀ·dz to it afterwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gradients<T>(ref float record, ref float dh, ref float dc, ref float cPrevious, ref float dz, nuint blocks) where T : struct, ILanes<T>
    {
        nuint tanhAt = PackedColumns.RecordedTanh(blocks * 16);
        T one = T.One;
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)T.Count)
        {
            nuint column = PackedColumns.Of(unit);
            T i = T.Load(ref record, column), f = T.Load(ref record, column + 16), g = T.Load(ref record, column + 32), o = T.Load(ref record, column + 48);
            T t = T.Load(ref record, tanhAt + unit);
            T dhu = T.FlushTiny(T.Load(ref dh, unit));
            T dcu = T.MultiplyAdd(dhu * o, one - t * t, T.Load(ref dc, unit));
            (dcu * g * i * (one - i)).Store(ref dz, column);
            (dcu * T.Load(ref cPrevious, unit) * f * (one - f)).Store(ref dz, column + 16);
            (dcu * i * (one - g * g)).Store(ref dz, column + 32);
            (dhu * t * o * (one - o)).Store(ref dz, column + 48);
            T.FlushTiny(dcu * f).Store(ref dc, unit);
        }
    }
}
