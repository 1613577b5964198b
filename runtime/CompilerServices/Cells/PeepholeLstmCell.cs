// The peephole LSTM cell (Gers & Schmidhuber: the gates also read the cell state), written once for every vector
// width: the update from the gate sums, the same while recording, and the gate and peephole gradients.
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// The peephole LSTM cell: <c>i = σ(z_i + p_i·c), f = σ(z_f + p_f·c), g = tanh(z_g); c' = f·c + i·g;
/// o = σ(z_o + p_o·c'); h' = o·tanh(c')</c>, with the layer's peephole row (p_i, p_f, 0, p_o in the gate columns,
/// <see cref="GateLayout.PackPeepholes"/>) at <c>peephole</c>. Otherwise as <see cref="LstmCell"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PeepholeLstmCell
{
    /// <summary>Updates units <paramref name="unit"/> … + Count − 1 from their gate sums (see <see cref="LstmCell.Update{T}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update<T>(T zi, T zf, T zg, T zo, ref float c, ref float h, ref float peephole, nuint unit) where T : struct, ILanes<T>
    {
        nuint column = PackedColumns.Of(unit);
        T cOld = T.Load(ref c, unit);
        T i = T.Sigmoid(T.MultiplyAdd(T.Load(ref peephole, column), cOld, zi));
        T f = T.Sigmoid(T.MultiplyAdd(T.Load(ref peephole, column + 16), cOld, zf));
        T g = T.Tanh(zg);
        T cNew = T.MultiplyAdd(f, cOld, i * g);
        T o = T.Sigmoid(T.MultiplyAdd(T.Load(ref peephole, column + 48), cNew, zo));
        cNew.Store(ref c, unit);
        (o * T.Tanh(cNew)).Store(ref h, unit);
    }

    /// <summary><see cref="Update{T}"/>, recording as <see cref="LstmCell.Record{T}"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Record<T>(T zi, T zf, T zg, T zo, ref float c, ref float h, ref float peephole, ref float record, nuint unit, nuint padded) where T : struct, ILanes<T>
    {
        nuint column = PackedColumns.Of(unit);
        T cOld = T.Load(ref c, unit);
        T i = T.Sigmoid(T.MultiplyAdd(T.Load(ref peephole, column), cOld, zi));
        T f = T.Sigmoid(T.MultiplyAdd(T.Load(ref peephole, column + 16), cOld, zf));
        T g = T.Tanh(zg);
        T cNew = T.MultiplyAdd(f, cOld, i * g);
        T o = T.Sigmoid(T.MultiplyAdd(T.Load(ref peephole, column + 48), cNew, zo));
        T t = T.Tanh(cNew), hNew = o * t;
        cNew.Store(ref c, unit);
        hNew.Store(ref h, unit);
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
    public static void UpdateBlocks<T>(ref float z, ref float c, ref float h, ref float peephole, nuint blocks) where T : struct, ILanes<T>
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)T.Count)
        {
            nuint column = PackedColumns.Of(unit);
            Update(T.Load(ref z, column), T.Load(ref z, column + 16), T.Load(ref z, column + 32), T.Load(ref z, column + 48), ref c, ref h, ref peephole, unit);
        }
    }

    /// <summary><see cref="UpdateBlocks{T}"/>, recording as <see cref="Record{T}"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RecordBlocks<T>(ref float z, ref float c, ref float h, ref float peephole, ref float record, nuint blocks) where T : struct, ILanes<T>
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)T.Count)
        {
            nuint column = PackedColumns.Of(unit);
            Record(T.Load(ref z, column), T.Load(ref z, column + 16), T.Load(ref z, column + 32), T.Load(ref z, column + 48), ref c, ref h, ref peephole, ref record, unit, blocks * 16);
        }
    }

    /// <summary>
    /// The gate gradients of one step: <c>dz_o = dh·tanh(c)·o(1 − o); dc += dh·o·(1 − tanh²c) + dz_o·p_o;
    /// dz_i = dc·g·i(1 − i); dz_f = dc·c_prev·f(1 − f); dz_g = dc·i·(1 − g²)</c>; the carried dc becomes
    /// <c>dc·f + dz_i·p_i + dz_f·p_f</c> (flushed), and the peephole row's gradients (at
    /// <paramref name="peepholeGradients"/>) get <c>dp_i += dz_i·c_prev, dp_f += dz_f·c_prev, dp_o += dz_o·c</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gradients<T>(ref float record, ref float dh, ref float dc, ref float cPrevious, ref float peephole, ref float peepholeGradients, ref float dz, nuint blocks)
        where T : struct, ILanes<T>
    {
        nuint cellAt = PackedColumns.RecordedCell(blocks * 16), tanhAt = PackedColumns.RecordedTanh(blocks * 16);
        T one = T.One;
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)T.Count)
        {
            nuint column = PackedColumns.Of(unit);
            T i = T.Load(ref record, column), f = T.Load(ref record, column + 16), g = T.Load(ref record, column + 32), o = T.Load(ref record, column + 48);
            T c = T.Load(ref record, cellAt + unit), t = T.Load(ref record, tanhAt + unit), cp = T.Load(ref cPrevious, unit);
            T dhu = T.FlushTiny(T.Load(ref dh, unit));
            T dzo = dhu * t * o * (one - o);
            T dcu = T.MultiplyAdd(dzo, T.Load(ref peephole, column + 48), T.MultiplyAdd(dhu * o, one - t * t, T.Load(ref dc, unit)));
            T dzi = dcu * g * i * (one - i), dzf = dcu * cp * f * (one - f);
            dzi.Store(ref dz, column);
            dzf.Store(ref dz, column + 16);
            (dcu * i * (one - g * g)).Store(ref dz, column + 32);
            dzo.Store(ref dz, column + 48);
            T.FlushTiny(T.MultiplyAdd(dzf, T.Load(ref peephole, column + 16), T.MultiplyAdd(dzi, T.Load(ref peephole, column), dcu * f))).Store(ref dc, unit);
            T.MultiplyAdd(dzi, cp, T.Load(ref peepholeGradients, column)).Store(ref peepholeGradients, column);
            T.MultiplyAdd(dzf, cp, T.Load(ref peepholeGradients, column + 16)).Store(ref peepholeGradients, column + 16);
            T.MultiplyAdd(dzo, c, T.Load(ref peepholeGradients, column + 48)).Store(ref peepholeGradients, column + 48);
        }
    }
}
