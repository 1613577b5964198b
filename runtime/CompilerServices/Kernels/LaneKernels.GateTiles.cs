// The register tiles of the lane kernels' gate sums: lanes × vectors.
// Written by tools/kernel_tiles.py (one rule, several accumulator counts); edit the script, not this file.
using System.Runtime.CompilerServices;
using static LstmGen.CompilerServices.Lanes;

namespace LstmGen.CompilerServices;

public static partial class LaneKernels
{
    /// <summary>Gate sums of lanes <paramref name="l"/> … + 7, columns <paramref name="c"/> … + 2 vector(s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void GateTile8x2<T>(ref float weights, nuint columns, scoped in LaneRows inputs, nuint inputCount, scoped in LaneRows hidden, nuint hiddenCount,
        ref float sums, nuint sumsStride, nuint l, nuint c) where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float x0 = ref inputs.Row(l + 0);
        ref float h0 = ref hidden.Row(l + 0);
        ref float x1 = ref inputs.Row(l + 1);
        ref float h1 = ref hidden.Row(l + 1);
        ref float x2 = ref inputs.Row(l + 2);
        ref float h2 = ref hidden.Row(l + 2);
        ref float x3 = ref inputs.Row(l + 3);
        ref float h3 = ref hidden.Row(l + 3);
        ref float x4 = ref inputs.Row(l + 4);
        ref float h4 = ref hidden.Row(l + 4);
        ref float x5 = ref inputs.Row(l + 5);
        ref float h5 = ref hidden.Row(l + 5);
        ref float x6 = ref inputs.Row(l + 6);
        ref float h6 = ref hidden.Row(l + 6);
        ref float x7 = ref inputs.Row(l + 7);
        ref float h7 = ref hidden.Row(l + 7);
        T a0_0 = Load<T>(ref weights, c + 0);
        T a1_0 = a0_0; T a2_0 = a0_0; T a3_0 = a0_0; T a4_0 = a0_0; T a5_0 = a0_0; T a6_0 = a0_0; T a7_0 = a0_0;
        T a0_1 = Load<T>(ref weights, c + w);
        T a1_1 = a0_1; T a2_1 = a0_1; T a3_1 = a0_1; T a4_1 = a0_1; T a5_1 = a0_1; T a6_1 = a0_1; T a7_1 = a0_1;
        for (nuint j = 0; j < inputCount; j++)
        {
            ref float wr = ref Unsafe.Add(ref weights, (j + 1) * columns + c);
            T w0 = Load<T>(ref wr, 0);
            T w1 = Load<T>(ref wr, w);
            T b0 = Broadcast<T>(ref x0, j);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            a0_1 = MultiplyAdd(b0, w1, a0_1);
            T b1 = Broadcast<T>(ref x1, j);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            a1_1 = MultiplyAdd(b1, w1, a1_1);
            T b2 = Broadcast<T>(ref x2, j);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            a2_1 = MultiplyAdd(b2, w1, a2_1);
            T b3 = Broadcast<T>(ref x3, j);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            a3_1 = MultiplyAdd(b3, w1, a3_1);
            T b4 = Broadcast<T>(ref x4, j);
            a4_0 = MultiplyAdd(b4, w0, a4_0);
            a4_1 = MultiplyAdd(b4, w1, a4_1);
            T b5 = Broadcast<T>(ref x5, j);
            a5_0 = MultiplyAdd(b5, w0, a5_0);
            a5_1 = MultiplyAdd(b5, w1, a5_1);
            T b6 = Broadcast<T>(ref x6, j);
            a6_0 = MultiplyAdd(b6, w0, a6_0);
            a6_1 = MultiplyAdd(b6, w1, a6_1);
            T b7 = Broadcast<T>(ref x7, j);
            a7_0 = MultiplyAdd(b7, w0, a7_0);
            a7_1 = MultiplyAdd(b7, w1, a7_1);
        }
        for (nuint j = 0; j < hiddenCount; j++)
        {
            ref float wr = ref Unsafe.Add(ref weights, (j + 1 + inputCount) * columns + c);
            T w0 = Load<T>(ref wr, 0);
            T w1 = Load<T>(ref wr, w);
            T b0 = Broadcast<T>(ref h0, j);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            a0_1 = MultiplyAdd(b0, w1, a0_1);
            T b1 = Broadcast<T>(ref h1, j);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            a1_1 = MultiplyAdd(b1, w1, a1_1);
            T b2 = Broadcast<T>(ref h2, j);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            a2_1 = MultiplyAdd(b2, w1, a2_1);
            T b3 = Broadcast<T>(ref h3, j);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            a3_1 = MultiplyAdd(b3, w1, a3_1);
            T b4 = Broadcast<T>(ref h4, j);
            a4_0 = MultiplyAdd(b4, w0, a4_0);
            a4_1 = MultiplyAdd(b4, w1, a4_1);
            T b5 = Broadcast<T>(ref h5, j);
            a5_0 = MultiplyAdd(b5, w0, a5_0);
            a5_1 = MultiplyAdd(b5, w1, a5_1);
            T b6 = Broadcast<T>(ref h6, j);
            a6_0 = MultiplyAdd(b6, w0, a6_0);
            a6_1 = MultiplyAdd(b6, w1, a6_1);
            T b7 = Broadcast<T>(ref h7, j);
            a7_0 = MultiplyAdd(b7, w0, a7_0);
            a7_1 = MultiplyAdd(b7, w1, a7_1);
        }
        ref float z0 = ref Unsafe.Add(ref sums, (l + 0) * sumsStride + c);
        Store(a0_0, ref z0, 0);
        Store(a0_1, ref z0, w);
        ref float z1 = ref Unsafe.Add(ref sums, (l + 1) * sumsStride + c);
        Store(a1_0, ref z1, 0);
        Store(a1_1, ref z1, w);
        ref float z2 = ref Unsafe.Add(ref sums, (l + 2) * sumsStride + c);
        Store(a2_0, ref z2, 0);
        Store(a2_1, ref z2, w);
        ref float z3 = ref Unsafe.Add(ref sums, (l + 3) * sumsStride + c);
        Store(a3_0, ref z3, 0);
        Store(a3_1, ref z3, w);
        ref float z4 = ref Unsafe.Add(ref sums, (l + 4) * sumsStride + c);
        Store(a4_0, ref z4, 0);
        Store(a4_1, ref z4, w);
        ref float z5 = ref Unsafe.Add(ref sums, (l + 5) * sumsStride + c);
        Store(a5_0, ref z5, 0);
        Store(a5_1, ref z5, w);
        ref float z6 = ref Unsafe.Add(ref sums, (l + 6) * sumsStride + c);
        Store(a6_0, ref z6, 0);
        Store(a6_1, ref z6, w);
        ref float z7 = ref Unsafe.Add(ref sums, (l + 7) * sumsStride + c);
        Store(a7_0, ref z7, 0);
        Store(a7_1, ref z7, w);
    }

    /// <summary>Gate sums of lanes <paramref name="l"/> … + 7, columns <paramref name="c"/> … + 1 vector(s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void GateTile8x1<T>(ref float weights, nuint columns, scoped in LaneRows inputs, nuint inputCount, scoped in LaneRows hidden, nuint hiddenCount,
        ref float sums, nuint sumsStride, nuint l, nuint c) where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float x0 = ref inputs.Row(l + 0);
        ref float h0 = ref hidden.Row(l + 0);
        ref float x1 = ref inputs.Row(l + 1);
        ref float h1 = ref hidden.Row(l + 1);
        ref float x2 = ref inputs.Row(l + 2);
        ref float h2 = ref hidden.Row(l + 2);
        ref float x3 = ref inputs.Row(l + 3);
        ref float h3 = ref hidden.Row(l + 3);
        ref float x4 = ref inputs.Row(l + 4);
        ref float h4 = ref hidden.Row(l + 4);
        ref float x5 = ref inputs.Row(l + 5);
        ref float h5 = ref hidden.Row(l + 5);
        ref float x6 = ref inputs.Row(l + 6);
        ref float h6 = ref hidden.Row(l + 6);
        ref float x7 = ref inputs.Row(l + 7);
        ref float h7 = ref hidden.Row(l + 7);
        T a0_0 = Load<T>(ref weights, c + 0);
        T a1_0 = a0_0; T a2_0 = a0_0; T a3_0 = a0_0; T a4_0 = a0_0; T a5_0 = a0_0; T a6_0 = a0_0; T a7_0 = a0_0;
        for (nuint j = 0; j < inputCount; j++)
        {
            ref float wr = ref Unsafe.Add(ref weights, (j + 1) * columns + c);
            T w0 = Load<T>(ref wr, 0);
            T b0 = Broadcast<T>(ref x0, j);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            T b1 = Broadcast<T>(ref x1, j);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            T b2 = Broadcast<T>(ref x2, j);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            T b3 = Broadcast<T>(ref x3, j);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            T b4 = Broadcast<T>(ref x4, j);
            a4_0 = MultiplyAdd(b4, w0, a4_0);
            T b5 = Broadcast<T>(ref x5, j);
            a5_0 = MultiplyAdd(b5, w0, a5_0);
            T b6 = Broadcast<T>(ref x6, j);
            a6_0 = MultiplyAdd(b6, w0, a6_0);
            T b7 = Broadcast<T>(ref x7, j);
            a7_0 = MultiplyAdd(b7, w0, a7_0);
        }
        for (nuint j = 0; j < hiddenCount; j++)
        {
            ref float wr = ref Unsafe.Add(ref weights, (j + 1 + inputCount) * columns + c);
            T w0 = Load<T>(ref wr, 0);
            T b0 = Broadcast<T>(ref h0, j);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            T b1 = Broadcast<T>(ref h1, j);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            T b2 = Broadcast<T>(ref h2, j);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            T b3 = Broadcast<T>(ref h3, j);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            T b4 = Broadcast<T>(ref h4, j);
            a4_0 = MultiplyAdd(b4, w0, a4_0);
            T b5 = Broadcast<T>(ref h5, j);
            a5_0 = MultiplyAdd(b5, w0, a5_0);
            T b6 = Broadcast<T>(ref h6, j);
            a6_0 = MultiplyAdd(b6, w0, a6_0);
            T b7 = Broadcast<T>(ref h7, j);
            a7_0 = MultiplyAdd(b7, w0, a7_0);
        }
        ref float z0 = ref Unsafe.Add(ref sums, (l + 0) * sumsStride + c);
        Store(a0_0, ref z0, 0);
        ref float z1 = ref Unsafe.Add(ref sums, (l + 1) * sumsStride + c);
        Store(a1_0, ref z1, 0);
        ref float z2 = ref Unsafe.Add(ref sums, (l + 2) * sumsStride + c);
        Store(a2_0, ref z2, 0);
        ref float z3 = ref Unsafe.Add(ref sums, (l + 3) * sumsStride + c);
        Store(a3_0, ref z3, 0);
        ref float z4 = ref Unsafe.Add(ref sums, (l + 4) * sumsStride + c);
        Store(a4_0, ref z4, 0);
        ref float z5 = ref Unsafe.Add(ref sums, (l + 5) * sumsStride + c);
        Store(a5_0, ref z5, 0);
        ref float z6 = ref Unsafe.Add(ref sums, (l + 6) * sumsStride + c);
        Store(a6_0, ref z6, 0);
        ref float z7 = ref Unsafe.Add(ref sums, (l + 7) * sumsStride + c);
        Store(a7_0, ref z7, 0);
    }

    /// <summary>Gate sums of lanes <paramref name="l"/> … + 3, columns <paramref name="c"/> … + 4 vector(s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void GateTile4x4<T>(ref float weights, nuint columns, scoped in LaneRows inputs, nuint inputCount, scoped in LaneRows hidden, nuint hiddenCount,
        ref float sums, nuint sumsStride, nuint l, nuint c) where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float x0 = ref inputs.Row(l + 0);
        ref float h0 = ref hidden.Row(l + 0);
        ref float x1 = ref inputs.Row(l + 1);
        ref float h1 = ref hidden.Row(l + 1);
        ref float x2 = ref inputs.Row(l + 2);
        ref float h2 = ref hidden.Row(l + 2);
        ref float x3 = ref inputs.Row(l + 3);
        ref float h3 = ref hidden.Row(l + 3);
        T a0_0 = Load<T>(ref weights, c + 0);
        T a1_0 = a0_0; T a2_0 = a0_0; T a3_0 = a0_0;
        T a0_1 = Load<T>(ref weights, c + w);
        T a1_1 = a0_1; T a2_1 = a0_1; T a3_1 = a0_1;
        T a0_2 = Load<T>(ref weights, c + 2 * w);
        T a1_2 = a0_2; T a2_2 = a0_2; T a3_2 = a0_2;
        T a0_3 = Load<T>(ref weights, c + 3 * w);
        T a1_3 = a0_3; T a2_3 = a0_3; T a3_3 = a0_3;
        for (nuint j = 0; j < inputCount; j++)
        {
            ref float wr = ref Unsafe.Add(ref weights, (j + 1) * columns + c);
            T w0 = Load<T>(ref wr, 0);
            T w1 = Load<T>(ref wr, w);
            T w2 = Load<T>(ref wr, 2 * w);
            T w3 = Load<T>(ref wr, 3 * w);
            T b0 = Broadcast<T>(ref x0, j);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            a0_1 = MultiplyAdd(b0, w1, a0_1);
            a0_2 = MultiplyAdd(b0, w2, a0_2);
            a0_3 = MultiplyAdd(b0, w3, a0_3);
            T b1 = Broadcast<T>(ref x1, j);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            a1_1 = MultiplyAdd(b1, w1, a1_1);
            a1_2 = MultiplyAdd(b1, w2, a1_2);
            a1_3 = MultiplyAdd(b1, w3, a1_3);
            T b2 = Broadcast<T>(ref x2, j);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            a2_1 = MultiplyAdd(b2, w1, a2_1);
            a2_2 = MultiplyAdd(b2, w2, a2_2);
            a2_3 = MultiplyAdd(b2, w3, a2_3);
            T b3 = Broadcast<T>(ref x3, j);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            a3_1 = MultiplyAdd(b3, w1, a3_1);
            a3_2 = MultiplyAdd(b3, w2, a3_2);
            a3_3 = MultiplyAdd(b3, w3, a3_3);
        }
        for (nuint j = 0; j < hiddenCount; j++)
        {
            ref float wr = ref Unsafe.Add(ref weights, (j + 1 + inputCount) * columns + c);
            T w0 = Load<T>(ref wr, 0);
            T w1 = Load<T>(ref wr, w);
            T w2 = Load<T>(ref wr, 2 * w);
            T w3 = Load<T>(ref wr, 3 * w);
            T b0 = Broadcast<T>(ref h0, j);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            a0_1 = MultiplyAdd(b0, w1, a0_1);
            a0_2 = MultiplyAdd(b0, w2, a0_2);
            a0_3 = MultiplyAdd(b0, w3, a0_3);
            T b1 = Broadcast<T>(ref h1, j);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            a1_1 = MultiplyAdd(b1, w1, a1_1);
            a1_2 = MultiplyAdd(b1, w2, a1_2);
            a1_3 = MultiplyAdd(b1, w3, a1_3);
            T b2 = Broadcast<T>(ref h2, j);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            a2_1 = MultiplyAdd(b2, w1, a2_1);
            a2_2 = MultiplyAdd(b2, w2, a2_2);
            a2_3 = MultiplyAdd(b2, w3, a2_3);
            T b3 = Broadcast<T>(ref h3, j);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            a3_1 = MultiplyAdd(b3, w1, a3_1);
            a3_2 = MultiplyAdd(b3, w2, a3_2);
            a3_3 = MultiplyAdd(b3, w3, a3_3);
        }
        ref float z0 = ref Unsafe.Add(ref sums, (l + 0) * sumsStride + c);
        Store(a0_0, ref z0, 0);
        Store(a0_1, ref z0, w);
        Store(a0_2, ref z0, 2 * w);
        Store(a0_3, ref z0, 3 * w);
        ref float z1 = ref Unsafe.Add(ref sums, (l + 1) * sumsStride + c);
        Store(a1_0, ref z1, 0);
        Store(a1_1, ref z1, w);
        Store(a1_2, ref z1, 2 * w);
        Store(a1_3, ref z1, 3 * w);
        ref float z2 = ref Unsafe.Add(ref sums, (l + 2) * sumsStride + c);
        Store(a2_0, ref z2, 0);
        Store(a2_1, ref z2, w);
        Store(a2_2, ref z2, 2 * w);
        Store(a2_3, ref z2, 3 * w);
        ref float z3 = ref Unsafe.Add(ref sums, (l + 3) * sumsStride + c);
        Store(a3_0, ref z3, 0);
        Store(a3_1, ref z3, w);
        Store(a3_2, ref z3, 2 * w);
        Store(a3_3, ref z3, 3 * w);
    }

    /// <summary>Gate sums of lanes <paramref name="l"/> … + 3, columns <paramref name="c"/> … + 2 vector(s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget
    private static void GateTile4x2<T>(ref float weights, nuint columns, scoped in LaneRows inputs, nuint inputCount, scoped in LaneRows hidden, nuint hiddenCount,
        ref float sums, nuint sumsStride, nuint l, nuint c) where T : struct
    {
        nuint w = (nuint)Count<T>();
        ref float x0 = ref inputs.Row(l + 0);
        ref float h0 = ref hidden.Row(l + 0);
        ref float x1 = ref inputs.Row(l + 1);
        ref float h1 = ref hidden.Row(l + 1);
        ref float x2 = ref inputs.Row(l + 2);
        ref float h2 = ref hidden.Row(l + 2);
        ref float x3 = ref inputs.Row(l + 3);
        ref float h3 = ref hidden.Row(l + 3);
        T a0_0 = Load<T>(ref weights, c + 0);
        T a1_0 = a0_0; T a2_0 = a0_0; T a3_0 = a0_0;
        T a0_1 = Load<T>(ref weights, c + w);
        T a1_1 = a0_1; T a2_1 = a0_1; T a3_1 = a0_1;
        for (nuint j = 0; j < inputCount; j++)
        {
            ref float wr = ref Unsafe.Add(ref weights, (j + 1) * columns + c);
            T w0 = Load<T>(ref wr, 0);
            T w1 = Load<T>(ref wr, w);
            T b0 = Broadcast<T>(ref x0, j);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            a0_1 = MultiplyAdd(b0, w1, a0_1);
            T b1 = Broadcast<T>(ref x1, j);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            a1_1 = MultiplyAdd(b1, w1, a1_1);
            T b2 = Broadcast<T>(ref x2, j);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            a2_1 = MultiplyAdd(b2, w1, a2_1);
            T b3 = Broadcast<T>(ref x3, j);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            a3_1 = MultiplyAdd(b3, w1, a3_1);
        }
        for (nuint j = 0; j < hiddenCount; j++)
        {
            ref float wr = ref Unsafe.Add(ref weights, (j + 1 + inputCount) * columns + c);
            T w0 = Load<T>(ref wr, 0);
            T w1 = Load<T>(ref wr, w);
            T b0 = Broadcast<T>(ref h0, j);
            a0_0 = MultiplyAdd(b0, w0, a0_0);
            a0_1 = MultiplyAdd(b0, w1, a0_1);
            T b1 = Broadcast<T>(ref h1, j);
            a1_0 = MultiplyAdd(b1, w0, a1_0);
            a1_1 = MultiplyAdd(b1, w1, a1_1);
            T b2 = Broadcast<T>(ref h2, j);
            a2_0 = MultiplyAdd(b2, w0, a2_0);
            a2_1 = MultiplyAdd(b2, w1, a2_1);
            T b3 = Broadcast<T>(ref h3, j);
            a3_0 = MultiplyAdd(b3, w0, a3_0);
            a3_1 = MultiplyAdd(b3, w1, a3_1);
        }
        ref float z0 = ref Unsafe.Add(ref sums, (l + 0) * sumsStride + c);
        Store(a0_0, ref z0, 0);
        Store(a0_1, ref z0, w);
        ref float z1 = ref Unsafe.Add(ref sums, (l + 1) * sumsStride + c);
        Store(a1_0, ref z1, 0);
        Store(a1_1, ref z1, w);
        ref float z2 = ref Unsafe.Add(ref sums, (l + 2) * sumsStride + c);
        Store(a2_0, ref z2, 0);
        Store(a2_1, ref z2, w);
        ref float z3 = ref Unsafe.Add(ref sums, (l + 3) * sumsStride + c);
        Store(a3_0, ref z3, 0);
        Store(a3_1, ref z3, w);
    }
}
