// The register tiles of PackedMatrix's backward products.
// Written by tools/kernel_tiles.py (one rule, several accumulator counts); edit the script, not this file.
using System.Runtime.CompilerServices;
using static LstmGen.CompilerServices.Lanes;

namespace LstmGen.CompilerServices;

public static partial class PackedMatrix
{
    /// <summary>Columns <paramref name="c"/> … + 16 vector(s) of a backward product: d stays in registers while the rows stream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void BackwardTile16<T>(ref float weights, ref float gradients, nuint columns, ref float d, scoped in RowRuns runs, nuint c) where T : struct
    {
        nuint w = (nuint)Count<T>();
        T d0 = Load<T>(ref d, c + 0);
        Store(Add(Load<T>(ref gradients, c + 0), d0), ref gradients, c + 0);
        T d1 = Load<T>(ref d, c + w);
        Store(Add(Load<T>(ref gradients, c + w), d1), ref gradients, c + w);
        T d2 = Load<T>(ref d, c + 2 * w);
        Store(Add(Load<T>(ref gradients, c + 2 * w), d2), ref gradients, c + 2 * w);
        T d3 = Load<T>(ref d, c + 3 * w);
        Store(Add(Load<T>(ref gradients, c + 3 * w), d3), ref gradients, c + 3 * w);
        T d4 = Load<T>(ref d, c + 4 * w);
        Store(Add(Load<T>(ref gradients, c + 4 * w), d4), ref gradients, c + 4 * w);
        T d5 = Load<T>(ref d, c + 5 * w);
        Store(Add(Load<T>(ref gradients, c + 5 * w), d5), ref gradients, c + 5 * w);
        T d6 = Load<T>(ref d, c + 6 * w);
        Store(Add(Load<T>(ref gradients, c + 6 * w), d6), ref gradients, c + 6 * w);
        T d7 = Load<T>(ref d, c + 7 * w);
        Store(Add(Load<T>(ref gradients, c + 7 * w), d7), ref gradients, c + 7 * w);
        T d8 = Load<T>(ref d, c + 8 * w);
        Store(Add(Load<T>(ref gradients, c + 8 * w), d8), ref gradients, c + 8 * w);
        T d9 = Load<T>(ref d, c + 9 * w);
        Store(Add(Load<T>(ref gradients, c + 9 * w), d9), ref gradients, c + 9 * w);
        T d10 = Load<T>(ref d, c + 10 * w);
        Store(Add(Load<T>(ref gradients, c + 10 * w), d10), ref gradients, c + 10 * w);
        T d11 = Load<T>(ref d, c + 11 * w);
        Store(Add(Load<T>(ref gradients, c + 11 * w), d11), ref gradients, c + 11 * w);
        T d12 = Load<T>(ref d, c + 12 * w);
        Store(Add(Load<T>(ref gradients, c + 12 * w), d12), ref gradients, c + 12 * w);
        T d13 = Load<T>(ref d, c + 13 * w);
        Store(Add(Load<T>(ref gradients, c + 13 * w), d13), ref gradients, c + 13 * w);
        T d14 = Load<T>(ref d, c + 14 * w);
        Store(Add(Load<T>(ref gradients, c + 14 * w), d14), ref gradients, c + 14 * w);
        T d15 = Load<T>(ref d, c + 15 * w);
        Store(Add(Load<T>(ref gradients, c + 15 * w), d15), ref gradients, c + 15 * w);
        nuint row = 1;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            ref float dx = ref runs.Destination(r);
            nuint n = runs.Count(r);
            for (nuint j = 0; j < n; j++, row++)
            {
                T xj = Broadcast<T>(ref x, j);
                ref float wr = ref Unsafe.Add(ref weights, row * columns + c);
                ref float gr = ref Unsafe.Add(ref gradients, row * columns + c);
                T sum = Multiply(Load<T>(ref wr, 0), d0);
                sum = MultiplyAdd(Load<T>(ref wr, w), d1, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 2 * w), d2, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 3 * w), d3, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 4 * w), d4, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 5 * w), d5, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 6 * w), d6, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 7 * w), d7, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 8 * w), d8, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 9 * w), d9, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 10 * w), d10, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 11 * w), d11, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 12 * w), d12, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 13 * w), d13, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 14 * w), d14, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 15 * w), d15, sum);
                Store(MultiplyAdd(xj, d0, Load<T>(ref gr, 0)), ref gr, 0);
                Store(MultiplyAdd(xj, d1, Load<T>(ref gr, w)), ref gr, w);
                Store(MultiplyAdd(xj, d2, Load<T>(ref gr, 2 * w)), ref gr, 2 * w);
                Store(MultiplyAdd(xj, d3, Load<T>(ref gr, 3 * w)), ref gr, 3 * w);
                Store(MultiplyAdd(xj, d4, Load<T>(ref gr, 4 * w)), ref gr, 4 * w);
                Store(MultiplyAdd(xj, d5, Load<T>(ref gr, 5 * w)), ref gr, 5 * w);
                Store(MultiplyAdd(xj, d6, Load<T>(ref gr, 6 * w)), ref gr, 6 * w);
                Store(MultiplyAdd(xj, d7, Load<T>(ref gr, 7 * w)), ref gr, 7 * w);
                Store(MultiplyAdd(xj, d8, Load<T>(ref gr, 8 * w)), ref gr, 8 * w);
                Store(MultiplyAdd(xj, d9, Load<T>(ref gr, 9 * w)), ref gr, 9 * w);
                Store(MultiplyAdd(xj, d10, Load<T>(ref gr, 10 * w)), ref gr, 10 * w);
                Store(MultiplyAdd(xj, d11, Load<T>(ref gr, 11 * w)), ref gr, 11 * w);
                Store(MultiplyAdd(xj, d12, Load<T>(ref gr, 12 * w)), ref gr, 12 * w);
                Store(MultiplyAdd(xj, d13, Load<T>(ref gr, 13 * w)), ref gr, 13 * w);
                Store(MultiplyAdd(xj, d14, Load<T>(ref gr, 14 * w)), ref gr, 14 * w);
                Store(MultiplyAdd(xj, d15, Load<T>(ref gr, 15 * w)), ref gr, 15 * w);
                Unsafe.Add(ref dx, j) += Sum(sum);
            }
        }
    }

    /// <summary>Columns <paramref name="c"/> … + 8 vector(s) of a backward product: d stays in registers while the rows stream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void BackwardTile8<T>(ref float weights, ref float gradients, nuint columns, ref float d, scoped in RowRuns runs, nuint c) where T : struct
    {
        nuint w = (nuint)Count<T>();
        T d0 = Load<T>(ref d, c + 0);
        Store(Add(Load<T>(ref gradients, c + 0), d0), ref gradients, c + 0);
        T d1 = Load<T>(ref d, c + w);
        Store(Add(Load<T>(ref gradients, c + w), d1), ref gradients, c + w);
        T d2 = Load<T>(ref d, c + 2 * w);
        Store(Add(Load<T>(ref gradients, c + 2 * w), d2), ref gradients, c + 2 * w);
        T d3 = Load<T>(ref d, c + 3 * w);
        Store(Add(Load<T>(ref gradients, c + 3 * w), d3), ref gradients, c + 3 * w);
        T d4 = Load<T>(ref d, c + 4 * w);
        Store(Add(Load<T>(ref gradients, c + 4 * w), d4), ref gradients, c + 4 * w);
        T d5 = Load<T>(ref d, c + 5 * w);
        Store(Add(Load<T>(ref gradients, c + 5 * w), d5), ref gradients, c + 5 * w);
        T d6 = Load<T>(ref d, c + 6 * w);
        Store(Add(Load<T>(ref gradients, c + 6 * w), d6), ref gradients, c + 6 * w);
        T d7 = Load<T>(ref d, c + 7 * w);
        Store(Add(Load<T>(ref gradients, c + 7 * w), d7), ref gradients, c + 7 * w);
        nuint row = 1;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            ref float dx = ref runs.Destination(r);
            nuint n = runs.Count(r);
            for (nuint j = 0; j < n; j++, row++)
            {
                T xj = Broadcast<T>(ref x, j);
                ref float wr = ref Unsafe.Add(ref weights, row * columns + c);
                ref float gr = ref Unsafe.Add(ref gradients, row * columns + c);
                T sum = Multiply(Load<T>(ref wr, 0), d0);
                sum = MultiplyAdd(Load<T>(ref wr, w), d1, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 2 * w), d2, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 3 * w), d3, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 4 * w), d4, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 5 * w), d5, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 6 * w), d6, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 7 * w), d7, sum);
                Store(MultiplyAdd(xj, d0, Load<T>(ref gr, 0)), ref gr, 0);
                Store(MultiplyAdd(xj, d1, Load<T>(ref gr, w)), ref gr, w);
                Store(MultiplyAdd(xj, d2, Load<T>(ref gr, 2 * w)), ref gr, 2 * w);
                Store(MultiplyAdd(xj, d3, Load<T>(ref gr, 3 * w)), ref gr, 3 * w);
                Store(MultiplyAdd(xj, d4, Load<T>(ref gr, 4 * w)), ref gr, 4 * w);
                Store(MultiplyAdd(xj, d5, Load<T>(ref gr, 5 * w)), ref gr, 5 * w);
                Store(MultiplyAdd(xj, d6, Load<T>(ref gr, 6 * w)), ref gr, 6 * w);
                Store(MultiplyAdd(xj, d7, Load<T>(ref gr, 7 * w)), ref gr, 7 * w);
                Unsafe.Add(ref dx, j) += Sum(sum);
            }
        }
    }

    /// <summary>Columns <paramref name="c"/> … + 4 vector(s) of a backward product: d stays in registers while the rows stream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void BackwardTile4<T>(ref float weights, ref float gradients, nuint columns, ref float d, scoped in RowRuns runs, nuint c) where T : struct
    {
        nuint w = (nuint)Count<T>();
        T d0 = Load<T>(ref d, c + 0);
        Store(Add(Load<T>(ref gradients, c + 0), d0), ref gradients, c + 0);
        T d1 = Load<T>(ref d, c + w);
        Store(Add(Load<T>(ref gradients, c + w), d1), ref gradients, c + w);
        T d2 = Load<T>(ref d, c + 2 * w);
        Store(Add(Load<T>(ref gradients, c + 2 * w), d2), ref gradients, c + 2 * w);
        T d3 = Load<T>(ref d, c + 3 * w);
        Store(Add(Load<T>(ref gradients, c + 3 * w), d3), ref gradients, c + 3 * w);
        nuint row = 1;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            ref float dx = ref runs.Destination(r);
            nuint n = runs.Count(r);
            for (nuint j = 0; j < n; j++, row++)
            {
                T xj = Broadcast<T>(ref x, j);
                ref float wr = ref Unsafe.Add(ref weights, row * columns + c);
                ref float gr = ref Unsafe.Add(ref gradients, row * columns + c);
                T sum = Multiply(Load<T>(ref wr, 0), d0);
                sum = MultiplyAdd(Load<T>(ref wr, w), d1, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 2 * w), d2, sum);
                sum = MultiplyAdd(Load<T>(ref wr, 3 * w), d3, sum);
                Store(MultiplyAdd(xj, d0, Load<T>(ref gr, 0)), ref gr, 0);
                Store(MultiplyAdd(xj, d1, Load<T>(ref gr, w)), ref gr, w);
                Store(MultiplyAdd(xj, d2, Load<T>(ref gr, 2 * w)), ref gr, 2 * w);
                Store(MultiplyAdd(xj, d3, Load<T>(ref gr, 3 * w)), ref gr, 3 * w);
                Unsafe.Add(ref dx, j) += Sum(sum);
            }
        }
    }

    /// <summary>Columns <paramref name="c"/> … + 1 vector(s) of a backward product: d stays in registers while the rows stream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void BackwardTile1<T>(ref float weights, ref float gradients, nuint columns, ref float d, scoped in RowRuns runs, nuint c) where T : struct
    {
        nuint w = (nuint)Count<T>();
        T d0 = Load<T>(ref d, c + 0);
        Store(Add(Load<T>(ref gradients, c + 0), d0), ref gradients, c + 0);
        nuint row = 1;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            ref float dx = ref runs.Destination(r);
            nuint n = runs.Count(r);
            for (nuint j = 0; j < n; j++, row++)
            {
                T xj = Broadcast<T>(ref x, j);
                ref float wr = ref Unsafe.Add(ref weights, row * columns + c);
                ref float gr = ref Unsafe.Add(ref gradients, row * columns + c);
                T sum = Multiply(Load<T>(ref wr, 0), d0);
                Store(MultiplyAdd(xj, d0, Load<T>(ref gr, 0)), ref gr, 0);
                Unsafe.Add(ref dx, j) += Sum(sum);
            }
        }
    }
}
