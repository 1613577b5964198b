// Every diagnostic the generator reports, with a stable id; each has a page in docs/diagnostics/.
using System;
using Microsoft.CodeAnalysis;

namespace LstmGen.Generator;

/// <summary>The generator's diagnostics.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "LstmGen";
    private const string HelpBase = "https://github.com/lstmgen/lstmgen/blob/main/docs/diagnostics/";

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity) =>
        new(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: HelpBase + id + ".md");

    public static readonly DiagnosticDescriptor NotPartial = Create("LSTM0001",
        "Model class must be partial",
        "The class '{0}' has [LstmModel] but is not partial; declare it 'partial' (and every class it is nested in) so the generated members can be added",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor SizeNotPositive = Create("LSTM0002",
        "Model size must be positive",
        "{0} must be a positive number; it is {1}",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor BothInputForms = Create("LSTM0003",
        "Inputs and Vocabulary are exclusive",
        "Set either Inputs (float vectors) or Vocabulary and Embedding (token ids), not both",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NoInputForm = Create("LSTM0004",
        "Model has no input",
        "Set Inputs (size of the float vector per step) or Vocabulary and Embedding (token ids through an embedding)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor EmbeddingWithoutVocabulary = Create("LSTM0005",
        "Vocabulary and Embedding go together",
        "{0} is set but {1} is not; a token model needs both Vocabulary and Embedding",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor HeadWithoutOutputs = Create("LSTM0006",
        "Head needs Outputs",
        "Head = {0} needs Outputs, the number of values the linear head produces",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor OutputsWithoutHead = Create("LSTM0007",
        "Outputs without a head",
        "Outputs = {0} is set but Head is None; remove Outputs or choose Head.Linear, Head.Sigmoid or Head.Softmax",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor HiddenMissing = Create("LSTM0008",
        "Hidden is required",
        "Set Hidden, the number of hidden units per layer",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedType = Create("LSTM0009",
        "Unsupported model class",
        "The class '{0}' cannot be a model: {1}",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TooLarge = Create("LSTM0010",
        "Model too large",
        "{0} = {1} is larger than the supported maximum of {2}",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnknownEnumValue = Create("LSTM0011",
        "Unknown option value",
        "{0} = {1} is not a defined value",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedCombination = Create("LSTM0012",
        "Options that cannot be combined yet",
        "{0} cannot be combined with {1} yet",
        DiagnosticSeverity.Error);

    /// <summary>An option set for a cell it has no meaning for: {0} the option as written, {1} the cell, {2} why.</summary>
    public static readonly DiagnosticDescriptor OptionNotForCell = Create("LSTM0013",
        "Option does not apply to this cell",
        "{0} does not apply to Cell = {1}: {2}",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DropoutOutOfRange = Create("LSTM0014",
        "Dropout rate out of range",
        "{0} = {1} is not a dropout probability: it must be at least 0 and less than 1",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ProjectionOutOfRange = Create("LSTM0015",
        "Projection size out of range",
        "Projection = {0} must be at least 1 and less than Hidden = {1} (or 0 for no projection)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor CompactCode = Create("LSTM0100",
        "Compact code generated",
        "The model has {0} gate and head columns, over the unrolling budget of {1}; LstmGen generated compact loop-based SIMD code for it (same results, smaller methods)",
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor DropoutWithoutEffect = Create("LSTM0101",
        "Dropout without effect",
        "Dropout = {0} has no effect with Layers = 1: it applies between stacked layers (use InputDropout for the input)",
        DiagnosticSeverity.Warning);

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "LSTM0001" => NotPartial,
        "LSTM0002" => SizeNotPositive,
        "LSTM0003" => BothInputForms,
        "LSTM0004" => NoInputForm,
        "LSTM0005" => EmbeddingWithoutVocabulary,
        "LSTM0006" => HeadWithoutOutputs,
        "LSTM0007" => OutputsWithoutHead,
        "LSTM0008" => HiddenMissing,
        "LSTM0009" => UnsupportedType,
        "LSTM0010" => TooLarge,
        "LSTM0011" => UnknownEnumValue,
        "LSTM0012" => UnsupportedCombination,
        "LSTM0013" => OptionNotForCell,
        "LSTM0014" => DropoutOutOfRange,
        "LSTM0015" => ProjectionOutOfRange,
        "LSTM0100" => CompactCode,
        "LSTM0101" => DropoutWithoutEffect,
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "Unknown diagnostic id."),
    };
}
