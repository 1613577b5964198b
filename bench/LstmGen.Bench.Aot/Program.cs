// Times the generated models of W1–W4 with a small harness that runs the same way under the JIT and
// as a NativeAOT binary (BenchmarkDotNet does not run NativeAOT here), and checks they allocate nothing.
using System;
using System.Diagnostics;
using System.Runtime;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LstmGen;
using LstmGen.Bench;
using LstmGen.Training;

var options = HarnessOptions.Parse(args);
// Not RuntimeFeature.IsDynamicCodeSupported: PublishAot sets that switch to false under the JIT as well.
string mode = JitInfo.GetCompiledMethodCount() > 0 ? "JIT" : "NativeAOT";
Console.WriteLine($"# {mode}, .NET {Environment.Version}, Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, FMA {Fma.IsSupported}");
Console.WriteLine($"# warm-up {options.WarmUp.TotalSeconds:0.##} s and {options.WarmUpCalls} calls, {options.Rounds} rounds of ~{options.Round.TotalMilliseconds:0} ms; median and fastest round, ns per call");
Console.WriteLine();
Console.WriteLine("| workload                 |      median |     fastest | calls/round | allocated/call |");
Console.WriteLine("|--------------------------|-------------|-------------|-------------|----------------|");

var machineReadable = new System.Collections.Generic.List<string>();
var w1 = new StreamingWorkload();
Report("W1 StreamingStep", Harness.Measure(ref w1, options));
var w2 = new SequenceWorkload<TinyClassifier>(new TinyClassifier(), steps: 20, seed: 2);
Report("W2 TinySequence", Harness.Measure(ref w2, options));
var w3 = new SequenceWorkload<ReviewClassifier>(new ReviewClassifier(), steps: 300, seed: 3);
Report("W3 ReviewSequence", Harness.Measure(ref w3, options));
var w4 = new SequenceWorkload<CharModel>(new CharModel(), steps: 100, seed: 5);
Report("W4 CharSequence", Harness.Measure(ref w4, options));

// Machine-readable lines for bench/aot.sh, after the table.
Console.WriteLine();
foreach (string line in machineReadable) Console.WriteLine(line);

void Report(string name, Measurement m)
{
    Console.WriteLine($"| {name,-24} | {m.MedianNs,11:N1} | {m.FastestNs,11:N1} | {m.CallsPerRound,11} | {m.BytesPerCall,12:0.##} B |");
    machineReadable.Add(FormattableString.Invariant($"result\t{mode}\t{name}\t{m.MedianNs:0.0}\t{m.FastestNs:0.0}\t{m.BytesPerCall:0.##}"));
}

/// <summary>Harness settings; <c>--quick</c> shortens everything for a smoke test.</summary>
internal sealed record HarnessOptions(TimeSpan WarmUp, int WarmUpCalls, TimeSpan Round, int Rounds)
{
    public static HarnessOptions Parse(string[] args) =>
        Array.IndexOf(args, "--quick") >= 0
            ? new(TimeSpan.FromSeconds(0.2), 10, TimeSpan.FromMilliseconds(20), 5)
            // Warm-up long enough for tiered compilation (tier 0 → instrumented → tier 1) to finish under the JIT.
            : new(TimeSpan.FromSeconds(1.5), 100, TimeSpan.FromMilliseconds(100), 15);
}

internal readonly record struct Measurement(double MedianNs, double FastestNs, long CallsPerRound, double BytesPerCall);

/// <summary>One call of a workload. Workloads are structs so <see cref="Harness.Measure"/> is specialised per workload and the call inlines.</summary>
internal interface IWorkload
{
    void Run();
}

internal static class Harness
{
    public static Measurement Measure<T>(ref T workload, HarnessOptions options) where T : struct, IWorkload
    {
        // Warm-up (a minimum time and a minimum number of calls), which also tells how many calls fill a round.
        long start = Stopwatch.GetTimestamp();
        long calls = 0;
        while (Stopwatch.GetElapsedTime(start) < options.WarmUp || calls < options.WarmUpCalls)
        {
            workload.Run();
            calls++;
        }
        double secondsPerCall = Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
        long perRound = Math.Max(1, (long)(options.Round.TotalSeconds / secondsPerCall));

        var rounds = new double[options.Rounds];
        long allocated = 0;
        for (int r = 0; r < rounds.Length; r++)
        {
            long bytesBefore = GC.GetAllocatedBytesForCurrentThread();
            long roundStart = Stopwatch.GetTimestamp();
            for (long i = 0; i < perRound; i++) workload.Run();
            long roundEnd = Stopwatch.GetTimestamp();
            allocated += GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
            rounds[r] = (roundEnd - roundStart) * 1e9 / Stopwatch.Frequency / perRound;
        }
        Array.Sort(rounds);
        return new Measurement(rounds[rounds.Length / 2], rounds[0], perRound, (double)allocated / (perRound * rounds.Length));
    }
}

/// <summary>W1: one streaming step of the 1 → 32 → 1 model, the state carried from call to call (as in the BenchmarkDotNet suite).</summary>
internal struct StreamingWorkload : IWorkload
{
    private readonly StreamingModel _model;
    private readonly LstmState _state;
    private readonly float[] _input = { 0.25f }, _output = new float[1];

    public StreamingWorkload()
    {
        _model = new StreamingModel();
        ParameterInit.Initialize(_model.Shape, _model.Parameters, 1);
        _model.ParametersChanged();
        _state = _model.CreateState();
    }

    public void Run() => _model.Step(_input, _output, _state);
}

/// <summary>W2–W4: a whole token sequence from a zero state, with the same weights and tokens as the BenchmarkDotNet suite.</summary>
internal readonly struct SequenceWorkload<TModel> : IWorkload where TModel : class, ITokenSequenceModel
{
    private readonly TModel _model;
    private readonly int[] _tokens;
    private readonly float[] _output;

    public SequenceWorkload(TModel model, int steps, ulong seed)
    {
        _model = model;
        ParameterInit.Initialize(model.Shape, model.Parameters, seed);
        model.ParametersChanged();
        var random = new Random((int)seed);
        _tokens = new int[steps];
        for (int i = 0; i < steps; i++) _tokens[i] = random.Next(model.Shape.VocabularySize);
        _output = new float[model.Shape.OutputLength(steps)];
    }

    public void Run() => _model.Predict(_tokens, _output);
}
