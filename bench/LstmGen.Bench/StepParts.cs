// Where a small model's step time goes (W1 and W2): `dotnet run -c Release -- step-parts` times the
// public call, the step kernel alone, the head alone, and the latency of one activation, each the fastest of
// many short rounds (a shared machine preempts long ones). A profile to read next to BenchmarkDotNet, not a benchmark.
using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LstmGen.CompilerServices;

namespace LstmGen.Bench;

public static class StepParts
{
    public const string Command = "step-parts";

    // The generated classes' private kernels, reached without reflection.
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "StepCore")]
    private static extern void StepCore(StreamingModel model, ref float x, ref float s);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "WriteOutput")]
    private static extern void WriteOutput(StreamingModel model, ref float s, Span<float> output, HeadOutput kind);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "StepCore")]
    private static extern void StepCore(TinyClassifier model, ref float x, ref float s);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "WriteOutput")]
    private static extern void WriteOutput(TinyClassifier model, ref float s, Span<float> output, HeadOutput kind);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "InputRow")]
    private static extern ref float InputRow(TinyClassifier model, int token);

    private const int Calls = 20_000, Rounds = 300;

    /// <summary>Links in an activation chain (<see cref="SigmoidChain"/>, <see cref="TanhChain"/>).</summary>
    internal const int Chain = 4_000;

    public static void Run()
    {
        var w1 = new StreamingModel();
        Same.Weights(w1, 1);
        LstmState s1 = w1.CreateState();
        float[] input = { 0.25f }, output1 = new float[1];
        var w2 = new TinyClassifier();
        Same.Weights(w2, 2);
        LstmState s2 = w2.CreateState();
        int[] tokens = Same.Tokens(20, TinyClassifier.VocabularySize, 2);
        float[] output2 = new float[TinyClassifier.OutputSize];

        var chains = Chains();
        var parts = new (string Name, Action Body, int Per)[]
        {
            ("W1 Step (public, as benchmarked)", () => { for (int i = 0; i < Calls; i++) w1.Step(input, output1, s1); }, Calls),
            ("W1 StepCore (gates + cell update)", () => { ref float s = ref s1.GetReference(); for (int i = 0; i < Calls; i++) StepCore(w1, ref input[0], ref s); }, Calls),
            ("W1 WriteOutput (head + copy)", () => { ref float s = ref s1.GetReference(); for (int i = 0; i < Calls; i++) WriteOutput(w1, ref s, output1, HeadOutput.Activated); }, Calls),
            ("W2 Predict, per step", () => { for (int i = 0; i < Calls / 20; i++) w2.Predict(tokens, output2); }, Calls),
            ("W2 StepCore, per step", () => { ref float s = ref s2.GetReference(); for (int i = 0; i < Calls / 20; i++) for (int t = 0; t < 20; t++) StepCore(w2, ref InputRow(w2, tokens[t]), ref s); }, Calls),
            ("W2 WriteOutput (head + softmax)", () => { ref float s = ref s2.GetReference(); for (int i = 0; i < Calls; i++) WriteOutput(w2, ref s, output2, HeadOutput.Activated); }, Calls),
            ("chain: x·k (one vector multiply's latency)", chains.Multiply, Chain),
            ("chain: Sigmoid(x·k)", chains.Sigmoid, Chain),
            ("chain: Tanh(x·k)", chains.Tanh, Chain),
        };
        var best = new double[parts.Length];
        Array.Fill(best, double.MaxValue);
        for (int round = 0; round < Rounds; round++)
        {
            for (int k = 0; k < parts.Length; k++)
            {
                long start = Stopwatch.GetTimestamp();
                parts[k].Body();
                best[k] = Math.Min(best[k], Stopwatch.GetElapsedTime(start).TotalNanoseconds / parts[k].Per);
            }
        }
        Console.WriteLine($"{Floors.JitWidth}; fastest of {Rounds} rounds, ns per call (per step for W2, per link for chains)");
        double cycle = 1 / Floors.Gigahertz();
        for (int k = 0; k < parts.Length; k++)
            Console.WriteLine($"{parts[k].Name,-38} {best[k],8:F2} ns  ≈ {best[k] / cycle,5:F0} cycles");
    }

    /// <summary>Dependent chains of <see cref="Chain"/> links at the width the JIT uses: a multiply, σ(x·k), tanh(x·k).</summary>
    internal static (Action Multiply, Action Sigmoid, Action Tanh) Chains() => Floors.JitWidth switch
    {
        "Vector512" => (() => FloorKernels<Width512, Vector512<float>>.MultiplyChain(Chain), () => FloorKernels<Width512, Vector512<float>>.SigmoidChain(Chain), () => FloorKernels<Width512, Vector512<float>>.TanhChain(Chain)),
        "Vector256" => (() => FloorKernels<Width256, Vector256<float>>.MultiplyChain(Chain), () => FloorKernels<Width256, Vector256<float>>.SigmoidChain(Chain), () => FloorKernels<Width256, Vector256<float>>.TanhChain(Chain)),
        _ => (() => FloorKernels<Width128, Vector128<float>>.MultiplyChain(Chain), () => FloorKernels<Width128, Vector128<float>>.SigmoidChain(Chain), () => FloorKernels<Width128, Vector128<float>>.TanhChain(Chain)),
    };
}
