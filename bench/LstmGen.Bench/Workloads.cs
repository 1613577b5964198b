// Inference benchmarks: each generated model against the runtime-sized ReferenceLstm and the peers
// (ONNX Runtime) on the same weights and inputs, after checking that they compute the same function.
// A peer's benchmarks have their own set-up (GlobalSetup Target), so a peer can fail alone.
using System;
using BenchmarkDotNet.Attributes;
using LstmGen.Bench.Peers;
using LstmGen.Bench.Peers.Onnx;
#if TORCHSHARP
using LstmGen.Bench.Peers.TorchSharpPeer;
#endif
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

/// <summary>W1: one streaming step (batch 1) of a 1 → 32 → 1 LSTM, the state carried from call to call.</summary>
[MemoryDiagnoser]
public class StreamingStep
{
    private readonly StreamingModel _generated = new();
    private ReferenceLstm _reference = null!;
    private LstmState _generatedState = null!, _referenceState = null!;
    private readonly float[] _input = { 0.25f };
    private readonly float[] _output = new float[1];
    private float[] _expected = null!, _sequence = null!;
    private OnnxStream _onnx = null!;

    [GlobalSetup(Targets = new[] { nameof(Reference), nameof(Generated) })]
    public void Setup()
    {
        _reference = Same.Weights(_generated, 1);
        _generatedState = _generated.CreateState();
        _referenceState = _reference.CreateState();
        _sequence = new float[40];
        for (int i = 0; i < _sequence.Length; i++) _sequence[i] = MathF.Sin(i * 0.3f);
        _expected = new float[1];
        var b = new float[1];
        _generated.Predict(_sequence, _expected);
        _reference.Predict(_sequence, b);
        Same.Check(b, _expected, "W1 reference");
    }

    /// <summary>After <see cref="Setup"/>: the model, the inputs of the agreement check and the generated model's output on them.</summary>
    internal (ILstmModel Model, float[] Inputs, float[] Expected) Workload => (_generated, _sequence, _expected);

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnx()
    {
        Setup();
        _onnx = new OnnxStream(_generated.Shape, _generated.Parameters, _input, _output);
        foreach (float x in _sequence)
        {
            _input[0] = x;
            _onnx.Step();
        }
        Same.Check(_output, _expected, "W1 ONNX Runtime");
        _onnx.Reset();
        _input[0] = 0.25f;
    }

    [GlobalCleanup(Target = nameof(OnnxRuntime))]
    public void CleanupOnnx() => _onnx.Dispose();

#if TORCHSHARP
    private TorchSharpStream _torch = null!;

    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        Setup();
        _torch = new TorchSharpStream(_generated.Shape, _generated.Parameters, _input, _output);
        foreach (float x in _sequence)
        {
            _input[0] = x;
            _torch.Step();
        }
        Same.Check(_output, _expected, "W1 TorchSharp");
        _torch.Reset();
        _input[0] = 0.25f;
    }

    [GlobalCleanup(Target = nameof(TorchSharp))]
    public void CleanupTorchSharp() => _torch.Dispose();

    [Benchmark, BenchmarkCategory(PeerCategory.TorchSharp)]
    public float TorchSharp()
    {
        _torch.Step();
        return _output[0];
    }
#endif

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

    [Benchmark, BenchmarkCategory(PeerCategory.OnnxRuntime)]
    public float OnnxRuntime()
    {
        _onnx.Step();
        return _output[0];
    }
}

/// <summary>
/// A whole token sequence through a model (batch 1): the set-up, the agreement checks, the reference's
/// and the peers' runs; each workload adds a call to its own generated class, so no interface dispatch
/// is measured.
/// </summary>
public abstract class TokenSequenceBenchmark
{
    private readonly int _steps;
    private readonly ulong _seed;
    private ReferenceLstm _reference = null!;
    private OnnxSequence _onnx = null!;

    protected TokenSequenceBenchmark(int steps, ulong seed)
    {
        _steps = steps;
        _seed = seed;
    }

    protected abstract ITokenSequenceModel Model { get; }

    protected int[] Tokens { get; private set; } = null!;

    protected float[] Output { get; private set; } = null!;

    /// <summary>The generated model's output on <see cref="Tokens"/>: what every other implementation must reproduce.</summary>
    private float[] Expected { get; set; } = null!;

    [GlobalSetup(Targets = new[] { nameof(Reference), "Generated" })]
    public void Setup()
    {
        _reference = Same.Weights(Model, _seed);
        Tokens = Same.Tokens(_steps, Model.Shape.VocabularySize, (int)_seed);
        Output = new float[Model.Shape.OutputLength(_steps)];
        Expected = new float[Output.Length];
        Model.Predict(Tokens, Expected);
        _reference.Predict(Tokens, Output);
        Same.Check(Output, Expected, $"{GetType().Name} reference");
    }

    /// <summary>After <see cref="Setup"/>: the model, its tokens and the generated model's output on them.</summary>
    internal (ILstmModel Model, int[] Tokens, float[] Expected) Workload => (Model, Tokens, Expected);

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnx()
    {
        Setup();
        Array.Clear(Output);
        _onnx = new OnnxSequence(Model.Shape, Model.Parameters, Tokens, Output);
        _onnx.Run();
        Same.Check(Output, Expected, $"{GetType().Name} ONNX Runtime");
    }

    [GlobalCleanup(Target = nameof(OnnxRuntime))]
    public void CleanupOnnx() => _onnx.Dispose();

#if TORCHSHARP
    private TorchSharpSequence _torch = null!;

    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        Setup();
        Array.Clear(Output);
        _torch = new TorchSharpSequence(Model.Shape, Model.Parameters, Tokens, Output);
        _torch.Run();
        Same.Check(Output, Expected, $"{GetType().Name} TorchSharp");
    }

    [GlobalCleanup(Target = nameof(TorchSharp))]
    public void CleanupTorchSharp() => _torch.Dispose();

    [Benchmark, BenchmarkCategory(PeerCategory.TorchSharp)]
    public float TorchSharp()
    {
        _torch.Run();
        return Output[0];
    }
#endif

    [Benchmark(Baseline = true)]
    public float Reference()
    {
        _reference.Predict(Tokens, Output);
        return Output[0];
    }

    [Benchmark, BenchmarkCategory(PeerCategory.OnnxRuntime)]
    public float OnnxRuntime()
    {
        _onnx.Run();
        return Output[0];
    }
}

/// <summary>W2: a 20-token sequence through a 27 × 8 → 14 → softmax 3 model.</summary>
[MemoryDiagnoser]
public class TinySequence : TokenSequenceBenchmark
{
    private readonly TinyClassifier _generated = new();

    public TinySequence() : base(steps: 20, seed: 2) { }

    protected override ITokenSequenceModel Model => _generated;

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

    public ReviewSequence() : base(steps: 300, seed: 3) { }

    protected override ITokenSequenceModel Model => _generated;

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

    public CharSequence() : base(steps: 100, seed: 5) { }

    protected override ITokenSequenceModel Model => _generated;

    [Benchmark]
    public float Generated()
    {
        _generated.Predict(Tokens, Output);
        return Output[0];
    }
}
