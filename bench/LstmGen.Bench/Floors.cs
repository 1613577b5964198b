// What this machine allows at most: `dotnet run -c Release -- floors` measures, at the vector width the JIT uses here
// (Vector512, or Vector256 under DOTNET_EnableAVX512=0, or Vector128 under DOTNET_EnableAVX2=0), the clock, the FMA
// rate on L1-resident weights, the rate at which a matrix streams from L2 and from L3 through the same register tiles,
// and the activations' latency and throughput, then prints each workload's floor from its multiply-add count.
// A profile, not a benchmark.
using System;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using LstmGen.CompilerServices;

namespace LstmGen.Bench;

/// <summary>The rates `floors` measures, per core.</summary>
public sealed record MachineRates(
    string Width, double Gigahertz, double MultiplyAddsPerNs, double L2BytesPerNs, double L3BytesPerNs,
    double SigmoidLatencyNs, double TanhLatencyNs, double ActivationNsPerFloat);

public static class Floors
{
    public const string Command = "floors";

    private const int Rounds = 60, Chain = 4_000;

    /// <summary>The widest accelerated vector width, as the generated kernels pick it.</summary>
    public static string JitWidth =>
        Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";

    /// <summary>Measures and prints; with <paramref name="jsonPath"/>, also writes the rates and the W7–W9 floors there (for bench/batch_summary.py).</summary>
    public static void Run(string? jsonPath = null)
    {
        MachineRates? rates = JitWidth switch
        {
            "Vector512" => Measure<Width512, Vector512<float>>(),
            "Vector256" => Measure<Width256, Vector256<float>>(),
            "Vector128" => Measure<Width128, Vector128<float>>(),
            _ => null,
        };
        if (rates is null)
        {
            Console.WriteLine("floors: no vector width is hardware-accelerated here (DOTNET_EnableHWIntrinsic=0?); the generated models run their scalar path, which has no floor to measure.");
            return;
        }
        Print(rates);
        if (jsonPath is not null) WriteJson(rates, jsonPath);
    }

    private static void WriteJson(MachineRates r, string path)
    {
        var w7 = new System.Collections.Generic.Dictionary<string, double>();
        foreach (int batch in WorkloadSizes.Batches)
        {
            w7[$"review/{batch}"] = WorkloadSizes.W3CallNs(r, batch);
            w7[$"char/{batch}"] = WorkloadSizes.W4CallNs(r, batch);
        }
        double? w8 = SentimentData.TryMeanLength(out double meanLength, out _) ? WorkloadSizes.W8SamplesPerSecond(r, meanLength, threads: 2) : null;
        var document = new System.Collections.Generic.Dictionary<string, object?>
        {
            ["width"] = r.Width,
            ["instruction_sets"] = InstructionSets(),
            ["gigahertz"] = r.Gigahertz,
            ["multiply_adds_per_ns"] = r.MultiplyAddsPerNs,
            ["l2_bytes_per_ns"] = r.L2BytesPerNs,
            ["l3_bytes_per_ns"] = r.L3BytesPerNs,
            ["sigmoid_latency_ns"] = r.SigmoidLatencyNs,
            ["tanh_latency_ns"] = r.TanhLatencyNs,
            ["activation_ns_per_float"] = r.ActivationNsPerFloat,
            ["w7_call_ns"] = w7,
            ["w8_samples_per_second"] = w8,
            ["w8_mean_length"] = w8 is null ? null : meanLength,
            ["w9_multiply_add_ns"] = WorkloadSizes.W9MultiplyAddNs(r),
            ["w9_ns"] = WorkloadSizes.W9MultiplyAddNs(r) + WorkloadSizes.W9ActivationNs(r),
        };
        System.IO.File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(document, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The instruction sets behind the width, as the JIT reports them.</summary>
    private static string InstructionSets()
    {
        if (RuntimeInformationIsArm()) return AdvSimd.IsSupported ? "AdvSimd (NEON)" : "no SIMD";
        string fma = Fma.IsSupported ? "FMA" : "no FMA (multiply, then add)";
        string widest = Avx512F.IsSupported ? "AVX-512F" : Avx2.IsSupported ? "AVX2" : Avx.IsSupported ? "AVX" : Sse41.IsSupported ? "SSE4.1" : "SSE2";
        return $"{widest}, {fma}";
    }

    private static bool RuntimeInformationIsArm() =>
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is System.Runtime.InteropServices.Architecture.Arm64;

    /// <summary>Runs the measuring kernels at one width.</summary>
    internal static MachineRates Measure<TW, TV>() where TW : struct, IVectorWidth<TV> where TV : struct
    {
        int columns = 2 * FloorKernels<TW, TV>.TileColumns; // two tiles per row, as a 4H-wide gate row has several
        int rowBytes = columns * sizeof(float);
        // L1: the first 8 rows (≤ 24 KB at 512 bits) cycled; L2: a W3-sized matrix (285 KB); L3: a W4-sized one (3.3 MB),
        // larger than the L2 of any current core and smaller than its L3.
        const int ResidentRows = 8, ResidentPasses = 512;
        int l2Rows = (int)(WorkloadSizes.W3Bytes / rowBytes), l3Rows = (int)(WorkloadSizes.W4Bytes / rowBytes);
        var matrix = new AlignedBuffer(l3Rows * columns);
        var random = new Random(1);
        Span<float> weights = matrix.Span;
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() - 0.5) * 0.01f;
        var h = new AlignedBuffer(l3Rows);
        for (int i = 0; i < l3Rows; i++) h.Span[i] = (float)(random.NextDouble() - 0.5);
        var z = new AlignedBuffer(columns);

        double ghz = Gigahertz();
        const int Repeats = 20;
        double resident = Best(() => { for (int i = 0; i < Repeats; i++) FloorKernels<TW, TV>.Product(ref matrix.Reference, ref h.Reference, ref z.Reference, ResidentPasses, ResidentRows - 1, columns); }, Repeats);
        double l2 = Best(() => { for (int i = 0; i < Repeats; i++) FloorKernels<TW, TV>.Product(ref matrix.Reference, ref h.Reference, ref z.Reference, l2Rows, int.MaxValue, columns); }, Repeats);
        double l3 = Best(() => { for (int i = 0; i < 4; i++) FloorKernels<TW, TV>.Product(ref matrix.Reference, ref h.Reference, ref z.Reference, l3Rows, int.MaxValue, columns); }, 4);
        double sigmoid = Best(() => FloorKernels<TW, TV>.SigmoidChain(Chain), Chain);
        double tanh = Best(() => FloorKernels<TW, TV>.TanhChain(Chain), Chain);
        double multiply = Best(() => FloorKernels<TW, TV>.MultiplyChain(Chain), Chain);

        // Activation throughput: σ then tanh over 8 K floats (32 KB in, 32 KB out: L1/L2), every vector independent.
        const int StreamFloats = 8192;
        var x = new AlignedBuffer(StreamFloats);
        var y = new AlignedBuffer(StreamFloats);
        for (int i = 0; i < StreamFloats; i++) x.Span[i] = (float)(random.NextDouble() * 8 - 4);
        double pair = Best(() => FloorKernels<TW, TV>.ActivationStream(ref x.Reference, ref y.Reference, StreamFloats), StreamFloats);

        return new MachineRates(
            TW.Name, ghz,
            (double)ResidentPasses * columns / resident,
            (double)l2Rows * rowBytes / l2,
            (double)l3Rows * rowBytes / l3,
            // A chain link is one activation plus the multiply that keeps the argument moving.
            sigmoid - multiply, tanh - multiply,
            pair / 2);
    }

    private static void Print(MachineRates r)
    {
        Console.WriteLine($"vector width the JIT uses: {r.Width} ({InstructionSets()}); {Environment.ProcessorCount} logical CPUs");
        Console.WriteLine($"clock ≈ {r.Gigahertz:F2} GHz (a dependent 64-bit multiply chain, 3 cycles per link)");
        Console.WriteLine($"FMA rate, L1-resident weights: {r.MultiplyAddsPerNs:F1} float multiply-adds per ns = {r.MultiplyAddsPerNs / r.Gigahertz:F1} per cycle ({2 * r.MultiplyAddsPerNs:F0} GFLOP/s per core)");
        Console.WriteLine($"W3's matrix (285 KB) streamed from L2 through the same tiles: {r.L2BytesPerNs:F0} GB/s = {r.L2BytesPerNs / r.Gigahertz:F1} bytes per cycle");
        Console.WriteLine($"W4's weights (3.3 MB) streamed from L3 through the same tiles: {r.L3BytesPerNs:F0} GB/s = {r.L3BytesPerNs / r.Gigahertz:F1} bytes per cycle");
        Console.WriteLine($"latency of one activation: σ {r.SigmoidLatencyNs:F1} ns, tanh {r.TanhLatencyNs:F1} ns (dependent chains, less one multiply per link)");
        Console.WriteLine($"throughput of the activations on independent vectors: {r.ActivationNsPerFloat * 1000:F0} ps per float and activation");
        Console.WriteLine();

        Console.WriteLine("floors (one core unless said; float32):");
        Console.WriteLine($"W1 step, multiply-adds alone:        {WorkloadSizes.W1Macs / r.MultiplyAddsPerNs,8:F1} ns   with the two activations after them: {WorkloadSizes.W1Macs / r.MultiplyAddsPerNs + r.SigmoidLatencyNs + r.TanhLatencyNs,6:F1} ns");
        Console.WriteLine($"W2 step (padded to 16 units):        {WorkloadSizes.W2Macs / r.MultiplyAddsPerNs,8:F1} ns   with the two activations after them: {WorkloadSizes.W2Macs / r.MultiplyAddsPerNs + r.SigmoidLatencyNs + r.TanhLatencyNs,6:F1} ns");
        Console.WriteLine($"W3 step:                             {WorkloadSizes.W3StepNs(r, 1),8:F1} ns   (multiply-adds {WorkloadSizes.W3Macs / r.MultiplyAddsPerNs:F0} ns, weights from L2 {WorkloadSizes.W3Bytes / r.L2BytesPerNs:F0} ns)");
        Console.WriteLine($"W4 step (both layers and the head):  {WorkloadSizes.W4StepNs(r, 1),8:F0} ns   (multiply-adds {WorkloadSizes.W4Macs / r.MultiplyAddsPerNs:F0} ns, the two 1 MB recurrent matrices from L3 {WorkloadSizes.W4RecurrentBytes / r.L3BytesPerNs:F0} ns)");
        Console.WriteLine($"W5 training, 2 cores:                {2 * r.MultiplyAddsPerNs * 1e9 / WorkloadSizes.W5Macs,8:F0} samples/s");
        Console.WriteLine($"W6 training, 2 cores:                {2 * r.MultiplyAddsPerNs * 1e9 / WorkloadSizes.W6Macs,8:F0} characters/s");
        Console.WriteLine();

        Console.WriteLine("W7: B sequences in lock-step, one thread; each step reads the weights once for the whole batch:");
        Console.WriteLine("  floor per step = max(B × multiply-adds / FMA rate, weight bytes / bandwidth of the level they stream from)");
        Console.WriteLine($"| {"batch",5} | {"W3 call (300 tokens)",21} | {"W3 sequences/s",14} | {"W4 call (100 chars)",20} | {"W4 sequences/s",14} |");
        Console.WriteLine($"|{new string('-', 7)}|{new string('-', 23)}|{new string('-', 16)}|{new string('-', 22)}|{new string('-', 16)}|");
        foreach (int batch in WorkloadSizes.Batches)
        {
            double w3 = WorkloadSizes.W3CallNs(r, batch), w4 = WorkloadSizes.W4CallNs(r, batch);
            Console.WriteLine($"| {batch,5} | {Format(w3),21} | {batch * 1e9 / w3,14:F0} | {Format(w4),20} | {batch * 1e9 / w4,14:F0} |");
        }
        Console.WriteLine();

        Console.WriteLine($"W8 (the Sentiment model, bidirectional LSTM(64) on 32-wide embeddings, 2 cores, training ≈ 3 × the forward multiply-adds):");
        if (SentimentData.TryMeanLength(out double meanLength, out string source))
            Console.WriteLine($"  {WorkloadSizes.W8SamplesPerSecond(r, meanLength, threads: 2):F0} samples/s at the mean review length {meanLength:F1} words ({source})");
        else
            Console.WriteLine($"  {WorkloadSizes.W8SamplesPerSecond(r, 100, threads: 2):F0} samples/s per 100 words ({source})");
        Console.WriteLine();

        double w9Macs = WorkloadSizes.W9MultiplyAddNs(r), w9Activations = WorkloadSizes.W9ActivationNs(r);
        Console.WriteLine($"W9: {WorkloadSizes.W9Streams} streams of W1's model, one step each, one core: multiply-adds {Format(w9Macs)}, with the activations at their throughput {Format(w9Macs + w9Activations)} ({WorkloadSizes.W9Streams * 1e3 / (w9Macs + w9Activations):F1} stream-steps per µs)");
    }

    internal static string Format(double ns) => ns >= 1e6 ? $"{ns / 1e6:F2} ms" : ns >= 1e3 ? $"{ns / 1e3:F1} µs" : $"{ns:F0} ns";

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

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining | System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyChain(ulong x)
    {
        for (int i = 0; i < MultiplyLinks; i++) x *= 0x9E3779B97F4A7C15UL;
        s_sink += x;
    }
}
