// Training benchmarks: one minibatch step through the Trainer (the code path Fit runs), generated model
// on its lane path and on the per-sample path, against the runtime-sized reference where it is affordable.
using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using LstmGen.Reference;
#if TORCHSHARP
using LstmGen.Bench.Peers.TorchSharpPeer;
#endif
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using LstmGen.CompilerServices;

namespace LstmGen.Bench;

/// <summary>
/// W5: one Adam step on a batch of 32 reviews of 300 tokens (binary cross-entropy on a sigmoid head)
/// through <see cref="Trainer.TrainStep"/> on <see cref="Threads"/> threads: recording forward passes,
/// the loss, BPTT into chunk gradients, their fixed-order sum, the PyTorch-layout gradient, Adam and the
/// repacking. Reported per review (OperationsPerInvoke). Generated = lane path (chunks of 16 reviews in
/// lock-step); GeneratedPerSample = the same model with <see cref="TrainingOptions.LaneTraining"/> off.
/// </summary>
[MemoryDiagnoser]
public class ReviewTrainingBatch
{
    private const int Batch = 32, Steps = 300;
    private Trainer _generated = null!, _perSample = null!, _reference = null!;
    private SequenceDataset _batch = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    private Trainer Create(ITrainableModel model, bool lanes) => new(model, new TrainingOptions
    {
        BatchSize = Batch, Threads = Threads, SamplesPerChunk = Batch / 2, LaneTraining = lanes, Optimizer = new Adam(),
    });

    /// <summary>The batch: 32 reviews of 300 tokens and their 0/1 labels (one-element targets).</summary>
    private static (List<int[]> Reviews, List<int[]> Labels) Reviews()
    {
        var reviews = new List<int[]>();
        var labels = new List<int[]>();
        for (int i = 0; i < Batch; i++)
        {
            reviews.Add(Same.Tokens(Steps, 5000, 100 + i));
            labels.Add(new[] { i % 2 });
        }
        return (reviews, labels);
    }

    [GlobalSetup]
    public void Setup()
    {
        var generated = new ReviewClassifier();
        ReferenceLstm reference = Same.Weights(generated, 4);
        var perSample = new ReviewClassifier();
        generated.Parameters.CopyTo(perSample.Parameters);
        perSample.ParametersChanged();
        var (reviews, labels) = Reviews();
        _batch = SequenceDataset.FromTokens(reviews, labels.ConvertAll(l => l[0]));
        LaneAgreement.Check(generated, reference, reviews, "W5");
        _generated = Create(generated, lanes: true);
        _perSample = Create(perSample, lanes: false);
        _reference = Create(reference, lanes: false);
        double a = _generated.TrainStep(_batch), b = _reference.TrainStep(_batch), c = _perSample.TrainStep(_batch);
        if (Math.Abs(a - b) > 1e-4 * Math.Abs(b) || Math.Abs(c - b) > 1e-4 * Math.Abs(b))
            throw new InvalidOperationException($"W5: batch losses disagree (lanes {a}, per sample {c}, reference {b}).");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _generated.Dispose();
        _perSample.Dispose();
        _reference.Dispose();
    }

#if TORCHSHARP
    private TorchSharpTraining? _torch;

    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        var (reviews, labels) = Reviews();
        _torch = CheckedTorchSharpTraining.Create(new ReviewClassifier(), 4, reviews, labels, SequenceDataset.FromTokens(reviews, labels.ConvertAll(l => l[0])), Create, Threads, "W5");
    }

    [GlobalCleanup(Target = nameof(TorchSharp))]
    public void CleanupTorchSharp() => _torch?.Dispose();

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory(Peers.PeerCategory.TorchSharp)]
    public double TorchSharp() => _torch!.Step();
#endif

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public double Reference() => _reference.TrainStep(_batch);

    [Benchmark(OperationsPerInvoke = Batch)]
    public double GeneratedPerSample() => _perSample.TrainStep(_batch);

    [Benchmark(OperationsPerInvoke = Batch)]
    public double Generated() => _generated.TrainStep(_batch);
}

/// <summary>
/// W6: one Adam step on a batch of 32 sequences of 100 characters (65-way softmax cross-entropy at every
/// step, truncated BPTT 100) of the two-layer 256-unit CharModel, through <see cref="Trainer.TrainStep"/>.
/// Reported per character (OperationsPerInvoke = 3200). The reference is checked for agreement in the set-up
/// but not timed (about a second per batch).
/// </summary>
[MemoryDiagnoser]
public class CharTrainingBatch
{
    private const int Batch = 32, Steps = 100, Characters = Batch * Steps;
    private Trainer _generated = null!, _perSample = null!;
    private SequenceDataset _batch = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    private Trainer Create(ITrainableModel model, bool lanes) => new(model, new TrainingOptions
    {
        BatchSize = Batch, Threads = Threads, SamplesPerChunk = Batch / 2, TruncateSteps = Steps, LaneTraining = lanes,
        LossKind = LossKind.SoftmaxCrossEntropy, Optimizer = new Adam(),
    });

    /// <summary>The batch: 32 windows of 100 random characters and each window's next characters.</summary>
    private static (List<int[]> Text, List<int[]> Next) Windows()
    {
        var text = new List<int[]>();
        var next = new List<int[]>();
        for (int i = 0; i < Batch; i++)
        {
            int[] chars = Same.Tokens(Steps + 1, 65, 200 + i);
            text.Add(chars[..Steps]);
            next.Add(chars[1..]);
        }
        return (text, next);
    }

    [GlobalSetup]
    public void Setup()
    {
        var generated = new CharModel();
        ReferenceLstm reference = Same.Weights(generated, 6);
        var perSample = new CharModel();
        generated.Parameters.CopyTo(perSample.Parameters);
        perSample.ParametersChanged();
        var (text, next) = Windows();
        _batch = SequenceDataset.FromTokens(text, next);
        LaneAgreement.Check(generated, reference, text, "W6");
        _generated = Create(generated, lanes: true);
        _perSample = Create(perSample, lanes: false);
        double a = _generated.TrainStep(_batch), b = _perSample.TrainStep(_batch);
        if (Math.Abs(a - b) > 1e-4 * Math.Abs(b)) throw new InvalidOperationException($"W6: batch losses disagree (lanes {a}, per sample {b}).");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _generated.Dispose();
        _perSample.Dispose();
    }

#if TORCHSHARP
    private TorchSharpTraining? _torch;

    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        var (text, next) = Windows();
        _torch = CheckedTorchSharpTraining.Create(new CharModel(), 6, text, next, SequenceDataset.FromTokens(text, next), Create, Threads, "W6");
    }

    [GlobalCleanup(Target = nameof(TorchSharp))]
    public void CleanupTorchSharp() => _torch?.Dispose();

    [Benchmark(OperationsPerInvoke = Characters), BenchmarkCategory(Peers.PeerCategory.TorchSharp)]
    public double TorchSharp() => _torch!.Step();
#endif

    [Benchmark(Baseline = true, OperationsPerInvoke = Characters)]
    public double GeneratedPerSample() => _perSample.TrainStep(_batch);

    [Benchmark(OperationsPerInvoke = Characters)]
    public double Generated() => _generated.TrainStep(_batch);
}

#if TORCHSHARP
/// <summary>The TorchSharp peer of a training benchmark, checked against the generated model before it is timed.</summary>
internal static class CheckedTorchSharpTraining
{
    /// <summary>
    /// TorchSharp's modules on the weights of <paramref name="model"/> initialised with <paramref name="seed"/>, after
    /// checking that their first batch loss equals the generated <c>Trainer</c>'s on the same weights and batch.
    /// </summary>
    public static TorchSharpTraining Create(ITrainableModel model, ulong seed, List<int[]> sequences, List<int[]> targets,
        SequenceDataset batch, Func<ITrainableModel, bool, Trainer> create, int threads, string what)
    {
        Same.Weights(model, seed);
        double expected;
        using (Trainer trainer = create(model, true)) expected = trainer.TrainStep(batch);
        Same.Weights(model, seed);
        var peer = new TorchSharpTraining(model.Shape, model.Parameters, sequences, targets, threads);
        double loss = peer.Step();
        if (Math.Abs(loss - expected) > 1e-4 * Math.Abs(expected))
            throw new InvalidOperationException($"{what} TorchSharp: batch loss {loss}, the generated model's {expected}.");
        return peer;
    }
}
#endif

/// <summary>Checks that the lane path's outputs and gradients match the reference's per-sample ones on the same weights and data.</summary>
public static class LaneAgreement
{
    public static void Check(ILaneTrainableModel generated, ReferenceLstm reference, IReadOnlyList<int[]> sequences, string what)
    {
        ModelShape shape = generated.Shape;
        int lanes = Math.Min(8, sequences.Count), steps = sequences[0].Length, outputLength = shape.OutputLength(steps);
        var dOut = new float[lanes * outputLength];
        var random = new Random(1);
        for (int i = 0; i < dOut.Length; i++) dOut[i] = (float)(random.NextDouble() - 0.5) / lanes;

        LaneTape laneTape = generated.CreateLaneTape(lanes, steps);
        var states = new LstmState[lanes];
        for (int l = 0; l < lanes; l++)
        {
            states[l] = generated.CreateState();
            sequences[l].CopyTo(laneTape.Tokens(l));
        }
        var outputs = new float[lanes * outputLength];
        GradientBuffer laneGradients = generated.CreateGradients();
        generated.ForwardLanes(laneTape, steps, states, outputs);
        generated.BackwardLanes(laneTape, dOut, laneGradients);
        var actual = new float[shape.ParameterCount];
        generated.CopyGradients(laneGradients, actual);

        TrainingTape tape = reference.CreateTape(steps);
        GradientBuffer referenceGradients = reference.CreateGradients();
        var expectedOutputs = new float[outputs.Length];
        for (int l = 0; l < lanes; l++)
        {
            reference.Forward(sequences[l], expectedOutputs.AsSpan(l * outputLength, outputLength), reference.CreateState(), tape);
            reference.Backward(tape, dOut.AsSpan(l * outputLength, outputLength), referenceGradients);
        }
        var expected = new float[shape.ParameterCount];
        reference.CopyGradients(referenceGradients, expected);
        Same.Check(outputs, expectedOutputs, $"{what} lane outputs");
        Same.Check(actual, expected, $"{what} lane gradients");
    }
}
