// What this machine allows at most (issue #4's "this machine's floor"): `dotnet run -c Release -- floors` measures
// the clock, the FMA rate on L1-resident weights and the rate at which a W3-sized matrix streams from L2 through the
// same register tiles, then prints each workload's floor from its multiply-add count. A profile, not a benchmark.
using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LstmGen.CompilerServices;

namespace LstmGen.Bench;

public static class Floors
{
    public const string Command = "floors";

    private const int Rounds = 60;

    public static void Run()
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            Console.WriteLine("floors: measures 512-bit code; Vector512 is not accelerated here.");
            return;
        }
        // A W3-sized matrix: 139 rows of 512 floats, 285 KB, more than L1 and less than L2. For the L1 rate, the same
        // tiles cycle 512 times over its first 8 rows (16 KB).
        const int Rows = 139, Columns = 512, ResidentRows = 8, ResidentPasses = 512;
        var matrix = new AlignedBuffer(Rows * Columns);
        var random = new Random(1);
        Span<float> weights = matrix.Span;
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() - 0.5) * 0.01f;
        var h = new AlignedBuffer(Rows);
        for (int i = 0; i < Rows; i++) h.Span[i] = (float)(random.NextDouble() - 0.5);
        var z = new AlignedBuffer(Columns);

        double ghz = Gigahertz();
        const int Repeats = 20;
        double resident = Best(() => { for (int i = 0; i < Repeats; i++) Product(ref matrix.Reference, ref h.Reference, ref z.Reference, ResidentPasses, ResidentRows - 1, Columns); }, Repeats);
        double streamed = Best(() => { for (int i = 0; i < Repeats; i++) Product(ref matrix.Reference, ref h.Reference, ref z.Reference, Rows, int.MaxValue, Columns); }, Repeats);
        double sigmoid = Best(StepParts.SigmoidChain, StepParts.Chain), tanh = Best(StepParts.TanhChain, StepParts.Chain);

        double macsPerNs = (double)ResidentPasses * Columns / resident; // float multiply-adds per ns, one core
        double bytesPerNs = (double)Rows * Columns * sizeof(float) / streamed;
        Console.WriteLine($"clock ≈ {ghz:F2} GHz (a dependent 64-bit multiply chain, 3 cycles per link)");
        Console.WriteLine($"FMA rate, L1-resident weights: {macsPerNs:F1} float multiply-adds per ns = {macsPerNs / ghz:F1} per cycle ({2 * macsPerNs:F0} GFLOP/s per core)");
        Console.WriteLine($"W3's matrix (285 KB) streamed from L2 through the same tiles: {bytesPerNs:F0} GB/s = {bytesPerNs / ghz:F1} bytes per cycle");
        Console.WriteLine($"latency of one activation: σ {sigmoid:F1} ns, tanh {tanh:F1} ns (dependent chains, with one multiply per link)");
        Console.WriteLine();

        // Multiply-adds per step (W1–W4) or per sample / character (W5, W6); training ≈ 3× the forward pass.
        const double w1 = 4 * 32 * (1 + 32 + 1) + 32, w2 = 4 * 16 * 14, w3 = 4 * 128 * (10 + 128 + 1), w3Bytes = w3 * sizeof(float);
        const double w4 = 4 * 256 * (32 + 256 + 1) + 4 * 256 * (256 + 256 + 1) + 65 * 256;
        const double w5 = 3 * 300 * w3, w6 = 3 * w4;
        Console.WriteLine("floors (one core unless said; float32, batch 1 for inference):");
        Console.WriteLine($"W1 step, multiply-adds alone:        {w1 / macsPerNs,8:F1} ns   with the two activations after them: {w1 / macsPerNs + sigmoid + tanh,6:F1} ns");
        Console.WriteLine($"W2 step (padded to 16 units):        {w2 / macsPerNs,8:F1} ns   with the two activations after them: {w2 / macsPerNs + sigmoid + tanh,6:F1} ns");
        Console.WriteLine($"W3 step:                             {Math.Max(w3 / macsPerNs, w3Bytes / bytesPerNs),8:F1} ns   (multiply-adds {w3 / macsPerNs:F0} ns, weights from L2 {w3Bytes / bytesPerNs:F0} ns)");
        Console.WriteLine($"W4 step (both layers and the head):  {w4 / macsPerNs,8:F0} ns   (multiply-adds; its 3.3 MB of weights exceed L2)");
        Console.WriteLine($"W5 training, 2 cores:                {2 * macsPerNs * 1e9 / w5,8:F0} samples/s");
        Console.WriteLine($"W6 training, 2 cores:                {2 * macsPerNs * 1e9 / w6,8:F0} characters/s");
    }

    private const int MultiplyLinks = 200_000;

    /// <summary>The core's clock while it runs this code: a chain of dependent 64-bit multiplies, 3 cycles per link on current x86 cores (Intel and AMD alike).</summary>
    internal static double Gigahertz() => 3 / (Best(() => MultiplyChain(12345), 1) / MultiplyLinks);

    private static double Best(Action body, int per)
    {
        double best = double.MaxValue;
        for (int round = 0; round < Rounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            body();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / per);
        }
        return best;
    }

    private static ulong s_sink;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyChain(ulong x)
    {
        for (int i = 0; i < MultiplyLinks; i++) x *= 0x9E3779B97F4A7C15UL;
        s_sink += x;
    }

    // z = row 0 + Σ_j h_j · row (j & mask) for j = 1 … rows − 1 over 512 columns: two tiles of 16 accumulators, as
    // the generated W3 step (mask = all ones: every row once; mask 7: the first 8 rows over and over, from L1).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Product(ref float w, ref float h, ref float z, int rows, int mask, int columns)
    {
        for (int tile = 0; tile < columns; tile += 256)
        {
            ref float b = ref Unsafe.Add(ref w, tile);
            Vector512<float> a0 = Vector512.LoadUnsafe(ref b, 0), a1 = Vector512.LoadUnsafe(ref b, 16), a2 = Vector512.LoadUnsafe(ref b, 32), a3 = Vector512.LoadUnsafe(ref b, 48);
            Vector512<float> a4 = Vector512.LoadUnsafe(ref b, 64), a5 = Vector512.LoadUnsafe(ref b, 80), a6 = Vector512.LoadUnsafe(ref b, 96), a7 = Vector512.LoadUnsafe(ref b, 112);
            Vector512<float> a8 = Vector512.LoadUnsafe(ref b, 128), a9 = Vector512.LoadUnsafe(ref b, 144), a10 = Vector512.LoadUnsafe(ref b, 160), a11 = Vector512.LoadUnsafe(ref b, 176);
            Vector512<float> a12 = Vector512.LoadUnsafe(ref b, 192), a13 = Vector512.LoadUnsafe(ref b, 208), a14 = Vector512.LoadUnsafe(ref b, 224), a15 = Vector512.LoadUnsafe(ref b, 240);
            for (int j = 1; j < rows; j++)
            {
                int row = j & mask;
                ref float r = ref Unsafe.Add(ref b, row * columns);
                Vector512<float> x = Vector512.Create(Unsafe.Add(ref h, row));
                a0 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 0), a0); a1 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 16), a1);
                a2 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 32), a2); a3 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 48), a3);
                a4 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 64), a4); a5 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 80), a5);
                a6 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 96), a6); a7 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 112), a7);
                a8 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 128), a8); a9 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 144), a9);
                a10 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 160), a10); a11 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 176), a11);
                a12 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 192), a12); a13 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 208), a13);
                a14 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 224), a14); a15 = Vector512.MultiplyAddEstimate(x, Vector512.LoadUnsafe(ref r, 240), a15);
            }
            ref float d = ref Unsafe.Add(ref z, tile);
            a0.StoreUnsafe(ref d, 0); a1.StoreUnsafe(ref d, 16); a2.StoreUnsafe(ref d, 32); a3.StoreUnsafe(ref d, 48);
            a4.StoreUnsafe(ref d, 64); a5.StoreUnsafe(ref d, 80); a6.StoreUnsafe(ref d, 96); a7.StoreUnsafe(ref d, 112);
            a8.StoreUnsafe(ref d, 128); a9.StoreUnsafe(ref d, 144); a10.StoreUnsafe(ref d, 160); a11.StoreUnsafe(ref d, 176);
            a12.StoreUnsafe(ref d, 192); a13.StoreUnsafe(ref d, 208); a14.StoreUnsafe(ref d, 224); a15.StoreUnsafe(ref d, 240);
        }
    }
}
