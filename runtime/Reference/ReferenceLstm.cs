// The plain, runtime-sized recurrent model that generated models are measured against: readable scalar
// float code straight from PyTorch's equations (LSTM or GRU, one or two directions), working directly on
// the canonical parameter block.
using System;
using System.IO;
using LstmGen.CompilerServices;
using LstmGen.IO;
using LstmGen.Training;

namespace LstmGen.Reference;

/// <summary>
/// A runtime-sized recurrent model (<c>nn.Embedding → nn.LSTM or nn.GRU, optionally bidirectional →
/// nn.Linear → softmax / sigmoid</c>) written as plain scalar loops over the PyTorch-layout
/// <see cref="Parameters"/>, for any <see cref="ModelShape"/>. It is the yardstick for generated models
/// and a fallback for sizes known only at run time.
/// </summary>
/// <remarks>
/// <para>One step of one layer and direction, with x the layer input (the embedding row or input vector
/// for layer 0, layer k−1's output otherwise), for an LSTM:</para>
/// <code>
/// z = b_ih + b_hh + W_ih·x + W_hh·h        // [4H] = [i | f | g | o]
/// i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)
/// c = f·c + i·g      h = o·tanh(c)
/// </code>
/// <para>With a projection (<see cref="ModelShape.ProjectionSize"/> R, PyTorch <c>proj_size</c>; W_hr = <c>weight_hr</c> [R, H])
/// the new h is <c>W_hr·(o·tanh(c))</c>, R values, which the next step's W_hh [4H, R], the next layer and the head read.</para>
/// <para>With peepholes (<see cref="ModelShape.Peephole"/>; p = <c>weight_ch</c>, blocks p_i, p_f, p_o) the gates
/// also read the cell: i = σ(z_i + p_i·c_prev), f = σ(z_f + p_f·c_prev), and, after c is updated, o = σ(z_o + p_o·c).</para>
/// <para>and for a GRU (gate rows r, z, n; b_hn sits inside the reset product, as in PyTorch):</para>
/// <code>
/// r = σ(b_ir + b_hr + W_ir·x + W_hr·h)     z = σ(b_iz + b_hz + W_iz·x + W_hz·h)
/// n = tanh(b_in + W_in·x + r·(b_hn + W_hn·h))      h = (1 − z)·n + z·h
/// </code>
/// <para>σ(x) = 1 / (1 + exp(−x)) with <see cref="MathF.Exp"/>; tanh is <see cref="MathF.Tanh"/>;
/// sums are float, accumulated in the order bias, input, recurrent. All gate pre-activations of a layer
/// are computed (into the state's scratch) before h and c are written, so the h_{t−1} a layer reads is
/// never overwritten while it is still needed. A GRU keeps no cell state: it neither reads nor writes
/// <see cref="LstmState.Cell"/>.</para>
/// <para><b>Bidirectional</b> models (PyTorch <c>bidirectional=True</c>) run every layer twice: direction 0
/// over t = 0…T−1 with the plain weights, direction 1 over t = T−1…0 with the <c>_reverse</c> weights,
/// each writing its h of step t at step t; the layer's output at t is [h_forward, h_backward] (2H), which
/// layer k+1 and the head read. State slot <c>layer·2 + direction</c> holds each direction's h and c
/// (PyTorch's h_n order); the reverse direction ends at t = 0. Such a model cannot stream:
/// <c>Step</c> throws <see cref="NotSupportedException"/>.</para>
/// <para>Whole sequences (<c>Predict</c>, <c>Forward</c>) run layer by layer (all steps of layer 0, then
/// of layer 1, …), which gives the same numbers as running step by step; <c>Step</c> runs one step through
/// every layer. The layer output sequences live in arrays rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>,
/// so after warm-up calls allocate nothing; everything else per stream lives in an <see cref="LstmState"/>.
/// <see cref="ParametersChanged"/> has nothing to rebuild.</para>
/// <para>It is also trainable (<c>ReferenceLstm.Training.cs</c>): a recording forward pass and
/// backpropagation through time, with gradients in the same PyTorch layout as <see cref="Parameters"/>.</para>
/// </remarks>
public sealed partial class ReferenceLstm : IFloatSequenceModel, ITokenSequenceModel, IGuardedModel
{
    private readonly float[] _parameters;
    private readonly int _embeddingOffset;
    // Offsets of each state slot's (layer·Directions + direction) four tensors in the parameter block.
    private readonly int[] _weightIhOffsets;
    private readonly int[] _weightHhOffsets;
    private readonly int[] _biasIhOffsets;
    private readonly int[] _biasHhOffsets;
    private readonly int[] _peepholeOffsets; // empty without peepholes
    private readonly int[] _projectionOffsets; // empty without a projection
    private readonly int _headWeightOffset;
    private readonly int _headBiasOffset;
    private readonly bool _gru;
    private readonly int _directions;
    private readonly int _gateRows;
    private readonly System.Collections.Concurrent.ConcurrentBag<LstmState> _spareStates = new(); // for Predict calls without a state, one per concurrent call
    private readonly ModelGuard _guard = new();

    /// <summary>Creates a model of the given shape with all parameters zero.</summary>
    public ReferenceLstm(ModelShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = shape;
        _parameters = new float[shape.ParameterCount];
        _gru = shape.Cell == RecurrentCell.Gru;
        _directions = shape.DirectionCount;
        _gateRows = shape.GatesPerUnit * shape.HiddenSize;

        _embeddingOffset = shape.IsTokenModel ? shape.GetTensor(ModelShape.EmbeddingWeightName).Offset : -1;
        int slots = shape.StateSlotCount;
        _weightIhOffsets = new int[slots];
        _weightHhOffsets = new int[slots];
        _biasIhOffsets = new int[slots];
        _biasHhOffsets = new int[slots];
        _peepholeOffsets = shape.Peephole ? new int[slots] : [];
        _projectionOffsets = shape.HasProjection ? new int[slots] : [];
        for (int k = 0; k < shape.LayerCount; k++)
        {
            for (int d = 0; d < _directions; d++)
            {
                int slot = k * _directions + d;
                _weightIhOffsets[slot] = shape.GetLayerTensor(LayerParameter.WeightIh, k, d).Offset;
                _weightHhOffsets[slot] = shape.GetLayerTensor(LayerParameter.WeightHh, k, d).Offset;
                _biasIhOffsets[slot] = shape.GetLayerTensor(LayerParameter.BiasIh, k, d).Offset;
                _biasHhOffsets[slot] = shape.GetLayerTensor(LayerParameter.BiasHh, k, d).Offset;
                if (shape.Peephole) _peepholeOffsets[slot] = shape.GetLayerTensor(LayerParameter.WeightCh, k, d).Offset;
                if (shape.HasProjection) _projectionOffsets[slot] = shape.GetLayerTensor(LayerParameter.WeightHr, k, d).Offset;
            }
        }
        if (shape.Head != Head.None)
        {
            _headWeightOffset = shape.GetTensor(ModelShape.HeadWeightName).Offset;
            _headBiasOffset = shape.GetTensor(ModelShape.HeadBiasName).Offset;
        }
    }

    /// <inheritdoc/>
    public ModelShape Shape { get; }

    /// <inheritdoc/>
    public Span<float> Parameters => _parameters;

    /// <summary>
    /// Floats of scratch a state needs: one layer's gate pre-activations — 4·Hidden for an LSTM; for a
    /// GRU 3·Hidden plus the Hidden recurrent sums of the n gate, which the reset gate multiplies; with a
    /// projection, Hidden more for o·tanh(c) before it is projected.
    /// </summary>
    internal int ScratchLength => _gateRows + (_gru || Shape.HasProjection ? Shape.HiddenSize : 0);

    /// <inheritdoc/>
    /// <remarks>The reference model computes straight from <see cref="Parameters"/>, so there is nothing to rebuild.</remarks>
    public void ParametersChanged()
    {
        _guard.BeginWrite();
        _guard.EndWrite();
    }

    /// <inheritdoc/>
    public void Initialize(ulong seed = 0, ParameterInitOptions? options = null)
    {
        _guard.BeginWrite();
        try { ParameterInit.Initialize(Shape, _parameters, seed, options); }
        finally { _guard.EndWrite(); }
    }

    /// <inheritdoc/>
    public string Summary() => Shape.Summary();

    ModelGuard IGuardedModel.Guard => _guard;

    /// <inheritdoc/>
    /// <remarks>The state has <see cref="ModelShape.StateSlotCount"/> slots: slot <c>layer·Directions + direction</c>.</remarks>
    public LstmState CreateState() => new(Shape.StateSlotCount, Shape.HiddenSize, ScratchLength, Shape.ProjectionSize);

    /// <inheritdoc/>
    public void Load(string path, WeightLoadOptions? options = null)
    {
        _guard.BeginWrite();
        try { ModelWeights.Load(path, Shape, _parameters, options); }
        finally { _guard.EndWrite(); }
    }

    /// <inheritdoc/>
    public void Load(Stream stream, WeightLoadOptions? options = null)
    {
        _guard.BeginWrite();
        try { ModelWeights.Load(stream, Shape, _parameters, options); }
        finally { _guard.EndWrite(); }
    }

    /// <inheritdoc/>
    public void Load(ReadOnlyMemory<byte> bytes, WeightLoadOptions? options = null)
    {
        _guard.BeginWrite();
        try { ModelWeights.Load(bytes, Shape, _parameters, options); }
        finally { _guard.EndWrite(); }
    }

    /// <inheritdoc/>
    public void Save(string path) => ModelWeights.Save(path, Shape, _parameters);

    /// <inheritdoc/>
    public void Save(Stream stream) => ModelWeights.Save(stream, Shape, _parameters);

    // ---- float form ----------------------------------------------------------------------------

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> inputs, Span<float> output)
    {
        RequireFloatModel();
        int steps = CheckInputs(inputs);
        CheckOutput(output, Shape.OutputLength(steps), nameof(output));
        LstmState state = _spareStates.TryTake(out LstmState? spare) ? spare : CreateState();
        state.Reset();
        int version = _guard.EnterRead();
        RunSequence(inputs, default, steps, output, state, HeadOutput.Activated, tape: null);
        _guard.ExitRead(version);
        _spareStates.Add(state);
    }

    /// <inheritdoc/>
    /// <remarks>For a bidirectional model each slot of <paramref name="state"/> gives that layer and direction's h0 (and c0); afterwards it holds its h_n (and c_n).</remarks>
    public void Predict(ReadOnlySpan<float> inputs, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
    {
        RequireFloatModel();
        int steps = CheckInputs(inputs);
        CheckOutput(output, Shape.OutputLength(steps), nameof(output));
        CheckState(state);
        CheckKind(kind);
        int version = _guard.EnterRead();
        RunSequence(inputs, default, steps, output, state, kind, tape: null);
        _guard.ExitRead(version);
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The model is bidirectional: its backward direction needs the whole sequence.</exception>
    public void Step(ReadOnlySpan<float> input, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
    {
        RequireFloatModel();
        RequireStreamable();
        if (input.Length != Shape.InputSize)
            throw new ArgumentException($"Expected {Shape.InputSize} input floats for one step, got {input.Length}.", nameof(input));
        CheckStepOutput(output);
        CheckState(state);
        CheckKind(kind);
        int version = _guard.EnterRead();
        AdvanceLayers(input, state);
        if (!output.IsEmpty) WriteOutput(state.Hidden(Shape.LayerCount - 1), output, kind);
        _guard.ExitRead(version);
    }

    // ---- token form ----------------------------------------------------------------------------

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<int> tokens, Span<float> output)
    {
        RequireTokenModel();
        CheckTokens(tokens);
        CheckOutput(output, Shape.OutputLength(tokens.Length), nameof(output));
        LstmState state = _spareStates.TryTake(out LstmState? spare) ? spare : CreateState();
        state.Reset();
        int version = _guard.EnterRead();
        RunSequence(default, tokens, tokens.Length, output, state, HeadOutput.Activated, tape: null);
        _guard.ExitRead(version);
        _spareStates.Add(state);
    }

    /// <inheritdoc/>
    /// <remarks>For a bidirectional model each slot of <paramref name="state"/> gives that layer and direction's h0 (and c0); afterwards it holds its h_n (and c_n).</remarks>
    public void Predict(ReadOnlySpan<int> tokens, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
    {
        RequireTokenModel();
        CheckTokens(tokens);
        CheckOutput(output, Shape.OutputLength(tokens.Length), nameof(output));
        CheckState(state);
        CheckKind(kind);
        int version = _guard.EnterRead();
        RunSequence(default, tokens, tokens.Length, output, state, kind, tape: null);
        _guard.ExitRead(version);
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The model is bidirectional: its backward direction needs the whole sequence.</exception>
    public void Step(int token, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
    {
        RequireTokenModel();
        RequireStreamable();
        if ((uint)token >= (uint)Shape.VocabularySize)
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token id {token} is outside [0, {Shape.VocabularySize}).");
        CheckStepOutput(output);
        CheckState(state);
        CheckKind(kind);
        int version = _guard.EnterRead();
        AdvanceLayers(EmbeddingRow(token), state);
        if (!output.IsEmpty) WriteOutput(state.Hidden(Shape.LayerCount - 1), output, kind);
        _guard.ExitRead(version);
    }

    // ---- argument checks (all before any state is changed) -------------------------------------

    private void RequireFloatModel()
    {
        if (Shape.IsTokenModel)
            throw new InvalidOperationException(
                $"This model reads token ids (Vocabulary={Shape.VocabularySize}, Embedding={Shape.EmbeddingSize}); call the ITokenSequenceModel overloads that take int tokens, not float inputs.");
    }

    private void RequireTokenModel()
    {
        if (!Shape.IsTokenModel)
            throw new InvalidOperationException(
                $"This model reads {Shape.InputSize} float input(s) per step (no embedding); call the IFloatSequenceModel overloads that take float inputs, not token ids.");
    }

    private void RequireStreamable()
    {
        if (Shape.Bidirectional)
            throw new NotSupportedException(
                "This model is bidirectional: its backward direction reads the sequence from the last step to the first, so it cannot advance one step at a time. Use Predict (the whole sequence) instead of Step.");
    }

    /// <summary>Checks the float inputs hold a positive whole number of steps and returns that number.</summary>
    private int CheckInputs(ReadOnlySpan<float> inputs)
    {
        int width = Shape.InputSize;
        if (inputs.Length == 0 || inputs.Length % width != 0)
            throw new ArgumentException(
                $"Expected a positive multiple of {width} input floats (steps × Inputs), got {inputs.Length}.", nameof(inputs));
        return inputs.Length / width;
    }

    private void CheckTokens(ReadOnlySpan<int> tokens)
    {
        if (tokens.Length == 0)
            throw new ArgumentException("Expected at least one token, got 0.", nameof(tokens));
        for (int t = 0; t < tokens.Length; t++)
        {
            int token = tokens[t];
            if ((uint)token >= (uint)Shape.VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(tokens), token,
                    $"tokens[{t}] = {token} is outside the vocabulary [0, {Shape.VocabularySize}).");
        }
    }

    private static void CheckOutput(ReadOnlySpan<float> output, int expected, string name)
    {
        if (output.Length != expected)
            throw new ArgumentException($"Expected an output span of {expected} floats, got {output.Length}.", name);
    }

    private void CheckStepOutput(Span<float> output)
    {
        if (!output.IsEmpty && output.Length != Shape.StepOutputSize)
            throw new ArgumentException(
                $"Expected an output span of {Shape.StepOutputSize} floats (or an empty one to only advance the state), got {output.Length}.", nameof(output));
    }

    private void CheckState(LstmState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.EnsureShape(Shape.StateSlotCount, Shape.HiddenSize, Shape.ProjectionSize, ScratchLength, nameof(state));
    }

    private static void CheckKind(HeadOutput kind)
    {
        if (kind != HeadOutput.Activated && kind != HeadOutput.Logits)
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected HeadOutput.Activated or HeadOutput.Logits.");
    }
}
