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
    /// Creates and validates a shape. Exactly one of <paramref name="inputs"/> or <paramref name="vocabulary"/> must be positive;
    /// <paramref name="peephole"/> (see <see cref="Peephole"/>) needs <see cref="RecurrentCell.Lstm"/>; <paramref name="projection"/>
    /// (see <see cref="ProjectionSize"/>) is 0 (none) or between 1 and <paramref name="hidden"/> − 1, for an LSTM.
    /// </summary>
    public ModelShape(int inputs, int vocabulary, int embedding, int hidden, int layers, int outputs, Head head, HeadOn headOn,
        RecurrentCell cell = RecurrentCell.Lstm, bool bidirectional = false, bool peephole = false, int projection = 0)
    {
        if (inputs < 0) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "Inputs must be 0 (token model) or positive.");
        if (vocabulary < 0) throw new ArgumentOutOfRangeException(nameof(vocabulary), vocabulary, "Vocabulary must be 0 (float model) or positive.");
        if ((inputs > 0) == (vocabulary > 0)) throw new ArgumentException($"Exactly one of inputs ({inputs}) and vocabulary ({vocabulary}) must be positive.", nameof(inputs));
        if (vocabulary > 0 && embedding <= 0) throw new ArgumentOutOfRangeException(nameof(embedding), embedding, "A token model needs a positive embedding width.");
        if (vocabulary == 0 && embedding != 0) throw new ArgumentOutOfRangeException(nameof(embedding), embedding, "Embedding is only valid with a vocabulary.");
        if (hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "Hidden must be positive.");
        if (layers <= 0) throw new ArgumentOutOfRangeException(nameof(layers), layers, "Layers must be positive.");
        if (head == Head.None && outputs != 0) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "A model without a head has no outputs.");
        if (head != Head.None && outputs <= 0) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, $"Head {head} needs a positive number of outputs.");
        if (!Enum.IsDefined(head)) throw new ArgumentOutOfRangeException(nameof(head), head, "Unknown head.");
        if (!Enum.IsDefined(headOn)) throw new ArgumentOutOfRangeException(nameof(headOn), headOn, "Unknown HeadOn.");
        if (!Enum.IsDefined(cell)) throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown RecurrentCell.");
        if (peephole && cell != RecurrentCell.Lstm) throw new ArgumentException($"Peepholes connect an LSTM's cell state to its gates; a {cell} has no cell state.", nameof(peephole));
        if (projection < 0) throw new ArgumentOutOfRangeException(nameof(projection), projection, "The projection size must be 0 (no projection) or positive.");
        if (projection > 0)
        {
            if (cell != RecurrentCell.Lstm) throw new ArgumentException($"A projection (PyTorch proj_size) maps an LSTM's o·tanh(c) to a smaller h; a {cell} has none.", nameof(projection));
            if (projection >= hidden) throw new ArgumentOutOfRangeException(nameof(projection), projection, $"The projection size must be smaller than Hidden ({hidden}), as PyTorch's proj_size.");
        }

        Inputs = inputs;
        Vocabulary = vocabulary;
        Embedding = embedding;
        Hidden = hidden;
        Layers = layers;
        Outputs = outputs;
        Head = head;
        HeadOn = headOn;
        Cell = cell;
        Bidirectional = bidirectional;
        Peephole = peephole;
        ProjectionSize = projection;

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
        if (vocabulary > 0) Add(EmbeddingWeightName, vocabulary, embedding);
        int rows = GatesPerUnit * hidden;
        for (int k = 0; k < layers; k++)
        {
            int inK = LayerInputSize(k);
            for (int d = 0; d < Directions; d++)
            {
                Add(LayerTensorName(LayerParameter.WeightIh, k, d), rows, inK);
                Add(LayerTensorName(LayerParameter.WeightHh, k, d), rows, HiddenStateSize);
                Add(LayerTensorName(LayerParameter.BiasIh, k, d), rows);
                Add(LayerTensorName(LayerParameter.BiasHh, k, d), rows);
                if (projection > 0) Add(LayerTensorName(LayerParameter.WeightHr, k, d), projection, hidden);
                if (peephole) Add(LayerTensorName(LayerParameter.WeightCh, k, d), PeepholeGates * hidden);
            }
        }
        if (head != Head.None)
        {
            Add(HeadWeightName, outputs, LayerOutputSize);
            Add(HeadBiasName, outputs);
        }
        _tensors = tensors.ToArray();
        ParameterCount = (int)offset;
    }

    /// <summary>Float inputs per step (0 for a token model).</summary>
    public int Inputs { get; }
    /// <summary>Token ids accepted (0 for a float model).</summary>
    public int Vocabulary { get; }
    /// <summary>Embedding width (0 for a float model).</summary>
    public int Embedding { get; }
    /// <summary>Hidden units per layer.</summary>
    public int Hidden { get; }
    /// <summary>Stacked layers.</summary>
    public int Layers { get; }
    /// <summary>Head outputs (0 without a head).</summary>
    public int Outputs { get; }
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
    public bool HasDropout => InputDropout > 0 || (Dropout > 0 && Layers > 1);

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

    /// <summary>Width of h per layer and direction: <see cref="ProjectionSize"/> with a projection, else <see cref="Hidden"/>.</summary>
    public int HiddenStateSize => ProjectionSize > 0 ? ProjectionSize : Hidden;

    /// <summary>Row blocks of the peephole tensor <see cref="LayerParameter.WeightCh"/>: p_i, p_f, p_o.</summary>
    public const int PeepholeGates = 3;

    /// <summary>Directions per layer: 2 when <see cref="Bidirectional"/>, else 1.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>Gate row blocks per hidden unit: 4 for an LSTM (i, f, g, o), 3 for a GRU (r, z, n).</summary>
    public int GatesPerUnit => Cell == RecurrentCell.Gru ? 3 : GateCount;

    /// <summary>True when the state holds a cell vector c per layer (LSTM); a GRU's state is h only.</summary>
    public bool HasCellState => Cell == RecurrentCell.Lstm;

    /// <summary>The module name of the recurrent layers in parameter names: <c>lstm</c> or <c>gru</c>.</summary>
    public string RecurrentModule => Cell == RecurrentCell.Gru ? "gru" : "lstm";

    /// <summary>State slots (h, and c for an LSTM): one per layer and direction, slot <c>layer · Directions + direction</c> as in PyTorch's h_n.</summary>
    public int StateSlots => Layers * Directions;

    /// <summary>Width of each layer's output per step: <see cref="HiddenStateSize"/> × <see cref="Directions"/> (forward then backward).</summary>
    public int LayerOutputSize => Directions * HiddenStateSize;

    /// <summary>True when the model reads token ids.</summary>
    public bool IsTokenModel => Vocabulary > 0;

    /// <summary>Width of the vector the first LSTM layer reads each step (<see cref="Embedding"/> or <see cref="Inputs"/>).</summary>
    public int InputSize => IsTokenModel ? Embedding : Inputs;

    /// <summary>Floats produced per output step: <see cref="Outputs"/> with a head, <see cref="LayerOutputSize"/> without.</summary>
    public int StepOutputSize => Head == Head.None ? LayerOutputSize : Outputs;

    /// <summary>The parameter tensors in block order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    /// <summary>Width of the input of layer <paramref name="layer"/>.</summary>
    public int LayerInputSize(int layer) => layer == 0 ? InputSize : LayerOutputSize;

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
        if ((uint)layer >= (uint)Layers) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The model has layers 0 to {Layers - 1}.");
        if ((uint)direction >= (uint)Directions) throw new ArgumentOutOfRangeException(nameof(direction), direction, Bidirectional ? "Directions are 0 (forward) and 1 (reverse)." : "The model has one direction, 0.");
        string kind = parameter switch
        {
            LayerParameter.WeightIh => "weight_ih",
            LayerParameter.WeightHh => "weight_hh",
            LayerParameter.BiasIh => "bias_ih",
            LayerParameter.BiasHh => "bias_hh",
            LayerParameter.WeightCh when Peephole => "weight_ch",
            LayerParameter.WeightCh => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "The model has no peepholes (Peephole = false), so no weight_ch tensors."),
            LayerParameter.WeightHr when HasProjection => "weight_hr",
            LayerParameter.WeightHr => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "The model has no projection (ProjectionSize = 0), so no weight_hr tensors."),
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
        Inputs == other.Inputs && Vocabulary == other.Vocabulary && Embedding == other.Embedding &&
        Hidden == other.Hidden && Layers == other.Layers && Outputs == other.Outputs &&
        Head == other.Head && HeadOn == other.HeadOn && Cell == other.Cell && Bidirectional == other.Bidirectional &&
        Peephole == other.Peephole && ProjectionSize == other.ProjectionSize && Dropout.Equals(other.Dropout) && InputDropout.Equals(other.InputDropout);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ModelShape);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(HashCode.Combine(Inputs, Vocabulary, Embedding, Hidden, Layers, Outputs, Head, HeadOn), Cell, Bidirectional, Peephole, ProjectionSize, Dropout, InputDropout);

    /// <inheritdoc/>
    public override string ToString()
    {
        string input = IsTokenModel ? FormattableString.Invariant($"Vocabulary={Vocabulary}, Embedding={Embedding}") : FormattableString.Invariant($"Inputs={Inputs}");
        string head = Head == Head.None ? "" : FormattableString.Invariant($", Outputs={Outputs}, Head={Head}");
        string cell = (Cell == RecurrentCell.Lstm ? "" : FormattableString.Invariant($", Cell={Cell}")) + (Bidirectional ? ", Bidirectional" : "") + (Peephole ? ", Peephole" : "") + (HasProjection ? FormattableString.Invariant($", ProjectionSize={ProjectionSize}") : "");
        string dropout = (Dropout > 0 ? FormattableString.Invariant($", Dropout={Dropout}") : "") + (InputDropout > 0 ? FormattableString.Invariant($", InputDropout={InputDropout}") : "");
        return FormattableString.Invariant($"{input}, Hidden={Hidden}, Layers={Layers}{cell}{head}, HeadOn={HeadOn}{dropout}");
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
