// Inference and training benchmarks: each generated model against the runtime-sized ReferenceLstm on
// the same weights and inputs, after checking that both compute the same function.
using System;
using BenchmarkDotNet.Attributes;
using LstmGen.Reference;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace LstmGen.Bench;

/// <summary>Shared set-up: PyTorch-style initial weights copied into both implementations, and an agreement check.</summary>
public static class Same
{
    public static ReferenceLstm Weights(ILstmModel generated, ulong seed)
    {
        ParameterInit.Initialize(generated.Shape, generated.Parameters, seed);
        generated.ParametersChanged();
        var reference = new ReferenceLstm(generated.Shape);
        generated.Parameters.CopyTo(reference.Parameters);
        reference.ParametersChanged();
        return reference;
    }

    /// <summary>Throws unless the two outputs agree to 1e-4 (max-normalised): a benchmark of different functions measures nothing.</summary>
    public static void Check(ReadOnlySpan<float> generated, ReadOnlySpan<float> reference, string what)
    {
        double max = 1e-3, worst = 0;
        for (int i = 0; i < reference.Length; i++) max = Math.Max(max, Math.Abs(reference[i]));
        for (int i = 0; i < reference.Length; i++) worst = Math.Max(worst, Math.Abs(generated[i] - reference[i]));
        if (worst / max > 1e-4) throw new InvalidOperationException($"{what}: generated and reference disagree (error {worst / max:E2}).");
    }

    public static int[] Tokens(int count, int vocabulary, int seed)
    {
        var random = new Random(seed);
        var tokens = new int[count];
        for (int i = 0; i < count; i++) tokens[i] = random.Next(vocabulary);
        return tokens;
    }
}

/// <summary>W1: one streaming step (batch 1) of a 1 → 32 → 1 LSTM.</summary>
[MemoryDiagnoser]
public class StreamingStep
{
    private readonly StreamingModel _generated = new();
    private ReferenceLstm _reference = null!;
    private LstmState _generatedState = null!, _referenceState = null!;
    private readonly float[] _input = { 0.25f };
    private readonly float[] _output = new float[1];

    [GlobalSetup]
    public void Setup()
    {
        _reference = Same.Weights(_generated, 1);
        _generatedState = _generated.CreateState();
        _referenceState = _reference.CreateState();
        var x = new float[40];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(i * 0.3f);
        var a = new float[1];
        var b = new float[1];
        _generated.Predict(x, a);
        _reference.Predict(x, b);
        Same.Check(a, b, "W1");
    }

    [Benchmark(Baseline = true)]
    public float Reference()
    {
        _reference.Step(_input, _output, _referenceState);
        return _output[0];
    }

    [Benchmark]
    public float Generated()
    {
        _generated.Step(_input, _output, _generatedState);
        return _output[0];
    }
}

/// <summary>W2: a 20-token sequence through a 27 × 8 → 14 → softmax 3 model (batch 1).</summary>
[MemoryDiagnoser]
public class TinySequence
{
    private readonly TinyClassifier _generated = new();
    private ReferenceLstm _reference = null!;
    private readonly int[] _tokens = Same.Tokens(20, 27, 2);
    private readonly float[] _output = new float[3];

    [GlobalSetup]
    public void Setup()
    {
        _reference = Same.Weights(_generated, 2);
        var b = new float[3];
        _generated.Predict(_tokens, _output);
        _reference.Predict(_tokens, b);
        Same.Check(_output, b, "W2");
    }

    [Benchmark(Baseline = true)]
    public float Reference()
    {
        _reference.Predict(_tokens, _output);
        return _output[0];
    }

    [Benchmark]
    public float Generated()
    {
        _generated.Predict(_tokens, _output);
        return _output[0];
    }
}

/// <summary>W3: a 300-token review through a 5000 × 10 → 128 → sigmoid model (batch 1).</summary>
[MemoryDiagnoser]
public class ReviewSequence
{
    private readonly ReviewClassifier _generated = new();
    private ReferenceLstm _reference = null!;
    private readonly int[] _tokens = Same.Tokens(300, 5000, 3);
    private readonly float[] _output = new float[1];

    [GlobalSetup]
    public void Setup()
    {
        _reference = Same.Weights(_generated, 3);
        var b = new float[1];
        _generated.Predict(_tokens, _output);
        _reference.Predict(_tokens, b);
        Same.Check(_output, b, "W3");
    }

    [Benchmark(Baseline = true)]
    public float Reference()
    {
        _reference.Predict(_tokens, _output);
        return _output[0];
    }

    [Benchmark]
    public float Generated()
    {
        _generated.Predict(_tokens, _output);
        return _output[0];
    }
}

/// <summary>W5: one Adam step on a batch of 32 reviews of 300 tokens (forward, BCE, backward, update), 2 threads.</summary>
[MemoryDiagnoser]
public class ReviewTrainingBatch
{
    private const int Batch = 32;
    private Trainer _generatedTrainer = null!, _referenceTrainer = null!;
    private SequenceDataset _data = null!;

    [GlobalSetup]
    public void Setup()
    {
        var generated = new ReviewClassifier();
        ReferenceLstm reference = Same.Weights(generated, 4);
        var sequences = new int[Batch][];
        var labels = new int[Batch];
        for (int i = 0; i < Batch; i++)
        {
            sequences[i] = Same.Tokens(300, 5000, 100 + i);
            labels[i] = i % 2;
        }
        _data = SequenceDataset.FromTokens(sequences, labels);
        TrainingOptions Options() => new() { Epochs = 1, BatchSize = Batch, Shuffle = false, Threads = 2, Optimizer = new Adam() };
        _generatedTrainer = new Trainer(generated, Options());
        _referenceTrainer = new Trainer(reference, Options());
        double a = _generatedTrainer.Evaluate(_data).Loss, b = _referenceTrainer.Evaluate(_data).Loss;
        if (Math.Abs(a - b) > 1e-4 * Math.Abs(b)) throw new InvalidOperationException($"W5: losses disagree ({a} vs {b}).");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public int Reference() => _referenceTrainer.Fit(_data).Epochs;

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Generated() => _generatedTrainer.Fit(_data).Epochs;
}
