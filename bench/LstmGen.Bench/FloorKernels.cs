// The measuring kernels of `floors`, written once over a vector width (Vector512, Vector256, Vector128) so that the
// rates it reports are those of the width the JIT runs here: a register-tiled broadcast-FMA product (the shape of
// the generated gate tiles) and chains / streams of the runtime's own activations.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LstmGen.CompilerServices;

namespace LstmGen.Bench;

/// <summary>One vector width: the handful of operations the floor kernels need, over <typeparamref name="TV"/>.</summary>
internal interface IVectorWidth<TV> where TV : struct
{
    static abstract int Lanes { get; }
    static abstract string Name { get; }
    static abstract TV Load(ref float source, nuint offset);
    static abstract void Store(TV value, ref float destination, nuint offset);
    static abstract TV Broadcast(float value);
    /// <summary>a·b + c, fused where the hardware has FMA (as the generated kernels' MultiplyAddEstimate).</summary>
    static abstract TV MultiplyAdd(TV a, TV b, TV c);
    static abstract TV Multiply(TV a, TV b);
    static abstract TV Sigmoid(TV x);
    static abstract TV Tanh(TV x);
    static abstract float First(TV x);
}

internal struct Width512 : IVectorWidth<Vector512<float>>
{
    public static int Lanes => 16;
    public static string Name => "Vector512";
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sigmoid(Vector512<float> x) => Activations.Sigmoid(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Tanh(Vector512<float> x) => Activations.Tanh(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float First(Vector512<float> x) => x.ToScalar();
}

internal struct Width256 : IVectorWidth<Vector256<float>>
{
    public static int Lanes => 8;
    public static string Name => "Vector256";
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sigmoid(Vector256<float> x) => Activations.Sigmoid(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Tanh(Vector256<float> x) => Activations.Tanh(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float First(Vector256<float> x) => x.ToScalar();
}

internal struct Width128 : IVectorWidth<Vector128<float>>
{
    public static int Lanes => 4;
    public static string Name => "Vector128";
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Sigmoid(Vector128<float> x) => Activations.Sigmoid(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Tanh(Vector128<float> x) => Activations.Tanh(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float First(Vector128<float> x) => x.ToScalar();
}

/// <summary>The kernels, generic over the width; the JIT compiles one copy per width struct.</summary>
internal static class FloorKernels<TW, TV> where TW : struct, IVectorWidth<TV> where TV : struct
{
    /// <summary>Accumulator vectors per tile: 12 fit the 16 registers of AVX2/SSE with room for the broadcast, and
    /// are enough independent chains to keep two FMA pipes of latency 4–5 busy.</summary>
    public const int Tile = 12;

    public static int TileColumns => Tile * TW.Lanes;

    private static float s_sink;

    // z = row 0 + Σ_j h_j · row (j & mask) for j = 1 … rows − 1 over `columns` (a multiple of TileColumns), one tile
    // of 12 accumulators at a time, as the generated gate tiles (mask = all ones: every row once, streamed from
    // wherever the matrix lives; mask 7: the first 8 rows over and over, from L1).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Product(ref float w, ref float h, ref float z, int rows, int mask, int columns)
    {
        int lanes = TW.Lanes;
        for (int tile = 0; tile < columns; tile += Tile * lanes)
        {
            ref float b = ref Unsafe.Add(ref w, tile);
            TV a0 = TW.Load(ref b, 0), a1 = TW.Load(ref b, (nuint)lanes), a2 = TW.Load(ref b, (nuint)(2 * lanes)), a3 = TW.Load(ref b, (nuint)(3 * lanes));
            TV a4 = TW.Load(ref b, (nuint)(4 * lanes)), a5 = TW.Load(ref b, (nuint)(5 * lanes)), a6 = TW.Load(ref b, (nuint)(6 * lanes)), a7 = TW.Load(ref b, (nuint)(7 * lanes));
            TV a8 = TW.Load(ref b, (nuint)(8 * lanes)), a9 = TW.Load(ref b, (nuint)(9 * lanes)), a10 = TW.Load(ref b, (nuint)(10 * lanes)), a11 = TW.Load(ref b, (nuint)(11 * lanes));
            for (int j = 1; j < rows; j++)
            {
                int row = j & mask;
                ref float r = ref Unsafe.Add(ref b, row * columns);
                TV x = TW.Broadcast(Unsafe.Add(ref h, row));
                a0 = TW.MultiplyAdd(x, TW.Load(ref r, 0), a0); a1 = TW.MultiplyAdd(x, TW.Load(ref r, (nuint)lanes), a1);
                a2 = TW.MultiplyAdd(x, TW.Load(ref r, (nuint)(2 * lanes)), a2); a3 = TW.MultiplyAdd(x, TW.Load(ref r, (nuint)(3 * lanes)), a3);
                a4 = TW.MultiplyAdd(x, TW.Load(ref r, (nuint)(4 * lanes)), a4); a5 = TW.MultiplyAdd(x, TW.Load(ref r, (nuint)(5 * lanes)), a5);
                a6 = TW.MultiplyAdd(x, TW.Load(ref r, (nuint)(6 * lanes)), a6); a7 = TW.MultiplyAdd(x, TW.Load(ref r, (nuint)(7 * lanes)), a7);
                a8 = TW.MultiplyAdd(x, TW.Load(ref r, (nuint)(8 * lanes)), a8); a9 = TW.MultiplyAdd(x, TW.Load(ref r, (nuint)(9 * lanes)), a9);
                a10 = TW.MultiplyAdd(x, TW.Load(ref r, (nuint)(10 * lanes)), a10); a11 = TW.MultiplyAdd(x, TW.Load(ref r, (nuint)(11 * lanes)), a11);
            }
            ref float d = ref Unsafe.Add(ref z, tile);
            TW.Store(a0, ref d, 0); TW.Store(a1, ref d, (nuint)lanes); TW.Store(a2, ref d, (nuint)(2 * lanes)); TW.Store(a3, ref d, (nuint)(3 * lanes));
            TW.Store(a4, ref d, (nuint)(4 * lanes)); TW.Store(a5, ref d, (nuint)(5 * lanes)); TW.Store(a6, ref d, (nuint)(6 * lanes)); TW.Store(a7, ref d, (nuint)(7 * lanes));
            TW.Store(a8, ref d, (nuint)(8 * lanes)); TW.Store(a9, ref d, (nuint)(9 * lanes)); TW.Store(a10, ref d, (nuint)(10 * lanes)); TW.Store(a11, ref d, (nuint)(11 * lanes));
        }
    }

    /// <summary><paramref name="links"/> dependent σ(x·k): the latency of one σ (plus one multiply) per link.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void SigmoidChain(int links)
    {
        TV y = TW.Broadcast(0.5f), k = TW.Broadcast(3.7f);
        for (int i = 0; i < links; i++) y = TW.Sigmoid(TW.Multiply(y, k));
        s_sink += TW.First(y) * 1e-30f;
    }

    /// <summary><paramref name="links"/> dependent tanh(x·k).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void TanhChain(int links)
    {
        TV y = TW.Broadcast(0.5f), k = TW.Broadcast(3.7f);
        for (int i = 0; i < links; i++) y = TW.Tanh(TW.Multiply(y, k));
        s_sink += TW.First(y) * 1e-30f;
    }

    /// <summary><paramref name="links"/> dependent x·k: one vector multiply's latency per link.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyChain(int links)
    {
        TV y = TW.Broadcast(0.5f), k = TW.Broadcast(0.999f);
        for (int i = 0; i < links; i++) y = TW.Multiply(y, k);
        s_sink += TW.First(y) * 1e-30f;
    }

    /// <summary>
    /// σ then tanh over <paramref name="count"/> floats (a multiple of 4 vectors), each vector independent: the
    /// activations' throughput, as many streams or sequences in lock-step would see it (5 per LSTM unit and step).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void ActivationStream(ref float x, ref float y, int count)
    {
        int lanes = TW.Lanes;
        for (int i = 0; i < count; i += 4 * lanes)
        {
            ref float s = ref Unsafe.Add(ref x, i);
            ref float d = ref Unsafe.Add(ref y, i);
            TW.Store(TW.Tanh(TW.Sigmoid(TW.Load(ref s, 0))), ref d, 0);
            TW.Store(TW.Tanh(TW.Sigmoid(TW.Load(ref s, (nuint)lanes))), ref d, (nuint)lanes);
            TW.Store(TW.Tanh(TW.Sigmoid(TW.Load(ref s, (nuint)(2 * lanes)))), ref d, (nuint)(2 * lanes));
            TW.Store(TW.Tanh(TW.Sigmoid(TW.Load(ref s, (nuint)(3 * lanes)))), ref d, (nuint)(3 * lanes));
        }
    }
}
