// Everything the emitter needs to know about one declared model, as plain equatable data (no Roslyn symbols or syntax).
namespace LstmGen.Generator.Model;

/// <summary>A type that contains the model class (for nested declarations), outermost first.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>The output head, mirroring <c>LstmGen.Head</c>.</summary>
internal enum HeadKind { None = 0, Linear = 1, Sigmoid = 2, Softmax = 3 }

/// <summary>Where outputs are produced, mirroring <c>LstmGen.HeadOn</c>.</summary>
internal enum HeadOnKind { LastStep = 0, EveryStep = 1, FinalState = 2 }

/// <summary>The recurrent cell, mirroring <c>LstmGen.RecurrentCell</c>.</summary>
internal enum CellKind { Lstm = 0, Gru = 1 }

/// <summary>A validated model declaration.</summary>
internal sealed record ModelSpec(
    string? Namespace,
    string TypeName,
    EquatableArray<ContainingType> ContainingTypes,
    int Inputs,
    int Vocabulary,
    int Embedding,
    int Hidden,
    int Layers,
    int Outputs,
    HeadKind Head,
    HeadOnKind HeadOn,
    bool Compact,
    bool BFloat16Inference = false,
    CellKind Cell = CellKind.Lstm,
    bool Bidirectional = false,
    bool Peephole = false,
    float Dropout = 0f,
    float InputDropout = 0f,
    int Projection = 0)
{
    /// <summary>Whether h is projected (PyTorch <c>proj_size</c>): h = W_hr·(o·tanh(c)), <see cref="Projection"/> values.</summary>
    public bool HasProjection => Projection > 0;

    /// <summary>Width of h per layer and direction: the projection size, or Hidden.</summary>
    public int Recurrent => HasProjection ? Projection : Hidden;

    /// <summary>Whether the recording forward pass drops anything: input dropout, or dropout between two or more layers.</summary>
    public bool HasDropout => InputDropout > 0 || (Dropout > 0 && Layers > 1);

    /// <summary>Whether layer <paramref name="layer"/>'s input passes through a dropout mask in training.</summary>
    public bool DropsInputOf(int layer) => layer == 0 ? InputDropout > 0 : Dropout > 0;

    public bool IsGru => Cell == CellKind.Gru;

    /// <summary>Directions per layer: 2 for a bidirectional model, else 1.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>Packed rows per layer besides the input and recurrent weights: the bias row, and the peephole row of a peephole LSTM (see <see cref="Geometry"/>).</summary>
    public int ExtraRows => Peephole ? 2 : 1;

    /// <summary>Gate row blocks per unit in PyTorch's tensors: 4 (i, f, g, o) or 3 (r, z, n).</summary>
    public int GatesPerUnit => IsGru ? 3 : 4;

    public bool IsTokenModel => Vocabulary > 0;

    public int InputSize => IsTokenModel ? Embedding : Inputs;

    public int LayerInputSize(int layer) => layer == 0 ? InputSize : Directions * Recurrent;

    /// <summary>The main generated file's hint name: <c>{Namespace}.{Containing types}.{Type}.g.cs</c>.</summary>
    public string HintName => HintPrefix + ".g.cs";

    /// <summary>The hint name of the generated file that holds part <paramref name="part"/> (<c>Kernels</c>, <c>Training</c>, or a width's tiles, <c>Vector512</c>): <c>{Namespace}.{Type}.{part}.g.cs</c>.</summary>
    public string PartHintName(string part) => HintPrefix + "." + part + ".g.cs";

    private string HintPrefix => (Namespace is null ? "" : Namespace + ".") +
        string.Concat(System.Linq.Enumerable.Select(ContainingTypes, t => t.Name + ".")) + TypeName;
}

/// <summary>What the parser produced for one attributed class: a spec when valid, and its diagnostics.</summary>
internal sealed record ModelResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
