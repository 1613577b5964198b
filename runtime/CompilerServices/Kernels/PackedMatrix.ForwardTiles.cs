// The register tiles of PackedMatrix's forward products (one step, and four steps at once).
// Written by tools/kernel_tiles.py (one rule, several accumulator counts); edit the script, not this file.
using System.Runtime.CompilerServices;
using static LstmGen.CompilerServices.Lanes;

namespace LstmGen.CompilerServices;

public static partial class PackedMatrix
{
    /// <summary>Columns <paramref name="c"/> … + 16 vector(s) of a forward product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void ForwardTile16<T, TWeight>(ref float initial, ref TWeight rows, nuint columns, scoped in RowRuns runs, ref float destination, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        T a0 = Load<T>(ref initial, c + 0);
        T a1 = Load<T>(ref initial, c + w);
        T a2 = Load<T>(ref initial, c + 2 * w);
        T a3 = Load<T>(ref initial, c + 3 * w);
        T a4 = Load<T>(ref initial, c + 4 * w);
        T a5 = Load<T>(ref initial, c + 5 * w);
        T a6 = Load<T>(ref initial, c + 6 * w);
        T a7 = Load<T>(ref initial, c + 7 * w);
        T a8 = Load<T>(ref initial, c + 8 * w);
        T a9 = Load<T>(ref initial, c + 9 * w);
        T a10 = Load<T>(ref initial, c + 10 * w);
        T a11 = Load<T>(ref initial, c + 11 * w);
        T a12 = Load<T>(ref initial, c + 12 * w);
        T a13 = Load<T>(ref initial, c + 13 * w);
        T a14 = Load<T>(ref initial, c + 14 * w);
        T a15 = Load<T>(ref initial, c + 15 * w);
        nuint row = 0;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            nuint n = runs.Count(r), j = 0;
            for (; j < n; j++, row++)
            {
                ref TWeight wr = ref Unsafe.Add(ref rows, row * columns + c);
                T xj = Broadcast<T>(ref x, j);
                a0 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 0), a0);
                a1 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, w), a1);
                a2 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 2 * w), a2);
                a3 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 3 * w), a3);
                a4 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 4 * w), a4);
                a5 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 5 * w), a5);
                a6 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 6 * w), a6);
                a7 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 7 * w), a7);
                a8 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 8 * w), a8);
                a9 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 9 * w), a9);
                a10 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 10 * w), a10);
                a11 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 11 * w), a11);
                a12 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 12 * w), a12);
                a13 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 13 * w), a13);
                a14 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 14 * w), a14);
                a15 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 15 * w), a15);
            }
        }
        Store(a0, ref destination, c + 0);
        Store(a1, ref destination, c + w);
        Store(a2, ref destination, c + 2 * w);
        Store(a3, ref destination, c + 3 * w);
        Store(a4, ref destination, c + 4 * w);
        Store(a5, ref destination, c + 5 * w);
        Store(a6, ref destination, c + 6 * w);
        Store(a7, ref destination, c + 7 * w);
        Store(a8, ref destination, c + 8 * w);
        Store(a9, ref destination, c + 9 * w);
        Store(a10, ref destination, c + 10 * w);
        Store(a11, ref destination, c + 11 * w);
        Store(a12, ref destination, c + 12 * w);
        Store(a13, ref destination, c + 13 * w);
        Store(a14, ref destination, c + 14 * w);
        Store(a15, ref destination, c + 15 * w);
    }

    /// <summary>Columns <paramref name="c"/> … + 8 vector(s) of a forward product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void ForwardTile8<T, TWeight>(ref float initial, ref TWeight rows, nuint columns, scoped in RowRuns runs, ref float destination, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        T a0 = Load<T>(ref initial, c + 0);
        T a1 = Load<T>(ref initial, c + w);
        T a2 = Load<T>(ref initial, c + 2 * w);
        T a3 = Load<T>(ref initial, c + 3 * w);
        T a4 = Load<T>(ref initial, c + 4 * w);
        T a5 = Load<T>(ref initial, c + 5 * w);
        T a6 = Load<T>(ref initial, c + 6 * w);
        T a7 = Load<T>(ref initial, c + 7 * w);
        nuint row = 0;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            nuint n = runs.Count(r), j = 0;
            for (; j < n; j++, row++)
            {
                ref TWeight wr = ref Unsafe.Add(ref rows, row * columns + c);
                T xj = Broadcast<T>(ref x, j);
                a0 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 0), a0);
                a1 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, w), a1);
                a2 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 2 * w), a2);
                a3 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 3 * w), a3);
                a4 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 4 * w), a4);
                a5 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 5 * w), a5);
                a6 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 6 * w), a6);
                a7 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 7 * w), a7);
            }
        }
        Store(a0, ref destination, c + 0);
        Store(a1, ref destination, c + w);
        Store(a2, ref destination, c + 2 * w);
        Store(a3, ref destination, c + 3 * w);
        Store(a4, ref destination, c + 4 * w);
        Store(a5, ref destination, c + 5 * w);
        Store(a6, ref destination, c + 6 * w);
        Store(a7, ref destination, c + 7 * w);
    }

    /// <summary>Columns <paramref name="c"/> … + 4 vector(s) of a forward product, its rows split over 2 sets of accumulators (summed at the end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void ForwardTile4<T, TWeight>(ref float initial, ref TWeight rows, nuint columns, scoped in RowRuns runs, ref float destination, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        T a0 = Load<T>(ref initial, c + 0);
        T a1 = Load<T>(ref initial, c + w);
        T a2 = Load<T>(ref initial, c + 2 * w);
        T a3 = Load<T>(ref initial, c + 3 * w);
        T a0_1 = Zero<T>(); T a1_1 = Zero<T>(); T a2_1 = Zero<T>(); T a3_1 = Zero<T>();
        nuint row = 0;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            nuint n = runs.Count(r), j = 0;
            for (; j + 2 <= n; j += 2, row += 2)
            {
                ref TWeight w0 = ref Unsafe.Add(ref rows, row * columns + c);
                T x0 = Broadcast<T>(ref x, j);
                a0 = MultiplyAdd(x0, Weights<T, TWeight>(ref w0, 0), a0);
                a1 = MultiplyAdd(x0, Weights<T, TWeight>(ref w0, w), a1);
                a2 = MultiplyAdd(x0, Weights<T, TWeight>(ref w0, 2 * w), a2);
                a3 = MultiplyAdd(x0, Weights<T, TWeight>(ref w0, 3 * w), a3);
                ref TWeight w1 = ref Unsafe.Add(ref rows, (row + 1) * columns + c);
                T x1 = Broadcast<T>(ref x, j + 1);
                a0_1 = MultiplyAdd(x1, Weights<T, TWeight>(ref w1, 0), a0_1);
                a1_1 = MultiplyAdd(x1, Weights<T, TWeight>(ref w1, w), a1_1);
                a2_1 = MultiplyAdd(x1, Weights<T, TWeight>(ref w1, 2 * w), a2_1);
                a3_1 = MultiplyAdd(x1, Weights<T, TWeight>(ref w1, 3 * w), a3_1);
            }
            for (; j < n; j++, row++)
            {
                ref TWeight wr = ref Unsafe.Add(ref rows, row * columns + c);
                T xj = Broadcast<T>(ref x, j);
                a0 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 0), a0);
                a1 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, w), a1);
                a2 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 2 * w), a2);
                a3 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 3 * w), a3);
            }
        }
        a0 = Add(a0, a0_1); a1 = Add(a1, a1_1); a2 = Add(a2, a2_1); a3 = Add(a3, a3_1);
        Store(a0, ref destination, c + 0);
        Store(a1, ref destination, c + w);
        Store(a2, ref destination, c + 2 * w);
        Store(a3, ref destination, c + 3 * w);
    }

    /// <summary>Columns <paramref name="c"/> … + 2 vector(s) of a forward product, its rows split over 4 sets of accumulators (summed at the end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void ForwardTile2<T, TWeight>(ref float initial, ref TWeight rows, nuint columns, scoped in RowRuns runs, ref float destination, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        T a0 = Load<T>(ref initial, c + 0);
        T a1 = Load<T>(ref initial, c + w);
        T a0_1 = Zero<T>(); T a1_1 = Zero<T>();
        T a0_2 = Zero<T>(); T a1_2 = Zero<T>();
        T a0_3 = Zero<T>(); T a1_3 = Zero<T>();
        nuint row = 0;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            nuint n = runs.Count(r), j = 0;
            for (; j + 4 <= n; j += 4, row += 4)
            {
                ref TWeight w0 = ref Unsafe.Add(ref rows, row * columns + c);
                T x0 = Broadcast<T>(ref x, j);
                a0 = MultiplyAdd(x0, Weights<T, TWeight>(ref w0, 0), a0);
                a1 = MultiplyAdd(x0, Weights<T, TWeight>(ref w0, w), a1);
                ref TWeight w1 = ref Unsafe.Add(ref rows, (row + 1) * columns + c);
                T x1 = Broadcast<T>(ref x, j + 1);
                a0_1 = MultiplyAdd(x1, Weights<T, TWeight>(ref w1, 0), a0_1);
                a1_1 = MultiplyAdd(x1, Weights<T, TWeight>(ref w1, w), a1_1);
                ref TWeight w2 = ref Unsafe.Add(ref rows, (row + 2) * columns + c);
                T x2 = Broadcast<T>(ref x, j + 2);
                a0_2 = MultiplyAdd(x2, Weights<T, TWeight>(ref w2, 0), a0_2);
                a1_2 = MultiplyAdd(x2, Weights<T, TWeight>(ref w2, w), a1_2);
                ref TWeight w3 = ref Unsafe.Add(ref rows, (row + 3) * columns + c);
                T x3 = Broadcast<T>(ref x, j + 3);
                a0_3 = MultiplyAdd(x3, Weights<T, TWeight>(ref w3, 0), a0_3);
                a1_3 = MultiplyAdd(x3, Weights<T, TWeight>(ref w3, w), a1_3);
            }
            for (; j < n; j++, row++)
            {
                ref TWeight wr = ref Unsafe.Add(ref rows, row * columns + c);
                T xj = Broadcast<T>(ref x, j);
                a0 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 0), a0);
                a1 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, w), a1);
            }
        }
        a0 = Add(a0, a0_2); a1 = Add(a1, a1_2);
        a0_1 = Add(a0_1, a0_3); a1_1 = Add(a1_1, a1_3);
        a0 = Add(a0, a0_1); a1 = Add(a1, a1_1);
        Store(a0, ref destination, c + 0);
        Store(a1, ref destination, c + w);
    }

    /// <summary>Columns <paramref name="c"/> … + 1 vector(s) of a forward product, its rows split over 8 sets of accumulators (summed at the end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void ForwardTile1<T, TWeight>(ref float initial, ref TWeight rows, nuint columns, scoped in RowRuns runs, ref float destination, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        T a0 = Load<T>(ref initial, c + 0);
        T a0_1 = Zero<T>();
        T a0_2 = Zero<T>();
        T a0_3 = Zero<T>();
        T a0_4 = Zero<T>();
        T a0_5 = Zero<T>();
        T a0_6 = Zero<T>();
        T a0_7 = Zero<T>();
        nuint row = 0;
        for (int r = 0; r < runs.Length; r++)
        {
            ref float x = ref runs.Source(r);
            nuint n = runs.Count(r), j = 0;
            for (; j + 8 <= n; j += 8, row += 8)
            {
                ref TWeight w0 = ref Unsafe.Add(ref rows, row * columns + c);
                T x0 = Broadcast<T>(ref x, j);
                a0 = MultiplyAdd(x0, Weights<T, TWeight>(ref w0, 0), a0);
                ref TWeight w1 = ref Unsafe.Add(ref rows, (row + 1) * columns + c);
                T x1 = Broadcast<T>(ref x, j + 1);
                a0_1 = MultiplyAdd(x1, Weights<T, TWeight>(ref w1, 0), a0_1);
                ref TWeight w2 = ref Unsafe.Add(ref rows, (row + 2) * columns + c);
                T x2 = Broadcast<T>(ref x, j + 2);
                a0_2 = MultiplyAdd(x2, Weights<T, TWeight>(ref w2, 0), a0_2);
                ref TWeight w3 = ref Unsafe.Add(ref rows, (row + 3) * columns + c);
                T x3 = Broadcast<T>(ref x, j + 3);
                a0_3 = MultiplyAdd(x3, Weights<T, TWeight>(ref w3, 0), a0_3);
                ref TWeight w4 = ref Unsafe.Add(ref rows, (row + 4) * columns + c);
                T x4 = Broadcast<T>(ref x, j + 4);
                a0_4 = MultiplyAdd(x4, Weights<T, TWeight>(ref w4, 0), a0_4);
                ref TWeight w5 = ref Unsafe.Add(ref rows, (row + 5) * columns + c);
                T x5 = Broadcast<T>(ref x, j + 5);
                a0_5 = MultiplyAdd(x5, Weights<T, TWeight>(ref w5, 0), a0_5);
                ref TWeight w6 = ref Unsafe.Add(ref rows, (row + 6) * columns + c);
                T x6 = Broadcast<T>(ref x, j + 6);
                a0_6 = MultiplyAdd(x6, Weights<T, TWeight>(ref w6, 0), a0_6);
                ref TWeight w7 = ref Unsafe.Add(ref rows, (row + 7) * columns + c);
                T x7 = Broadcast<T>(ref x, j + 7);
                a0_7 = MultiplyAdd(x7, Weights<T, TWeight>(ref w7, 0), a0_7);
            }
            for (; j < n; j++, row++)
            {
                ref TWeight wr = ref Unsafe.Add(ref rows, row * columns + c);
                T xj = Broadcast<T>(ref x, j);
                a0 = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, 0), a0);
            }
        }
        a0 = Add(a0, a0_4);
        a0_1 = Add(a0_1, a0_5);
        a0_2 = Add(a0_2, a0_6);
        a0_3 = Add(a0_3, a0_7);
        a0 = Add(a0, a0_2);
        a0_1 = Add(a0_1, a0_3);
        a0 = Add(a0, a0_1);
        Store(a0, ref destination, c + 0);
    }

    /// <summary>Columns <paramref name="c"/> … + 4 vector(s) of four steps' products: each weight vector loaded serves the four steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void StepsTile4<T, TWeight>(ref float bias, ref TWeight rows, nuint columns, ref float x, nuint count, nuint stride, ref float destination, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        T b0 = Load<T>(ref bias, c + 0);
        T a0_0 = b0; T a0_1 = b0; T a0_2 = b0; T a0_3 = b0;
        T b1 = Load<T>(ref bias, c + w);
        T a1_0 = b1; T a1_1 = b1; T a1_2 = b1; T a1_3 = b1;
        T b2 = Load<T>(ref bias, c + 2 * w);
        T a2_0 = b2; T a2_1 = b2; T a2_2 = b2; T a2_3 = b2;
        T b3 = Load<T>(ref bias, c + 3 * w);
        T a3_0 = b3; T a3_1 = b3; T a3_2 = b3; T a3_3 = b3;
        for (nuint j = 0; j < count; j++)
        {
            ref TWeight wr = ref Unsafe.Add(ref rows, j * columns + c);
            T w0 = Weights<T, TWeight>(ref wr, 0);
            T w1 = Weights<T, TWeight>(ref wr, w);
            T w2 = Weights<T, TWeight>(ref wr, 2 * w);
            T w3 = Weights<T, TWeight>(ref wr, 3 * w);
            T x0 = Broadcast<T>(ref x, j);
            a0_0 = MultiplyAdd(x0, w0, a0_0);
            a1_0 = MultiplyAdd(x0, w1, a1_0);
            a2_0 = MultiplyAdd(x0, w2, a2_0);
            a3_0 = MultiplyAdd(x0, w3, a3_0);
            T x1 = Broadcast<T>(ref x, j + 1 * stride);
            a0_1 = MultiplyAdd(x1, w0, a0_1);
            a1_1 = MultiplyAdd(x1, w1, a1_1);
            a2_1 = MultiplyAdd(x1, w2, a2_1);
            a3_1 = MultiplyAdd(x1, w3, a3_1);
            T x2 = Broadcast<T>(ref x, j + 2 * stride);
            a0_2 = MultiplyAdd(x2, w0, a0_2);
            a1_2 = MultiplyAdd(x2, w1, a1_2);
            a2_2 = MultiplyAdd(x2, w2, a2_2);
            a3_2 = MultiplyAdd(x2, w3, a3_2);
            T x3 = Broadcast<T>(ref x, j + 3 * stride);
            a0_3 = MultiplyAdd(x3, w0, a0_3);
            a1_3 = MultiplyAdd(x3, w1, a1_3);
            a2_3 = MultiplyAdd(x3, w2, a2_3);
            a3_3 = MultiplyAdd(x3, w3, a3_3);
        }
        Store(a0_0, ref destination, c + 0);
        Store(a1_0, ref destination, c + w);
        Store(a2_0, ref destination, c + 2 * w);
        Store(a3_0, ref destination, c + 3 * w);
        Store(a0_1, ref destination, 1 * columns + c + 0);
        Store(a1_1, ref destination, 1 * columns + c + w);
        Store(a2_1, ref destination, 1 * columns + c + 2 * w);
        Store(a3_1, ref destination, 1 * columns + c + 3 * w);
        Store(a0_2, ref destination, 2 * columns + c + 0);
        Store(a1_2, ref destination, 2 * columns + c + w);
        Store(a2_2, ref destination, 2 * columns + c + 2 * w);
        Store(a3_2, ref destination, 2 * columns + c + 3 * w);
        Store(a0_3, ref destination, 3 * columns + c + 0);
        Store(a1_3, ref destination, 3 * columns + c + w);
        Store(a2_3, ref destination, 3 * columns + c + 2 * w);
        Store(a3_3, ref destination, 3 * columns + c + 3 * w);
    }

    /// <summary>Columns <paramref name="c"/> … + 2 vector(s) of four steps' products: each weight vector loaded serves the four steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void StepsTile2<T, TWeight>(ref float bias, ref TWeight rows, nuint columns, ref float x, nuint count, nuint stride, ref float destination, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        T b0 = Load<T>(ref bias, c + 0);
        T a0_0 = b0; T a0_1 = b0; T a0_2 = b0; T a0_3 = b0;
        T b1 = Load<T>(ref bias, c + w);
        T a1_0 = b1; T a1_1 = b1; T a1_2 = b1; T a1_3 = b1;
        for (nuint j = 0; j < count; j++)
        {
            ref TWeight wr = ref Unsafe.Add(ref rows, j * columns + c);
            T w0 = Weights<T, TWeight>(ref wr, 0);
            T w1 = Weights<T, TWeight>(ref wr, w);
            T x0 = Broadcast<T>(ref x, j);
            a0_0 = MultiplyAdd(x0, w0, a0_0);
            a1_0 = MultiplyAdd(x0, w1, a1_0);
            T x1 = Broadcast<T>(ref x, j + 1 * stride);
            a0_1 = MultiplyAdd(x1, w0, a0_1);
            a1_1 = MultiplyAdd(x1, w1, a1_1);
            T x2 = Broadcast<T>(ref x, j + 2 * stride);
            a0_2 = MultiplyAdd(x2, w0, a0_2);
            a1_2 = MultiplyAdd(x2, w1, a1_2);
            T x3 = Broadcast<T>(ref x, j + 3 * stride);
            a0_3 = MultiplyAdd(x3, w0, a0_3);
            a1_3 = MultiplyAdd(x3, w1, a1_3);
        }
        Store(a0_0, ref destination, c + 0);
        Store(a1_0, ref destination, c + w);
        Store(a0_1, ref destination, 1 * columns + c + 0);
        Store(a1_1, ref destination, 1 * columns + c + w);
        Store(a0_2, ref destination, 2 * columns + c + 0);
        Store(a1_2, ref destination, 2 * columns + c + w);
        Store(a0_3, ref destination, 3 * columns + c + 0);
        Store(a1_3, ref destination, 3 * columns + c + w);
    }

    /// <summary>Columns <paramref name="c"/> … + 1 vector(s) of four steps' products: each weight vector loaded serves the four steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void StepsTile1<T, TWeight>(ref float bias, ref TWeight rows, nuint columns, ref float x, nuint count, nuint stride, ref float destination, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        T b0 = Load<T>(ref bias, c + 0);
        T a0_0 = b0; T a0_1 = b0; T a0_2 = b0; T a0_3 = b0;
        for (nuint j = 0; j < count; j++)
        {
            ref TWeight wr = ref Unsafe.Add(ref rows, j * columns + c);
            T w0 = Weights<T, TWeight>(ref wr, 0);
            T x0 = Broadcast<T>(ref x, j);
            a0_0 = MultiplyAdd(x0, w0, a0_0);
            T x1 = Broadcast<T>(ref x, j + 1 * stride);
            a0_1 = MultiplyAdd(x1, w0, a0_1);
            T x2 = Broadcast<T>(ref x, j + 2 * stride);
            a0_2 = MultiplyAdd(x2, w0, a0_2);
            T x3 = Broadcast<T>(ref x, j + 3 * stride);
            a0_3 = MultiplyAdd(x3, w0, a0_3);
        }
        Store(a0_0, ref destination, c + 0);
        Store(a0_1, ref destination, 1 * columns + c + 0);
        Store(a0_2, ref destination, 2 * columns + c + 0);
        Store(a0_3, ref destination, 3 * columns + c + 0);
    }
}
