// ONNX Runtime sessions over the bench's own buffers: inputs and outputs are bound once (IOBinding over
// pinned arrays), so a measured call is ORT's graph execution and not our marshalling.
using System;
using Microsoft.ML.OnnxRuntime;

namespace LstmGen.Bench.Peers.Onnx;

/// <summary>How every ONNX session of the bench is configured: one thread, sequential, all graph optimisations.</summary>
internal static class OnnxSettings
{
    public static SessionOptions SingleThreaded() => new()
    {
        IntraOpNumThreads = 1,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    /// <summary>The native library's version, e.g. "1.31.1" (loads the library).</summary>
    public static string Version => OrtEnv.Instance().GetVersionString();
}

/// <summary>
/// Whole token sequences of fixed length, <c>batch</c> of them per run (time-major tokens [T, B]): reads <c>tokens</c>,
/// writes <c>output</c> ([B, O] for a last-step head, time-major [T, B, O] for an every-step head).
/// </summary>
internal sealed class OnnxSequence : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly OrtIoBinding _binding;
    private readonly OrtValue _tokens, _output;

    /// <param name="symbolicBatch">Give the model a symbolic batch axis (one file for any batch size) instead of the fixed <paramref name="batch"/>.</param>
    public OnnxSequence(ModelShape shape, ReadOnlySpan<float> parameters, int[] tokens, float[] output, int batch = 1, bool symbolicBatch = false)
    {
        if (batch <= 0 || tokens.Length % batch != 0) throw new ArgumentException($"{tokens.Length} tokens are not {batch} sequences of one length.", nameof(tokens));
        int steps = tokens.Length / batch;
        if (output.Length != batch * shape.OutputLength(steps))
            throw new ArgumentException($"The output must hold {batch * shape.OutputLength(steps)} floats; it holds {output.Length}.", nameof(output));
        using var options = OnnxSettings.SingleThreaded();
        _session = new InferenceSession(OnnxLstmModel.TokenSequence(shape, parameters, steps, symbolicBatch ? OnnxGraph.Batch : batch), options);
        _tokens = OrtValue.CreateTensorValueFromMemory(tokens, new long[] { steps, batch });
        long[] outputDims = shape.HeadOn == HeadOn.EveryStep
            ? new long[] { steps, 1, batch, shape.OutputSize }
            : new long[] { 1, batch, shape.OutputSize };
        _output = OrtValue.CreateTensorValueFromMemory(output, outputDims);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(OnnxNames.Tokens, _tokens);
        _binding.BindOutput(OnnxNames.Output, _output);
    }

    /// <summary>Runs the sequence: the current contents of the token array in, the output array written.</summary>
    public void Run() => _session.RunWithBinding(_run, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        _tokens.Dispose();
        _output.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}

/// <summary>
/// A stream (or <c>batch</c> streams) of single steps with the state carried between calls: two bindings swap the
/// h/c buffers (step n reads set A and writes set B, step n + 1 reads B and writes A), so nothing is copied.
/// Inputs [1, B, I], outputs [1, B, O], stream-major within a step as the generated StepBatch's.
/// </summary>
internal sealed class OnnxStream : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly OrtIoBinding[] _bindings = new OrtIoBinding[2];
    private readonly float[][] _state;
    private readonly OrtValue[] _values;
    private int _next;

    /// <param name="symbolicBatch">Give the model a symbolic batch axis instead of the fixed <paramref name="batch"/>.</param>
    public OnnxStream(ModelShape shape, ReadOnlySpan<float> parameters, float[] input, float[] output, int batch = 1, bool symbolicBatch = false)
    {
        if (input.Length != batch * shape.InputSize) throw new ArgumentException($"The input must hold {batch * shape.InputSize} floats; it holds {input.Length}.", nameof(input));
        if (output.Length != batch * shape.OutputSize) throw new ArgumentException($"The output must hold {batch * shape.OutputSize} floats; it holds {output.Length}.", nameof(output));
        using var options = OnnxSettings.SingleThreaded();
        _session = new InferenceSession(OnnxLstmModel.StreamingStep(shape, parameters, symbolicBatch ? OnnxGraph.Batch : batch), options);

        // _state[2 * (2k + c) + s]: layer k, c = 0 (h) or 1 (c), buffer set s.
        int layers = shape.LayerCount;
        long[] stateDims = { 1, batch, shape.HiddenSize };
        _state = new float[4 * layers][];
        _values = new OrtValue[4 * layers + 2];
        for (int i = 0; i < _state.Length; i++)
        {
            _state[i] = new float[batch * shape.HiddenSize];
            _values[i] = OrtValue.CreateTensorValueFromMemory(_state[i], stateDims);
        }
        _values[^2] = OrtValue.CreateTensorValueFromMemory(input, new long[] { 1, batch, shape.InputSize });
        _values[^1] = OrtValue.CreateTensorValueFromMemory(output, new long[] { 1, batch, shape.OutputSize });

        for (int s = 0; s < 2; s++)
        {
            var binding = _session.CreateIoBinding();
            binding.BindInput(OnnxNames.Input, _values[^2]);
            binding.BindOutput(OnnxNames.Output, _values[^1]);
            for (int k = 0; k < layers; k++)
            {
                binding.BindInput(OnnxNames.HiddenIn(k), _values[2 * (2 * k) + s]);
                binding.BindInput(OnnxNames.CellIn(k), _values[2 * (2 * k + 1) + s]);
                binding.BindOutput(OnnxNames.HiddenOut(k), _values[2 * (2 * k) + 1 - s]);
                binding.BindOutput(OnnxNames.CellOut(k), _values[2 * (2 * k + 1) + 1 - s]);
            }
            _bindings[s] = binding;
        }
    }

    /// <summary>Advances the state by one step with the input array's current contents; writes the output array.</summary>
    public void Step()
    {
        _session.RunWithBinding(_run, _bindings[_next]);
        _next ^= 1;
    }

    /// <summary>Zero state, as at the start of a stream.</summary>
    public void Reset()
    {
        foreach (var buffer in _state) Array.Clear(buffer);
        _next = 0;
    }

    public void Dispose()
    {
        foreach (var binding in _bindings) binding.Dispose();
        foreach (var value in _values) value.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}
