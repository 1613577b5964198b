// The workloads' sizes in multiply-adds and weight bytes, and their floors from a machine's measured rates: what
// `floors` prints, in one place so the docs' fractions of the floor come from the same formulas.
using System;

namespace LstmGen.Bench;

public static class WorkloadSizes
{
    /// <summary>W7's batch sizes: sequences per call.</summary>
    public static readonly int[] Batches = { 1, 8, 32, 64 };

    /// <summary>W9's streams per call.</summary>
    public const int W9Streams = 1024;

    // Multiply-adds per step (W1–W4, biases counted as one row), per sample (W5) or per character (W6); training ≈ 3× the
    // forward pass (forward, dh = Wᵀ·dz, dW += dz·xᵀ).
    public const double W1Macs = 4 * 32 * (1 + 32 + 1) + 32, W2Macs = 4 * 16 * 14;
    public const double W3Macs = 4 * 128 * (10 + 128 + 1), W3Bytes = W3Macs * sizeof(float);
    public const int W3Steps = 300, W4Steps = 100;
    public const double W4Macs = 4 * 256 * (32 + 256 + 1) + 4 * 256 * (256 + 256 + 1) + 65 * 256;
    public const double W4Bytes = W4Macs * sizeof(float);
    /// <summary>What every W4 step must read at least: both layers' 1 MB recurrent matrices (the input projections and the head can be blocked over steps).</summary>
    public const double W4RecurrentBytes = 2 * 4 * 256 * 256 * sizeof(float);
    public const double W5Macs = 3 * 300 * W3Macs, W6Macs = 3 * W4Macs;

    /// <summary>W8, the Sentiment model: per token, both directions of LSTM(64) over 32-wide embeddings; per sample the 128 → 1 head.</summary>
    public const double W8MacsPerToken = 2 * 4 * 64 * (32 + 64 + 1), W8HeadMacs = 128 + 1;

    /// <summary>A W3 step of a batch: the multiply-adds of B sequences, or the weights from L2 once, whichever is longer.</summary>
    public static double W3StepNs(MachineRates r, int batch) => Math.Max(batch * W3Macs / r.MultiplyAddsPerNs, W3Bytes / r.L2BytesPerNs);

    /// <summary>A W4 step of a batch: B sequences' multiply-adds, or the recurrent matrices from L3 once.</summary>
    public static double W4StepNs(MachineRates r, int batch) => Math.Max(batch * W4Macs / r.MultiplyAddsPerNs, W4RecurrentBytes / r.L3BytesPerNs);

    public static double W3CallNs(MachineRates r, int batch) => W3Steps * W3StepNs(r, batch);

    public static double W4CallNs(MachineRates r, int batch) => W4Steps * W4StepNs(r, batch);

    /// <summary>Training samples per second on <paramref name="threads"/> cores at the multiply-add floor, perfect scaling.</summary>
    public static double W8SamplesPerSecond(MachineRates r, double meanLength, int threads) =>
        threads * r.MultiplyAddsPerNs * 1e9 / (3 * (W8MacsPerToken * meanLength + W8HeadMacs));

    /// <summary>W9's multiply-adds on one core.</summary>
    public static double W9MultiplyAddNs(MachineRates r) => W9Streams * W1Macs / r.MultiplyAddsPerNs;

    /// <summary>W9's activations at their throughput: 32 units × (3 σ + 2 tanh) per stream.</summary>
    public static double W9ActivationNs(MachineRates r) => W9Streams * 32 * 5 * r.ActivationNsPerFloat;
}
