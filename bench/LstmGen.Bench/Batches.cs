// Many sequences or streams per call (W7, W9): the generated model's PredictBatch and StepBatch against ONNX Runtime
// (and TorchSharp) running the same batch as one tensor, each checked first against the generated model's one-at-a-time
// results on the same weights and inputs. A peer's benchmarks have their own set-up, so a peer can fail alone.
using System;
using BenchmarkDotNet.Attributes;
using LstmGen.Bench.Peers;
using LstmGen.Bench.Peers.Onnx;
#if TORCHSHARP
using LstmGen.Bench.Peers.TorchSharpPeer;
#endif
using LstmGen.Training;

namespace LstmGen.Bench;

/// <summary>
/// W7: <see cref="Batch"/> token sequences of one length through a model in one call, on one thread. The generated
/// model takes them back to back (sequence-major, <c>PredictBatch</c>); ONNX Runtime and TorchSharp take a time-major
/// [T, B] tensor, as their LSTMs want it, built once in the set-up. Each call's outputs are the same numbers; an
/// every-step head's come out [B, T, O] from the generated model and [T, B, O] from the peers.
/// </summary>
public abstract class BatchSequenceBenchmark
{
    private readonly int _steps;
    private readonly ulong _seed;
    private int[] _tokens = null!, _lengths = null!, _timeMajorTokens = null!;
    private float[] _output = null!, _peerOutput = null!, _expected = null!;
    private OnnxSequence _onnx = null!;

    protected BatchSequenceBenchmark(int steps, ulong seed)
    {
        _steps = steps;
        _seed = seed;
    }

    /// <summary>Sequences per call.</summary>
    [Params(1, 8, 32, 64)]
    public int Batch { get; set; }

    protected abstract ITokenSequenceModel Model { get; }

    /// <summary>
    /// The weights (the seed of the batch-1 workload), <see cref="Batch"/> sequences of random tokens, and each
    /// sequence's output from the one-at-a-time <c>Predict</c>: what every implementation must reproduce.
    /// </summary>
    private void Prepare()
    {
        ITokenSequenceModel model = Model;
        model.Initialize(_seed);
        int batch = Batch, steps = _steps, perSequence = model.Shape.OutputLength(steps);
        _tokens = new int[batch * steps];
        _timeMajorTokens = new int[batch * steps];
        _lengths = new int[batch];
        _expected = new float[batch * perSequence];
        for (int b = 0; b < batch; b++)
        {
            int[] sequence = Same.Tokens(steps, model.Shape.VocabularySize, (int)_seed * 1000 + b);
            sequence.CopyTo(_tokens, b * steps);
            for (int t = 0; t < steps; t++) _timeMajorTokens[t * batch + b] = sequence[t];
            _lengths[b] = steps;
            model.Predict(sequence, _expected.AsSpan(b * perSequence, perSequence));
        }
        _output = new float[_expected.Length];
        _peerOutput = new float[_expected.Length];
    }

    /// <summary>For the PyTorch export: the model, <see cref="Batch"/> sequences back to back and their one-at-a-time outputs.</summary>
    internal (ILstmModel Model, int Steps, int[] Tokens, float[] Expected) Workload()
    {
        Prepare();
        return (Model, _steps, _tokens, _expected);
    }

    /// <summary>A peer's output in the generated model's order: [T, B, O] → [B, T, O] for an every-step head.</summary>
    private float[] PeerOutputSequenceMajor()
    {
        if (Model.Shape.HeadOn != HeadOn.EveryStep) return _peerOutput;
        int batch = Batch, steps = _steps, o = Model.Shape.OutputSize;
        var reordered = new float[_peerOutput.Length];
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
                Array.Copy(_peerOutput, (t * batch + b) * o, reordered, (b * steps + t) * o, o);
        return reordered;
    }

    [GlobalSetup(Target = nameof(Generated))]
    public void SetupGenerated()
    {
        Prepare();
        Model.PredictBatch(_tokens, _lengths, _output);
        Same.Check(_output, _expected, $"{GetType().Name} PredictBatch, batch {Batch}");
    }

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnx()
    {
        Prepare();
        _onnx = new OnnxSequence(Model.Shape, Model.Parameters, _timeMajorTokens, _peerOutput, Batch, symbolicBatch: true);
        _onnx.Run();
        Same.Check(PeerOutputSequenceMajor(), _expected, $"{GetType().Name} ONNX Runtime, batch {Batch}");
    }

    [GlobalCleanup(Target = nameof(OnnxRuntime))]
    public void CleanupOnnx() => _onnx.Dispose();

#if TORCHSHARP
    private TorchSharpSequence _torch = null!;

    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        Prepare();
        _torch = new TorchSharpSequence(Model.Shape, Model.Parameters, _timeMajorTokens, _peerOutput, Batch);
        _torch.Run();
        Same.Check(PeerOutputSequenceMajor(), _expected, $"{GetType().Name} TorchSharp, batch {Batch}");
    }

    [GlobalCleanup(Target = nameof(TorchSharp))]
    public void CleanupTorchSharp() => _torch.Dispose();

    [Benchmark, BenchmarkCategory(PeerCategory.TorchSharp)]
    public float TorchSharp()
    {
        _torch.Run();
        return _peerOutput[0];
    }
#endif

    /// <summary>The batch through the generated model's many-sequence entry point, on the calling thread.</summary>
    [Benchmark(Baseline = true)]
    public float Generated()
    {
        Model.PredictBatch(_tokens, _lengths, _output);
        return _output[0];
    }

    [Benchmark, BenchmarkCategory(PeerCategory.OnnxRuntime)]
    public float OnnxRuntime()
    {
        _onnx.Run();
        return _peerOutput[0];
    }
}

/// <summary>W7 on W3's model: B reviews of 300 tokens through 5000 × 10 → LSTM(128) → sigmoid.</summary>
[MemoryDiagnoser]
public class ReviewBatch : BatchSequenceBenchmark
{
    private readonly ReviewClassifier _model = new();

    public ReviewBatch() : base(steps: WorkloadSizes.W3Steps, seed: 3) { }

    protected override ITokenSequenceModel Model => _model;
}

/// <summary>W7 on W4's model: B sequences of 100 characters through 65 × 32 → 2 × LSTM(256) → 65 logits at every step.</summary>
[MemoryDiagnoser]
public class CharBatch : BatchSequenceBenchmark
{
    private readonly CharModel _model = new();

    public CharBatch() : base(steps: WorkloadSizes.W4Steps, seed: 5) { }

    protected override ITokenSequenceModel Model => _model;
}

/// <summary>
/// W9: 1,024 streams of W1's model (1 → LSTM(32) → 1) advanced one step each per call, every state carried from call
/// to call: the generated model's <c>StepBatch</c> over a <see cref="StreamBatch"/> of 1,024 open slots, against ONNX
/// Runtime's one-step graph at batch 1,024 (h and c as inputs and outputs, two bindings that swap the state buffers).
/// </summary>
[MemoryDiagnoser]
public class StreamBatchStep
{
    private const int Streams = WorkloadSizes.W9Streams, CheckSteps = 40;
    private readonly StreamingModel _model = new();
    private StreamBatch _streams = null!;
    private readonly float[] _input = new float[Streams], _output = new float[Streams];
    private float[] _expected = null!;
    private OnnxStream _onnx = null!;

    /// <summary>Stream s's input at step t of the agreement check: a sine of its own phase.</summary>
    private static float CheckInput(int s, int t) => MathF.Sin(t * 0.3f + s * 0.01f);

    /// <summary>The weights (W1's seed) and each stream's output after <see cref="CheckSteps"/> steps, from one-at-a-time <c>Predict</c>.</summary>
    private void Prepare()
    {
        _model.Initialize(1);
        _expected = new float[Streams];
        var sequence = new float[CheckSteps];
        for (int s = 0; s < Streams; s++)
        {
            for (int t = 0; t < CheckSteps; t++) sequence[t] = CheckInput(s, t);
            _model.Predict(sequence, _expected.AsSpan(s, 1));
        }
    }

    /// <summary>Runs the agreement check's steps through <paramref name="step"/>, then sets every stream's input to 0.25 for the timed steps.</summary>
    private void RunCheckSteps(Action step)
    {
        for (int t = 0; t < CheckSteps; t++)
        {
            for (int s = 0; s < Streams; s++) _input[s] = CheckInput(s, t);
            step();
        }
        Array.Fill(_input, 0.25f);
    }

    [GlobalSetup(Target = nameof(Generated))]
    public void SetupGenerated()
    {
        Prepare();
        _streams = _model.CreateStreamBatch(Streams);
        for (int s = 0; s < Streams; s++) _streams.Open();
        RunCheckSteps(() => _model.StepBatch(_streams, _input, _output));
        Same.Check(_output, _expected, "W9 StepBatch");
    }

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnx()
    {
        Prepare();
        _onnx = new OnnxStream(_model.Shape, _model.Parameters, _input, _output, Streams, symbolicBatch: true);
        RunCheckSteps(_onnx.Step);
        Same.Check(_output, _expected, "W9 ONNX Runtime");
    }

    [GlobalCleanup(Target = nameof(OnnxRuntime))]
    public void CleanupOnnx() => _onnx.Dispose();

    /// <summary>One step of every stream (states carried from call to call).</summary>
    [Benchmark(Baseline = true)]
    public float Generated()
    {
        _model.StepBatch(_streams, _input, _output);
        return _output[0];
    }

    [Benchmark, BenchmarkCategory(PeerCategory.OnnxRuntime)]
    public float OnnxRuntime()
    {
        _onnx.Step();
        return _output[0];
    }
}
