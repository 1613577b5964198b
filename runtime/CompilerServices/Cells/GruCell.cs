// The GRU cell (PyTorch nn.GRU), written once for every vector width: the update from the four slot sums of the
// packed GRU layout, the same while recording, and the slot gradients.
using System.ComponentModel;
using System.Runtime.CompilerServices;

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
    public static void Update<T>(T zr, T zz, T nx, T nh, ref float h, nuint unit) where T : struct, ILanes<T>
    {
        T r = T.Sigmoid(zr), u = T.Sigmoid(zz);
        T n = T.Tanh(T.MultiplyAdd(r, nh, nx));
        T.MultiplyAdd(u, T.Load(ref h, unit) - n, n).Store(ref h, unit);
    }

    /// <summary><see cref="Update{T}"/>, recording r, u, n, n_h in the slot columns of <paramref name="record"/> and the new h after them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Record<T>(T zr, T zz, T nx, T nh, ref float h, ref float record, nuint unit, nuint padded) where T : struct, ILanes<T>
    {
        T r = T.Sigmoid(zr), u = T.Sigmoid(zz);
        T n = T.Tanh(T.MultiplyAdd(r, nh, nx));
        T hNew = T.MultiplyAdd(u, T.Load(ref h, unit) - n, n);
        hNew.Store(ref h, unit);
        nuint column = PackedColumns.Of(unit);
        r.Store(ref record, column);
        u.Store(ref record, column + 16);
        n.Store(ref record, column + 32);
        nh.Store(ref record, column + 48);
        hNew.Store(ref record, PackedColumns.RecordedHidden(padded) + unit);
    }

    /// <summary>Updates every unit of <paramref name="blocks"/> 16-unit blocks from the slot sums at <paramref name="z"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateBlocks<T>(ref float z, ref float h, nuint blocks) where T : struct, ILanes<T>
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)T.Count)
        {
            nuint column = PackedColumns.Of(unit);
            Update(T.Load(ref z, column), T.Load(ref z, column + 16), T.Load(ref z, column + 32), T.Load(ref z, column + 48), ref h, unit);
        }
    }

    /// <summary><see cref="UpdateBlocks{T}"/>, recording as <see cref="Record{T}"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RecordBlocks<T>(ref float z, ref float h, ref float record, nuint blocks) where T : struct, ILanes<T>
    {
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)T.Count)
        {
            nuint column = PackedColumns.Of(unit);
            Record(T.Load(ref z, column), T.Load(ref z, column + 16), T.Load(ref z, column + 32), T.Load(ref z, column + 48), ref h, ref record, unit, blocks * 16);
        }
    }

    /// <summary>
    /// The slot gradients of one step from dh (flushed) and the record: <c>dn = dh·(1 − u)·(1 − n²); dz_r = dn·n_h·r(1 − r);
    /// dz_z = dh·(h_prev − n)·u(1 − u); dz_nx = dn; dz_nh = dn·r</c>; dh becomes <c>dh·u</c>, to which the caller adds
    /// W_hhᵀ·dz for the previous step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gradients<T>(ref float record, ref float dh, ref float hPrevious, ref float dz, nuint blocks) where T : struct, ILanes<T>
    {
        T one = T.One;
        for (nuint unit = 0; unit < blocks * 16; unit += (nuint)T.Count)
        {
            nuint column = PackedColumns.Of(unit);
            T r = T.Load(ref record, column), u = T.Load(ref record, column + 16), n = T.Load(ref record, column + 32), nh = T.Load(ref record, column + 48);
            T dhu = T.FlushTiny(T.Load(ref dh, unit));
            T dn = dhu * (one - u) * (one - n * n);
            (dn * nh * r * (one - r)).Store(ref dz, column);
            (dhu * (T.Load(ref hPrevious, unit) - n) * u * (one - u)).Store(ref dz, column + 16);
            dn.Store(ref dz, column + 32);
            (dn * r).Store(ref dz, column + 48);
            (dhu * u).Store(ref dh, unit);
        }
    }
}
