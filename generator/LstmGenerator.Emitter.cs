// Emits one model class: constants, weight storage with named views, loading and saving, the public
// inference API (whole sequence and streaming), and the dispatch to the width-specialized kernels.
using System.Collections.Generic;
using System.Reflection;
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    private const string Span = "global::System.Span<float>";
    private const string ReadOnlySpanFloat = "global::System.ReadOnlySpan<float>";
    private const string Marshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    private const string State = "global::LstmGen.LstmState";
    private const string HeadOutputType = "global::LstmGen.HeadOutput";

    private static readonly string Version =
        typeof(LstmGenerator).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// The generated files of one model: the main file (sizes, weights, Load/Save, the public API, training entry
    /// points, the dispatchers), then two per vector width, each a complete compilation unit declaring the same
    /// partial class: <c>….{Width}.g.cs</c> with that width's inference kernels (what Predict and Step run) and
    /// <c>….{Width}.Training.g.cs</c> with its training kernels (what Forward, Backward and the lanes run). Every model
    /// is trainable, so every model has all nine files; a part nothing was written to would be left out.
    /// </summary>
    internal static IReadOnlyList<(string HintName, string Text)> Emit(ModelSpec spec)
    {
        var layout = new Layout(spec);
        var w = new SourceWriter();
        // Each width's two files: the same header and wrappers around what the kernel emitters write inside
        // w.Part(f.Suffix) (inference) or w.Part(TrainingPart(f)) (training).
        foreach (Flavor f in Flavors)
        {
            string width = f.IsScalar ? "scalar" : f.Suffix;
            DefineKernelPart(w, spec, f.Suffix, $"{spec.TypeName}: the {width} inference kernels, for {(spec.Bidirectional ? "Predict" : "Predict and Step")} ({FlavorWhen(f)}); called by the dispatchers in {spec.HintName}, the training kernels are in {spec.PartHintName(TrainingPart(f))}.");
            string uses = spec.HasLanes ? "Forward, Backward and the lock-step lanes" : "Forward and Backward";
            DefineKernelPart(w, spec, TrainingPart(f), $"{spec.TypeName}: the {width} training kernels, for {uses} ({FlavorWhen(f)}); called by the dispatchers in {spec.HintName}.");
        }

        string inferenceFiles = spec.PartHintName("{Width}"), trainingFiles = spec.PartHintName(TrainingPart("{Width}"));
        string widths = string.Join(", ", System.Linq.Enumerable.Select(Flavors, f => f.Suffix));
        using (BeginFile(w, spec, $"{spec.TypeName}: sizes, weights, loading and saving, the public API, training entry points, and the dispatchers that pick a vector width; each width's kernels are in {inferenceFiles} (inference) and {trainingFiles} (training), {{Width}} = {widths}."))
            EmitClass(w, layout);

        var files = new List<(string HintName, string Text)> { (spec.HintName, w.ToString()) };
        foreach (Flavor f in Flavors)
        {
            foreach (string part in new[] { f.Suffix, TrainingPart(f) })
            {
                if (w.PartText(part) is string text) files.Add((spec.PartHintName(part), text));
            }
        }
        return files;
    }

    /// <summary>The part (and file) of a width's training kernels: recording steps, backward steps, lanes.</summary>
    private static string TrainingPart(Flavor f) => TrainingPart(f.Suffix);

    private static string TrainingPart(string width) => width + ".Training";

    /// <summary>Declares the part <paramref name="part"/> as a file of its own: the file's header saying what it <paramref name="holds"/>, and the class's wrappers.</summary>
    private static void DefineKernelPart(SourceWriter w, ModelSpec spec, string part, string holds)
    {
        var shell = new SourceWriter();
        int indent;
        using (BeginFile(shell, spec, holds))
        using (shell.Block($"partial class {spec.TypeName}"))
        {
            indent = shell.Indent;
            shell.Line(PartMarker);
        }
        string text = shell.ToString();
        int marker = text.LastIndexOf(PartMarker, System.StringComparison.Ordinal);
        w.DefinePart(part, text.Substring(0, marker - indent * 4), text.Substring(marker + PartMarker.Length + 1), indent);
    }

    /// <summary>Where a kernel file's kernels go, between its wrappers' opening and closing.</summary>
    private const string PartMarker = "// kernels";

    /// <summary>When the dispatchers run a flavor's kernels, for the file header.</summary>
    private static string FlavorWhen(Flavor f) => f.IsScalar
        ? "run when no vector width is hardware-accelerated"
        : $"{N(f.Width * 32)}-bit vectors, run when {f.Suffix}.IsHardwareAccelerated{(f.Width == 16 ? "" : " and no wider width is")}";

    /// <summary>Writes a generated file's header, a comment saying what it holds, and opens the namespace and containing types (closed on dispose).</summary>
    private static System.IDisposable BeginFile(SourceWriter w, ModelSpec spec, string holds)
    {
        w.Line("// <auto-generated/>");
        w.Line("// " + holds);
        w.Line("#nullable enable");
        w.Line("using global::LstmGen.CompilerServices; // extension methods of generated-code support (StateMarshal, TapeMarshal)");
        w.Line();
        var scopes = new List<System.IDisposable>();
        if (spec.Namespace is not null) scopes.Add(w.Block($"namespace {spec.Namespace}"));
        foreach (ContainingType outer in spec.ContainingTypes) scopes.Add(w.Block($"partial {outer.Keyword} {outer.Name}"));
        return new Scopes(scopes);
    }

    /// <summary>Closes scopes innermost first.</summary>
    private sealed class Scopes(List<System.IDisposable> scopes) : System.IDisposable
    {
        public void Dispose()
        {
            for (int i = scopes.Count - 1; i >= 0; i--) scopes[i].Dispose();
        }
    }

    private static string Describe(ModelSpec spec)
    {
        string input = spec.IsTokenModel ? $"nn.Embedding({N(spec.Vocabulary)}, {N(spec.Embedding)}) → " : "";
        string lstm = $"nn.{(spec.IsGru ? "GRU" : "LSTM")}({N(spec.InputSize)}, {N(spec.Hidden)}" + (spec.Layers > 1 ? $", num_layers={N(spec.Layers)}" : "") + (spec.HasProjection ? $", proj_size={N(spec.Projection)}" : "") + ")" + (spec.Peephole ? " with peepholes" : "");
        string head = spec.Head switch
        {
            HeadKind.None => "",
            HeadKind.Linear => $" → nn.Linear({N(spec.Recurrent)}, {N(spec.Outputs)})",
            HeadKind.Sigmoid => $" → nn.Linear({N(spec.Recurrent)}, {N(spec.Outputs)}) → sigmoid",
            _ => $" → nn.Linear({N(spec.Recurrent)}, {N(spec.Outputs)}) → softmax",
        };
        string on = spec.HeadOn switch
        {
            HeadOnKind.EveryStep => "every step",
            HeadOnKind.FinalState when spec.Bidirectional => "the final states (forward after the last step, reverse after the first)",
            _ => "the last step",
        };
        return $"{input}{lstm}{head}, output on {on}";
    }

    private static void EmitClass(SourceWriter w, Layout layout)
    {
        ModelSpec spec = layout.Spec;
        // Lock-step lane training (ILaneTrainableModel) is generated for unidirectional LSTMs without dropout or peepholes; other models train sample by sample.
        string iface = (spec.IsTokenModel ? "global::LstmGen.Training.ITokenTrainableModel" : "global::LstmGen.Training.IFloatTrainableModel") + ", global::LstmGen.CompilerServices.IGuardedModel" + (spec.HasLanes ? ", global::LstmGen.CompilerServices.ILaneTrainableModel" : "");
        int stepOutput = spec.Head == HeadKind.None ? layout.TopWidth : spec.Outputs;

        w.Line("/// <summary>");
        w.Line($"/// {(spec.IsGru ? "GRU" : "LSTM")} generated by LstmGen, specialized to its sizes: {Describe(spec)}.");
        w.Line("/// </summary>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"LstmGen\", \"{Version}\")]");
        using (w.Block($"partial class {spec.TypeName} : {iface}"))
        {
            // Sizes.
            if (spec.IsTokenModel)
            {
                w.Line($"/// <summary>Token ids accepted: 0 to {N(spec.Vocabulary - 1)}.</summary>");
                w.Line($"public const int VocabularySize = {N(spec.Vocabulary)};");
                w.Line("/// <summary>Width of each token's embedding vector.</summary>");
                w.Line($"public const int EmbeddingSize = {N(spec.Embedding)};");
            }
            else
            {
                w.Line("/// <summary>Floats per input step.</summary>");
                w.Line($"public const int InputSize = {N(spec.Inputs)};");
            }
            w.Line("/// <summary>Hidden units per layer.</summary>");
            w.Line($"public const int HiddenSize = {N(spec.Hidden)};");
            if (spec.HasProjection)
            {
                w.Line("/// <summary>Width of h per layer (PyTorch <c>proj_size</c>): h = W_hr·(o ⊙ tanh(c)); c keeps <see cref=\"HiddenSize\"/> units.</summary>");
                w.Line($"public const int ProjectionSize = {N(spec.Projection)};");
            }
            w.Line($"/// <summary>Stacked {(spec.IsGru ? "GRU" : "LSTM")} layers.</summary>");
            w.Line($"public const int LayerCount = {N(spec.Layers)};");
            if (spec.Bidirectional)
            {
                w.Line("/// <summary>Directions per layer: forward, then reverse (PyTorch <c>bidirectional=True</c>).</summary>");
                w.Line("public const int DirectionCount = 2;");
                w.Line("/// <summary>State slots (h, c): layer · 2 + direction, PyTorch's h_n order.</summary>");
                w.Line("public const int StateSlotCount = LayerCount * DirectionCount;");
            }
            if (spec.Head != HeadKind.None)
            {
                w.Line("/// <summary>Outputs of the linear head.</summary>");
                w.Line($"public const int OutputSize = {N(spec.Outputs)};");
            }
            w.Line($"/// <summary>Floats produced per output step ({(spec.Head == HeadKind.None ? (spec.Bidirectional ? "the top layer's forward and reverse h" : "the top layer's h") : "the head's outputs")}).</summary>");
            w.Line($"public const int StepOutputSize = {N(stepOutput)};");
            w.Line("/// <summary>Floats in <see cref=\"Parameters\"/>.</summary>");
            w.Line($"public const int ParameterCount = {N(layout.ParameterCount)};");
            w.Line();
            w.Line($"private const int StateLength = {N(layout.StateLength)}; // h, c per {(spec.Bidirectional ? "layer and direction" : "layer")}, {N(layout.PaddedHidden)} floats each{(spec.IsGru ? " (a GRU leaves c at zero)" : "")}");
            w.Line($"private const int ScratchLength = {N(layout.ScratchLength + layout.SequenceScratchLength)}; // gate sums{(layout.HeadRow > 0 ? ", head logits" : "")}{(layout.LayerMajor ? ", a layer-major chunk's input projections and outputs" : "")}");
            w.Line($"private const int PackedLength = {N(layout.PackedLength)}; // packed weights, see global::LstmGen.CompilerServices.GateLayout");
            w.Line($"private static readonly global::LstmGen.ModelShape s_shape = new(inputSize: {N(spec.Inputs)}, vocabularySize: {N(spec.Vocabulary)}, embeddingSize: {N(spec.Embedding)}, hiddenSize: {N(spec.Hidden)}, layerCount: {N(spec.Layers)}, outputSize: {N(spec.Outputs)}, global::LstmGen.Head.{spec.Head}, global::LstmGen.HeadOn.{spec.HeadOn}{(spec.IsGru ? ", cell: global::LstmGen.RecurrentCell.Gru" : "")}{(spec.Bidirectional ? ", bidirectional: true" : "")}{(spec.Peephole ? ", peephole: true" : "")}{(spec.HasProjection ? ", projectionSize: ProjectionSize" : "")}){DropoutInitializer(spec)};");
            w.Line("private readonly float[] _parameters = new float[ParameterCount];");
            w.Line("private readonly global::LstmGen.CompilerServices.AlignedBuffer _packed = new(PackedLength);");
            if (spec.BFloat16Inference)
                w.Line("private readonly global::LstmGen.CompilerServices.BFloat16Buffer _packedBFloat16 = new(PackedLength); // what inference reads (InferenceWeights = BFloat16)");
            if (layout.DotHead)
                w.Line($"private readonly global::LstmGen.CompilerServices.AlignedBuffer _headRows = new({N(layout.HeadRowsLength)}); // the head by rows, for its dot products in inference");
            if (layout.HasInputTable)
                w.Line($"private readonly global::LstmGen.CompilerServices.AlignedBuffer _inputTable = new({N(layout.InputTableLength)}); // per token: bias + W_ih·embedding of layer 0");
            w.Line($"[global::System.ThreadStatic] private static {State}? t_state; // the state of Predict calls without one: one per thread, so a shared model gives every caller its own");
            w.Line("private readonly global::LstmGen.CompilerServices.ModelGuard _guard = new(); // detects inference overlapping a change of the weights");
            w.Line();

            EmitWeightMembers(w, layout);
            if (spec.Bidirectional)
            {
                EmitBidirectional(w, layout);
                w.Line();
                EmitTrainingMembers(w, layout);
                return;
            }
            EmitPublicApi(w, layout);

            // Kernels.
            w.Line("/// <summary>One step of every layer, at the widest vector width the hardware accelerates (the JIT folds the checks).</summary>");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
            using (w.Block("private void StepCore(ref float x, ref float s)"))
                EmitDispatch(w, "StepCore", "ref x, ref s");
            w.Line();
            foreach (Flavor f in Flavors)
            {
                using var part = w.Part(f.Suffix); // into this width's inference file
                EmitStepKernel(w, layout, f, record: false);
                w.Line();
            }
            if (spec.Head != HeadKind.None)
            {
                foreach (Flavor f in Flavors)
                {
                    using var part = w.Part(f.Suffix); // into this width's inference file
                    EmitHeadKernel(w, layout, f);
                    w.Line();
                }
            }
            if (layout.LayerMajor) EmitLayerMajor(w, layout);
            EmitWriteOutput(w, layout);
            w.Line();
            EmitTrainingMembers(w, layout);
        }
    }

    /// <summary>
    /// Emits the body of the state-less Predict: the calling thread's own state (made on its first call), reset, then the
    /// Predict that takes a state — so one model instance serves any number of threads without allocating per call.
    /// </summary>
    private static void EmitStatelessPredict(SourceWriter w, string input)
    {
        w.Line($"{State} state = t_state ??= CreateState();");
        w.Line("state.Reset();");
        w.Line($"Predict({input}, output, state);");
    }

    /// <summary>The shape's dropout rates as an object initializer (empty without dropout).</summary>
    private static string DropoutInitializer(ModelSpec spec)
    {
        var parts = new List<string>();
        if (spec.Dropout > 0) parts.Add("Dropout = " + F(spec.Dropout));
        if (spec.InputDropout > 0) parts.Add("InputDropout = " + F(spec.InputDropout));
        return parts.Count == 0 ? "" : " { " + string.Join(", ", parts) + " }";
    }

    /// <summary>Emits <c>CheckSequenceOutput</c>: a whole-sequence output span must hold steps × StepOutputSize (every step) or StepOutputSize floats.</summary>
    private static void EmitCheckSequenceOutput(SourceWriter w, bool every)
    {
        string outputsText = every ? "steps × StepOutputSize" : "StepOutputSize";
        using (w.Block("private static void CheckSequenceOutput(int length, int steps)"))
        {
            w.Line($"int expected = {(every ? "steps * StepOutputSize" : "StepOutputSize")};");
            w.Line("if (length != expected)");
            w.Line($"    throw new global::System.ArgumentException($\"Expected an output span of {{expected}} floats ({outputsText}), got {{length}}.\", \"output\");");
        }
        w.Line();
    }

    /// <summary>
    /// Emits the checks of a whole sequence's input (token ids in range, or a positive multiple of InputSize floats)
    /// and <c>int steps</c>; used by Forward and by the bidirectional Predict.
    /// </summary>
    private static void EmitSequenceInputChecks(SourceWriter w, ModelSpec spec)
    {
        if (spec.IsTokenModel)
        {
            w.Line("if (tokens.IsEmpty) throw new global::System.ArgumentException(\"Expected at least one token.\", nameof(tokens));");
            using (w.Block("for (int t = 0; t < tokens.Length; t++)"))
            {
                w.Line("if ((uint)tokens[t] >= VocabularySize)");
                w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(tokens), tokens[t], $\"Token {t} is {tokens[t]}; token ids must be in [0, {VocabularySize}).\");");
            }
            w.Line("int steps = tokens.Length;");
        }
        else
        {
            w.Line("if (inputs.IsEmpty || inputs.Length % InputSize != 0)");
            w.Line("    throw new global::System.ArgumentException($\"Expected a positive multiple of {InputSize} floats (steps × InputSize), got {inputs.Length}.\", nameof(inputs));");
            w.Line("int steps = inputs.Length / InputSize;");
        }
    }

    /// <summary>StateMarshal.Create's sizes after the slot count: hidden and scratch (and, projected, the projection size).</summary>
    private static string StateSizes(ModelSpec spec) => spec.HasProjection ? "HiddenSize, ScratchLength, ProjectionSize" : "HiddenSize, ScratchLength";

    /// <summary>The check that a state (or state-gradient argument <paramref name="name"/>) has this model's sizes, with <paramref name="scratch"/> scratch floats.</summary>
    private static string EnsureState(ModelSpec spec, string name = "state", string scratch = "ScratchLength") =>
        $"{name}{(name == "state" ? "" : "?")}.EnsureShape({Slots(spec)}, HiddenSize, {(spec.HasProjection ? "ProjectionSize" : "0")}, {scratch}, nameof({name}));";

    /// <summary>The emitted width of h: <c>ProjectionSize</c> with a projection, else <c>HiddenSize</c>.</summary>
    private static string HWidth(ModelSpec spec) => spec.HasProjection ? "ProjectionSize" : "HiddenSize";

    /// <summary>The state's slot count as emitted: <c>LayerCount</c>, or <c>StateSlotCount</c> (layers × 2) for a bidirectional model.</summary>
    private static string Slots(ModelSpec spec) => spec.Bidirectional ? "StateSlotCount" : "LayerCount";

    private static void EmitDispatch(SourceWriter w, string method, string arguments)
    {
        w.Line($"if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) {method}Vector512({arguments});");
        w.Line($"else if (global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) {method}Vector256({arguments});");
        w.Line($"else if (global::System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated) {method}Vector128({arguments});");
        w.Line($"else {method}Scalar({arguments});");
    }

    private static void EmitWeightMembers(SourceWriter w, Layout layout)
    {
        ModelSpec spec = layout.Spec;
        int gates = spec.GatesPerUnit * spec.Hidden;
        string blocks = spec.IsGru ? "r, z, n" : "i, f, g, o";
        string module = spec.IsGru ? "gru" : "lstm";
        int d = spec.Directions;
        bool bi = spec.Bidirectional;
        string dp = bi ? ", int direction = 0" : "", da = bi ? ", direction" : "";
        string dirDoc = bi ? " (direction 0 forward, 1 reverse: PyTorch's <c>_reverse</c> tensors)" : "";
        int layer1 = spec.Layers > 1 ? layout.LayerParameterOffsets[d] : 0;
        int peepholes = spec.Peephole ? 3 * spec.Hidden : 0;
        int projection = spec.Projection * spec.Hidden;
        int stride = gates * (spec.LayerInputSize(1) + spec.Recurrent + 2) + peepholes + projection;

        w.Line("/// <inheritdoc/>");
        w.Line("public global::LstmGen.ModelShape Shape => s_shape;");
        w.Line();
        w.Line("/// <summary>All parameters in PyTorch state_dict order and layout; call <see cref=\"ParametersChanged\"/> after writing to them.</summary>");
        w.Line($"public {Span} Parameters => _parameters;");
        w.Line();
        if (spec.IsTokenModel)
        {
            w.Line($"/// <summary>PyTorch <c>embed.weight</c> [{N(spec.Vocabulary)}, {N(spec.Embedding)}]: row t is the embedding of token t.</summary>");
            w.Line($"public {Span} EmbeddingWeight => new(_parameters, 0, {N(spec.Vocabulary * spec.Embedding)});");
            w.Line();
        }
        w.Line($"/// <summary>PyTorch <c>{module}.weight_ih_l{{layer}}</c> [{N(gates)}, inputs]: input weights, row blocks {blocks} of {N(spec.Hidden)} rows{dirDoc}.</summary>");
        w.Line($"public {Span} WeightIh(int layer{dp}) => new(_parameters, LayerOffset(layer{da}), {N(gates)} * LayerInputSize(layer));");
        w.Line();
        w.Line($"/// <summary>PyTorch <c>{module}.weight_hh_l{{layer}}</c> [{N(gates)}, {N(spec.Recurrent)}]: recurrent weights, row blocks {blocks}{(spec.HasProjection ? "; they read the projected h" : "")}.</summary>");
        w.Line($"public {Span} WeightHh(int layer{dp}) => new(_parameters, LayerOffset(layer{da}) + {N(gates)} * LayerInputSize(layer), {N(gates * spec.Recurrent)});");
        w.Line();
        w.Line($"/// <summary>PyTorch <c>{module}.bias_ih_l{{layer}}</c> [{N(gates)}].</summary>");
        w.Line($"public {Span} BiasIh(int layer{dp}) => new(_parameters, LayerOffset(layer{da}) + {N(gates)} * (LayerInputSize(layer) + {N(spec.Recurrent)}), {N(gates)});");
        w.Line();
        w.Line($"/// <summary>PyTorch <c>{module}.bias_hh_l{{layer}}</c> [{N(gates)}].</summary>");
        w.Line($"public {Span} BiasHh(int layer{dp}) => new(_parameters, LayerOffset(layer{da}) + {N(gates)} * (LayerInputSize(layer) + {N(spec.Recurrent + 1)}), {N(gates)});");
        w.Line();
        if (spec.HasProjection)
        {
            w.Line($"/// <summary>PyTorch <c>lstm.weight_hr_l{{layer}}</c> [{N(spec.Projection)}, {N(spec.Hidden)}]: the projection, h = W_hr·(o ⊙ tanh(c)) (no bias){dirDoc}.</summary>");
            w.Line($"public {Span} WeightHr(int layer{dp}) => new(_parameters, LayerOffset(layer{da}) + {N(gates)} * (LayerInputSize(layer) + {N(spec.Recurrent + 2)}), {N(projection)});");
            w.Line();
        }
        if (spec.Peephole)
        {
            w.Line($"/// <summary>LstmGen's <c>lstm.weight_ch_l{{layer}}</c> [{N(peepholes)}]: peephole weights, row blocks p_i, p_f, p_o of {N(spec.Hidden)} (i, f read p ⊙ c_(t−1), o reads p ⊙ c_t){dirDoc}.</summary>");
            w.Line($"public {Span} PeepholeWeight(int layer{dp}) => new(_parameters, LayerOffset(layer{da}) + {N(gates)} * (LayerInputSize(layer) + {N(spec.Recurrent + 2)}){(spec.HasProjection ? " + " + N(projection) : "")}, {N(peepholes)});");
            w.Line();
        }
        if (spec.Head != HeadKind.None)
        {
            w.Line($"/// <summary>PyTorch <c>head.weight</c> [{N(spec.Outputs)}, {N(layout.TopWidth)}]{(bi ? ": columns 0 … H−1 read the forward h, H … 2H−1 the reverse h" : "")}.</summary>");
            w.Line($"public {Span} HeadWeight => new(_parameters, {N(layout.HeadWeightOffset)}, {N(spec.Outputs * layout.TopWidth)});");
            w.Line();
            w.Line($"/// <summary>PyTorch <c>head.bias</c> [{N(spec.Outputs)}].</summary>");
            w.Line($"public {Span} HeadBias => new(_parameters, {N(layout.HeadBiasOffset)}, {N(spec.Outputs)});");
            w.Line();
        }
        if (!bi)
        {
            using (w.Block("private static int LayerOffset(int layer)"))
            {
                w.Line($"if ((uint)layer >= LayerCount) throw new global::System.ArgumentOutOfRangeException(nameof(layer), layer, \"The model has layers 0 to {N(spec.Layers - 1)}.\");");
                w.Line(spec.Layers == 1 ? $"return {N(layout.LayerParameterOffsets[0])};" : $"return layer == 0 ? {N(layout.LayerParameterOffsets[0])} : {N(layer1)} + (layer - 1) * {N(stride)};");
            }
            w.Line();
            w.Line($"private static int LayerInputSize(int layer) => layer == 0 ? {N(spec.InputSize)} : {N(spec.Recurrent)};");
            w.Line();
            w.Line($"private static int PackedLayerOffset(int layer) => layer == 0 ? 0 : {N(spec.Layers > 1 ? layout.LayerPackedOffsets[1] : 0)} + (layer - 1) * {N((spec.ExtraRows + 2 * spec.Recurrent) * layout.Row + layout.ProjectionBlock)};");
            w.Line();
        }
        else
        {
            // Slots layer·2 + direction: the two of layer 0 read the input, the others 2·H values from the layer below.
            int first = gates * (spec.InputSize + spec.Recurrent + 2) + peepholes + projection, packedFirst = (spec.ExtraRows + spec.InputSize + spec.Recurrent) * layout.Row + layout.ProjectionBlock;
            int packedUpper = (spec.ExtraRows + spec.LayerInputSize(1) + spec.Recurrent) * layout.Row + layout.ProjectionBlock;
            int packed2 = spec.Layers > 1 ? layout.LayerPackedOffsets[2] : 0;
            using (w.Block("private static int LayerOffset(int layer, int direction)"))
            {
                w.Line($"if ((uint)layer >= LayerCount) throw new global::System.ArgumentOutOfRangeException(nameof(layer), layer, \"The model has layers 0 to {N(spec.Layers - 1)}.\");");
                w.Line("if ((uint)direction >= DirectionCount) throw new global::System.ArgumentOutOfRangeException(nameof(direction), direction, \"Directions are 0 (forward) and 1 (reverse).\");");
                w.Line("int slot = layer * 2 + direction;");
                w.Line($"return slot < 2 ? {N(layout.LayerParameterOffsets[0])} + slot * {N(first)} : {N(layer1)} + (slot - 2) * {N(stride)};");
            }
            w.Line();
            w.Line($"private static int LayerInputSize(int layer) => layer == 0 ? {N(spec.InputSize)} : {N(2 * spec.Recurrent)};");
            w.Line();
            w.Line($"private static int PackedLayerOffset(int layer, int direction) => layer == 0 ? direction * {N(packedFirst)} : {N(packed2)} + ((layer - 1) * 2 + direction) * {N(packedUpper)};");
            w.Line();
        }

        w.Line("/// <summary>Rebuilds the packed weights the kernels read from <see cref=\"Parameters\"/>; call it after changing them in place.</summary>");
        using (w.Block("public void ParametersChanged()"))
        {
            w.Line("_guard.BeginWrite(); // inference calls overlapping the repacking throw instead of reading half-packed weights");
            w.Line("try { RepackParameters(); }");
            w.Line("finally { _guard.EndWrite(); }");
        }
        w.Line();
        using (w.Block("private void RepackParameters()"))
        {
            w.Line($"{Span} packed = _packed.Span;");
            w.Line("for (int layer = 0; layer < LayerCount; layer++)");
            using (w.Open())
            {
                w.Line("int inputs = LayerInputSize(layer);");
                string recurrentArgument = spec.HasProjection ? "HiddenSize, ProjectionSize" : "HiddenSize";
                string pack = $"global::LstmGen.CompilerServices.GateLayout.{(spec.IsGru ? "PackGruLayer" : "PackLayer")}(WeightIh(layer{da}), WeightHh(layer{da}), BiasIh(layer{da}), BiasHh(layer{da}), inputs, {recurrentArgument}, packed.Slice(PackedLayerOffset(layer{da}), (1 + inputs + {HWidth(spec)}) * {N(layout.Row)}));";
                if (!spec.Peephole && !spec.HasProjection)
                {
                    if (bi) w.Line("for (int direction = 0; direction < DirectionCount; direction++)");
                    w.Line((bi ? "    " : "") + pack);
                }
                else
                {
                    using (bi ? w.Block("for (int direction = 0; direction < DirectionCount; direction++)") : null)
                    {
                        w.Line(pack);
                        if (spec.Peephole)
                            w.Line($"global::LstmGen.CompilerServices.GateLayout.PackPeepholes(PeepholeWeight(layer{da}), HiddenSize, packed.Slice(PackedLayerOffset(layer{da}) + (1 + inputs + {HWidth(spec)}) * {N(layout.Row)}, {N(layout.Row)})); // the peephole row, after W_hh");
                        if (spec.HasProjection)
                            w.Line($"global::LstmGen.CompilerServices.GateLayout.PackProjection(WeightHr(layer{da}), HiddenSize, ProjectionSize, packed.Slice(PackedLayerOffset(layer{da}) + ({N(spec.ExtraRows)} + inputs + ProjectionSize) * {N(layout.Row)}, {N(layout.ProjectionBlock)})); // W_hr, after the gate rows");
                    }
                }
            }
            if (spec.Head != HeadKind.None)
                w.Line($"global::LstmGen.CompilerServices.GateLayout.PackHead(HeadWeight, HeadBias, {(bi ? "2 * " + HWidth(spec) : HWidth(spec))}, OutputSize, packed.Slice({N(layout.HeadPackedOffset)}, {N(layout.PackedLength - layout.HeadPackedOffset)}));");
            if (layout.DotHead)
                w.Line($"global::LstmGen.CompilerServices.GateLayout.PackHeadRows(HeadWeight, HeadBias, {HWidth(spec)}, OutputSize, _headRows.Span);");
            if (spec.BFloat16Inference)
                w.Line("global::LstmGen.CompilerServices.BFloat16.Convert(packed, _packedBFloat16.Span);");
            if (layout.HasInputTable)
                w.Line("global::LstmGen.CompilerServices.GateLayout.BuildInputTable(packed, EmbeddingWeight, VocabularySize, EmbeddingSize, HiddenSize, _inputTable.Span);");
            if (spec.HasLanes) w.Line("_parametersVersion++; // the lane training path rebuilds its transposed weights");
        }
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {State} CreateState() => global::LstmGen.CompilerServices.StateMarshal.Create({Slots(spec)}, {StateSizes(spec)});");
        w.Line();
        // Loading and initialising write the weights and repack them as one change the guard watches.
        foreach (string source in new[] { "string path", "global::System.IO.Stream stream", "global::System.ReadOnlyMemory<byte> bytes" })
        {
            string name = source.Substring(source.LastIndexOf(' ') + 1);
            w.Line("/// <inheritdoc/>");
            using (w.Block($"public void Load({source}, global::LstmGen.IO.WeightLoadOptions? options = null)"))
            {
                w.Line("_guard.BeginWrite();");
                w.Line($"try {{ global::LstmGen.IO.ModelWeights.Load({name}, s_shape, _parameters, options); RepackParameters(); }}");
                w.Line("finally { _guard.EndWrite(); }");
            }
            w.Line();
        }
        w.Line("/// <inheritdoc/>");
        w.Line("public void Save(string path) => global::LstmGen.IO.ModelWeights.Save(path, s_shape, _parameters);");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public void Save(global::System.IO.Stream stream) => global::LstmGen.IO.ModelWeights.Save(stream, s_shape, _parameters);");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void Initialize(ulong seed = 0, global::LstmGen.Training.ParameterInitOptions? options = null)"))
        {
            w.Line("_guard.BeginWrite();");
            w.Line("try { global::LstmGen.Training.ParameterInit.Initialize(s_shape, _parameters, seed, options); RepackParameters(); }");
            w.Line("finally { _guard.EndWrite(); }");
        }
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public string Summary() => s_shape.Summary();");
        w.Line();
        w.Line("global::LstmGen.CompilerServices.ModelGuard global::LstmGen.CompilerServices.IGuardedModel.Guard => _guard;");
        w.Line();
    }

    private static void EmitPublicApi(SourceWriter w, Layout layout)
    {
        ModelSpec spec = layout.Spec;
        bool every = spec.HeadOn == HeadOnKind.EveryStep;
        string kindDefault = $"{HeadOutputType} kind = {HeadOutputType}.Activated";

        // Shared argument checks.
        using (w.Block("private static void CheckStepOutput(int length)"))
        {
            w.Line("if (length != 0 && length != StepOutputSize)");
            w.Line($"    throw new global::System.ArgumentException($\"Expected an output span of {{StepOutputSize}} floats (or an empty one to only advance the state), got {{length}}.\", \"output\");");
        }
        w.Line();
        EmitCheckSequenceOutput(w, every);

        if (spec.IsTokenModel)
        {
            w.Line("private ref float EmbeddingRow(int token) => ref " + Unsafe + ".Add(ref " + Marshal + ".GetArrayDataReference(_parameters), token * EmbeddingSize);");
            w.Line();
            if (layout.HasInputTable)
            {
                w.Line($"/// <summary>What <c>StepCore</c> reads for a token: its row of the input-projection table ({N(layout.Row)} floats).</summary>");
                w.Line($"private ref float InputRow(int token) => ref {Unsafe}.Add(ref _inputTable.Reference, token * {N(layout.Row)});");
            }
            else
            {
                w.Line("/// <summary>What <c>StepCore</c> reads for a token: its embedding row.</summary>");
                w.Line("private ref float InputRow(int token) => ref EmbeddingRow(token);");
            }
            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block($"public void Predict(global::System.ReadOnlySpan<int> tokens, {Span} output)"))
                EmitStatelessPredict(w, "tokens");
            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block($"public void Predict(global::System.ReadOnlySpan<int> tokens, {Span} output, {State} state, {kindDefault})"))
            {
                EmitSequenceInputChecks(w, spec);
                w.Line("CheckSequenceOutput(output.Length, steps);");
                w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
                w.Line(EnsureState(spec));
                w.Line("int version = _guard.EnterRead();");
                w.Line("ref float s = ref state.GetReference();");
                if (layout.LayerMajor)
                {
                    w.Line("PredictLayerMajor(tokens, steps, output, ref s, kind);");
                }
                else
                {
                    using (w.Block("for (int t = 0; t < steps; t++)"))
                    {
                        w.Line("StepCore(ref InputRow(tokens[t]), ref s);");
                        if (every) w.Line("WriteOutput(ref s, output.Slice(t * StepOutputSize, StepOutputSize), kind);");
                    }
                    if (!every) w.Line("WriteOutput(ref s, output, kind);");
                }
                w.Line("_guard.ExitRead(version);");
            }
            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block($"public void Step(int token, {Span} output, {State} state, {kindDefault})"))
            {
                w.Line("if ((uint)token >= VocabularySize)");
                w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(token), token, $\"Token ids must be in [0, {VocabularySize}).\");");
                w.Line("CheckStepOutput(output.Length);");
                w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
                w.Line(EnsureState(spec));
                w.Line("int version = _guard.EnterRead();");
                w.Line("ref float s = ref state.GetReference();");
                w.Line("StepCore(ref InputRow(token), ref s);");
                w.Line("if (!output.IsEmpty) WriteOutput(ref s, output, kind);");
                w.Line("_guard.ExitRead(version);");
            }
        }
        else
        {
            w.Line("/// <inheritdoc/>");
            using (w.Block($"public void Predict({ReadOnlySpanFloat} inputs, {Span} output)"))
                EmitStatelessPredict(w, "inputs");
            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block($"public void Predict({ReadOnlySpanFloat} inputs, {Span} output, {State} state, {kindDefault})"))
            {
                EmitSequenceInputChecks(w, spec);
                w.Line("CheckSequenceOutput(output.Length, steps);");
                w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
                w.Line(EnsureState(spec));
                w.Line("int version = _guard.EnterRead();");
                w.Line("ref float s = ref state.GetReference();");
                if (layout.LayerMajor)
                {
                    w.Line("PredictLayerMajor(inputs, steps, output, ref s, kind);");
                }
                else
                {
                    w.Line($"ref float x = ref {Marshal}.GetReference(inputs);");
                    using (w.Block("for (int t = 0; t < steps; t++)"))
                    {
                        w.Line($"StepCore(ref {Unsafe}.Add(ref x, t * InputSize), ref s);");
                        if (every) w.Line("WriteOutput(ref s, output.Slice(t * StepOutputSize, StepOutputSize), kind);");
                    }
                    if (!every) w.Line("WriteOutput(ref s, output, kind);");
                }
                w.Line("_guard.ExitRead(version);");
            }
            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block($"public void Step({ReadOnlySpanFloat} input, {Span} output, {State} state, {kindDefault})"))
            {
                w.Line("if (input.Length != InputSize)");
                w.Line("    throw new global::System.ArgumentException($\"Expected {InputSize} input floats, got {input.Length}.\", nameof(input));");
                w.Line("CheckStepOutput(output.Length);");
                w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
                w.Line(EnsureState(spec));
                w.Line("int version = _guard.EnterRead();");
                w.Line("ref float s = ref state.GetReference();");
                w.Line($"StepCore(ref {Marshal}.GetReference(input), ref s);");
                w.Line("if (!output.IsEmpty) WriteOutput(ref s, output, kind);");
                w.Line("_guard.ExitRead(version);");
            }
        }
        w.Line();
    }

    /// <summary>
    /// Emits the layer-major whole-sequence driver (see <see cref="Layout.LayerMajorBudget"/>), its phase
    /// kernels and their dispatchers. Same arithmetic per step as <c>StepCore</c>, in another order.
    /// </summary>
    private static void EmitLayerMajor(SourceWriter w, Layout layout)
    {
        ModelSpec spec = layout.Spec;
        bool every = spec.HeadOn == HeadOnKind.EveryStep, half = spec.BFloat16Inference;
        int p = layout.PaddedHidden, chunk = Layout.LayerMajorChunk;
        string wq = half ? ", ref wq" : "", wqParameter = half ? ", ref ushort wq" : "";
        foreach (Flavor f in Flavors)
            using (w.Part(f.Suffix)) EmitLayerMajorKernels(w, layout, f); // into this width's inference file
        var phases = new List<(string Name, bool Project)>();
        foreach (string name in spec.Layers > 1 ? new[] { "First", "Upper" } : new[] { "First" })
        {
            if (!(name == "First" && layout.HasInputTable)) phases.Add(($"Project{name}", true));
            phases.Add(($"Recur{name}", false));
        }
        if (spec.Layers > 1)
        {
            // The 4-step projection exists for the vector flavors; the scalar path does 4 single steps.
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
            using (w.Block($"private void ProjectUpper{ProjectionSteps}(ref float w{wqParameter}, ref float input, ref float zin)"))
            {
                w.Line($"if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) ProjectUpper{ProjectionSteps}Vector512(ref w{wq}, ref input, ref zin);");
                w.Line($"else if (global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) ProjectUpper{ProjectionSteps}Vector256(ref w{wq}, ref input, ref zin);");
                w.Line($"else if (global::System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated) ProjectUpper{ProjectionSteps}Vector128(ref w{wq}, ref input, ref zin);");
                w.Line($"else for (int s = 0; s < {N(ProjectionSteps)}; s++) ProjectUpperScalar(ref w{wq}, ref {Unsafe}.Add(ref input, s * {N(p)}), ref {Unsafe}.Add(ref zin, s * {N(layout.Row)}));");
            }
            w.Line();
        }
        foreach ((string name, bool project) in phases)
        {
            string parameters = project ? $"ref float w{wqParameter}, ref float input, ref float zin" : $"ref float w{wqParameter}, ref float zin, ref float h, ref float c, ref float z";
            string arguments = project ? $"ref w{wq}, ref input, ref zin" : $"ref w{wq}, ref zin, ref h, ref c, ref z";
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
            using (w.Block($"private void {name}({parameters})"))
                EmitDispatch(w, name, arguments);
            w.Line();
        }

        string input = spec.IsTokenModel ? "global::System.ReadOnlySpan<int> tokens" : $"{ReadOnlySpanFloat} inputs";
        w.Line($"/// <summary>Predict over a whole sequence, layer by layer in chunks of {N(chunk)} steps: per chunk, each layer's input projections, then its recurrence (one layer's weights stay in cache).</summary>");
        using (w.Block($"private void PredictLayerMajor({input}, int steps, {Span} output, ref float s, {HeadOutputType} kind)"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            if (half) w.Line("ref ushort packedq = ref _packedBFloat16.Reference;");
            if (!spec.IsTokenModel) w.Line($"ref float x = ref {Marshal}.GetReference(inputs);");
            w.Line($"ref float z = ref {Unsafe}.Add(ref s, {N(layout.StateLength)});");
            w.Line($"ref float zin = ref {Unsafe}.Add(ref s, {N(layout.StateLength + layout.ScratchLength)}); // {N(chunk)} × {N(layout.Row)} input projections");
            w.Line($"ref float outputs = ref {Unsafe}.Add(ref zin, {N(chunk * layout.Row)}); // {N(chunk)} × {N(p)}: the chunk's h of the layer below");
            using (w.Block($"for (int t0 = 0; t0 < steps; t0 += {N(chunk)})"))
            {
                w.Line($"int n = global::System.Math.Min({N(chunk)}, steps - t0);");
                using (w.Block("for (int k = 0; k < LayerCount; k++)"))
                {
                    w.Line("int offset = PackedLayerOffset(k);");
                    w.Line($"ref float w = ref {Unsafe}.Add(ref packed, offset);");
                    if (half) w.Line($"ref ushort wq = ref {Unsafe}.Add(ref packedq, offset);");
                    w.Line($"ref float h = ref {Unsafe}.Add(ref s, k * {N(2 * p)});");
                    w.Line($"ref float c = ref {Unsafe}.Add(ref s, k * {N(2 * p)} + {N(p)});");
                    string firstInput = spec.IsTokenModel ? "ref EmbeddingRow(tokens[t0 + i])" : $"ref {Unsafe}.Add(ref x, (t0 + i) * InputSize)";
                    string zinI = $"ref {Unsafe}.Add(ref zin, i * {N(layout.Row)})";
                    string outI = $"ref {Unsafe}.Add(ref outputs, i * {N(p)})";
                    // Phase 1: input projections of the chunk.
                    if (spec.Layers == 1)
                    {
                        if (!layout.HasInputTable)
                            w.Line($"for (int i = 0; i < n; i++) ProjectFirst(ref w{wq}, {firstInput}, {zinI});");
                    }
                    else
                    {
                        if (layout.HasInputTable)
                        {
                            w.Line("if (k > 0)");
                        }
                        else
                        {
                            w.Line($"if (k == 0) for (int i = 0; i < n; i++) ProjectFirst(ref w{wq}, {firstInput}, {zinI});");
                            w.Line("else");
                        }
                        using (w.Open())
                        {
                            w.Line("int i = 0;");
                            w.Line($"for (; i + {N(ProjectionSteps)} <= n; i += {N(ProjectionSteps)}) ProjectUpper{ProjectionSteps}(ref w{wq}, {outI}, {zinI});");
                            w.Line($"for (; i < n; i++) ProjectUpper(ref w{wq}, {outI}, {zinI});");
                        }
                    }
                    // Phase 2: the recurrence.
                    using (w.Block("for (int i = 0; i < n; i++)"))
                    {
                        string firstZin = layout.HasInputTable ? "ref InputRow(tokens[t0 + i])" : zinI;
                        w.Line(spec.Layers == 1
                            ? $"RecurFirst(ref w{wq}, {firstZin}, ref h, ref c, ref z);"
                            : $"if (k == 0) RecurFirst(ref w{wq}, {firstZin}, ref h, ref c, ref z); else RecurUpper(ref w{wq}, {zinI}, ref h, ref c, ref z);");
                        if (spec.Layers > 1)
                            w.Line($"if (k < LayerCount - 1) {{ {Marshal}.CreateReadOnlySpan(ref h, {N(p)}).CopyTo({Marshal}.CreateSpan({outI}, {N(p)})); continue; }}");
                        if (every) w.Line("WriteOutput(ref s, output.Slice((t0 + i) * StepOutputSize, StepOutputSize), kind);");
                    }
                }
            }
            if (!every) w.Line("WriteOutput(ref s, output, kind);");
        }
        w.Line();
    }

    private static void EmitWriteOutput(SourceWriter w, Layout layout)
    {
        ModelSpec spec = layout.Spec;
        string what = spec.Head == HeadKind.None ? "the top layer's h" : "the head on the top layer's h";
        w.Line($"/// <summary>Writes {what} to <paramref name=\"output\"/>.</summary>");
        using (w.Block($"private void WriteOutput(ref float s, {Span} output, {HeadOutputType} kind)"))
        {
            if (spec.Head == HeadKind.None)
            {
                w.Line($"{Marshal}.CreateReadOnlySpan(ref {Unsafe}.Add(ref s, {N(layout.HiddenOffset(spec.Layers - 1))}), {HWidth(spec)}).CopyTo(output);");
                return;
            }
            EmitDispatch(w, "HeadCore", "ref s");
            w.Line($"{Marshal}.CreateReadOnlySpan(ref {Unsafe}.Add(ref s, {N(layout.StateLength + layout.Row)}), OutputSize).CopyTo(output);");
            if (spec.Head == HeadKind.Softmax)
                w.Line($"if (kind == {HeadOutputType}.Activated) global::LstmGen.CompilerServices.HeadActivation.Softmax(output);");
            else if (spec.Head == HeadKind.Sigmoid)
                w.Line($"if (kind == {HeadOutputType}.Activated) global::LstmGen.CompilerServices.HeadActivation.Sigmoid(output);");
        }
    }
}
