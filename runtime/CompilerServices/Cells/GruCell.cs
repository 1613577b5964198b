// The GRU cell (PyTorch nn.GRU), written once for every vector width: the update from the four slot sums of the
// packed GRU layout, the same while recording, and the slot gradients.
using System.ComponentModel;
using System.Runtime.CompilerServices;
using static LstmGen.CompilerServices.Lanes;

namespace LstmGen.CompilerServices;

/// <summary>
/// The GRU cell: <c>r = σ(z_r); u = σ(z_z); n = tanh(n_x + r·n_h); h' = n + u·(h − n)</c> from the four slots a packed
/// GRU layer sums per unit (<see cref="GateLayout.PackGruLayer"/>: r, z, the input part n_x and the recurrent part n_h
/// of n). A GRU has no cell state; its record holds r, u, n, n_h in the slot columns and h after them
/// (<see cref="PackedColumns"/>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GruCell
{
    /// <summary>Updates h of units <paramref name="unit"/> … + Count − 1 from their slot sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update<T>(T zr, T zz, T nx, T nh, ref float h, nuint unit) where T : struct
    {
        T r = Sigmoid(zr), u = Sigmoid(zz);
        T n = Tanh(MultiplyAdd(r, nh, nx));
        Store(MultiplyAdd(u, Subtract(Load<T>(ref h, unit), n), n), ref h, unit);
    }

    /// <summary><see cref="Update{T}"/>, recording r, u, n, n_h in the slot columns of <paramref name="record"/> and the new h after them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Record<T>(T zr, T zz, T nx, T nh, ref float h, ref float record, nuint unit, nuint padded) where T : struct
    {
        T r = Sigmoid(zr), u = Sigmoid(zz);
        T n = Tanh(MultiplyAdd(r, nh, nx));
        T hNew = MultiplyAdd(u, Subtract(Load<T>(ref h, unit), n), n);
        Store(hNew, ref h, unit);
        nuint column = PackedColumns.Of(unit);
        Store(r, ref record, column);
        Store(u, ref record, column + 16);
        Store(n, ref record, column + 32);
        Store(nh, ref record, column + 48);
        Store(hNew, ref record, PackedColumns.RecordedHidden(padded) + unit);
    }

    /// <summary>Updates every unit of <paramref name="blocks"/> 16-unit blocks from the slot sums at <paramref name="z"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateBlocks<T>(ref float z, ref float h, nuint blocks) where T : struct
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)Count<T>())
        {
            nuint column = PackedColumns.Of(unit);
            Update(Load<T>(ref z, column), Load<T>(ref z, column + 16), Load<T>(ref z, column + 32), Load<T>(ref z, column + 48), ref h, unit);
        }
    }

    /// <summary><see cref="UpdateBlocks{T}"/>, recording as <see cref="Record{T}"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RecordBlocks<T>(ref float z, ref float h, ref float record, nuint blocks) where T : struct
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)Count<T>())
        {
            nuint column = PackedColumns.Of(unit);
            Record(Load<T>(ref z, column), Load<T>(ref z, column + 16), Load<T>(ref z, column + 32), Load<T>(ref z, column + 48), ref h, ref record, unit, blocks * 16);
        }
    }

    /// <summary>
    /// The slot gradients of one step from dh (flushed) and the record: <c>dn = dh·(1 − u)·(1 − n²); dz_r = dn·n_h·r(1 − r);
    /// dz_z = dh·(h_prev − n)·u(1 − u); dz_nx = dn; dz_nh = dn·r</c>; dh becomes <c>dh·u</c>, to which the caller adds
    /// W_hhᵀ·dz for the previous step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gradients<T>(ref float record, ref float dh, ref float hPrevious, ref float dz, nuint blocks) where T : struct
    {
        T one = One<T>();
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)Count<T>())
        {
            nuint column = PackedColumns.Of(unit);
            T r = Load<T>(ref record, column), u = Load<T>(ref record, column + 16), n = Load<T>(ref record, column + 32), nh = Load<T>(ref record, column + 48);
            T dhu = FlushTiny(Load<T>(ref dh, unit));
            T dn = Multiply(Multiply(dhu, Subtract(one, u)), Subtract(one, Multiply(n, n)));
            Store(Multiply(Multiply(Multiply(dn, nh), r), Subtract(one, r)), ref dz, column);
            Store(Multiply(Multiply(Multiply(dhu, Subtract(Load<T>(ref hPrevious, unit), n)), u), Subtract(one, u)), ref dz, column + 16);
            Store(dn, ref dz, column + 32);
            Store(Multiply(dn, r), ref dz, column + 48);
            Store(Multiply(dhu, u), ref dh, unit);
        }
    }
}
