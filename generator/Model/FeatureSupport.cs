// Which combinations of the attribute's options the generator supports, decided here once: the parser refuses the
// others with a diagnostic, and the emitters ask which optional paths (the lock-step training lanes) a model gets.
namespace LstmGen.Generator.Model;

/// <summary>The supported feature combinations.</summary>
internal static class FeatureSupport
{
    /// <summary>A combination the generator refuses, as the diagnostic that says so.</summary>
    internal sealed record Refusal(Microsoft.CodeAnalysis.DiagnosticDescriptor Descriptor, string Argument, string[] MessageArguments);

    /// <summary>
    /// The combinations of cell, direction, precision and options that no kernel implements (the parser reports each
    /// on its argument): bfloat16 inference of a bidirectional model, peepholes or a projection on a GRU.
    /// </summary>
    public static System.Collections.Generic.IEnumerable<Refusal> Refusals(bool gru, bool bidirectional, bool bfloat16, bool peephole, int projection)
    {
        if (bidirectional && bfloat16)
            yield return new(DiagnosticDescriptors.UnsupportedCombination, "InferenceWeights", new[] { "InferenceWeights = BFloat16", "Bidirectional = true" });
        if (peephole && gru)
            yield return new(DiagnosticDescriptors.OptionNotForCell, "Peephole", new[] { "Peephole = true", "RecurrentCell.Gru",
                "peepholes connect an LSTM's cell state to its gates, and a GRU has no cell state" });
        if (projection > 0 && gru)
            yield return new(DiagnosticDescriptors.OptionNotForCell, "Projection", new[] { $"Projection = {projection.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "RecurrentCell.Gru",
                "a projection maps an LSTM's o·tanh(c) to a smaller h (PyTorch's proj_size), and PyTorch's nn.GRU has none" });
    }

    /// <summary>
    /// Whether the lock-step lane training path (<c>ILaneTrainableModel</c>) is generated: unidirectional LSTMs without
    /// peepholes, dropout or projection; other models train sample by sample.
    /// </summary>
    public static bool HasLanes(ModelSpec spec) => !spec.IsGru && !spec.Bidirectional && !spec.Peephole && !spec.HasDropout && !spec.HasProjection;
}
