// The attribute a user puts on a partial class to declare a model; the generator reads it.
using System;

namespace LstmGen;

/// <summary>
/// Declares a recurrent model whose code LstmGen generates, specialized to exactly these sizes.
/// The class must be <c>partial</c>. The model computes PyTorch's
/// <c>nn.Embedding → nn.LSTM → nn.Linear (→ softmax / sigmoid)</c> (the embedding only when
/// <see cref="Vocabulary"/> is set, the linear head only when <see cref="Outputs"/> is set).
/// </summary>
/// <example>
/// <code>
/// [LstmModel(Vocabulary = 27, Embedding = 8, Hidden = 14, Outputs = 3, Head = Head.Softmax)]
/// public partial class Sentiment;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class LstmModelAttribute : Attribute
{
    /// <summary>Size of each float input vector (one per time step). Set this or <see cref="Vocabulary"/>, not both.</summary>
    public int Inputs { get; set; }

    /// <summary>Number of token ids (0 … Vocabulary-1) when the model reads tokens through an embedding.</summary>
    public int Vocabulary { get; set; }

    /// <summary>Width of the embedding vector of each token; required with <see cref="Vocabulary"/>.</summary>
    public int Embedding { get; set; }

    /// <summary>Hidden units per layer (PyTorch <c>hidden_size</c>).</summary>
    public int Hidden { get; set; }

    /// <summary>Stacked LSTM layers (PyTorch <c>num_layers</c>); 1 when not set.</summary>
    public int Layers { get; set; } = 1;

    /// <summary>Outputs of the linear head (PyTorch <c>nn.Linear(Hidden, Outputs)</c>). Leave unset for no head.</summary>
    public int Outputs { get; set; }

    /// <summary>What follows the LSTM. <see cref="Head.Linear"/> when <see cref="Outputs"/> is set, <see cref="Head.None"/> otherwise.</summary>
    public Head Head { get; set; }

    /// <summary>Whether the head (or, without a head, the hidden state) is produced for the last step only or for every step.</summary>
    public HeadOn HeadOn { get; set; }

    /// <summary>
    /// How the layers' weights are stored for inference (<c>Predict</c>, <c>Step</c>).
    /// <see cref="WeightPrecision.BFloat16"/> halves the bytes a step streams, for models whose float32
    /// weights do not fit the CPU's L2 cache; results then differ from float32 by the weights' rounding.
    /// <see cref="ILstmModel.Parameters"/>, saved files and training stay float32.
    /// </summary>
    public WeightPrecision InferenceWeights { get; set; }

    /// <summary>
    /// The recurrent cell: <see cref="RecurrentCell.Lstm"/> (PyTorch <c>nn.LSTM</c>, the default) or
    /// <see cref="RecurrentCell.Gru"/> (PyTorch <c>nn.GRU</c>: gates r, z, n, no cell state).
    /// </summary>
    public RecurrentCell Cell { get; set; }

    /// <summary>
    /// Whether each layer also runs backward in time (PyTorch <c>bidirectional=True</c>): a layer's output at
    /// step t is its forward h at t followed by its reverse h at t (2·Hidden values), which the next layer and
    /// the head read. Such a model needs the whole sequence: <c>Predict</c> and training work, <c>Step</c> does not.
    /// </summary>
    public bool Bidirectional { get; set; }

    /// <summary>
    /// Whether each LSTM layer has peephole connections (Gers &amp; Schmidhuber 2000): the gates also read the cell,
    /// <c>i = σ(W_ii x + b_ii + W_hi h + b_hi + p_i ⊙ c_{t−1})</c>, <c>f = σ(… + p_f ⊙ c_{t−1})</c>,
    /// <c>g = tanh(…)</c>, <c>c_t = f ⊙ c_{t−1} + i ⊙ g</c>, <c>o = σ(… + p_o ⊙ c_t)</c>, <c>h_t = o ⊙ tanh(c_t)</c>.
    /// Each layer (and direction) gets one more tensor, <c>lstm.weight_ch_l{k}</c> [3·Hidden] in row blocks
    /// p_i, p_f, p_o. PyTorch's <c>nn.LSTM</c> has none (Keras' experimental <c>PeepholeLSTMCell</c> and TF1's
    /// <c>LSTMCell(use_peepholes=True)</c> do). LSTM only: with <see cref="RecurrentCell.Gru"/> it is an error
    /// (LSTM0013). Such a model trains sample by sample (no lock-step lanes).
    /// </summary>
    public bool Peephole { get; set; }

    /// <summary>
    /// Projects each LSTM layer's hidden state to this many values (PyTorch <c>nn.LSTM(proj_size=…)</c>, "LSTMP"):
    /// <c>h_t = W_hr·(o ⊙ tanh(c_t))</c> with <c>lstm.weight_hr_l{k}</c> [Projection, Hidden] and no bias. h, the
    /// recurrent weights' input (<c>weight_hh</c> is [4·Hidden, Projection]), the next layer's input and the head's
    /// input are Projection wide; the cell state c keeps Hidden units. Must be less than <see cref="Hidden"/>
    /// (LSTM0015). LSTM only (LSTM0013 with a GRU); with <see cref="Bidirectional"/> each direction projects its own h. 0, the default, projects nothing.
    /// Such a model trains sample by sample (no lock-step lanes) and runs whole sequences step by step.
    /// </summary>
    public int Projection { get; set; }

    /// <summary>
    /// Dropout probability on the output of each layer but the last, where it feeds the next layer: PyTorch's
    /// <c>nn.LSTM(dropout=…)</c> (Keras: a <c>Dropout</c> layer between stacked recurrent layers). In [0, 1);
    /// applied only by the recording <c>Forward</c> (training), with masks drawn from the tape's
    /// <c>DropoutSeed</c>; <c>Predict</c> and <c>Step</c> never drop. Needs <see cref="Layers"/> &gt; 1. Default 0.
    /// </summary>
    public double Dropout { get; set; }

    /// <summary>
    /// Dropout probability on the model's input at every step (on the embedding row of a token model: PyTorch's
    /// <c>nn.Dropout</c> after <c>nn.Embedding</c>). In [0, 1); training only, as <see cref="Dropout"/>. Default 0.
    /// </summary>
    public double InputDropout { get; set; }
}

/// <summary>The recurrent cell of a model's layers.</summary>
public enum RecurrentCell
{
    /// <summary>
    /// Long short-term memory, PyTorch's <c>nn.LSTM</c>: gates i, f, g, o from <c>W_ih x + b_ih + W_hh h + b_hh</c>;
    /// <c>c' = σ(f)·c + σ(i)·tanh(g)</c>, <c>h' = σ(o)·tanh(c')</c>. Weights [4·Hidden, …].
    /// </summary>
    Lstm = 0,

    /// <summary>
    /// Gated recurrent unit, PyTorch's <c>nn.GRU</c>: <c>r = σ(W_ir x + b_ir + W_hr h + b_hr)</c>,
    /// <c>z = σ(W_iz x + b_iz + W_hz h + b_hz)</c>, <c>n = tanh(W_in x + b_in + r·(W_hn h + b_hn))</c>,
    /// <c>h' = (1 − z)·n + z·h</c>. Weights [3·Hidden, …] in row blocks r, z, n; the state has no cell.
    /// </summary>
    Gru = 1,
}

/// <summary>Storage precision of the weights that inference reads.</summary>
public enum WeightPrecision
{
    /// <summary>float32, the same values as <see cref="ILstmModel.Parameters"/> (the default).</summary>
    Float32 = 0,

    /// <summary>
    /// bfloat16 (float32's 8-bit exponent, 7 stored mantissa bits; rounded to nearest even, relative error
    /// ≤ 2^−9 per weight), widened to float32 in registers; biases and the linear head stay float32.
    /// </summary>
    BFloat16 = 1,
}

/// <summary>The output head of a model.</summary>
public enum Head
{
    /// <summary>No head: the output is the top layer's hidden state h.</summary>
    None = 0,

    /// <summary>A linear layer: <c>y = W h + b</c> (logits, regression values).</summary>
    Linear = 1,

    /// <summary>A linear layer followed by the logistic sigmoid of each output (binary or multi-label probabilities).</summary>
    Sigmoid = 2,

    /// <summary>A linear layer followed by softmax over the outputs (class probabilities).</summary>
    Softmax = 3,
}

/// <summary>Which time steps produce an output.</summary>
public enum HeadOn
{
    /// <summary>Only the last step (sequence classification, regression).</summary>
    LastStep = 0,

    /// <summary>Every step (sequence labelling, language models).</summary>
    EveryStep = 1,

    /// <summary>
    /// Once per sequence, from the final state of every direction: the top layer's forward h after the last step
    /// and, for a bidirectional model, its reverse h after the first step (which has read the whole sequence
    /// backward) — PyTorch's <c>cat(h_n[-2], h_n[-1])</c>, Keras's <c>Bidirectional(..., return_sequences=False)</c>.
    /// For a unidirectional model the same as <see cref="LastStep"/>.
    /// </summary>
    FinalState = 2,
}

/// <summary>Whether a model with an activated head returns the activated values or the logits before the activation.</summary>
public enum HeadOutput
{
    /// <summary>After the head's activation (probabilities for <see cref="Head.Softmax"/> and <see cref="Head.Sigmoid"/>).</summary>
    Activated = 0,

    /// <summary>The linear head's output before its activation.</summary>
    Logits = 1,
}
