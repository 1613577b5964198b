// The register tiles of the lane kernels' backward products: Wᵀ·dz (lanes × vectors) and the outer products (rows × vectors).
// Written by tools/kernel_tiles.py (one rule, several accumulator counts); edit the script, not this file.
using System.Runtime.CompilerServices;
using static LstmGen.CompilerServices.Lanes;

namespace LstmGen.CompilerServices;

public static partial class LaneKernels
{
    /// <summary>Wᵀ·dz of lanes <paramref name="l"/> … + 7, output columns <paramref name="j"/> … + 2 vector(s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void TransposedTile8x2<T>(ref float transposed, nuint width, nuint columns, ref float dz, ref float destination, nuint stride, nuint l, nuint j)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float z0 = ref Unsafe.Add(ref dz, (l + 0) * columns);
        ref float z1 = ref Unsafe.Add(ref dz, (l + 1) * columns);
        ref float z2 = ref Unsafe.Add(ref dz, (l + 2) * columns);
        ref float z3 = ref Unsafe.Add(ref dz, (l + 3) * columns);
        ref float z4 = ref Unsafe.Add(ref dz, (l + 4) * columns);
        ref float z5 = ref Unsafe.Add(ref dz, (l + 5) * columns);
        ref float z6 = ref Unsafe.Add(ref dz, (l + 6) * columns);
        ref float z7 = ref Unsafe.Add(ref dz, (l + 7) * columns);
        T a0_0 = Zero<T>(); T a0_1 = Zero<T>();
        T a1_0 = Zero<T>(); T a1_1 = Zero<T>();
        T a2_0 = Zero<T>(); T a2_1 = Zero<T>();
        T a3_0 = Zero<T>(); T a3_1 = Zero<T>();
        T a4_0 = Zero<T>(); T a4_1 = Zero<T>();
        T a5_0 = Zero<T>(); T a5_1 = Zero<T>();
        T a6_0 = Zero<T>(); T a6_1 = Zero<T>();
        T a7_0 = Zero<T>(); T a7_1 = Zero<T>();
        ref float wc = ref Unsafe.Add(ref transposed, j);
        for (nuint col = 0; col < columns; col++)
        {
            ref float wr = ref Unsafe.Add(ref wc, col * width);
            T w0 = Load<T>(ref wr, 0);
            T w1 = Load<T>(ref wr, w);
            T b0 = Broadcast<T>(ref z0, col);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            a0_1 = MultiplyAdd(b0, w1, a0_1);
            T b1 = Broadcast<T>(ref z1, col);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            a1_1 = MultiplyAdd(b1, w1, a1_1);
            T b2 = Broadcast<T>(ref z2, col);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            a2_1 = MultiplyAdd(b2, w1, a2_1);
            T b3 = Broadcast<T>(ref z3, col);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            a3_1 = MultiplyAdd(b3, w1, a3_1);
            T b4 = Broadcast<T>(ref z4, col);
            a4_0 = MultiplyAdd(b4, w0, a4_0);
            a4_1 = MultiplyAdd(b4, w1, a4_1);
            T b5 = Broadcast<T>(ref z5, col);
            a5_0 = MultiplyAdd(b5, w0, a5_0);
            a5_1 = MultiplyAdd(b5, w1, a5_1);
            T b6 = Broadcast<T>(ref z6, col);
            a6_0 = MultiplyAdd(b6, w0, a6_0);
            a6_1 = MultiplyAdd(b6, w1, a6_1);
            T b7 = Broadcast<T>(ref z7, col);
            a7_0 = MultiplyAdd(b7, w0, a7_0);
            a7_1 = MultiplyAdd(b7, w1, a7_1);
        }
        ref float o0 = ref Unsafe.Add(ref destination, (l + 0) * stride + j);
        Store(a0_0, ref o0, 0);
        Store(a0_1, ref o0, w);
        ref float o1 = ref Unsafe.Add(ref destination, (l + 1) * stride + j);
        Store(a1_0, ref o1, 0);
        Store(a1_1, ref o1, w);
        ref float o2 = ref Unsafe.Add(ref destination, (l + 2) * stride + j);
        Store(a2_0, ref o2, 0);
        Store(a2_1, ref o2, w);
        ref float o3 = ref Unsafe.Add(ref destination, (l + 3) * stride + j);
        Store(a3_0, ref o3, 0);
        Store(a3_1, ref o3, w);
        ref float o4 = ref Unsafe.Add(ref destination, (l + 4) * stride + j);
        Store(a4_0, ref o4, 0);
        Store(a4_1, ref o4, w);
        ref float o5 = ref Unsafe.Add(ref destination, (l + 5) * stride + j);
        Store(a5_0, ref o5, 0);
        Store(a5_1, ref o5, w);
        ref float o6 = ref Unsafe.Add(ref destination, (l + 6) * stride + j);
        Store(a6_0, ref o6, 0);
        Store(a6_1, ref o6, w);
        ref float o7 = ref Unsafe.Add(ref destination, (l + 7) * stride + j);
        Store(a7_0, ref o7, 0);
        Store(a7_1, ref o7, w);
    }

    /// <summary>Wᵀ·dz of lanes <paramref name="l"/> … + 7, output columns <paramref name="j"/> … + 1 vector(s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void TransposedTile8x1<T>(ref float transposed, nuint width, nuint columns, ref float dz, ref float destination, nuint stride, nuint l, nuint j)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float z0 = ref Unsafe.Add(ref dz, (l + 0) * columns);
        ref float z1 = ref Unsafe.Add(ref dz, (l + 1) * columns);
        ref float z2 = ref Unsafe.Add(ref dz, (l + 2) * columns);
        ref float z3 = ref Unsafe.Add(ref dz, (l + 3) * columns);
        ref float z4 = ref Unsafe.Add(ref dz, (l + 4) * columns);
        ref float z5 = ref Unsafe.Add(ref dz, (l + 5) * columns);
        ref float z6 = ref Unsafe.Add(ref dz, (l + 6) * columns);
        ref float z7 = ref Unsafe.Add(ref dz, (l + 7) * columns);
        T a0_0 = Zero<T>();
        T a1_0 = Zero<T>();
        T a2_0 = Zero<T>();
        T a3_0 = Zero<T>();
        T a4_0 = Zero<T>();
        T a5_0 = Zero<T>();
        T a6_0 = Zero<T>();
        T a7_0 = Zero<T>();
        ref float wc = ref Unsafe.Add(ref transposed, j);
        for (nuint col = 0; col < columns; col++)
        {
            ref float wr = ref Unsafe.Add(ref wc, col * width);
            T w0 = Load<T>(ref wr, 0);
            T b0 = Broadcast<T>(ref z0, col);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            T b1 = Broadcast<T>(ref z1, col);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            T b2 = Broadcast<T>(ref z2, col);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            T b3 = Broadcast<T>(ref z3, col);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            T b4 = Broadcast<T>(ref z4, col);
            a4_0 = MultiplyAdd(b4, w0, a4_0);
            T b5 = Broadcast<T>(ref z5, col);
            a5_0 = MultiplyAdd(b5, w0, a5_0);
            T b6 = Broadcast<T>(ref z6, col);
            a6_0 = MultiplyAdd(b6, w0, a6_0);
            T b7 = Broadcast<T>(ref z7, col);
            a7_0 = MultiplyAdd(b7, w0, a7_0);
        }
        ref float o0 = ref Unsafe.Add(ref destination, (l + 0) * stride + j);
        Store(a0_0, ref o0, 0);
        ref float o1 = ref Unsafe.Add(ref destination, (l + 1) * stride + j);
        Store(a1_0, ref o1, 0);
        ref float o2 = ref Unsafe.Add(ref destination, (l + 2) * stride + j);
        Store(a2_0, ref o2, 0);
        ref float o3 = ref Unsafe.Add(ref destination, (l + 3) * stride + j);
        Store(a3_0, ref o3, 0);
        ref float o4 = ref Unsafe.Add(ref destination, (l + 4) * stride + j);
        Store(a4_0, ref o4, 0);
        ref float o5 = ref Unsafe.Add(ref destination, (l + 5) * stride + j);
        Store(a5_0, ref o5, 0);
        ref float o6 = ref Unsafe.Add(ref destination, (l + 6) * stride + j);
        Store(a6_0, ref o6, 0);
        ref float o7 = ref Unsafe.Add(ref destination, (l + 7) * stride + j);
        Store(a7_0, ref o7, 0);
    }

    /// <summary>Wᵀ·dz of lanes <paramref name="l"/> … + 3, output columns <paramref name="j"/> … + 4 vector(s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void TransposedTile4x4<T>(ref float transposed, nuint width, nuint columns, ref float dz, ref float destination, nuint stride, nuint l, nuint j)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float z0 = ref Unsafe.Add(ref dz, (l + 0) * columns);
        ref float z1 = ref Unsafe.Add(ref dz, (l + 1) * columns);
        ref float z2 = ref Unsafe.Add(ref dz, (l + 2) * columns);
        ref float z3 = ref Unsafe.Add(ref dz, (l + 3) * columns);
        T a0_0 = Zero<T>(); T a0_1 = Zero<T>(); T a0_2 = Zero<T>(); T a0_3 = Zero<T>();
        T a1_0 = Zero<T>(); T a1_1 = Zero<T>(); T a1_2 = Zero<T>(); T a1_3 = Zero<T>();
        T a2_0 = Zero<T>(); T a2_1 = Zero<T>(); T a2_2 = Zero<T>(); T a2_3 = Zero<T>();
        T a3_0 = Zero<T>(); T a3_1 = Zero<T>(); T a3_2 = Zero<T>(); T a3_3 = Zero<T>();
        ref float wc = ref Unsafe.Add(ref transposed, j);
        for (nuint col = 0; col < columns; col++)
        {
            ref float wr = ref Unsafe.Add(ref wc, col * width);
            T w0 = Load<T>(ref wr, 0);
            T w1 = Load<T>(ref wr, w);
            T w2 = Load<T>(ref wr, 2 * w);
            T w3 = Load<T>(ref wr, 3 * w);
            T b0 = Broadcast<T>(ref z0, col);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            a0_1 = MultiplyAdd(b0, w1, a0_1);
            a0_2 = MultiplyAdd(b0, w2, a0_2);
            a0_3 = MultiplyAdd(b0, w3, a0_3);
            T b1 = Broadcast<T>(ref z1, col);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            a1_1 = MultiplyAdd(b1, w1, a1_1);
            a1_2 = MultiplyAdd(b1, w2, a1_2);
            a1_3 = MultiplyAdd(b1, w3, a1_3);
            T b2 = Broadcast<T>(ref z2, col);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            a2_1 = MultiplyAdd(b2, w1, a2_1);
            a2_2 = MultiplyAdd(b2, w2, a2_2);
            a2_3 = MultiplyAdd(b2, w3, a2_3);
            T b3 = Broadcast<T>(ref z3, col);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            a3_1 = MultiplyAdd(b3, w1, a3_1);
            a3_2 = MultiplyAdd(b3, w2, a3_2);
            a3_3 = MultiplyAdd(b3, w3, a3_3);
        }
        ref float o0 = ref Unsafe.Add(ref destination, (l + 0) * stride + j);
        Store(a0_0, ref o0, 0);
        Store(a0_1, ref o0, w);
        Store(a0_2, ref o0, 2 * w);
        Store(a0_3, ref o0, 3 * w);
        ref float o1 = ref Unsafe.Add(ref destination, (l + 1) * stride + j);
        Store(a1_0, ref o1, 0);
        Store(a1_1, ref o1, w);
        Store(a1_2, ref o1, 2 * w);
        Store(a1_3, ref o1, 3 * w);
        ref float o2 = ref Unsafe.Add(ref destination, (l + 2) * stride + j);
        Store(a2_0, ref o2, 0);
        Store(a2_1, ref o2, w);
        Store(a2_2, ref o2, 2 * w);
        Store(a2_3, ref o2, 3 * w);
        ref float o3 = ref Unsafe.Add(ref destination, (l + 3) * stride + j);
        Store(a3_0, ref o3, 0);
        Store(a3_1, ref o3, w);
        Store(a3_2, ref o3, 2 * w);
        Store(a3_3, ref o3, 3 * w);
    }

    /// <summary>Wᵀ·dz of lanes <paramref name="l"/> … + 3, output columns <paramref name="j"/> … + 2 vector(s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void TransposedTile4x2<T>(ref float transposed, nuint width, nuint columns, ref float dz, ref float destination, nuint stride, nuint l, nuint j)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float z0 = ref Unsafe.Add(ref dz, (l + 0) * columns);
        ref float z1 = ref Unsafe.Add(ref dz, (l + 1) * columns);
        ref float z2 = ref Unsafe.Add(ref dz, (l + 2) * columns);
        ref float z3 = ref Unsafe.Add(ref dz, (l + 3) * columns);
        T a0_0 = Zero<T>(); T a0_1 = Zero<T>();
        T a1_0 = Zero<T>(); T a1_1 = Zero<T>();
        T a2_0 = Zero<T>(); T a2_1 = Zero<T>();
        T a3_0 = Zero<T>(); T a3_1 = Zero<T>();
        ref float wc = ref Unsafe.Add(ref transposed, j);
        for (nuint col = 0; col < columns; col++)
        {
            ref float wr = ref Unsafe.Add(ref wc, col * width);
            T w0 = Load<T>(ref wr, 0);
            T w1 = Load<T>(ref wr, w);
            T b0 = Broadcast<T>(ref z0, col);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            a0_1 = MultiplyAdd(b0, w1, a0_1);
            T b1 = Broadcast<T>(ref z1, col);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            a1_1 = MultiplyAdd(b1, w1, a1_1);
            T b2 = Broadcast<T>(ref z2, col);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            a2_1 = MultiplyAdd(b2, w1, a2_1);
            T b3 = Broadcast<T>(ref z3, col);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            a3_1 = MultiplyAdd(b3, w1, a3_1);
        }
        ref float o0 = ref Unsafe.Add(ref destination, (l + 0) * stride + j);
        Store(a0_0, ref o0, 0);
        Store(a0_1, ref o0, w);
        ref float o1 = ref Unsafe.Add(ref destination, (l + 1) * stride + j);
        Store(a1_0, ref o1, 0);
        Store(a1_1, ref o1, w);
        ref float o2 = ref Unsafe.Add(ref destination, (l + 2) * stride + j);
        Store(a2_0, ref o2, 0);
        Store(a2_1, ref o2, w);
        ref float o3 = ref Unsafe.Add(ref destination, (l + 3) * stride + j);
        Store(a3_0, ref o3, 0);
        Store(a3_1, ref o3, w);
    }

    /// <summary>Wᵀ·dz of lanes <paramref name="l"/> … + 3, output columns <paramref name="j"/> … + 1 vector(s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void TransposedTile4x1<T>(ref float transposed, nuint width, nuint columns, ref float dz, ref float destination, nuint stride, nuint l, nuint j)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float z0 = ref Unsafe.Add(ref dz, (l + 0) * columns);
        ref float z1 = ref Unsafe.Add(ref dz, (l + 1) * columns);
        ref float z2 = ref Unsafe.Add(ref dz, (l + 2) * columns);
        ref float z3 = ref Unsafe.Add(ref dz, (l + 3) * columns);
        T a0_0 = Zero<T>();
        T a1_0 = Zero<T>();
        T a2_0 = Zero<T>();
        T a3_0 = Zero<T>();
        ref float wc = ref Unsafe.Add(ref transposed, j);
        for (nuint col = 0; col < columns; col++)
        {
            ref float wr = ref Unsafe.Add(ref wc, col * width);
            T w0 = Load<T>(ref wr, 0);
            T b0 = Broadcast<T>(ref z0, col);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            T b1 = Broadcast<T>(ref z1, col);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            T b2 = Broadcast<T>(ref z2, col);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            T b3 = Broadcast<T>(ref z3, col);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
        }
        ref float o0 = ref Unsafe.Add(ref destination, (l + 0) * stride + j);
        Store(a0_0, ref o0, 0);
        ref float o1 = ref Unsafe.Add(ref destination, (l + 1) * stride + j);
        Store(a1_0, ref o1, 0);
        ref float o2 = ref Unsafe.Add(ref destination, (l + 2) * stride + j);
        Store(a2_0, ref o2, 0);
        ref float o3 = ref Unsafe.Add(ref destination, (l + 3) * stride + j);
        Store(a3_0, ref o3, 0);
    }

    /// <summary>Gradient rows <paramref name="r"/> … + 5, columns <paramref name="c"/> … + 4 vector(s), over a block's lane-steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void OuterTile6x4<T>(ref float gradients, ref float x, nuint stride, ref float d, nuint count, nuint columns, nuint r, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float g0 = ref Unsafe.Add(ref gradients, (r + 0) * columns + c);
        T a0_0 = Load<T>(ref g0, 0); T a0_1 = Load<T>(ref g0, w); T a0_2 = Load<T>(ref g0, 2 * w); T a0_3 = Load<T>(ref g0, 3 * w);
        ref float g1 = ref Unsafe.Add(ref gradients, (r + 1) * columns + c);
        T a1_0 = Load<T>(ref g1, 0); T a1_1 = Load<T>(ref g1, w); T a1_2 = Load<T>(ref g1, 2 * w); T a1_3 = Load<T>(ref g1, 3 * w);
        ref float g2 = ref Unsafe.Add(ref gradients, (r + 2) * columns + c);
        T a2_0 = Load<T>(ref g2, 0); T a2_1 = Load<T>(ref g2, w); T a2_2 = Load<T>(ref g2, 2 * w); T a2_3 = Load<T>(ref g2, 3 * w);
        ref float g3 = ref Unsafe.Add(ref gradients, (r + 3) * columns + c);
        T a3_0 = Load<T>(ref g3, 0); T a3_1 = Load<T>(ref g3, w); T a3_2 = Load<T>(ref g3, 2 * w); T a3_3 = Load<T>(ref g3, 3 * w);
        ref float g4 = ref Unsafe.Add(ref gradients, (r + 4) * columns + c);
        T a4_0 = Load<T>(ref g4, 0); T a4_1 = Load<T>(ref g4, w); T a4_2 = Load<T>(ref g4, 2 * w); T a4_3 = Load<T>(ref g4, 3 * w);
        ref float g5 = ref Unsafe.Add(ref gradients, (r + 5) * columns + c);
        T a5_0 = Load<T>(ref g5, 0); T a5_1 = Load<T>(ref g5, w); T a5_2 = Load<T>(ref g5, 2 * w); T a5_3 = Load<T>(ref g5, 3 * w);
        ref float xr = ref Unsafe.Add(ref x, r);
        ref float dc = ref Unsafe.Add(ref d, c);
        for (nuint k = 0; k < count; k++)
        {
            T d0 = Load<T>(ref dc, k * columns + 0);
            T d1 = Load<T>(ref dc, k * columns + w);
            T d2 = Load<T>(ref dc, k * columns + 2 * w);
            T d3 = Load<T>(ref dc, k * columns + 3 * w);
            ref float xk = ref Unsafe.Add(ref xr, k * stride);
            T b0 = Broadcast<T>(ref xk, 0);
            a0_0 = MultiplyAdd(b0, d0, a0_0);
            a0_1 = MultiplyAdd(b0, d1, a0_1);
            a0_2 = MultiplyAdd(b0, d2, a0_2);
            a0_3 = MultiplyAdd(b0, d3, a0_3);
            T b1 = Broadcast<T>(ref xk, 1);
            a1_0 = MultiplyAdd(b1, d0, a1_0);
            a1_1 = MultiplyAdd(b1, d1, a1_1);
            a1_2 = MultiplyAdd(b1, d2, a1_2);
            a1_3 = MultiplyAdd(b1, d3, a1_3);
            T b2 = Broadcast<T>(ref xk, 2);
            a2_0 = MultiplyAdd(b2, d0, a2_0);
            a2_1 = MultiplyAdd(b2, d1, a2_1);
            a2_2 = MultiplyAdd(b2, d2, a2_2);
            a2_3 = MultiplyAdd(b2, d3, a2_3);
            T b3 = Broadcast<T>(ref xk, 3);
            a3_0 = MultiplyAdd(b3, d0, a3_0);
            a3_1 = MultiplyAdd(b3, d1, a3_1);
            a3_2 = MultiplyAdd(b3, d2, a3_2);
            a3_3 = MultiplyAdd(b3, d3, a3_3);
            T b4 = Broadcast<T>(ref xk, 4);
            a4_0 = MultiplyAdd(b4, d0, a4_0);
            a4_1 = MultiplyAdd(b4, d1, a4_1);
            a4_2 = MultiplyAdd(b4, d2, a4_2);
            a4_3 = MultiplyAdd(b4, d3, a4_3);
            T b5 = Broadcast<T>(ref xk, 5);
            a5_0 = MultiplyAdd(b5, d0, a5_0);
            a5_1 = MultiplyAdd(b5, d1, a5_1);
            a5_2 = MultiplyAdd(b5, d2, a5_2);
            a5_3 = MultiplyAdd(b5, d3, a5_3);
        }
        Store(a0_0, ref g0, 0);
        Store(a0_1, ref g0, w);
        Store(a0_2, ref g0, 2 * w);
        Store(a0_3, ref g0, 3 * w);
        Store(a1_0, ref g1, 0);
        Store(a1_1, ref g1, w);
        Store(a1_2, ref g1, 2 * w);
        Store(a1_3, ref g1, 3 * w);
        Store(a2_0, ref g2, 0);
        Store(a2_1, ref g2, w);
        Store(a2_2, ref g2, 2 * w);
        Store(a2_3, ref g2, 3 * w);
        Store(a3_0, ref g3, 0);
        Store(a3_1, ref g3, w);
        Store(a3_2, ref g3, 2 * w);
        Store(a3_3, ref g3, 3 * w);
        Store(a4_0, ref g4, 0);
        Store(a4_1, ref g4, w);
        Store(a4_2, ref g4, 2 * w);
        Store(a4_3, ref g4, 3 * w);
        Store(a5_0, ref g5, 0);
        Store(a5_1, ref g5, w);
        Store(a5_2, ref g5, 2 * w);
        Store(a5_3, ref g5, 3 * w);
    }

    /// <summary>Gradient rows <paramref name="r"/> … + 0, columns <paramref name="c"/> … + 4 vector(s), over a block's lane-steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void OuterTile1x4<T>(ref float gradients, ref float x, nuint stride, ref float d, nuint count, nuint columns, nuint r, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float g0 = ref Unsafe.Add(ref gradients, (r + 0) * columns + c);
        T a0_0 = Load<T>(ref g0, 0); T a0_1 = Load<T>(ref g0, w); T a0_2 = Load<T>(ref g0, 2 * w); T a0_3 = Load<T>(ref g0, 3 * w);
        ref float xr = ref Unsafe.Add(ref x, r);
        ref float dc = ref Unsafe.Add(ref d, c);
        for (nuint k = 0; k < count; k++)
        {
            T d0 = Load<T>(ref dc, k * columns + 0);
            T d1 = Load<T>(ref dc, k * columns + w);
            T d2 = Load<T>(ref dc, k * columns + 2 * w);
            T d3 = Load<T>(ref dc, k * columns + 3 * w);
            ref float xk = ref Unsafe.Add(ref xr, k * stride);
            T b0 = Broadcast<T>(ref xk, 0);
            a0_0 = MultiplyAdd(b0, d0, a0_0);
            a0_1 = MultiplyAdd(b0, d1, a0_1);
            a0_2 = MultiplyAdd(b0, d2, a0_2);
            a0_3 = MultiplyAdd(b0, d3, a0_3);
        }
        Store(a0_0, ref g0, 0);
        Store(a0_1, ref g0, w);
        Store(a0_2, ref g0, 2 * w);
        Store(a0_3, ref g0, 3 * w);
    }

    /// <summary>Gradient rows <paramref name="r"/> … + 3, columns <paramref name="c"/> … + 2 vector(s), over a block's lane-steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void OuterTile4x2<T>(ref float gradients, ref float x, nuint stride, ref float d, nuint count, nuint columns, nuint r, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float g0 = ref Unsafe.Add(ref gradients, (r + 0) * columns + c);
        T a0_0 = Load<T>(ref g0, 0); T a0_1 = Load<T>(ref g0, w);
        ref float g1 = ref Unsafe.Add(ref gradients, (r + 1) * columns + c);
        T a1_0 = Load<T>(ref g1, 0); T a1_1 = Load<T>(ref g1, w);
        ref float g2 = ref Unsafe.Add(ref gradients, (r + 2) * columns + c);
        T a2_0 = Load<T>(ref g2, 0); T a2_1 = Load<T>(ref g2, w);
        ref float g3 = ref Unsafe.Add(ref gradients, (r + 3) * columns + c);
        T a3_0 = Load<T>(ref g3, 0); T a3_1 = Load<T>(ref g3, w);
        ref float xr = ref Unsafe.Add(ref x, r);
        ref float dc = ref Unsafe.Add(ref d, c);
        for (nuint k = 0; k < count; k++)
        {
            T d0 = Load<T>(ref dc, k * columns + 0);
            T d1 = Load<T>(ref dc, k * columns + w);
            ref float xk = ref Unsafe.Add(ref xr, k * stride);
            T b0 = Broadcast<T>(ref xk, 0);
            a0_0 = MultiplyAdd(b0, d0, a0_0);
            a0_1 = MultiplyAdd(b0, d1, a0_1);
            T b1 = Broadcast<T>(ref xk, 1);
            a1_0 = MultiplyAdd(b1, d0, a1_0);
            a1_1 = MultiplyAdd(b1, d1, a1_1);
            T b2 = Broadcast<T>(ref xk, 2);
            a2_0 = MultiplyAdd(b2, d0, a2_0);
            a2_1 = MultiplyAdd(b2, d1, a2_1);
            T b3 = Broadcast<T>(ref xk, 3);
            a3_0 = MultiplyAdd(b3, d0, a3_0);
            a3_1 = MultiplyAdd(b3, d1, a3_1);
        }
        Store(a0_0, ref g0, 0);
        Store(a0_1, ref g0, w);
        Store(a1_0, ref g1, 0);
        Store(a1_1, ref g1, w);
        Store(a2_0, ref g2, 0);
        Store(a2_1, ref g2, w);
        Store(a3_0, ref g3, 0);
        Store(a3_1, ref g3, w);
    }

    /// <summary>Gradient rows <paramref name="r"/> … + 0, columns <paramref name="c"/> … + 2 vector(s), over a block's lane-steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void OuterTile1x2<T>(ref float gradients, ref float x, nuint stride, ref float d, nuint count, nuint columns, nuint r, nuint c)
        where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float g0 = ref Unsafe.Add(ref gradients, (r + 0) * columns + c);
        T a0_0 = Load<T>(ref g0, 0); T a0_1 = Load<T>(ref g0, w);
        ref float xr = ref Unsafe.Add(ref x, r);
        ref float dc = ref Unsafe.Add(ref d, c);
        for (nuint k = 0; k < count; k++)
        {
            T d0 = Load<T>(ref dc, k * columns + 0);
            T d1 = Load<T>(ref dc, k * columns + w);
            ref float xk = ref Unsafe.Add(ref xr, k * stride);
            T b0 = Broadcast<T>(ref xk, 0);
            a0_0 = MultiplyAdd(b0, d0, a0_0);
            a0_1 = MultiplyAdd(b0, d1, a0_1);
        }
        Store(a0_0, ref g0, 0);
        Store(a0_1, ref g0, w);
    }
}
