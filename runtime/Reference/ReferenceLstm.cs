// The plain, runtime-sized LSTM that generated models are measured against: readable scalar float
// code straight from PyTorch's equations, working directly on the canonical parameter block.
using System;
using System.Runtime.InteropServices;
using LstmGen.IO;

namespace LstmGen.Reference;

/// <summary>
/// A runtime-sized LSTM (<c>nn.Embedding → nn.LSTM → nn.Linear → softmax / sigmoid</c>) written as
/// plain scalar loops over the PyTorch-layout <see cref="Parameters"/>, for any <see cref="ModelShape"/>.
/// It is the yardstick for generated models and a fallback for sizes known only at run time.
/// </summary>
/// <remarks>
/// <para>One step of layer k, with x the layer input (the embedding row or input vector for layer 0,
/// the new h of layer k−1 otherwise):</para>
/// <code>
/// z = b_ih + b_hh + W_ih·x + W_hh·h        // [4H] = [i | f | g | o]
/// i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)
/// c = f·c + i·g      h = o·tanh(c)
/// </code>
/// <para>σ(x) = 1 / (1 + exp(−x)) with <see cref="MathF.Exp"/>; tanh is <see cref="MathF.Tanh"/>;
/// sums are float, accumulated in the order bias, input, recurrent. All four gate pre-activations of a
/// layer are computed (into the state's scratch) before h and c are written, so the h_{t−1} a layer reads
/// is never overwritten while it is still needed. The head reads the top layer's h.</para>
/// <para>The model holds only weights; everything per stream lives in an <see cref="LstmState"/>, so calls
/// allocate nothing. <see cref="ParametersChanged"/> has nothing to rebuild.</para>
/// <para>It is also trainable (<c>ReferenceLstm.Training.cs</c>): a recording forward pass and
/// backpropagation through time, with gradients in the same PyTorch layout as <see cref="Parameters"/>.</para>
/// </remarks>
public sealed partial class ReferenceLstm : IFloatSequenceModel, ITokenSequenceModel
{
    private readonly float[] _parameters;
    private readonly int _embeddingOffset;
    private readonly int[] _weightIhOffsets;
    private readonly int[] _weightHhOffsets;
    private readonly int[] _biasIhOffsets;
    private readonly int[] _biasHhOffsets;
    private readonly int _headWeightOffset;
    private readonly int _headBiasOffset;
    private readonly int _gateCount;
    private readonly LstmState _ownState;

    /// <summary>Creates a model of the given shape with all parameters zero.</summary>
    public ReferenceLstm(ModelShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = shape;
        _parameters = new float[shape.ParameterCount];
        _gateCount = ModelShape.GateCount * shape.Hidden;

        _embeddingOffset = shape.IsTokenModel ? shape.GetTensor(ModelShape.EmbeddingWeightName).Offset : -1;
        _weightIhOffsets = new int[shape.Layers];
        _weightHhOffsets = new int[shape.Layers];
        _biasIhOffsets = new int[shape.Layers];
        _biasHhOffsets = new int[shape.Layers];
        for (int k = 0; k < shape.Layers; k++)
        {
            _weightIhOffsets[k] = shape.GetTensor(ModelShape.WeightIhName(k)).Offset;
            _weightHhOffsets[k] = shape.GetTensor(ModelShape.WeightHhName(k)).Offset;
            _biasIhOffsets[k] = shape.GetTensor(ModelShape.BiasIhName(k)).Offset;
            _biasHhOffsets[k] = shape.GetTensor(ModelShape.BiasHhName(k)).Offset;
        }
        if (shape.Head != Head.None)
        {
            _headWeightOffset = shape.GetTensor(ModelShape.HeadWeightName).Offset;
            _headBiasOffset = shape.GetTensor(ModelShape.HeadBiasName).Offset;
        }
        _ownState = CreateState();
    }

    /// <inheritdoc/>
    public ModelShape Shape { get; }

    /// <inheritdoc/>
    public Span<float> Parameters => _parameters;

    /// <summary>Floats of scratch a state needs: the 4·Hidden gate pre-activations of one layer.</summary>
    public int ScratchLength => _gateCount;

    /// <inheritdoc/>
    /// <remarks>The reference model computes straight from <see cref="Parameters"/>, so this does nothing.</remarks>
    public void ParametersChanged()
    {
    }

    /// <inheritdoc/>
    public LstmState CreateState() => new(Shape.Layers, Shape.Hidden, ScratchLength);

    /// <inheritdoc/>
    public void Load(string path, WeightLoadOptions? options = null) => ModelWeights.Load(path, Shape, _parameters, options);

    /// <inheritdoc/>
    public void Save(string path) => ModelWeights.Save(path, Shape, _parameters);

    // ---- float form ----------------------------------------------------------------------------

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> inputs, Span<float> output)
    {
        RequireFloatModel();
        int steps = CheckInputs(inputs);
        CheckOutput(output, Shape.OutputLength(steps), nameof(output));
        _ownState.Reset();
        RunFloat(inputs, steps, output, _ownState, HeadOutput.Activated);
    }

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> inputs, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
    {
        RequireFloatModel();
        int steps = CheckInputs(inputs);
        CheckOutput(output, Shape.OutputLength(steps), nameof(output));
        CheckState(state);
        CheckKind(kind);
        RunFloat(inputs, steps, output, state, kind);
    }

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<float> input, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
    {
        RequireFloatModel();
        if (input.Length != Shape.Inputs)
            throw new ArgumentException($"Expected {Shape.Inputs} input floats for one step, got {input.Length}.", nameof(input));
        CheckStepOutput(output);
        CheckState(state);
        CheckKind(kind);
        AdvanceLayers(input, state, Span<float>.Empty);
        if (!output.IsEmpty) WriteStepOutput(state, output, kind);
    }

    // ---- token form ----------------------------------------------------------------------------

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<int> tokens, Span<float> output)
    {
        RequireTokenModel();
        CheckTokens(tokens);
        CheckOutput(output, Shape.OutputLength(tokens.Length), nameof(output));
        _ownState.Reset();
        RunTokens(tokens, output, _ownState, HeadOutput.Activated);
    }

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<int> tokens, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
    {
        RequireTokenModel();
        CheckTokens(tokens);
        CheckOutput(output, Shape.OutputLength(tokens.Length), nameof(output));
        CheckState(state);
        CheckKind(kind);
        RunTokens(tokens, output, state, kind);
    }

    /// <inheritdoc/>
    public void Step(int token, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
    {
        RequireTokenModel();
        if ((uint)token >= (uint)Shape.Vocabulary)
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token id {token} is outside [0, {Shape.Vocabulary}).");
        CheckStepOutput(output);
        CheckState(state);
        CheckKind(kind);
        AdvanceLayers(EmbeddingRow(token), state, Span<float>.Empty);
        if (!output.IsEmpty) WriteStepOutput(state, output, kind);
    }

    // ---- the computation -----------------------------------------------------------------------

    private void RunFloat(ReadOnlySpan<float> inputs, int steps, Span<float> output, LstmState state, HeadOutput kind)
    {
        int width = Shape.Inputs;
        for (int t = 0; t < steps; t++)
        {
            AdvanceLayers(inputs.Slice(t * width, width), state, Span<float>.Empty);
            WriteSequenceOutput(state, output, t, steps, kind);
        }
    }

    private void RunTokens(ReadOnlySpan<int> tokens, Span<float> output, LstmState state, HeadOutput kind)
    {
        for (int t = 0; t < tokens.Length; t++)
        {
            AdvanceLayers(EmbeddingRow(tokens[t]), state, Span<float>.Empty);
            WriteSequenceOutput(state, output, t, tokens.Length, kind);
        }
    }

    /// <summary>Writes step <paramref name="t"/>'s output where the sequence output wants one: every step, or only the last.</summary>
    private void WriteSequenceOutput(LstmState state, Span<float> output, int t, int steps, HeadOutput kind)
    {
        int size = Shape.StepOutputSize;
        if (Shape.HeadOn == HeadOn.EveryStep) WriteStepOutput(state, output.Slice(t * size, size), kind);
        else if (t == steps - 1) WriteStepOutput(state, output, kind);
    }

    private ReadOnlySpan<float> EmbeddingRow(int token) =>
        _parameters.AsSpan(_embeddingOffset + token * Shape.Embedding, Shape.Embedding);

    /// <summary>
    /// Runs one time step through every layer, updating h and c of each in <paramref name="state"/>.
    /// A non-empty <paramref name="record"/> (one step of a training tape) receives per layer i, f, g, o, c, h.
    /// </summary>
    private void AdvanceLayers(ReadOnlySpan<float> x, LstmState state, Span<float> record)
    {
        int hidden = Shape.Hidden;
        Span<float> z = MemoryMarshal.CreateSpan(ref state.GetScratchReference(), _gateCount);
        for (int k = 0; k < Shape.Layers; k++)
        {
            // Layer k > 0 reads the h its lower layer has just produced at this step.
            ReadOnlySpan<float> input = k == 0 ? x : state.Hidden(k - 1);
            int inputs = input.Length;
            Span<float> h = state.Hidden(k);
            Span<float> c = state.Cell(k);
            ReadOnlySpan<float> weightIh = _parameters.AsSpan(_weightIhOffsets[k], _gateCount * inputs);
            ReadOnlySpan<float> weightHh = _parameters.AsSpan(_weightHhOffsets[k], _gateCount * hidden);
            ReadOnlySpan<float> biasIh = _parameters.AsSpan(_biasIhOffsets[k], _gateCount);
            ReadOnlySpan<float> biasHh = _parameters.AsSpan(_biasHhOffsets[k], _gateCount);

            // z = b_ih + b_hh + W_ih·x + W_hh·h_{t-1}, all 4H rows before h is touched.
            for (int r = 0; r < _gateCount; r++)
            {
                float sum = biasIh[r] + biasHh[r];
                ReadOnlySpan<float> rowIh = weightIh.Slice(r * inputs, inputs);
                for (int j = 0; j < inputs; j++) sum += rowIh[j] * input[j];
                ReadOnlySpan<float> rowHh = weightHh.Slice(r * hidden, hidden);
                for (int j = 0; j < hidden; j++) sum += rowHh[j] * h[j];
                z[r] = sum;
            }

            // Gate rows are blocks of H: i, f, g, o.
            for (int u = 0; u < hidden; u++)
            {
                float i = Sigmoid(z[u]);
                float f = Sigmoid(z[hidden + u]);
                float g = MathF.Tanh(z[2 * hidden + u]);
                float o = Sigmoid(z[3 * hidden + u]);
                float cell = f * c[u] + i * g;
                c[u] = cell;
                h[u] = o * MathF.Tanh(cell);
                if (!record.IsEmpty) RecordUnit(record, k, u, i, f, g, o, cell, h[u]);
            }
        }
    }

    /// <summary>Writes one step's output: the head (logits or activated) of the top layer's h, or h itself without a head.</summary>
    private void WriteStepOutput(LstmState state, Span<float> output, HeadOutput kind)
    {
        ReadOnlySpan<float> top = state.Hidden(Shape.Layers - 1);
        if (Shape.Head == Head.None)
        {
            top.CopyTo(output);
            return;
        }

        int hidden = Shape.Hidden;
        ReadOnlySpan<float> weight = _parameters.AsSpan(_headWeightOffset, Shape.Outputs * hidden);
        ReadOnlySpan<float> bias = _parameters.AsSpan(_headBiasOffset, Shape.Outputs);
        for (int o = 0; o < Shape.Outputs; o++)
        {
            float sum = bias[o];
            ReadOnlySpan<float> row = weight.Slice(o * hidden, hidden);
            for (int j = 0; j < hidden; j++) sum += row[j] * top[j];
            output[o] = sum;
        }
        if (kind == HeadOutput.Activated) LstmGen.Kernels.HeadActivation.Apply(Shape.Head, output);
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    // ---- argument checks (all before any state is changed) -------------------------------------

    private void RequireFloatModel()
    {
        if (Shape.IsTokenModel)
            throw new InvalidOperationException(
                $"This model reads token ids (Vocabulary={Shape.Vocabulary}, Embedding={Shape.Embedding}); call the ITokenSequenceModel overloads that take int tokens, not float inputs.");
    }

    private void RequireTokenModel()
    {
        if (!Shape.IsTokenModel)
            throw new InvalidOperationException(
                $"This model reads {Shape.Inputs} float input(s) per step (no embedding); call the IFloatSequenceModel overloads that take float inputs, not token ids.");
    }

    /// <summary>Checks the float inputs hold a positive whole number of steps and returns that number.</summary>
    private int CheckInputs(ReadOnlySpan<float> inputs)
    {
        int width = Shape.Inputs;
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
            if ((uint)token >= (uint)Shape.Vocabulary)
                throw new ArgumentOutOfRangeException(nameof(tokens), token,
                    $"tokens[{t}] = {token} is outside the vocabulary [0, {Shape.Vocabulary}).");
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
        state.EnsureShape(Shape.Layers, Shape.Hidden, ScratchLength);
    }

    private static void CheckKind(HeadOutput kind)
    {
        if (kind != HeadOutput.Activated && kind != HeadOutput.Logits)
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected HeadOutput.Activated or HeadOutput.Logits.");
    }
}
