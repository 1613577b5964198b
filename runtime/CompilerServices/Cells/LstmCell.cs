// The LSTM cell (PyTorch nn.LSTM), written once for every vector width: the update of a layer's cells from their
// gate sums, the same while recording for training, and the gate gradients of backpropagation through time.
using System.ComponentModel;
using System.Runtime.CompilerServices;
using static LstmGen.CompilerServices.Lanes;

namespace LstmGen.CompilerServices;

/// <summary>
/// The LSTM cell: <c>i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o); c' = f·c + i·g; h' = o·tanh(c')</c>, and its
/// gradients. Each method handles the units one value of T holds (T the vector width, see <see cref="Lanes"/>; generated code calls it with the register
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
    public static void Update<T>(T zi, T zf, T zg, T zo, ref float c, ref float h, nuint unit) where T : struct
    {
        T i = Sigmoid(zi), f = Sigmoid(zf), g = Tanh(zg), o = Sigmoid(zo);
        T cNew = MultiplyAdd(f, Load<T>(ref c, unit), Multiply(i, g));
        Store(cNew, ref c, unit);
        Store(Multiply(o, Tanh(cNew)), ref h, unit);
    }

    /// <summary>
    /// <see cref="Update{T}"/>, recording for the backward pass: i, f, g, o at the units' gate columns of
    /// <paramref name="record"/>, then c, tanh(c) and o·tanh(c) (see <see cref="PackedColumns"/>; <paramref name="padded"/> = P).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Record<T>(T zi, T zf, T zg, T zo, ref float c, ref float h, ref float record, nuint unit, nuint padded) where T : struct
    {
        T i = Sigmoid(zi), f = Sigmoid(zf), g = Tanh(zg), o = Sigmoid(zo);
        T cNew = MultiplyAdd(f, Load<T>(ref c, unit), Multiply(i, g));
        T t = Tanh(cNew), hNew = Multiply(o, t);
        Store(cNew, ref c, unit);
        Store(hNew, ref h, unit);
        nuint column = PackedColumns.Of(unit);
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
    public static void UpdateBlocks<T>(ref float z, ref float c, ref float h, nuint blocks) where T : struct
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)Count<T>())
        {
            nuint column = PackedColumns.Of(unit);
            Update(Load<T>(ref z, column), Load<T>(ref z, column + 16), Load<T>(ref z, column + 32), Load<T>(ref z, column + 48), ref c, ref h, unit);
        }
    }

    /// <summary><see cref="UpdateBlocks{T}"/>, recording as <see cref="Record{T}"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RecordBlocks<T>(ref float z, ref float c, ref float h, ref float record, nuint blocks) where T : struct
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)Count<T>())
        {
            nuint column = PackedColumns.Of(unit);
            Record(Load<T>(ref z, column), Load<T>(ref z, column + 16), Load<T>(ref z, column + 32), Load<T>(ref z, column + 48), ref c, ref h, ref record, unit, blocks * 16);
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
    public static void Gradients<T>(ref float record, ref float dh, ref float dc, ref float cPrevious, ref float dz, nuint blocks) where T : struct
    {
        nuint tanhAt = PackedColumns.RecordedTanh(blocks * 16);
        T one = One<T>();
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)Count<T>())
        {
            nuint column = PackedColumns.Of(unit);
            T i = Load<T>(ref record, column), f = Load<T>(ref record, column + 16), g = Load<T>(ref record, column + 32), o = Load<T>(ref record, column + 48);
            T t = Load<T>(ref record, tanhAt + unit);
            T dhu = FlushTiny(Load<T>(ref dh, unit));
            T dcu = MultiplyAdd(Multiply(dhu, o), Subtract(one, Multiply(t, t)), Load<T>(ref dc, unit));
            Store(Multiply(Multiply(Multiply(dcu, g), i), Subtract(one, i)), ref dz, column);
            Store(Multiply(Multiply(Multiply(dcu, Load<T>(ref cPrevious, unit)), f), Subtract(one, f)), ref dz, column + 16);
            Store(Multiply(Multiply(dcu, i), Subtract(one, Multiply(g, g))), ref dz, column + 32);
            Store(Multiply(Multiply(Multiply(dhu, t), o), Subtract(one, o)), ref dz, column + 48);
            Store(FlushTiny(Multiply(dcu, f)), ref dc, unit);
        }
    }
}
