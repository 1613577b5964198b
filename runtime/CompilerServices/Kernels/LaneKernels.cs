// The lock-step lane path's products, written once for every vector width: the gate sums of all lanes (each weight
// vector loaded once for a tile of lanes), the backward products dx, dh = Wᵀ·dz of all lanes from the transposed
// weights, and the weight gradients of a block of lane-steps as register-tiled outer products.
using System.ComponentModel;
using System.Runtime.CompilerServices;
using static LstmGen.CompilerServices.Lanes;

namespace LstmGen.CompilerServices;

/// <summary>
/// Products over several equal-length sequences trained in lock-step (<see cref="ILaneTrainableModel"/>). Lanes are
/// taken 8 at a time while 8 remain, then 4 at a time (lane counts are multiples of 4), so each weight vector loaded
/// serves every lane of a tile; the sizes are arguments, the tile shapes the width's.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class LaneKernels
{
    /// <summary>
    /// Gate sums of every lane: <c>z_l = row 0 + Σ_j x_l[j]·row(1 + j) + Σ_j h_l[j]·row(1 + inputs + j)</c> over
    /// <paramref name="columns"/> packed columns, lane l's sums to <paramref name="sums"/> + l·<paramref name="sumsStride"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gates<T>(ref float weights, nuint columns, scoped in LaneRows inputs, nuint inputCount, scoped in LaneRows hidden, nuint hiddenCount,
        ref float sums, nuint sumsStride, nuint lanes) where T : struct
    {
        nuint w = (nuint)Lanes.Count<T>(), wide = Lanes.Count<T>() == 16 ? 2u : 1u;
        for (nuint c = 0; c < columns; c += 2 * wide * w)
        {
            nuint l = 0;
            for (; l + 8 <= lanes; l += 8)
            {
                if (wide == 2) GateTile8x2<T>(ref weights, columns, inputs, inputCount, hidden, hiddenCount, ref sums, sumsStride, l, c);
                else GateTile8x1<T>(ref weights, columns, inputs, inputCount, hidden, hiddenCount, ref sums, sumsStride, l, c);
                if (wide == 2) GateTile8x2<T>(ref weights, columns, inputs, inputCount, hidden, hiddenCount, ref sums, sumsStride, l, c + 2 * w);
                else GateTile8x1<T>(ref weights, columns, inputs, inputCount, hidden, hiddenCount, ref sums, sumsStride, l, c + w);
            }
            for (; l < lanes; l += 4)
            {
                if (wide == 2) GateTile4x4<T>(ref weights, columns, inputs, inputCount, hidden, hiddenCount, ref sums, sumsStride, l, c);
                else GateTile4x2<T>(ref weights, columns, inputs, inputCount, hidden, hiddenCount, ref sums, sumsStride, l, c);
            }
        }
    }

    /// <summary>
    /// dx and dh_(t−1) of every lane: <c>Σ_col dz_l[col] · wt[col, ·]</c> with <paramref name="transposed"/> the layer's
    /// weights transposed (<paramref name="width"/> floats per column: its inputs padded to <paramref name="inputColumns"/>,
    /// then its hidden units). Lane l's dz is at <paramref name="dz"/> + l·<paramref name="columns"/>; its dx goes to
    /// <paramref name="dx"/> + l·<paramref name="dxStride"/> and its dh to <paramref name="dh"/> + l·<paramref name="dhStride"/> (both overwritten).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transposed<T>(ref float transposed, nuint width, nuint inputColumns, nuint columns, ref float dz, nuint lanes,
        ref float dx, nuint dxStride, ref float dh, nuint dhStride) where T : struct
    {
        TransposedPart<T>(ref transposed, width, columns, ref dz, lanes, ref dx, dxStride, inputColumns);
        TransposedPart<T>(ref Unsafe.Add(ref transposed, inputColumns), width, columns, ref dz, lanes, ref dh, dhStride, width - inputColumns);
    }

    /// <summary>Columns 0 … <paramref name="count"/> − 1 of <paramref name="transposed"/> into every lane's <paramref name="destination"/> row.</summary>
    private static void TransposedPart<T>(ref float transposed, nuint width, nuint columns, ref float dz, nuint lanes, ref float destination, nuint stride, nuint count)
        where T : struct
    {
        nuint w = (nuint)Lanes.Count<T>(), wide = Lanes.Count<T>() == 16 ? 2u : 1u, j = 0;
        for (; j + 2 * wide * w <= count; j += 2 * wide * w)
        {
            nuint l = 0;
            for (; l + 8 <= lanes; l += 8)
            {
                if (wide == 2)
                {
                    TransposedTile8x2<T>(ref transposed, width, columns, ref dz, ref destination, stride, l, j);
                    TransposedTile8x2<T>(ref transposed, width, columns, ref dz, ref destination, stride, l, j + 2 * w);
                }
                else
                {
                    TransposedTile8x1<T>(ref transposed, width, columns, ref dz, ref destination, stride, l, j);
                    TransposedTile8x1<T>(ref transposed, width, columns, ref dz, ref destination, stride, l, j + w);
                }
            }
            for (; l < lanes; l += 4)
            {
                if (wide == 2) TransposedTile4x4<T>(ref transposed, width, columns, ref dz, ref destination, stride, l, j);
                else TransposedTile4x2<T>(ref transposed, width, columns, ref dz, ref destination, stride, l, j);
            }
        }
        // What is left (Vector512 only: fewer than 4 vectors), one vector at a time.
        for (; j < count; j += w)
        {
            nuint l = 0;
            for (; l + 8 <= lanes; l += 8) TransposedTile8x1<T>(ref transposed, width, columns, ref dz, ref destination, stride, l, j);
            for (; l < lanes; l += 4) TransposedTile4x1<T>(ref transposed, width, columns, ref dz, ref destination, stride, l, j);
        }
    }

    /// <summary>
    /// Weight gradients of a block of lane-steps: <c>g[r, ·] += Σ_k x[k·stride + r] · d[k, ·]</c> for rows r &lt;
    /// <paramref name="rows"/> and <paramref name="columns"/> packed columns, a tile of rows × vectors held in registers
    /// while the <paramref name="count"/> lane-steps stream.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OuterProducts<T>(ref float gradients, ref float x, nuint stride, ref float d, nuint count, nuint rows, nuint columns) where T : struct
    {
        nuint w = (nuint)Lanes.Count<T>();
        if (Lanes.Count<T>() == 16)
        {
            for (nuint c = 0; c < columns; c += 4 * w)
            {
                nuint r = 0;
                for (; r + 6 <= rows; r += 6) OuterTile6x4<T>(ref gradients, ref x, stride, ref d, count, columns, r, c);
                for (; r < rows; r++) OuterTile1x4<T>(ref gradients, ref x, stride, ref d, count, columns, r, c);
            }
            return;
        }
        for (nuint c = 0; c < columns; c += 2 * w)
        {
            nuint r = 0;
            for (; r + 4 <= rows; r += 4) OuterTile4x2<T>(ref gradients, ref x, stride, ref d, count, columns, r, c);
            for (; r < rows; r++) OuterTile1x2<T>(ref gradients, ref x, stride, ref d, count, columns, r, c);
        }
    }
}
