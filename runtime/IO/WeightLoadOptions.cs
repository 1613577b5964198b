// How a weight file's tensor names map onto a model's parameters.
namespace LstmGen.IO;

/// <summary>Options for loading weights (see <see cref="ModelWeights"/> for the mapping rules).</summary>
public sealed class WeightLoadOptions
{
    /// <summary>
    /// Module names used in the file (e.g. <c>embed_layer</c>, <c>lstm_layer</c>, <c>linear_layer</c>).
    /// When set, exactly <c>{Embedding}.weight</c>, <c>{Lstm}.weight_ih_l{k}</c> … <c>{Head}.bias</c>
    /// are read; an empty name means no prefix (<c>weight_ih_l0</c>, as in a bare nn.LSTM state_dict).
    /// When null, the loader uses PyTorch-style defaults (<c>embed</c>, <c>lstm</c>, <c>head</c>) if the
    /// file has them, and otherwise recognises the modules by their tensor suffixes and shapes.
    /// </summary>
    public WeightNames? Names { get; init; }

    /// <summary>
    /// When true, tensors that belong to no parameter (inputs, gradients, optimizer state …) are
    /// ignored instead of rejected. Tensors under the LSTM's own name that the model cannot hold —
    /// <c>_reverse</c> (bidirectional), <c>weight_hr</c> (projection), <c>weight_ch</c> (peepholes), layers beyond
    /// <see cref="ModelShape.LayerCount"/> — are rejected either way.
    /// </summary>
    public bool IgnoreExtraTensors { get; init; }

    /// <summary>
    /// When true (the default) and the file carries <see cref="ReferenceVectors"/> (metadata key
    /// <see cref="ReferenceVectors.MetadataKey"/>), the loaded weights must reproduce their outputs, or the load fails
    /// with a <see cref="WeightFileException"/> and the parameters stay unchanged. False skips the check.
    /// </summary>
    public bool VerifyReferenceVectors { get; init; } = true;
}

/// <summary>The module names of a model's parts in a weight file.</summary>
/// <param name="Embedding">Prefix of the embedding (<c>{Embedding}.weight</c>).</param>
/// <param name="Lstm">Prefix of the LSTM (<c>{Lstm}.weight_ih_l0</c> …).</param>
/// <param name="Head">Prefix of the linear head (<c>{Head}.weight</c>, <c>{Head}.bias</c>).</param>
public sealed record WeightNames(string Embedding, string Lstm, string Head)
{
    /// <summary>The names LstmGen writes: <c>embed</c>, <c>lstm</c>, <c>head</c>.</summary>
    public static WeightNames Default { get; } = new("embed", "lstm", "head");
}
