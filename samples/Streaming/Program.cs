// Streaming inference as a NativeAOT binary: a saved denoiser reads a noisy sine one sample at a time
// through Step with an explicit LstmState, and the program reports the latency of each step (p50/p99/max),
// the bytes allocated over the stream, how much noise it removed, and the size of the binary itself.
using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime;
using System.Runtime.Intrinsics;
using LstmGen;
using LstmGen.Samples;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace Streaming;

/// <summary>One noisy sample in per step, 32 hidden units, the estimate of the clean sample out at every step.</summary>
[LstmModel(Inputs = 1, Hidden = 32, Outputs = 1, HeadOn = HeadOn.EveryStep)]
public partial class Denoiser;

public static class Program
{
    private const string ModelFile = "denoiser.safetensors";

    public static int Main(string[] args)
    {
        // Streaming (the default command).
        var model = SampleOptions.Model($"the weights to stream through (default: {ModelFile} next to the binary)");
        var steps = SampleOptions.AtLeast("--steps", 1, 100_000, "samples to stream");
        var noise = NoiseOption();
        var seed = SampleOptions.Seed("seed of the noise");
        var root = new RootCommand("Streams a noisy sine one sample at a time through a saved LSTM denoiser (Step with an LstmState) and reports the latency of each step, the bytes allocated and the binary's size. The last line is key=value pairs.")
        {
            model, steps, noise, seed,
        };
        SampleOptions.SetAction(root, r => Stream(r.GetValue(model) ?? Path.Combine(AppContext.BaseDirectory, ModelFile), r.GetValue(steps), r.GetValue(noise), r.GetValue(seed)));

        // Training: `Streaming train`.
        var output = SampleOptions.Out(ModelFile, "where to save the trained weights");
        var epochs = SampleOptions.Epochs(60, "most training epochs (early stopping on validation MSE, patience 10)");
        var learningRate = SampleOptions.LearningRate(3e-3);
        var trainNoise = NoiseOption();
        var trainSeed = SampleOptions.Seed("seed of the training sines, the noise and the initialisation");
        var train = new Command("train", "Trains the denoiser on noisy sines of random period and phase and saves it.")
        {
            output, epochs, learningRate, trainNoise, trainSeed,
        };
        SampleOptions.SetAction(train, r => Train(r.GetValue(output)!, r.GetValue(epochs), r.GetValue(learningRate), r.GetValue(trainNoise), r.GetValue(trainSeed)));
        root.Add(train);
        return root.Parse(args).Invoke();
    }

    private static Option<double> NoiseOption() =>
        SampleOptions.Between("--noise", 0, 10, 0.3, "standard deviation of the noise added to the sine (its amplitude is 1)");

    /// <summary>Streams <paramref name="steps"/> noisy samples through the saved model, one <c>Step</c> each, timing every step.</summary>
    private static int Stream(string modelPath, int steps, double noise, ulong seed)
    {
        string mode = JitInfo.GetCompiledMethodCount() > 0 ? "JIT" : "NativeAOT"; // PublishAot also turns off IsDynamicCodeSupported under the JIT
        Console.WriteLine($"{mode}, .NET {Environment.Version}, Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}");

        var model = new Denoiser();
        model.Load(modelPath);
        Console.WriteLine($"Loaded {modelPath} ({model.Parameters.Length} parameters).");

        // The whole stream is made up front, so the timed loop only reads it.
        var (clean, noisy) = NoisySine.Make(steps, noise, seed + 1000);
        var ticks = new long[steps];
        var estimate = new float[steps];

        // Warm-up on its own state (under the JIT this lets tiered compilation finish; NativeAOT has nothing to warm).
        LstmState state = model.CreateState();
        for (int i = 0; i < Math.Min(steps, 20_000); i++) model.Step(noisy.AsSpan(i, 1), estimate.AsSpan(i, 1), state);
        state.Reset();
        long timerOverhead = TimerOverhead();

        // The stream: one sample in, one estimate out, per step. Nothing in this loop may allocate.
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long streamStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            model.Step(noisy.AsSpan(i, 1), estimate.AsSpan(i, 1), state);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }
        double streamSeconds = Stopwatch.GetElapsedTime(streamStart).TotalSeconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Array.Sort(ticks);
        double Ns(long t) => t * 1e9 / Stopwatch.Frequency;
        double p50 = Ns(ticks[(int)(0.50 * (steps - 1))]), p99 = Ns(ticks[(int)(0.99 * (steps - 1))]), max = Ns(ticks[^1]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Streamed {steps:N0} samples in {streamSeconds * 1e3:F1} ms: per step p50 {p50:F0} ns, p99 {p99:F0} ns, max {max / 1e3:F1} µs (a timer read pair costs {Ns(timerOverhead):F0} ns and is included); {allocated} bytes allocated."));

        // How much of the noise the model removed, against the raw input and a causal moving average.
        const int average = 5;
        double modelError = 0, noisyError = 0, averageError = 0, sum = 0;
        for (int i = 0; i < steps; i++)
        {
            sum += noisy[i] - (i >= average ? noisy[i - average] : 0);
            double smoothed = sum / Math.Min(i + 1, average);
            modelError += Square(estimate[i] - clean[i]);
            noisyError += Square(noisy[i] - clean[i]);
            averageError += Square(smoothed - clean[i]);
        }
        double rmse = Math.Sqrt(modelError / steps), noisyRmse = Math.Sqrt(noisyError / steps), averageRmse = Math.Sqrt(averageError / steps);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Error against the clean sine: model {rmse:F3}, noisy input {noisyRmse:F3}, moving average of the last {average} {averageRmse:F3} (RMSE)."));

        string? binary = Environment.ProcessPath;
        long binaryBytes = binary is null ? 0 : new FileInfo(binary).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Binary: {binary} {binaryBytes / 1e6:F2} MB{(mode == "JIT" ? " (the host that runs the JIT, not a self-contained binary)" : "")}."));

        // One machine-readable line last, for samples/Streaming/smoke.sh.
        SampleOutput.KeyValues(
            $"mode={mode} steps={steps} p50_ns={p50:F0} p99_ns={p99:F0} max_ns={max:F0} allocated_bytes={allocated} rmse={rmse:F4} noisy_rmse={noisyRmse:F4} average_rmse={averageRmse:F4} binary_bytes={binaryBytes}");
        return 0;
    }

    /// <summary>The cost of the two timer reads around each step: the median of many empty pairs, in ticks.</summary>
    private static long TimerOverhead()
    {
        var pairs = new long[10_000];
        for (int i = 0; i < pairs.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            pairs[i] = Stopwatch.GetTimestamp() - start;
        }
        Array.Sort(pairs);
        return pairs[pairs.Length / 2];
    }

    /// <summary>Trains the denoiser on short noisy sines of random period and phase, and saves it.</summary>
    private static int Train(string modelPath, int epochs, double learningRate, double noise, ulong seed)
    {
        const int length = 200;
        var random = new Random((int)seed);
        (List<float[]> Inputs, List<float[]> Targets) Sequences(int count)
        {
            var inputs = new List<float[]>();
            var targets = new List<float[]>();
            for (int s = 0; s < count; s++)
            {
                var (clean, noisy) = NoisySine.Make(length, noise, (ulong)random.NextInt64(), NoisySine.ShortestPeriod + random.NextDouble() * (NoisySine.LongestPeriod - NoisySine.ShortestPeriod), random.NextDouble() * 2 * Math.PI);
                inputs.Add(noisy);
                targets.Add(clean);
            }
            return (inputs, targets);
        }
        var (trainInputs, trainTargets) = Sequences(512);
        var (checkInputs, checkTargets) = Sequences(64);
        var fit = SequenceDataset.FromFloats(trainInputs, 1, trainTargets, HeadOn.EveryStep);
        var check = SequenceDataset.FromFloats(checkInputs, 1, checkTargets, HeadOn.EveryStep);
        Console.WriteLine($"Training on {fit.Count} noisy sines of {length} steps (periods {NoisySine.ShortestPeriod}–{NoisySine.LongestPeriod}, noise {noise}), {check.Count} for validation.");

        var model = new Denoiser();
        model.Initialize(seed);
        using var trainer = new Trainer(model, new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = 16,
            Seed = seed,
            Threads = Math.Min(2, Environment.ProcessorCount),
            Optimizer = new Adam(learningRate),
            ClipGradientNorm = 1,
            EarlyStoppingPatience = 10,
        });
        TrainingResult result = trainer.Fit(fit, check, new ConsoleProgressBar());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Trained {result.CompletedEpochs} epochs (best {result.BestEpoch}, validation MSE {result.BestMetric:F4}; the noise alone is {noise * noise:F4})."));
        model.Save(modelPath);
        Console.WriteLine($"Saved {Path.GetFullPath(modelPath)}");
        return 0;
    }

    private static double Square(double x) => x * x;
}
