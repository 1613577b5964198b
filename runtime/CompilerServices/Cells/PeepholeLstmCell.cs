// The peephole LSTM cell (Gers & Schmidhuber: the gates also read the cell state), written once for every vector
// width: the update from the gate sums, the same while recording, and the gate and peephole gradients.
using System.ComponentModel;
using System.Runtime.CompilerServices;
using static LstmGen.CompilerServices.Lanes;

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
    public static void Update<T>(T zi, T zf, T zg, T zo, ref float c, ref float h, ref float peephole, nuint unit) where T : struct
    {
        nuint column = PackedColumns.Of(unit);
        T cOld = Load<T>(ref c, unit);
        T i = Sigmoid(MultiplyAdd(Load<T>(ref peephole, column), cOld, zi));
        T f = Sigmoid(MultiplyAdd(Load<T>(ref peephole, column + 16), cOld, zf));
        T g = Tanh(zg);
        T cNew = MultiplyAdd(f, cOld, Multiply(i, g));
        T o = Sigmoid(MultiplyAdd(Load<T>(ref peephole, column + 48), cNew, zo));
        Store(cNew, ref c, unit);
        Store(Multiply(o, Tanh(cNew)), ref h, unit);
    }

    /// <summary><see cref="Update{T}"/>, recording as <see cref="LstmCell.Record{T}"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Record<T>(T zi, T zf, T zg, T zo, ref float c, ref float h, ref float peephole, ref float record, nuint unit, nuint padded) where T : struct
    {
        nuint column = PackedColumns.Of(unit);
        T cOld = Load<T>(ref c, unit);
        T i = Sigmoid(MultiplyAdd(Load<T>(ref peephole, column), cOld, zi));
        T f = Sigmoid(MultiplyAdd(Load<T>(ref peephole, column + 16), cOld, zf));
        T g = Tanh(zg);
        T cNew = MultiplyAdd(f, cOld, Multiply(i, g));
        T o = Sigmoid(MultiplyAdd(Load<T>(ref peephole, column + 48), cNew, zo));
        T t = Tanh(cNew), hNew = Multiply(o, t);
        Store(cNew, ref c, unit);
        Store(hNew, ref h, unit);
        Store(i, ref record, column);
        Store(f, ref record, column + 16);
        Store(g, ref record, column + 32);
        Store(o, ref record, column + 48);
        Store(cNew, ref record, PackedColumns.RecordedCell(padded) + unit);
        Store(t, ref record, PackedColumns.RecordedTanh(padded) + unit);
        Store(hNew, ref record, PackedColumns.RecordedHidden(padded) + unit);
    }

    /// <summary>Updates every unit of <paramref name="blocks"/> 16-unit blocks from the gate sums at <paramref name="z"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateBlocks<T>(ref float z, ref float c, ref float h, ref float peephole, nuint blocks) where T : struct
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)Count<T>())
        {
            nuint column = PackedColumns.Of(unit);
            Update(Load<T>(ref z, column), Load<T>(ref z, column + 16), Load<T>(ref z, column + 32), Load<T>(ref z, column + 48), ref c, ref h, ref peephole, unit);
        }
    }

    /// <summary><see cref="UpdateBlocks{T}"/>, recording as <see cref="Record{T}"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RecordBlocks<T>(ref float z, ref float c, ref float h, ref float peephole, ref float record, nuint blocks) where T : struct
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)Count<T>())
        {
            nuint column = PackedColumns.Of(unit);
            Record(Load<T>(ref z, column), Load<T>(ref z, column + 16), Load<T>(ref z, column + 32), Load<T>(ref z, column + 48), ref c, ref h, ref peephole, ref record, unit, blocks * 16);
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
        where T : struct
    {
        nuint cellAt = PackedColumns.RecordedCell(blocks * 16), tanhAt = PackedColumns.RecordedTanh(blocks * 16);
        T one = One<T>();
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)Count<T>())
        {
            nuint column = PackedColumns.Of(unit);
            T i = Load<T>(ref record, column), f = Load<T>(ref record, column + 16), g = Load<T>(ref record, column + 32), o = Load<T>(ref record, column + 48);
            T c = Load<T>(ref record, cellAt + unit), t = Load<T>(ref record, tanhAt + unit), cp = Load<T>(ref cPrevious, unit);
            T dhu = FlushTiny(Load<T>(ref dh, unit));
            T dzo = Multiply(Multiply(Multiply(dhu, t), o), Subtract(one, o));
            T dcu = MultiplyAdd(dzo, Load<T>(ref peephole, column + 48), MultiplyAdd(Multiply(dhu, o), Subtract(one, Multiply(t, t)), Load<T>(ref dc, unit)));
            T dzi = Multiply(Multiply(Multiply(dcu, g), i), Subtract(one, i)), dzf = Multiply(Multiply(Multiply(dcu, cp), f), Subtract(one, f));
            Store(dzi, ref dz, column);
            Store(dzf, ref dz, column + 16);
            Store(Multiply(Multiply(dcu, i), Subtract(one, Multiply(g, g))), ref dz, column + 32);
            Store(dzo, ref dz, column + 48);
            Store(FlushTiny(MultiplyAdd(dzf, Load<T>(ref peephole, column + 16), MultiplyAdd(dzi, Load<T>(ref peephole, column), Multiply(dcu, f)))), ref dc, unit);
            Store(MultiplyAdd(dzi, cp, Load<T>(ref peepholeGradients, column)), ref peepholeGradients, column);
            Store(MultiplyAdd(dzf, cp, Load<T>(ref peepholeGradients, column + 16)), ref peepholeGradients, column + 16);
            Store(MultiplyAdd(dzo, c, Load<T>(ref peepholeGradients, column + 48)), ref peepholeGradients, column + 48);
        }
    }
}
