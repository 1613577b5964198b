// Inference benchmarks: each generated model against the runtime-sized ReferenceLstm on
// the same weights and inputs, after checking that both compute the same function.
using System;
using BenchmarkDotNet.Attributes;
using LstmGen.Reference;
using LstmGen.Training;

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
    public static void Check(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, string what)
    {
        if (actual.Length != expected.Length) throw new InvalidOperationException($"{what}: {actual.Length} outputs, expected {expected.Length}.");
        double max = 1e-3, worst = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i]));
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        if (worst / max > 1e-4) throw new InvalidOperationException($"{what}: outputs disagree (error {worst / max:E2}).");
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

/// <summary>
/// A whole token sequence through a model (batch 1): the reference's run, the set-up, and the agreement
/// check; each workload adds a call to its own generated class, so no interface dispatch is measured.
/// </summary>
public abstract class TokenSequenceBenchmark
{
    private ReferenceLstm _reference = null!;

    protected int[] Tokens { get; private set; } = null!;

    protected float[] Output { get; private set; } = null!;

    protected void Prepare(ITokenSequenceModel generated, int steps, ulong seed)
    {
        _reference = Same.Weights(generated, seed);
        Tokens = Same.Tokens(steps, generated.Shape.Vocabulary, (int)seed);
        Output = new float[generated.Shape.OutputLength(steps)];
        var expected = new float[Output.Length];
        generated.Predict(Tokens, Output);
        _reference.Predict(Tokens, expected);
        Same.Check(Output, expected, GetType().Name);
    }

    [Benchmark(Baseline = true)]
    public float Reference()
    {
        _reference.Predict(Tokens, Output);
        return Output[0];
    }
}

/// <summary>W2: a 20-token sequence through a 27 × 8 → 14 → softmax 3 model.</summary>
[MemoryDiagnoser]
public class TinySequence : TokenSequenceBenchmark
{
    private readonly TinyClassifier _generated = new();

    [GlobalSetup]
    public void Setup() => Prepare(_generated, steps: 20, seed: 2);

    [Benchmark]
    public float Generated()
    {
        _generated.Predict(Tokens, Output);
        return Output[0];
    }
}

/// <summary>W3: a 300-token review through a 5000 × 10 → 128 → sigmoid model.</summary>
[MemoryDiagnoser]
public class ReviewSequence : TokenSequenceBenchmark
{
    private readonly ReviewClassifier _generated = new();

    [GlobalSetup]
    public void Setup() => Prepare(_generated, steps: 300, seed: 3);

    [Benchmark]
    public float Generated()
    {
        _generated.Predict(Tokens, Output);
        return Output[0];
    }
}

/// <summary>W4: 100 characters through a 65 × 32 → 256 → 256 → 65 model, logits at every step (100 × 65 outputs).</summary>
[MemoryDiagnoser]
public class CharSequence : TokenSequenceBenchmark
{
    private readonly CharModel _generated = new();

    [GlobalSetup]
    public void Setup() => Prepare(_generated, steps: 100, seed: 5);

    [Benchmark]
    public float Generated()
    {
        _generated.Predict(Tokens, Output);
        return Output[0];
    }
}
