// The register tiles of PackedMatrix's backward products.
// Written by tools/kernel_tiles.py (one rule, several accumulator counts); edit the script, not this file.
using System.Runtime.CompilerServices;

namespace LstmGen.CompilerServices;

public static partial class PackedMatrix
{
    /// <summary>Columns <paramref name="c"/> … + 16 vector(s) of a backward product: d stays in registers while the rows stream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardTile16<T>(ref float weights, ref float gradients, nuint columns, ref float d, scoped in RowRuns runs, nuint c) where T : struct, ILanes<T>
    {
        nuint w = (nuint)T.Count;
        T d0 = T.Load(ref d, c + 0);
        (T.Load(ref gradients, c + 0) + d0).Store(ref gradients, c + 0);
        T d1 = T.Load(ref d, c + w);
        (T.Load(ref gradients, c + w) + d1).Store(ref gradients, c + w);
        T d2 = T.Load(ref d, c + 2 * w);
        (T.Load(ref gradients, c + 2 * w) + d2).Store(ref gradients, c + 2 * w);
        T d3 = T.Load(ref d, c + 3 * w);
        (T.Load(ref gradients, c + 3 * w) + d3).Store(ref gradients, c + 3 * w);
        T d4 = T.Load(ref d, c + 4 * w);
        (T.Load(ref gradients, c + 4 * w) + d4).Store(ref gradients, c + 4 * w);
        T d5 = T.Load(ref d, c + 5 * w);
        (T.Load(ref gradients, c + 5 * w) + d5).Store(ref gradients, c + 5 * w);
        T d6 = T.Load(ref d, c + 6 * w);
        (T.Load(ref gradients, c + 6 * w) + d6).Store(ref gradients, c + 6 * w);
        T d7 = T.Load(ref d, c + 7 * w);
        (T.Load(ref gradients, c + 7 * w) + d7).Store(ref gradients, c + 7 * w);
        T d8 = T.Load(ref d, c + 8 * w);
        (T.Load(ref gradients, c + 8 * w) + d8).Store(ref gradients, c + 8 * w);
        T d9 = T.Load(ref d, c + 9 * w);
        (T.Load(ref gradients, c + 9 * w) + d9).Store(ref gradients, c + 9 * w);
        T d10 = T.Load(ref d, c + 10 * w);
        (T.Load(ref gradients, c + 10 * w) + d10).Store(ref gradients, c + 10 * w);
        T d11 = T.Load(ref d, c + 11 * w);
        (T.Load(ref gradients, c + 11 * w) + d11).Store(ref gradients, c + 11 * w);
        T d12 = T.Load(ref d, c + 12 * w);
        (T.Load(ref gradients, c + 12 * w) + d12).Store(ref gradients, c + 12 * w);
        T d13 = T.Load(ref d, c + 13 * w);
        (T.Load(ref gradients, c + 13 * w) + d13).Store(ref gradients, c + 13 * w);
        T d14 = T.Load(ref d, c + 14 * w);
        (T.Load(ref gradients, c + 14 * w) + d14).Store(ref gradients, c + 14 * w);
        T d15 = T.Load(ref d, c + 15 * w);
        (T.Load(ref gradients, c + 15 * w) + d15).Store(ref gradients, c + 15 * w);
        nuint row = 1;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            ref float dx = ref runs.Destination(r);
            nuint n = runs.Count(r);
            for (nuint j = 0; j < n; j++, row++)
            {
                T xj = T.Broadcast(ref x, j);
                ref float wr = ref Unsafe.Add(ref weights, row * columns + c);
                ref float gr = ref Unsafe.Add(ref gradients, row * columns + c);
                T sum = T.Load(ref wr, 0) * d0;
                sum = T.MultiplyAdd(T.Load(ref wr, w), d1, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 2 * w), d2, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 3 * w), d3, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 4 * w), d4, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 5 * w), d5, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 6 * w), d6, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 7 * w), d7, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 8 * w), d8, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 9 * w), d9, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 10 * w), d10, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 11 * w), d11, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 12 * w), d12, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 13 * w), d13, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 14 * w), d14, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 15 * w), d15, sum);
                T.MultiplyAdd(xj, d0, T.Load(ref gr, 0)).Store(ref gr, 0);
                T.MultiplyAdd(xj, d1, T.Load(ref gr, w)).Store(ref gr, w);
                T.MultiplyAdd(xj, d2, T.Load(ref gr, 2 * w)).Store(ref gr, 2 * w);
                T.MultiplyAdd(xj, d3, T.Load(ref gr, 3 * w)).Store(ref gr, 3 * w);
                T.MultiplyAdd(xj, d4, T.Load(ref gr, 4 * w)).Store(ref gr, 4 * w);
                T.MultiplyAdd(xj, d5, T.Load(ref gr, 5 * w)).Store(ref gr, 5 * w);
                T.MultiplyAdd(xj, d6, T.Load(ref gr, 6 * w)).Store(ref gr, 6 * w);
                T.MultiplyAdd(xj, d7, T.Load(ref gr, 7 * w)).Store(ref gr, 7 * w);
                T.MultiplyAdd(xj, d8, T.Load(ref gr, 8 * w)).Store(ref gr, 8 * w);
                T.MultiplyAdd(xj, d9, T.Load(ref gr, 9 * w)).Store(ref gr, 9 * w);
                T.MultiplyAdd(xj, d10, T.Load(ref gr, 10 * w)).Store(ref gr, 10 * w);
                T.MultiplyAdd(xj, d11, T.Load(ref gr, 11 * w)).Store(ref gr, 11 * w);
                T.MultiplyAdd(xj, d12, T.Load(ref gr, 12 * w)).Store(ref gr, 12 * w);
                T.MultiplyAdd(xj, d13, T.Load(ref gr, 13 * w)).Store(ref gr, 13 * w);
                T.MultiplyAdd(xj, d14, T.Load(ref gr, 14 * w)).Store(ref gr, 14 * w);
                T.MultiplyAdd(xj, d15, T.Load(ref gr, 15 * w)).Store(ref gr, 15 * w);
                Unsafe.Add(ref dx, j) += T.Sum(sum);
            }
        }
    }

    /// <summary>Columns <paramref name="c"/> … + 8 vector(s) of a backward product: d stays in registers while the rows stream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardTile8<T>(ref float weights, ref float gradients, nuint columns, ref float d, scoped in RowRuns runs, nuint c) where T : struct, ILanes<T>
    {
        nuint w = (nuint)T.Count;
        T d0 = T.Load(ref d, c + 0);
        (T.Load(ref gradients, c + 0) + d0).Store(ref gradients, c + 0);
        T d1 = T.Load(ref d, c + w);
        (T.Load(ref gradients, c + w) + d1).Store(ref gradients, c + w);
        T d2 = T.Load(ref d, c + 2 * w);
        (T.Load(ref gradients, c + 2 * w) + d2).Store(ref gradients, c + 2 * w);
        T d3 = T.Load(ref d, c + 3 * w);
        (T.Load(ref gradients, c + 3 * w) + d3).Store(ref gradients, c + 3 * w);
        T d4 = T.Load(ref d, c + 4 * w);
        (T.Load(ref gradients, c + 4 * w) + d4).Store(ref gradients, c + 4 * w);
        T d5 = T.Load(ref d, c + 5 * w);
        (T.Load(ref gradients, c + 5 * w) + d5).Store(ref gradients, c + 5 * w);
        T d6 = T.Load(ref d, c + 6 * w);
        (T.Load(ref gradients, c + 6 * w) + d6).Store(ref gradients, c + 6 * w);
        T d7 = T.Load(ref d, c + 7 * w);
        (T.Load(ref gradients, c + 7 * w) + d7).Store(ref gradients, c + 7 * w);
        nuint row = 1;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            ref float dx = ref runs.Destination(r);
            nuint n = runs.Count(r);
            for (nuint j = 0; j < n; j++, row++)
            {
                T xj = T.Broadcast(ref x, j);
                ref float wr = ref Unsafe.Add(ref weights, row * columns + c);
                ref float gr = ref Unsafe.Add(ref gradients, row * columns + c);
                T sum = T.Load(ref wr, 0) * d0;
                sum = T.MultiplyAdd(T.Load(ref wr, w), d1, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 2 * w), d2, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 3 * w), d3, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 4 * w), d4, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 5 * w), d5, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 6 * w), d6, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 7 * w), d7, sum);
                T.MultiplyAdd(xj, d0, T.Load(ref gr, 0)).Store(ref gr, 0);
                T.MultiplyAdd(xj, d1, T.Load(ref gr, w)).Store(ref gr, w);
                T.MultiplyAdd(xj, d2, T.Load(ref gr, 2 * w)).Store(ref gr, 2 * w);
                T.MultiplyAdd(xj, d3, T.Load(ref gr, 3 * w)).Store(ref gr, 3 * w);
                T.MultiplyAdd(xj, d4, T.Load(ref gr, 4 * w)).Store(ref gr, 4 * w);
                T.MultiplyAdd(xj, d5, T.Load(ref gr, 5 * w)).Store(ref gr, 5 * w);
                T.MultiplyAdd(xj, d6, T.Load(ref gr, 6 * w)).Store(ref gr, 6 * w);
                T.MultiplyAdd(xj, d7, T.Load(ref gr, 7 * w)).Store(ref gr, 7 * w);
                Unsafe.Add(ref dx, j) += T.Sum(sum);
            }
        }
    }

    /// <summary>Columns <paramref name="c"/> … + 4 vector(s) of a backward product: d stays in registers while the rows stream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardTile4<T>(ref float weights, ref float gradients, nuint columns, ref float d, scoped in RowRuns runs, nuint c) where T : struct, ILanes<T>
    {
        nuint w = (nuint)T.Count;
        T d0 = T.Load(ref d, c + 0);
        (T.Load(ref gradients, c + 0) + d0).Store(ref gradients, c + 0);
        T d1 = T.Load(ref d, c + w);
        (T.Load(ref gradients, c + w) + d1).Store(ref gradients, c + w);
        T d2 = T.Load(ref d, c + 2 * w);
        (T.Load(ref gradients, c + 2 * w) + d2).Store(ref gradients, c + 2 * w);
        T d3 = T.Load(ref d, c + 3 * w);
        (T.Load(ref gradients, c + 3 * w) + d3).Store(ref gradients, c + 3 * w);
        nuint row = 1;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            ref float dx = ref runs.Destination(r);
            nuint n = runs.Count(r);
            for (nuint j = 0; j < n; j++, row++)
            {
                T xj = T.Broadcast(ref x, j);
                ref float wr = ref Unsafe.Add(ref weights, row * columns + c);
                ref float gr = ref Unsafe.Add(ref gradients, row * columns + c);
                T sum = T.Load(ref wr, 0) * d0;
                sum = T.MultiplyAdd(T.Load(ref wr, w), d1, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 2 * w), d2, sum);
                sum = T.MultiplyAdd(T.Load(ref wr, 3 * w), d3, sum);
                T.MultiplyAdd(xj, d0, T.Load(ref gr, 0)).Store(ref gr, 0);
                T.MultiplyAdd(xj, d1, T.Load(ref gr, w)).Store(ref gr, w);
                T.MultiplyAdd(xj, d2, T.Load(ref gr, 2 * w)).Store(ref gr, 2 * w);
                T.MultiplyAdd(xj, d3, T.Load(ref gr, 3 * w)).Store(ref gr, 3 * w);
                Unsafe.Add(ref dx, j) += T.Sum(sum);
            }
        }
    }

    /// <summary>Columns <paramref name="c"/> … + 1 vector(s) of a backward product: d stays in registers while the rows stream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardTile1<T>(ref float weights, ref float gradients, nuint columns, ref float d, scoped in RowRuns runs, nuint c) where T : struct, ILanes<T>
    {
        nuint w = (nuint)T.Count;
        T d0 = T.Load(ref d, c + 0);
        (T.Load(ref gradients, c + 0) + d0).Store(ref gradients, c + 0);
        nuint row = 1;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            ref float dx = ref runs.Destination(r);
            nuint n = runs.Count(r);
            for (nuint j = 0; j < n; j++, row++)
            {
                T xj = T.Broadcast(ref x, j);
                ref float wr = ref Unsafe.Add(ref weights, row * columns + c);
                ref float gr = ref Unsafe.Add(ref gradients, row * columns + c);
                T sum = T.Load(ref wr, 0) * d0;
                T.MultiplyAdd(xj, d0, T.Load(ref gr, 0)).Store(ref gr, 0);
                Unsafe.Add(ref dx, j) += T.Sum(sum);
            }
        }
    }
}
