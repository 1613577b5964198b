// The sizes of a model at run time, and the canonical (PyTorch state_dict) layout of its parameters.
using System;
using System.Collections.Generic;
using System.Globalization;

namespace LstmGen;

/// <summary>
/// The sizes of a model, known at run time. Generated models expose theirs as <c>Shape</c>; the
/// reference LSTM and the weight loader work from it. Parameters live in one contiguous block in
/// PyTorch <c>state_dict</c> order: <c>embed.weight</c>, then per layer <c>lstm.weight_ih_l{k}</c>,
/// <c>lstm.weight_hh_l{k}</c>, <c>lstm.bias_ih_l{k}</c>, <c>lstm.bias_hh_l{k}</c> (and, with a projection,
/// <c>lstm.weight_hr_l{k}</c>; for a peephole LSTM, <c>lstm.weight_ch_l{k}</c>, a name of LstmGen's own), a bidirectional model following each layer with the
/// same tensors suffixed <c>_reverse</c> (a GRU's module is <c>gru</c>), then <c>head.weight</c> and
/// <c>head.bias</c>; each tensor row-major as in PyTorch.
/// </summary>
public sealed class ModelShape : IEquatable<ModelShape>
{
    /// <summary>Rows of the gate weights per hidden unit: i, f, g, o.</summary>
    public const int GateCount = 4;

    private readonly ParameterTensor[] _tensors;

    /// <summary>
    /// Creates and validates a shape. Exactly one of <paramref name="inputSize"/> or <paramref name="vocabularySize"/> must be positive;
    /// <paramref name="peephole"/> (see <see cref="Peephole"/>) needs <see cref="RecurrentCell.Lstm"/>; <paramref name="projectionSize"/>
    /// (see <see cref="ProjectionSize"/>) is 0 (none) or between 1 and <paramref name="hiddenSize"/> − 1, for an LSTM.
    /// </summary>
    public ModelShape(int inputSize, int vocabularySize, int embeddingSize, int hiddenSize, int layerCount, int outputSize, Head head, HeadOn headOn,
        RecurrentCell cell = RecurrentCell.Lstm, bool bidirectional = false, bool peephole = false, int projectionSize = 0)
    {
        if (inputSize < 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "The input size must be 0 (token model) or positive.");
        if (vocabularySize < 0) throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "The vocabulary size must be 0 (float model) or positive.");
        if ((inputSize > 0) == (vocabularySize > 0)) throw new ArgumentException($"Exactly one of inputSize ({inputSize}) and vocabularySize ({vocabularySize}) must be positive.", nameof(inputSize));
        if (vocabularySize > 0 && embeddingSize <= 0) throw new ArgumentOutOfRangeException(nameof(embeddingSize), embeddingSize, "A token model needs a positive embedding size.");
        if (vocabularySize == 0 && embeddingSize != 0) throw new ArgumentOutOfRangeException(nameof(embeddingSize), embeddingSize, "An embedding size is only valid with a vocabulary size.");
        if (hiddenSize <= 0) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "The hidden size must be positive.");
        if (layerCount <= 0) throw new ArgumentOutOfRangeException(nameof(layerCount), layerCount, "The layer count must be positive.");
        if (head == Head.None && outputSize != 0) throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, "A model without a head has no outputs (outputSize 0).");
        if (head != Head.None && outputSize <= 0) throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, $"Head {head} needs a positive output size.");
        if (!Enum.IsDefined(head)) throw new ArgumentOutOfRangeException(nameof(head), head, "Unknown head.");
        if (!Enum.IsDefined(headOn)) throw new ArgumentOutOfRangeException(nameof(headOn), headOn, "Unknown HeadOn.");
        if (!Enum.IsDefined(cell)) throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown RecurrentCell.");
        if (peephole && cell != RecurrentCell.Lstm) throw new ArgumentException($"Peepholes connect an LSTM's cell state to its gates; a {cell} has no cell state.", nameof(peephole));
        if (projectionSize < 0) throw new ArgumentOutOfRangeException(nameof(projectionSize), projectionSize, "The projection size must be 0 (no projection) or positive.");
        if (projectionSize > 0)
        {
            if (cell != RecurrentCell.Lstm) throw new ArgumentException($"A projection (PyTorch proj_size) maps an LSTM's o·tanh(c) to a smaller h; a {cell} has none.", nameof(projectionSize));
            if (projectionSize >= hiddenSize) throw new ArgumentOutOfRangeException(nameof(projectionSize), projectionSize, $"The projection size must be smaller than the hidden size ({hiddenSize}), as PyTorch's proj_size.");
        }

        InputSize = inputSize;
        VocabularySize = vocabularySize;
        EmbeddingSize = embeddingSize;
        HiddenSize = hiddenSize;
        LayerCount = layerCount;
        OutputSize = outputSize;
        Head = head;
        HeadOn = headOn;
        Cell = cell;
        Bidirectional = bidirectional;
        Peephole = peephole;
        ProjectionSize = projectionSize;

        var tensors = new List<ParameterTensor>();
        long offset = 0;
        void Add(string name, params int[] dims)
        {
            long count = 1;
            foreach (int d in dims) count *= d;
            tensors.Add(new ParameterTensor(name, checked((int)offset), dims));
            offset += count;
            if (offset > int.MaxValue) throw new ArgumentException($"The model has more than {int.MaxValue} parameters.");
        }
        if (vocabularySize > 0) Add(EmbeddingWeightName, vocabularySize, embeddingSize);
        int rows = GatesPerUnit * hiddenSize;
        for (int k = 0; k < layerCount; k++)
        {
            int inK = LayerInputSize(k);
            for (int d = 0; d < DirectionCount; d++)
            {
                Add(LayerTensorName(LayerParameter.WeightIh, k, d), rows, inK);
                Add(LayerTensorName(LayerParameter.WeightHh, k, d), rows, HiddenStateSize);
                Add(LayerTensorName(LayerParameter.BiasIh, k, d), rows);
                Add(LayerTensorName(LayerParameter.BiasHh, k, d), rows);
                if (projectionSize > 0) Add(LayerTensorName(LayerParameter.WeightHr, k, d), projectionSize, hiddenSize);
                if (peephole) Add(LayerTensorName(LayerParameter.WeightCh, k, d), PeepholeGates * hiddenSize);
            }
        }
        if (head != Head.None)
        {
            Add(HeadWeightName, outputSize, LayerOutputSize);
            Add(HeadBiasName, outputSize);
        }
        _tensors = tensors.ToArray();
        ParameterCount = (int)offset;
    }

    /// <summary>Float inputs per step (0 for a token model).</summary>
    public int InputSize { get; }
    /// <summary>Token ids accepted (0 for a float model).</summary>
    public int VocabularySize { get; }
    /// <summary>Embedding width (0 for a float model).</summary>
    public int EmbeddingSize { get; }
    /// <summary>Hidden units per layer.</summary>
    public int HiddenSize { get; }
    /// <summary>Stacked layers.</summary>
    public int LayerCount { get; }
    /// <summary>Head outputs (0 without a head).</summary>
    public int OutputSize { get; }
    /// <summary>The head.</summary>
    public Head Head { get; }
    /// <summary>Last step or every step.</summary>
    public HeadOn HeadOn { get; }
    /// <summary>Total floats in the parameter block.</summary>
    public int ParameterCount { get; }

    /// <summary>
    /// Dropout probability on the output of every layer but the last, where it feeds the next layer (PyTorch's
    /// <c>nn.LSTM(dropout=…)</c>), in [0, 1). Applied by the recording <c>Forward</c> only (training); inference
    /// (<c>Predict</c>, <c>Step</c>) never drops. Default 0.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a value outside [0, 1).</exception>
    public float Dropout
    {
        get => _dropout;
        init => _dropout = CheckRate(value, nameof(Dropout));
    }

    /// <summary>
    /// Dropout probability on the model's input at every step (the embedding row of a token model), in [0, 1);
    /// training only, as <see cref="Dropout"/>. Default 0.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a value outside [0, 1).</exception>
    public float InputDropout
    {
        get => _inputDropout;
        init => _inputDropout = CheckRate(value, nameof(InputDropout));
    }

    /// <summary>Whether a training forward pass draws any dropout mask (<see cref="Dropout"/> with more than one layer, or <see cref="InputDropout"/>).</summary>
    public bool HasDropout => InputDropout > 0 || (Dropout > 0 && LayerCount > 1);

    private float _dropout, _inputDropout;

    private static float CheckRate(float value, string name) => value is >= 0f and < 1f
        ? value
        : throw new ArgumentOutOfRangeException(name, value, $"{name} is a probability in [0, 1); got {value.ToString(CultureInfo.InvariantCulture)}.");
    /// <summary>The recurrent cell of every layer.</summary>
    public RecurrentCell Cell { get; }
    /// <summary>True when every layer runs forward and backward in time (PyTorch <c>bidirectional=True</c>).</summary>
    public bool Bidirectional { get; }

    /// <summary>
    /// True when every LSTM layer has peephole connections (Gers &amp; Schmidhuber): with σ the logistic function,
    /// <c>i = σ(W_ii x + b_ii + W_hi h + b_hi + p_i ⊙ c_{t−1})</c>, <c>f = σ(W_if x + b_if + W_hf h + b_hf + p_f ⊙ c_{t−1})</c>,
    /// <c>g = tanh(W_ig x + b_ig + W_hg h + b_hg)</c>, <c>c_t = f ⊙ c_{t−1} + i ⊙ g</c>,
    /// <c>o = σ(W_io x + b_io + W_ho h + b_ho + p_o ⊙ c_t)</c>, <c>h_t = o ⊙ tanh(c_t)</c>. The peephole weights of each
    /// layer and direction are the tensor <see cref="LayerParameter.WeightCh"/> [3·Hidden], row blocks p_i, p_f, p_o.
    /// </summary>
    public bool Peephole { get; }

    /// <summary>
    /// The width h is projected to (PyTorch <c>nn.LSTM(proj_size=…)</c>), or 0 for none. With a projection, each layer
    /// computes <c>h_t = W_hr·(o ⊙ tanh(c_t))</c> with <see cref="LayerParameter.WeightHr"/> [ProjectionSize, Hidden] (no bias):
    /// h, the recurrent input (<c>weight_hh</c> is [4·Hidden, ProjectionSize]), the next layer's input and the head's input
    /// are ProjectionSize wide; c stays Hidden wide.
    /// </summary>
    public int ProjectionSize { get; }

    /// <summary>Whether h is projected (<see cref="ProjectionSize"/> &gt; 0).</summary>
    public bool HasProjection => ProjectionSize > 0;

    /// <summary>Width of h per layer and direction: <see cref="ProjectionSize"/> with a projection, else <see cref="HiddenSize"/>.</summary>
    public int HiddenStateSize => ProjectionSize > 0 ? ProjectionSize : HiddenSize;

    /// <summary>Row blocks of the peephole tensor <see cref="LayerParameter.WeightCh"/>: p_i, p_f, p_o.</summary>
    public const int PeepholeGates = 3;

    /// <summary>Directions per layer: 2 when <see cref="Bidirectional"/>, else 1.</summary>
    public int DirectionCount => Bidirectional ? 2 : 1;

    /// <summary>Gate row blocks per hidden unit: 4 for an LSTM (i, f, g, o), 3 for a GRU (r, z, n).</summary>
    public int GatesPerUnit => Cell == RecurrentCell.Gru ? 3 : GateCount;

    /// <summary>True when the state holds a cell vector c per layer (LSTM); a GRU's state is h only.</summary>
    public bool HasCellState => Cell == RecurrentCell.Lstm;

    /// <summary>The module name of the recurrent layers in parameter names: <c>lstm</c> or <c>gru</c>.</summary>
    public string RecurrentModule => Cell == RecurrentCell.Gru ? "gru" : "lstm";

    /// <summary>State slots (h, and c for an LSTM): one per layer and direction, slot <c>layer · Directions + direction</c> as in PyTorch's h_n.</summary>
    public int StateSlotCount => LayerCount * DirectionCount;

    /// <summary>Width of each layer's output per step: <see cref="HiddenStateSize"/> × <see cref="DirectionCount"/> (forward then backward).</summary>
    public int LayerOutputSize => DirectionCount * HiddenStateSize;

    /// <summary>True when the model reads token ids.</summary>
    public bool IsTokenModel => VocabularySize > 0;


    /// <summary>Floats produced per output step: <see cref="OutputSize"/> with a head, <see cref="LayerOutputSize"/> without.</summary>
    public int StepOutputSize => Head == Head.None ? LayerOutputSize : OutputSize;

    /// <summary>The parameter tensors in block order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    /// <summary>Width of the input of layer <paramref name="layer"/>.</summary>
    public int LayerInputSize(int layer) => layer == 0 ? (IsTokenModel ? EmbeddingSize : InputSize) : LayerOutputSize;

    /// <summary>The output length for a sequence of <paramref name="steps"/> steps.</summary>
    public int OutputLength(int steps) => HeadOn == HeadOn.EveryStep ? checked(steps * StepOutputSize) : StepOutputSize;

    /// <summary>Finds a tensor by canonical name.</summary>
    public ParameterTensor GetTensor(string name)
    {
        foreach (var t in _tensors) if (t.Name == name) return t;
        throw new KeyNotFoundException($"The model has no parameter '{name}'.");
    }

    /// <summary>
    /// Canonical name of one of a layer's tensors, e.g. <c>lstm.weight_ih_l1</c>, <c>gru.bias_hh_l0</c>,
    /// <c>lstm.weight_ch_l0</c> (peepholes) or (direction 1 of a bidirectional model) <c>lstm.weight_hh_l0_reverse</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The layer or direction does not exist, or <paramref name="parameter"/> is
    /// <see cref="LayerParameter.WeightCh"/> and the model has no peepholes, or <see cref="LayerParameter.WeightHr"/> and it has no projection.</exception>
    public string LayerTensorName(LayerParameter parameter, int layer, int direction = 0)
    {
        if ((uint)layer >= (uint)LayerCount) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The model has layers 0 to {LayerCount - 1}.");
        if ((uint)direction >= (uint)DirectionCount) throw new ArgumentOutOfRangeException(nameof(direction), direction, Bidirectional ? "Directions are 0 (forward) and 1 (reverse)." : "The model has one direction, 0.");
        string kind = parameter switch
        {
            LayerParameter.WeightIh => "weight_ih",
            LayerParameter.WeightHh => "weight_hh",
            LayerParameter.BiasIh => "bias_ih",
            LayerParameter.BiasHh => "bias_hh",
            LayerParameter.WeightCh when Peephole => "weight_ch",
            LayerParameter.WeightCh => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "The model has no peepholes (Peephole = false), so no weight_ch tensors."),
            LayerParameter.WeightHr when HasProjection => "weight_hr",
            LayerParameter.WeightHr => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "The model has no projection (Projection = 0), so no weight_hr tensors."),
            _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "Unknown LayerParameter."),
        };
        return RecurrentModule + "." + kind + "_l" + layer.ToString(CultureInfo.InvariantCulture) + (direction == 1 ? "_reverse" : "");
    }

    /// <summary>One of a layer's tensors (see <see cref="LayerTensorName"/>).</summary>
    public ParameterTensor GetLayerTensor(LayerParameter parameter, int layer, int direction = 0) => GetTensor(LayerTensorName(parameter, layer, direction));

    /// <summary>Canonical name of the embedding table.</summary>
    public const string EmbeddingWeightName = "embed.weight";
    /// <summary>Canonical name of the head weight.</summary>
    public const string HeadWeightName = "head.weight";
    /// <summary>Canonical name of the head bias.</summary>
    public const string HeadBiasName = "head.bias";
    /// <summary>Canonical name of layer <paramref name="layer"/>'s input weights in a unidirectional LSTM (see <see cref="LayerTensorName"/> for any model).</summary>
    public static string WeightIhName(int layer) => "lstm.weight_ih_l" + layer.ToString(CultureInfo.InvariantCulture);
    /// <summary>Canonical name of layer <paramref name="layer"/>'s recurrent weights in a unidirectional LSTM.</summary>
    public static string WeightHhName(int layer) => "lstm.weight_hh_l" + layer.ToString(CultureInfo.InvariantCulture);
    /// <summary>Canonical name of layer <paramref name="layer"/>'s input bias in a unidirectional LSTM.</summary>
    public static string BiasIhName(int layer) => "lstm.bias_ih_l" + layer.ToString(CultureInfo.InvariantCulture);
    /// <summary>Canonical name of layer <paramref name="layer"/>'s recurrent bias in a unidirectional LSTM.</summary>
    public static string BiasHhName(int layer) => "lstm.bias_hh_l" + layer.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public bool Equals(ModelShape? other) => other is not null &&
        InputSize == other.InputSize && VocabularySize == other.VocabularySize && EmbeddingSize == other.EmbeddingSize &&
        HiddenSize == other.HiddenSize && LayerCount == other.LayerCount && OutputSize == other.OutputSize &&
        Head == other.Head && HeadOn == other.HeadOn && Cell == other.Cell && Bidirectional == other.Bidirectional &&
        Peephole == other.Peephole && ProjectionSize == other.ProjectionSize && Dropout.Equals(other.Dropout) && InputDropout.Equals(other.InputDropout);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ModelShape);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(HashCode.Combine(InputSize, VocabularySize, EmbeddingSize, HiddenSize, LayerCount, OutputSize, Head, HeadOn), Cell, Bidirectional, Peephole, ProjectionSize, Dropout, InputDropout);

    /// <summary>
    /// A table of the model, as Keras' <c>summary()</c> prints: one row per parameter tensor with the layer it belongs to,
    /// its PyTorch name, shape and parameter count, then the totals.
    /// </summary>
    public string Summary()
    {
        var rows = new List<(string Layer, string Tensor, string Shape, string Count)>();
        string cell = Cell == RecurrentCell.Gru ? "GRU" : Peephole ? "LSTM, peephole" : "LSTM";
        foreach (var tensor in _tensors)
        {
            string layer;
            if (tensor.Name == EmbeddingWeightName) layer = FormattableString.Invariant($"embedding ({VocabularySize} → {EmbeddingSize})");
            else if (tensor.Name is HeadWeightName or HeadBiasName) layer = FormattableString.Invariant($"head: Linear ({LayerOutputSize} → {OutputSize}){(Head is Head.Sigmoid or Head.Softmax ? ", " + Head.ToString().ToLowerInvariant() : "")}");
            else
            {
                int l = tensor.Name.IndexOf("_l", StringComparison.Ordinal);
                string index = tensor.Name.Substring(l + 2).Replace("_reverse", "", StringComparison.Ordinal);
                int k = int.Parse(index, CultureInfo.InvariantCulture);
                bool reverse = tensor.Name.EndsWith("_reverse", StringComparison.Ordinal);
                string width = HasProjection ? FormattableString.Invariant($"{HiddenSize}, projected to {ProjectionSize}") : HiddenSize.ToString(CultureInfo.InvariantCulture);
                layer = FormattableString.Invariant($"layer {k}{(Bidirectional ? (reverse ? " reverse" : " forward") : "")}: {cell} ({LayerInputSize(k)} → {width})");
            }
            long count = tensor.Length;
            rows.Add((layer, tensor.Name, tensor.ShapeText, count.ToString("N0", CultureInfo.InvariantCulture)));
        }
        const string L = "Layer", T = "Tensor", S = "Shape", C = "Parameters";
        int wl = L.Length, wt = T.Length, ws = S.Length, wc = C.Length;
        foreach (var r in rows)
        {
            wl = Math.Max(wl, r.Layer.Length);
            wt = Math.Max(wt, r.Tensor.Length);
            ws = Math.Max(ws, r.Shape.Length);
            wc = Math.Max(wc, r.Count.Length);
        }
        var text = new System.Text.StringBuilder();
        string rule = new('─', wl + wt + ws + wc + 6);
        text.Append(CultureInfo.InvariantCulture, $"{ToString()}").AppendLine();
        text.AppendLine(rule);
        text.AppendLine($"{L.PadRight(wl)}  {T.PadRight(wt)}  {S.PadRight(ws)}  {C.PadLeft(wc)}");
        text.AppendLine(rule);
        string? previous = null;
        foreach (var r in rows)
        {
            text.AppendLine($"{(r.Layer == previous ? "" : r.Layer).PadRight(wl)}  {r.Tensor.PadRight(wt)}  {r.Shape.PadRight(ws)}  {r.Count.PadLeft(wc)}");
            previous = r.Layer;
        }
        text.AppendLine(rule);
        text.Append(CultureInfo.InvariantCulture, $"Total parameters: {ParameterCount:N0} ({(long)ParameterCount * sizeof(float):N0} bytes as float32)").AppendLine();
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        string input = IsTokenModel ? FormattableString.Invariant($"Vocabulary={VocabularySize}, Embedding={EmbeddingSize}") : FormattableString.Invariant($"Inputs={InputSize}");
        string head = Head == Head.None ? "" : FormattableString.Invariant($", Outputs={OutputSize}, Head={Head}");
        string cell = (Cell == RecurrentCell.Lstm ? "" : FormattableString.Invariant($", Cell={Cell}")) + (Bidirectional ? ", Bidirectional" : "") + (Peephole ? ", Peephole" : "") + (HasProjection ? FormattableString.Invariant($", Projection={ProjectionSize}") : "");
        string dropout = (Dropout > 0 ? FormattableString.Invariant($", Dropout={Dropout}") : "") + (InputDropout > 0 ? FormattableString.Invariant($", InputDropout={InputDropout}") : "");
        return FormattableString.Invariant($"{input}, Hidden={HiddenSize}, Layers={LayerCount}{cell}{head}, HeadOn={HeadOn}{dropout}");
    }
}

/// <summary>The tensors of each recurrent layer (and direction), in state_dict order: PyTorch's four (and, projected, weight_hr), then LstmGen's peepholes.</summary>
public enum LayerParameter
{
    /// <summary><c>weight_ih_l{k}</c> [gates·Hidden, layer inputs].</summary>
    WeightIh = 0,
    /// <summary><c>weight_hh_l{k}</c> [gates·Hidden, Hidden] (with a projection [4·Hidden, ProjectionSize]).</summary>
    WeightHh = 1,
    /// <summary><c>bias_ih_l{k}</c> [gates·Hidden].</summary>
    BiasIh = 2,
    /// <summary><c>bias_hh_l{k}</c> [gates·Hidden].</summary>
    BiasHh = 3,
    /// <summary>
    /// <c>weight_ch_l{k}</c> [3·Hidden]: the peephole weights p_i, p_f, p_o of a peephole LSTM (<see cref="ModelShape.Peephole"/>),
    /// which multiply the cell state element-wise in the i, f (c_{t−1}) and o (c_t) gate sums. Not a PyTorch tensor: the name is LstmGen's.
    /// </summary>
    WeightCh = 4,
    /// <summary>
    /// <c>weight_hr_l{k}</c> [ProjectionSize, Hidden]: the projection of an LSTM with <see cref="ModelShape.ProjectionSize"/> &gt; 0,
    /// <c>h = W_hr·(o ⊙ tanh(c))</c>, as PyTorch's <c>nn.LSTM(proj_size=…)</c>. In the parameter block it follows <c>bias_hh</c>.
    /// </summary>
    WeightHr = 5,
}

/// <summary>One named parameter tensor inside a model's parameter block.</summary>
public sealed class ParameterTensor
{
    private readonly int[] _shape;

    internal ParameterTensor(string name, int offset, int[] shape)
    {
        Name = name;
        Offset = offset;
        _shape = shape;
        long n = 1;
        foreach (int d in shape) n *= d;
        Length = checked((int)n);
    }

    /// <summary>Canonical (PyTorch state_dict) name, e.g. <c>lstm.weight_ih_l0</c>.</summary>
    public string Name { get; }
    /// <summary>Offset of the first float in the parameter block.</summary>
    public int Offset { get; }
    /// <summary>Number of floats.</summary>
    public int Length { get; }
    /// <summary>PyTorch shape, e.g. [4H, inputs].</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The shape as text, e.g. <c>[56, 8]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", _shape) + "]";
}
