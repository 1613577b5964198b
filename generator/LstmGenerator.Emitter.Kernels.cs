// Emits the specialized step kernels: per layer, the gate pre-activations as register-tiled
// broadcast-FMA loops over the packed weights, then the fused cell update; and the linear head.
using System.Collections.Generic;
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    private const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    private const string Act = "global::LstmGen.CompilerServices.Activations";

    /// <summary>One vector width the generated code can run at; the JIT keeps the one the hardware accelerates.</summary>
    private sealed class Flavor(string suffix, int width, int registerTile)
    {
        /// <summary>Method suffix and vector class, e.g. Vector512.</summary>
        public string Suffix { get; } = suffix;
        /// <summary>Floats per vector; 1 for the scalar path.</summary>
        public int Width { get; } = width;
        /// <summary>Accumulator vectors kept in registers per tile.</summary>
        public int RegisterTile { get; } = registerTile;
        public bool IsScalar => Width == 1;
        public string V => "global::System.Runtime.Intrinsics." + Suffix;
        public string VT => V + "<float>";
    }

    // 32 zmm registers hold 16 accumulators with room for loads; AVX2/SSE have 16 registers.
    private static readonly Flavor[] Flavors =
    {
        new("Vector512", 16, 16),
        new("Vector256", 8, 8),
        new("Vector128", 4, 8),
        new("Scalar", 1, 1),
    };

    /// <summary>Sizes and offsets derived from a spec, shared by the emitters.</summary>
    private sealed class Layout
    {
        public Layout(ModelSpec spec)
        {
            Spec = spec;
            PaddedHidden = Pad(spec.Hidden);
            Row = 4 * PaddedHidden;
            HeadRow = spec.Head == HeadKind.None ? 0 : Pad(spec.Outputs);
            StateLength = spec.Layers * spec.Directions * 2 * PaddedHidden;
            ProjectionRow = spec.HasProjection ? Pad(spec.Projection) : 0;
            ProjectionBlock = spec.HasProjection ? (1 + spec.Hidden) * ProjectionRow : 0;
            RecordPerLayer = 7 * PaddedHidden + ProjectionRow;
            RecordHidden = Row + 2 * PaddedHidden + (spec.HasProjection ? PaddedHidden : 0);
            ScratchLength = Row + HeadRow + (spec.HasProjection ? PaddedHidden : 0);
            int offset = 0;
            if (spec.IsTokenModel) { EmbeddingOffset = 0; offset = spec.Vocabulary * spec.Embedding; }
            int packed = 0;
            for (int k = 0; k < spec.Layers; k++)
            {
                int inK = spec.LayerInputSize(k), gates = spec.GatesPerUnit * spec.Hidden;
                for (int d = 0; d < spec.Directions; d++)
                {
                    LayerParameterOffsets.Add(offset);
                    offset += gates * (inK + spec.Recurrent + 2) + (spec.Peephole ? 3 * spec.Hidden : 0) + spec.Projection * spec.Hidden;
                    LayerPackedOffsets.Add(packed);
                    packed += (spec.ExtraRows + inK + spec.Recurrent) * Row + ProjectionBlock;
                }
            }
            TopWidth = spec.Directions * spec.Recurrent;
            HeadWeightOffset = offset;
            HeadBiasOffset = offset + spec.Outputs * TopWidth;
            ParameterCount = HeadBiasOffset + spec.Outputs;
            HeadPackedOffset = packed;
            PackedLength = packed + (HeadRow == 0 ? 0 : (1 + TopWidth) * HeadRow);
            // A bidirectional model always runs layer by layer over the whole sequence (its own driver).
            InputTableLength = spec.IsTokenModel && !spec.Bidirectional && (long)spec.Vocabulary * Row <= InputTableBudget ? spec.Vocabulary * Row : 0;
            // A head with few outputs computes each logit as one dot product with h (O·P/16 FMAs and O horizontal
            // sums, ≈ 6 instructions each) instead of broadcasting each of h's values into the outputs' columns
            // ((1 + H)·Pad(O)/16 FMAs): W1's 1-output head on 32 units is 2 FMAs instead of 33.
            DotHead = !spec.Bidirectional && spec.Head != HeadKind.None
                && spec.Outputs * (Pad(TopWidth) / 16 + 6) < (1 + TopWidth) * (HeadRow / 16);
            HeadRowsLength = DotHead ? spec.Outputs * Pad(TopWidth) + HeadRow : 0;
            LayerMajor = !spec.Bidirectional && !spec.HasProjection && HeadPackedOffset > LayerMajorBudget;
            SequenceScratchLength = LayerMajor ? LayerMajorChunk * (Row + PaddedHidden) : 0;
            DropoutInputWidth = spec.InputDropout > 0 ? Pad(spec.InputSize) : 0;
            DropoutUpperWidth = spec.Dropout > 0 && spec.Layers > 1 ? spec.Directions * PaddedHidden : 0;
            DropoutBase = spec.Layers * spec.Directions * RecordPerLayer + (spec.Bidirectional ? 4 * PaddedHidden : 0);
            DropoutFloats = 2 * DropoutInputWidth + (spec.Layers - 1) * 2 * DropoutUpperWidth;
        }

        /// <summary>Per recorded step: the padded width of the dropped model input (0 without input dropout).</summary>
        public int DropoutInputWidth { get; }

        /// <summary>Per recorded step: the padded width of a dropped layer output feeding layer k ≥ 1 (directions × P; 0 without dropout between layers).</summary>
        public int DropoutUpperWidth { get; }

        /// <summary>Offset in a step's record of the dropout region: per site, the masked input the layer read, then its mask.</summary>
        public int DropoutBase { get; }

        /// <summary>Floats of the dropout region per recorded step.</summary>
        public int DropoutFloats { get; }

        /// <summary>
        /// Offset in a step's record of the masked input of layer <paramref name="k"/> (a constant, or an
        /// expression of the loop variable <c>k</c> when <paramref name="k"/> is null); its mask follows at
        /// + the site's width.
        /// </summary>
        public string DropoutSite(int? k) => k == 0
            ? N(DropoutBase)
            : k is int constant ? N(DropoutBase + 2 * DropoutInputWidth + (constant - 1) * 2 * DropoutUpperWidth)
            : $"{N(DropoutBase + 2 * DropoutInputWidth)} + (k - 1) * {N(2 * DropoutUpperWidth)}";

        /// <summary>The padded width of layer <paramref name="k"/>'s dropout site.</summary>
        public int DropoutWidth(int k) => k == 0 ? DropoutInputWidth : DropoutUpperWidth;

        /// <summary>
        /// Packed layer weights (floats, 1 MB) above which a whole-sequence <c>Predict</c> runs layer by layer
        /// over chunks of <see cref="LayerMajorChunk"/> steps: per chunk, each layer's input projections for
        /// all steps, then its recurrence — so one matrix (W_ih or W_hh of one layer, ≤ 1 MB for H ≤ 256) is
        /// reused from L2 for the whole chunk, instead of all layers' weights streaming from L3 every step.
        /// </summary>
        public const int LayerMajorBudget = 262144;

        /// <summary>Steps per layer-major chunk: the chunk's input projections and outputs live in the state's scratch.</summary>
        public const int LayerMajorChunk = 16;

        /// <summary>Whether inference computes the head's logits as dot products with h, from a by-rows copy of the head (GateLayout.PackHeadRows).</summary>
        public bool DotHead { get; }

        /// <summary>Floats of the by-rows head copy (O rows of Pad(top width), then the bias padded), or 0 without <see cref="DotHead"/>.</summary>
        public int HeadRowsLength { get; }

        /// <summary>Whether whole-sequence Predict runs layer-major (see <see cref="LayerMajorBudget"/>).</summary>
        public bool LayerMajor { get; }

        /// <summary>Extra state scratch for layer-major Predict: a chunk's input projections (Row each) and layer outputs (P each).</summary>
        public int SequenceScratchLength { get; }

        /// <summary>
        /// Floats a token model may spend on its input-projection table (256 KB): small vocabularies get the
        /// first layer's bias + W_ih·embedding precomputed per token, so a step loads one row instead of
        /// multiplying 1 + E rows. Larger tables would push the recurrent weights out of cache.
        /// </summary>
        public const int InputTableBudget = 65536;

        public ModelSpec Spec { get; }

        /// <summary>With a projection: floats per packed row of W_hr (the projection size rounded up to 16), else 0.</summary>
        public int ProjectionRow { get; }

        /// <summary>With a projection: floats of a layer's packed W_hr (a zero row, then H rows of <see cref="ProjectionRow"/>), right after the layer's gate rows; else 0.</summary>
        public int ProjectionBlock { get; }

        /// <summary>Floats of a layer's gate rows (bias, W_ih, W_hh and the peephole row) for <paramref name="inputs"/> inputs: where its projection block starts.</summary>
        public int GateBlock(int inputs) => (Spec.ExtraRows + inputs + Spec.Recurrent) * Row;

        /// <summary>Offset of h in a layer's record of one step: after the gates, c, tanh(c) (and, projected, m = o·tanh(c)).</summary>
        public int RecordHidden { get; }

        /// <summary>Offset of m = o·tanh(c) in the state's scratch (inference with a projection): after the gate sums and the head logits.</summary>
        public int ProjectionScratch => StateLength + Row + HeadRow;

        /// <summary>Width of the top layer's output per step (what the head reads): h's width (Hidden, or the projection size) × directions.</summary>
        public int TopWidth { get; }
        public int PaddedHidden { get; }
        public int Row { get; }
        public int HeadRow { get; }
        public int StateLength { get; }
        /// <summary>Floats a training step records per layer: 4·P gate activations, c, tanh(c), h (projected: m = o·tanh(c), then h, padded to 16).</summary>
        public int RecordPerLayer { get; }
        public int ScratchLength { get; }
        public int EmbeddingOffset { get; }
        public List<int> LayerParameterOffsets { get; } = new();
        public List<int> LayerPackedOffsets { get; } = new();
        public int HeadWeightOffset { get; }
        public int HeadBiasOffset { get; }
        public int ParameterCount { get; }
        public int HeadPackedOffset { get; }
        public int PackedLength { get; }
        /// <summary>Floats of the input-projection table (vocabulary × row), or 0 when the model has none.</summary>
        public int InputTableLength { get; }
        public bool HasInputTable => InputTableLength > 0;
        /// <summary>Offset of h of state slot <paramref name="slot"/> (layer·directions + direction).</summary>
        public int HiddenOffset(int slot) => slot * 2 * PaddedHidden;
        public int CellOffset(int slot) => slot * 2 * PaddedHidden + PaddedHidden;
    }

    /// <summary>
    /// Where a kernel reads rows 1 and up of a packed matrix: float32 at <c>w</c>, or (<c>InferenceWeights =
    /// BFloat16</c>) bfloat16 at <c>wq</c>, widened as it is loaded. Row 0, the bias, is always read as float32.
    /// </summary>
    private sealed class WeightRows(bool half)
    {
        /// <summary>The statement that points <c>row</c> at the row starting <paramref name="offset"/> values in.</summary>
        public string RowAt(string offset) => $"ref {(half ? "ushort" : "float")} row = ref {Unsafe}.Add(ref {(half ? "wq" : "w")}, {offset});";

        /// <summary>One vector of <c>row</c> at <paramref name="column"/>, as floats.</summary>
        public string Vector(Flavor f, string column) => half
            ? $"global::LstmGen.CompilerServices.BFloat16.Load{f.Width * 32}(ref row, {column})"
            : $"{f.V}.LoadUnsafe(ref row, {column})";

        /// <summary>One value of <c>row</c> at <paramref name="column"/>, as a float.</summary>
        public string Scalar(string column) => half
            ? $"global::LstmGen.CompilerServices.BFloat16.ToSingle({Unsafe}.Add(ref row, {column}))"
            : $"{Unsafe}.Add(ref row, {column})";
    }

    /// <summary>A run of packed rows multiplied by the floats at <c>Source</c>.</summary>
    private sealed record RowInput(string Source, int Count, int FirstRow, string What);

    /// <summary>Where one layer's data sits: constant offsets (unrolled) or expressions of the loop variable <c>k</c> (compact).</summary>
    private sealed record LayerRef(string Label, string Packed, string Hidden, string Cell, string Input, string InputWhat, int InputCount, string Record, int? K)
    {
        public static LayerRef Constant(Layout layout, int k)
        {
            ModelSpec spec = layout.Spec;
            return new LayerRef($"Layer {N(k)}", N(layout.LayerPackedOffsets[k]), N(layout.HiddenOffset(k)), N(layout.CellOffset(k)),
                k == 0 ? "x" : $"{Unsafe}.Add(ref s, {N(layout.HiddenOffset(k - 1))})",
                k == 0 ? (spec.IsTokenModel ? "embedding row" : "input") : $"h of layer {N(k - 1)}",
                spec.LayerInputSize(k), N(k * layout.RecordPerLayer), k);
        }

        /// <summary>Layers 1 … L−1 in a loop over <c>k</c> (they all read H values from the layer below).</summary>
        public static LayerRef Loop(Layout layout)
        {
            int p = layout.PaddedHidden;
            string packed = $"{N(layout.LayerPackedOffsets[1])} + (k - 1) * {N(layout.LayerPackedOffsets.Count > 2 ? layout.LayerPackedOffsets[2] - layout.LayerPackedOffsets[1] : 0)}";
            return new LayerRef("Layers 1 and up", packed, $"k * {N(2 * p)}", $"k * {N(2 * p)} + {N(p)}",
                $"{Unsafe}.Add(ref s, (k - 1) * {N(2 * p)})", "h of the layer below", layout.Spec.Recurrent, $"k * {N(layout.RecordPerLayer)}", null);
        }
    }

    /// <summary>The layers of a model, unrolled or (compact) layer 0 plus a loop.</summary>
    private static void ForEachLayer(SourceWriter w, Layout layout, System.Action<LayerRef> emit)
    {
        if (!layout.Spec.Compact || layout.Spec.Layers <= 2)
        {
            for (int k = 0; k < layout.Spec.Layers; k++) emit(LayerRef.Constant(layout, k));
            return;
        }
        emit(LayerRef.Constant(layout, 0));
        using (w.Block($"for (int k = 1; k < {N(layout.Spec.Layers)}; k++)"))
            emit(LayerRef.Loop(layout));
    }

    /// <summary>
    /// Emits <c>StepCore{flavor}</c> (or, recording for training, <c>RecordStepCore{flavor}</c>): one time
    /// step through every layer, reading the layer-0 input at <c>x</c> and the state at <c>s</c>, using the
    /// scratch after the state for gate sums. Recording also writes each layer's gate activations, c,
    /// tanh(c) and h to <c>rec</c>.
    /// </summary>
    private static void EmitStepKernel(SourceWriter w, Layout layout, Flavor f, bool record)
    {
        ModelSpec spec = layout.Spec;
        string code = f.IsScalar ? "scalar code" : f.Suffix + " code";
        w.Line(record
            ? $"/// <summary>One step through all {N(spec.Layers)} layer(s), recording activations for the backward pass, {code}.</summary>"
            : $"/// <summary>One step through all {N(spec.Layers)} layer(s), {code}.</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        string dropoutParameters = spec.HasDropout ? ", ulong seed, int step" : "";
        using (w.Block(record ? $"private void RecordStepCore{f.Suffix}(ref float x, ref float s, ref float rec{dropoutParameters})" : $"private void StepCore{f.Suffix}(ref float x, ref float s)"))
        {
            w.Line($"ref float packed = ref _packed.Reference;");
            w.Line($"ref float z = ref {Unsafe}.Add(ref s, {N(layout.StateLength)});");
            ForEachLayer(w, layout, layer =>
            {
                int vectors = f.IsScalar ? layout.Row : layout.Row / f.Width;
                w.Line();
                w.Line($"// {layer.Label}: gates z = (b_ih + b_hh) + W_ih·x + W_hh·h for {N(spec.Hidden)} units, " +
                       (f.IsScalar ? $"{N(layout.Row)} packed columns." : $"{N(layout.Row)} packed columns = {N(vectors)} × {f.Suffix}."));
                using (w.Open())
                {
                    w.Line($"ref float w = ref {Unsafe}.Add(ref packed, {layer.Packed});");
                    bool half = !record && spec.BFloat16Inference;
                    if (half) w.Line($"ref ushort wq = ref {Unsafe}.Add(ref _packedBFloat16.Reference, {layer.Packed}); // the same rows as bfloat16 (row 0, the bias, is read from w)");
                    w.Line(layer.Input == "x" ? "ref float input = ref x;" : $"ref float input = ref {layer.Input}; // {layer.InputWhat}, this step");
                    if (record && spec.DropsInputOf(layer.K ?? 1)) EmitDropoutForward(w, layout, layer.K, layer.InputCount, "input", "rec");
                    w.Line($"ref float h = ref {Unsafe}.Add(ref s, {layer.Hidden});");
                    w.Line($"ref float c = ref {Unsafe}.Add(ref s, {layer.Cell});");
                    if (record) w.Line($"ref float r = ref {Unsafe}.Add(ref rec, {layer.Record}); // gates {N(layout.Row)}, c, tanh(c), h");
                    var recurrent = new RowInput("h", spec.Recurrent, 1 + layer.InputCount, "recurrent h");
                    // A layer whose gate columns are one register tile updates its cells straight from the accumulators.
                    bool fused = !spec.Compact && IsOneTile(f, layout.Row);
                    void ProjectionInput()
                    {
                        if (!spec.HasProjection) return;
                        w.Line(record
                            ? $"ref float m = ref {Unsafe}.Add(ref r, {N(layout.Row + 2 * layout.PaddedHidden)}); // o·tanh(c), recorded: the projection's input"
                            : $"ref float m = ref {Unsafe}.Add(ref s, {N(layout.ProjectionScratch)}); // o·tanh(c), the projection's input");
                    }
                    void CellUpdate() => EmitCellUpdate(w, f, layout, record, layer.InputCount, spec.HasProjection ? "m" : "h", registers: fused);
                    if (fused) ProjectionInput();
                    System.Action? tail = fused ? CellUpdate : null;
                    if (!record && layout.HasInputTable && layer.Input == "x")
                    {
                        w.Line("// The input part comes precomputed: x is this token's row of the input-projection table (bias + W_ih·embedding).");
                        EmitMatVec(w, f, layout.Row, new[] { recurrent }, "z", spec.Compact, initial: "input", half: half, tail: tail);
                    }
                    else
                    {
                        EmitMatVec(w, f, layout.Row, new[] { new RowInput("input", layer.InputCount, 1, layer.InputWhat), recurrent }, "z", spec.Compact, half: half, tail: tail);
                    }
                    if (!fused)
                    {
                        ProjectionInput();
                        CellUpdate();
                    }
                    if (spec.HasProjection) EmitProjection(w, f, layout, layer.InputCount, record, half);
                }
            });
        }
    }

    /// <summary>
    /// Emits a layer's projection after its cell update: h = W_hr·m (m = o·tanh(c), H values; h, the projection size),
    /// a matrix–vector product over the packed W_hr that follows the layer's gate rows; recording copies h to the step's record.
    /// </summary>
    private static void EmitProjection(SourceWriter w, Flavor f, Layout layout, int inputs, bool record, bool half)
    {
        ModelSpec spec = layout.Spec;
        w.Line($"// Projection: h = W_hr·m, {N(spec.Projection)} values ({N(layout.ProjectionRow)} packed columns) from {N(spec.Hidden)}; W_hr's packed rows follow the gate rows.");
        w.Line($"w = ref {Unsafe}.Add(ref w, {N(layout.GateBlock(inputs))});");
        if (half) w.Line($"wq = ref {Unsafe}.Add(ref wq, {N(layout.GateBlock(inputs))});");
        EmitMatVec(w, f, layout.ProjectionRow, new[] { new RowInput("m", spec.Hidden, 1, "o·tanh(c)") }, "h", spec.Compact, half: half);
        if (record)
            w.Line($"{Marshal}.CreateReadOnlySpan(ref h, {N(layout.ProjectionRow)}).CopyTo({Marshal}.CreateSpan(ref {Unsafe}.Add(ref r, {N(layout.RecordHidden)}), {N(layout.ProjectionRow)}));");
    }

    /// <summary>
    /// Emits the dropout on layer <paramref name="k"/>'s input (null: the loop variable <c>k</c>, a layer ≥ 1) in a
    /// recording pass: the site's mask for time step <c>step</c> and the masked input go to the step's record at
    /// <paramref name="record"/>, and <paramref name="input"/> is pointed at the masked copy.
    /// </summary>
    private static void EmitDropoutForward(SourceWriter w, Layout layout, int? k, int count, string input, string record)
    {
        ModelSpec spec = layout.Spec;
        int layer = k ?? 1;
        float rate = layer == 0 ? spec.InputDropout : spec.Dropout;
        string site = k is int constant ? N(constant) : "k";
        w.Line($"// Dropout (training) on this layer's input, p = {F(rate)}: masked = input ⊙ mask, both recorded for the backward pass.");
        w.Line($"ref float masked = ref {Unsafe}.Add(ref {record}, {layout.DropoutSite(k)});");
        w.Line($"global::LstmGen.CompilerServices.DropoutMask.Apply(ref {input}, ref {Unsafe}.Add(ref masked, {N(layout.DropoutWidth(layer))}), ref masked, {N(count)}, {F(rate)}, seed, step, {site}, 0);");
        w.Line($"{input} = ref masked;");
    }

    /// <summary>
    /// Emits the two phases of a layer-major Predict for layer 0 (<c>First</c>) and, with more layers, layers
    /// 1 and up (<c>Upper</c>): <c>Project…</c> writes one step's input part, <c>zin = (b_ih + b_hh) + W_ih·x</c>;
    /// <c>Recur…</c> adds <c>W_hh·h</c> to a <c>zin</c> and runs the cell update on the layer's h and c.
    /// </summary>
    private static void EmitLayerMajorKernels(SourceWriter w, Layout layout, Flavor f)
    {
        ModelSpec spec = layout.Spec;
        string code = f.IsScalar ? "scalar code" : f.Suffix + " code";
        string half = spec.BFloat16Inference ? ", ref ushort wq" : "";
        foreach ((string name, int inputs) in spec.Layers > 1
            ? new[] { ("First", spec.InputSize), ("Upper", spec.Hidden) }
            : new[] { ("First", spec.InputSize) })
        {
            bool skipProjection = name == "First" && layout.HasInputTable;
            if (!skipProjection)
            {
                w.Line($"/// <summary>Layer-major Predict, {(name == "First" ? "layer 0" : "layers 1 and up")}: zin = (b_ih + b_hh) + W_ih·x for one step ({N(inputs)} inputs), {code}.</summary>");
                using (w.Block($"private void Project{name}{f.Suffix}(ref float w{half}, ref float input, ref float zin)"))
                    EmitMatVec(w, f, layout.Row, new[] { new RowInput("input", inputs, 1, "this step's input") }, "zin", spec.Compact, half: spec.BFloat16Inference);
                w.Line();
            }
            if (name == "Upper" && !f.IsScalar)
            {
                w.Line($"/// <summary>Layer-major Predict, layers 1 and up: <see cref=\"ProjectUpper{f.Suffix}\"/> for {N(ProjectionSteps)} steps at once (inputs {N(layout.PaddedHidden)} floats apart, outputs {N(layout.Row)} apart), so each weight vector loaded serves {N(ProjectionSteps)} steps, {code}.</summary>");
                using (w.Block($"private void ProjectUpper{ProjectionSteps}{f.Suffix}(ref float w{half}, ref float input, ref float zin)"))
                    EmitMultiStepProjection(w, f, layout, inputs, spec.BFloat16Inference);
                w.Line();
            }
            w.Line($"/// <summary>Layer-major Predict, {(name == "First" ? "layer 0" : "layers 1 and up")}: z = zin + W_hh·h, then the cell update of h and c, {code}.</summary>");
            using (w.Block($"private void Recur{name}{f.Suffix}(ref float w{half}, ref float zin, ref float h, ref float c, ref float z)"))
            {
                EmitMatVec(w, f, layout.Row, new[] { new RowInput("h", spec.Hidden, 1 + inputs, "recurrent h") }, "z", spec.Compact, initial: "zin", half: spec.BFloat16Inference);
                EmitCellUpdate(w, f, layout, record: false, inputs);
            }
            w.Line();
        }
    }

    /// <summary>Steps whose input projections one multi-step tile computes together.</summary>
    private const int ProjectionSteps = 4;

    /// <summary>
    /// <c>zin_s = row 0 + Σ_j input_s[j] · row(1 + j)</c> for s = 0 … 3: tiles of V column vectors × 4 steps
    /// of accumulators (V = RegisterTile / 4); per row, V weight vectors are loaded once and multiplied by
    /// 4 broadcast inputs — a small matrix product instead of 4 matrix–vector products.
    /// </summary>
    private static void EmitMultiStepProjection(SourceWriter w, Flavor f, Layout layout, int inputs, bool half)
    {
        int steps = ProjectionSteps, p = layout.PaddedHidden, columns = layout.Row;
        var weights = new WeightRows(half);
        int perTile = System.Math.Max(1, f.RegisterTile / steps);
        int vectors = columns / f.Width;
        while (vectors % perTile != 0) perTile--;
        w.Line($"// {N(vectors / perTile)} tiles of {N(perTile)} vectors × {N(steps)} steps, looped.");
        using (w.Block($"for (nuint t = 0; t < {N(columns)}; t += {N(perTile * f.Width)})"))
        {
            string Col(int v) => v == 0 ? "t" : $"t + {N(v * f.Width)}";
            for (int v = 0; v < perTile; v++)
            {
                w.Line($"{f.VT} b{N(v)} = {f.V}.LoadUnsafe(ref w, {Col(v)});");
                w.Line(string.Join(" ", Enumerate(steps, st => $"{f.VT} a{N(v)}_{N(st)} = b{N(v)};")));
            }
            using (w.Block($"for (nuint j = 0; j < {N(inputs)}; j++)"))
            {
                w.Line(weights.RowAt($"(j + 1) * {N(columns)}"));
                for (int v = 0; v < perTile; v++) w.Line($"{f.VT} w{N(v)} = {weights.Vector(f, Col(v))};");
                for (int st = 0; st < steps; st++)
                {
                    w.Line($"{f.VT} x{N(st)} = {f.V}.Create({Unsafe}.Add(ref input, j + {N(st * p)}));");
                    for (int v = 0; v < perTile; v++)
                        w.Line($"a{N(v)}_{N(st)} = {f.V}.MultiplyAddEstimate(x{N(st)}, w{N(v)}, a{N(v)}_{N(st)});");
                }
            }
            for (int st = 0; st < steps; st++)
                for (int v = 0; v < perTile; v++)
                    w.Line($"{f.V}.StoreUnsafe(a{N(v)}_{N(st)}, ref zin, {(st == 0 ? "" : N(st * columns) + " + ")}{Col(v)});");
        }
    }

    /// <summary>Emits <c>HeadCore{flavor}</c>: logits = b + W·h of the top layer, into the head scratch.</summary>
    private static void EmitHeadKernel(SourceWriter w, Layout layout, Flavor f)
    {
        ModelSpec spec = layout.Spec;
        w.Line($"/// <summary>The linear head on the top layer's h: {N(spec.Outputs)} logits ({N(layout.HeadRow)} padded columns), {(f.IsScalar ? "scalar code" : f.Suffix + " code")}.</summary>");
        using (w.Block($"private void HeadCore{f.Suffix}(ref float s)"))
        {
            if (layout.DotHead && !f.IsScalar)
            {
                EmitDotHead(w, layout, f);
                return;
            }
            w.Line($"ref float w = ref {Unsafe}.Add(ref _packed.Reference, {N(layout.HeadPackedOffset)});");
            w.Line($"ref float h = ref {Unsafe}.Add(ref s, {N(layout.HiddenOffset(spec.Layers - 1))});");
            w.Line($"ref float y = ref {Unsafe}.Add(ref s, {N(layout.StateLength + layout.Row)});");
            EmitMatVec(w, f, layout.HeadRow, new[] { new RowInput("h", spec.Recurrent, 1, "top h") }, "y", spec.Compact);
        }
    }

    /// <summary>
    /// The body of a dot-product head (<see cref="Layout.DotHead"/>): h's vectors loaded once, then per output
    /// y_o = b_o + Σ (h ⊙ row o), the row from the by-rows copy <c>_headRows</c>, summed across lanes.
    /// </summary>
    private static void EmitDotHead(SourceWriter w, Layout layout, Flavor f)
    {
        ModelSpec spec = layout.Spec;
        int width = Pad(layout.TopWidth), vectors = width / f.Width;
        w.Line($"ref float hw = ref _headRows.Reference; // head.weight by rows ({N(spec.Outputs)} × {N(width)} floats, zero-padded), then the bias");
        w.Line($"ref float h = ref {Unsafe}.Add(ref s, {N(layout.HiddenOffset(spec.Layers - 1))});");
        w.Line($"ref float y = ref {Unsafe}.Add(ref s, {N(layout.StateLength + layout.Row)});");
        w.Line($"// y_o = b_o + Σ_u W[o, u]·h_u: one dot product per output over the {N(vectors)} vector(s) of h.");
        for (int v = 0; v < vectors; v++)
            w.Line($"{f.VT} h{N(v)} = {f.V}.LoadUnsafe(ref h, {N(v * f.Width)});");
        for (int o = 0; o < spec.Outputs; o++)
        {
            string Row(int v) => $"{f.V}.LoadUnsafe(ref hw, {N(o * width + v * f.Width)})";
            string sum = $"h0 * {Row(0)}";
            for (int v = 1; v < vectors; v++) sum = $"{f.V}.MultiplyAddEstimate(h{N(v)}, {Row(v)}, {sum})";
            w.Line($"{Unsafe}.Add(ref y, {N(o)}) = {Unsafe}.Add(ref hw, {N(spec.Outputs * width + o)}) + {f.V}.Sum({sum});");
        }
    }

    /// <summary>
    /// Emits <c>dest[0..columns) = initial + Σ_inputs Σ_j source[j] · row(firstRow + j)</c> over the
    /// packed matrix at <c>w</c>, where <c>initial</c> is row 0 (the bias) or a precomputed row: tiles of up to <see cref="Flavor.RegisterTile"/> accumulator vectors,
    /// each tile loading its bias, then one broadcast-FMA loop per input run, then storing.
    /// Unrolled: one block per tile with constant columns. Compact: one tile body in a loop.
    /// With <paramref name="tail"/> (a product that is one register tile, see <see cref="IsOneTile"/>), the sums
    /// stay in the accumulators <c>a0 …</c> and <paramref name="tail"/> emits what consumes them, in the tile's scope,
    /// instead of the stores to <paramref name="dest"/>.
    /// </summary>
    private static void EmitMatVec(SourceWriter w, Flavor f, int columns, IReadOnlyList<RowInput> inputs, string dest, bool compact, string initial = "w", bool half = false, System.Action? tail = null)
    {
        if (tail is not null && (compact || !IsOneTile(f, columns)))
            throw new System.InvalidOperationException("A fused tail needs a product of one unrolled register tile.");
        if (f.IsScalar)
        {
            w.Line($"for (nuint col = 0; col < {N(columns)}; col++) {Unsafe}.Add(ref {dest}, col) = {Unsafe}.Add(ref {initial}, col);");
            foreach (RowInput run in inputs)
            {
                w.Line($"// += {run.What} ({N(run.Count)} values) × rows {N(run.FirstRow)}..{N(run.FirstRow + run.Count - 1)}");
                using (w.Block($"for (nuint j = 0; j < {N(run.Count)}; j++)"))
                {
                    w.Line($"float xj = {Unsafe}.Add(ref {run.Source}, j);");
                    var weights = new WeightRows(half);
                    w.Line(weights.RowAt($"(j + {N(run.FirstRow)}) * {N(columns)}"));
                    w.Line($"for (nuint col = 0; col < {N(columns)}; col++) {Unsafe}.Add(ref {dest}, col) += xj * {weights.Scalar("col")};");
                }
            }
            return;
        }

        ForEachTile(w, f, columns, compact, "t", "accumulators",
            (tileStart, firstColumn, count) => EmitTile(w, f, columns, inputs, dest, tileStart, firstColumn, count, initial, half, tail));
    }

    /// <summary>Whether <paramref name="columns"/> fit one register tile of <paramref name="f"/> (a vector path), so the product's sums can stay in registers.</summary>
    private static bool IsOneTile(Flavor f, int columns) => !f.IsScalar && columns / f.Width <= f.RegisterTile;

    /// <summary>
    /// Splits <paramref name="columns"/> into register tiles of at most <see cref="Flavor.RegisterTile"/>
    /// vectors. Unrolled: one block per tile, its first column a constant. Compact: equal tiles, so one
    /// body in a loop over <paramref name="loopVariable"/> serves them all. <paramref name="emitTile"/>
    /// gets the loop variable (compact) or null, the constant first column, and the vector count.
    /// </summary>
    private static void ForEachTile(SourceWriter w, Flavor f, int columns, bool compact, string loopVariable, string what, System.Action<string?, int, int> emitTile)
    {
        int vectors = columns / f.Width;
        int tile = f.RegisterTile;
        while (vectors % tile != 0 && compact) tile--;
        if (compact)
        {
            w.Line($"// {N(vectors / tile)} tiles of {N(tile)} {what} ({N(tile * f.Width)} columns each), looped.");
            using (w.Block($"for (nuint {loopVariable} = 0; {loopVariable} < {N(columns)}; {loopVariable} += {N(tile * f.Width)})"))
                emitTile(loopVariable, 0, tile);
            return;
        }
        for (int first = 0; first < vectors; first += tile)
        {
            int count = System.Math.Min(tile, vectors - first);
            w.Line($"// columns {N(first * f.Width)}..{N((first + count) * f.Width - 1)}: {N(count)} {what}");
            using (w.Open())
                emitTile(null, first * f.Width, count);
        }
    }

    /// <summary>
    /// Independent accumulator chains a register tile needs to keep both FMA units busy: an FMA has a latency
    /// of 4 cycles and two issue per cycle, so 8 chains in flight. A tile of fewer vectors than that (a
    /// small head, a small hidden size) splits its rows over several sets of accumulators, summed at the end.
    /// </summary>
    private const int FmaChainsInFlight = 8;

    /// <summary>One register tile: columns start at the loop variable <paramref name="tileStart"/> (compact) or the constant <paramref name="firstColumn"/>.</summary>
    private static void EmitTile(SourceWriter w, Flavor f, int columns, IReadOnlyList<RowInput> inputs, string dest, string? tileStart, int firstColumn, int count, string initial = "w", bool half = false, System.Action? tail = null)
    {
        var weights = new WeightRows(half);
        string Col(int v) => tileStart is null ? N(firstColumn + v * f.Width) : v == 0 ? tileStart : $"{tileStart} + {N(v * f.Width)}";
        int rowCount = 0;
        foreach (RowInput run in inputs) rowCount += run.Count;
        int sets = System.Math.Max(1, System.Math.Min((FmaChainsInFlight + count - 1) / count, rowCount / 2));
        string A(int v, int set) => set == 0 ? $"a{N(v)}" : $"a{N(v)}_{N(set)}";
        for (int v = 0; v < count; v++)
            w.Line($"{f.VT} a{N(v)} = {f.V}.LoadUnsafe(ref {initial}, {Col(v)});");
        if (sets > 1)
        {
            w.Line($"// {N(sets)} sets of accumulators take turns over the rows, so {N(sets * count)} FMA chains are in flight.");
            for (int set = 1; set < sets; set++)
                w.Line(string.Join(" ", Enumerate(count, v => $"{f.VT} {A(v, set)} = {f.VT}.Zero;")));
        }
        foreach (RowInput run in inputs)
        {
            int whole = run.Count - run.Count % sets;
            if (whole > 0)
            {
                string step = sets == 1 ? "j++" : $"j += {N(sets)}";
                using (w.Block($"for (nuint j = 0; j < {N(whole)}; {step}) // += {run.What} × rows {N(run.FirstRow)}..{N(run.FirstRow + run.Count - 1)}"))
                {
                    w.Line(weights.RowAt($"(j + {N(run.FirstRow)}) * {N(columns)}"));
                    for (int set = 0; set < sets; set++)
                    {
                        string x = sets == 1 ? "xj" : $"x{N(set)}";
                        string index = set == 0 ? "j" : $"j + {N(set)}";
                        w.Line($"{f.VT} {x} = {f.V}.Create({Unsafe}.Add(ref {run.Source}, {index}));");
                        for (int v = 0; v < count; v++)
                        {
                            string column = set == 0 ? Col(v) : tileStart is null ? N(set * columns + firstColumn + v * f.Width) : $"{N(set * columns)} + {Col(v)}";
                            w.Line($"{A(v, set)} = {f.V}.MultiplyAddEstimate({x}, {weights.Vector(f, column)}, {A(v, set)});");
                        }
                    }
                }
            }
            for (int j = whole; j < run.Count; j++)
            {
                int set = j % sets;
                w.Line($"// {run.What}, row {N(run.FirstRow + j)}");
                using (w.Open())
                {
                    w.Line($"{f.VT} xj = {f.V}.Create({Unsafe}.Add(ref {run.Source}, {N(j)}));");
                    w.Line(weights.RowAt(N((run.FirstRow + j) * columns)));
                    for (int v = 0; v < count; v++)
                        w.Line($"{A(v, set)} = {f.V}.MultiplyAddEstimate(xj, {weights.Vector(f, Col(v))}, {A(v, set)});");
                }
            }
        }
        // Pairwise sums of the sets: set s += set s + half, halving until set 0 holds the total.
        for (int stride = HighestPowerOfTwoBelow(sets); stride >= 1; stride /= 2)
            for (int set = 0; set < stride && set + stride < sets; set++)
                w.Line(string.Join(" ", Enumerate(count, v => $"{A(v, set)} += {A(v, set + stride)};")));
        if (tail is not null)
        {
            tail();
            return;
        }
        for (int v = 0; v < count; v++)
            w.Line($"{f.V}.StoreUnsafe(a{N(v)}, ref {dest}, {Col(v)});");
    }

    /// <summary>The largest power of two strictly below <paramref name="n"/> (0 for n ≤ 1).</summary>
    private static int HighestPowerOfTwoBelow(int n)
    {
        int p = 1;
        while (p * 2 < n) p *= 2;
        return n <= 1 ? 0 : p;
    }

    private static IEnumerable<string> Enumerate(int count, System.Func<int, string> item)
    {
        for (int i = 0; i < count; i++) yield return item(i);
    }

    /// <summary>
    /// Emits the cell update from the gate sums in z: c = σ(f)·c + σ(i)·tanh(g), h = σ(o)·tanh(c).
    /// Recording also stores σ(i), σ(f), tanh(g), σ(o) (same packed order), c, tanh(c) and h in <c>r</c>.
    /// A peephole LSTM reads its peephole row (p_i, p_f, 0, p_o in the gate columns) after the layer's
    /// <paramref name="inputs"/> input rows and H recurrent rows: i = σ(z_i + p_i·c), f = σ(z_f + p_f·c), g = tanh(z_g),
    /// c' = f·c + i·g, o = σ(z_o + p_o·c'), h = o·tanh(c'). With a projection, o·tanh(c) goes to <paramref name="output"/>
    /// (<c>m</c>, which recording points at the step's record), and <see cref="EmitProjection"/> makes h from it.
    /// </summary>
    private static void EmitCellUpdate(SourceWriter w, Flavor f, Layout layout, bool record, int inputs, string output = "h", bool registers = false)
    {
        if (layout.Spec.IsGru)
        {
            EmitGruUpdate(w, f, layout, record, registers);
            return;
        }
        // A peephole LSTM adds p·c to the sums of i and f (the old c) and of o (the new c): the same update with three more terms.
        bool peephole = layout.Spec.Peephole;
        int hidden = layout.Spec.Hidden, p = layout.PaddedHidden, row = layout.Row;
        if (peephole)
            w.Line($"ref float pw = ref {Unsafe}.Add(ref w, {N((1 + inputs + layout.Spec.Recurrent) * row)}); // peephole row: p_i, p_f, 0, p_o (the passes above stop before it)");
        string equations = peephole
            ? "i = σ(z_i + p_i·c), f = σ(z_f + p_f·c), g = tanh(z_g); c' = f·c + i·g; o = σ(z_o + p_o·c'); h = o·tanh(c')"
            : "c = σ(f)·c + σ(i)·tanh(g); h = σ(o)·tanh(c)";
        if (f.IsScalar)
        {
            w.Line($"// {equations}; unit u's gates sit at (u / 16)·64 + gate·16 + u % 16.");
            using (w.Block($"for (nuint u = 0; u < {N(hidden)}; u++)"))
            {
                w.Line("nuint b = (u >> 4) * 64 + (u & 15);");
                string Sum(string gate, string cell) => peephole
                    ? $"{Unsafe}.Add(ref z, b{gate}) + {Unsafe}.Add(ref pw, b{gate}) * {cell}"
                    : $"{Unsafe}.Add(ref z, b{gate})";
                if (peephole) w.Line($"float cp = {Unsafe}.Add(ref c, u);");
                w.Line($"float ig = {Act}.Sigmoid({Sum("", "cp")});");
                w.Line($"float fg = {Act}.Sigmoid({Sum(" + 16", "cp")});");
                w.Line($"float gg = {Act}.Tanh({Unsafe}.Add(ref z, b + 32));");
                if (peephole)
                {
                    w.Line("float cn = fg * cp + ig * gg;");
                    w.Line($"float og = {Act}.Sigmoid({Sum(" + 48", "cn")});");
                }
                else
                {
                    w.Line($"float og = {Act}.Sigmoid({Sum(" + 48", "")});");
                    w.Line($"float cn = fg * {Unsafe}.Add(ref c, u) + ig * gg;");
                }
                w.Line($"float tc = {Act}.Tanh(cn);");
                w.Line($"{Unsafe}.Add(ref c, u) = cn;");
                w.Line($"{Unsafe}.Add(ref {output}, u) = og * tc;");
                if (record)
                {
                    w.Line($"{Unsafe}.Add(ref r, b) = ig; {Unsafe}.Add(ref r, b + 16) = fg; {Unsafe}.Add(ref r, b + 32) = gg; {Unsafe}.Add(ref r, b + 48) = og;");
                    w.Line($"{Unsafe}.Add(ref r, {N(row)} + u) = cn; {Unsafe}.Add(ref r, {N(row + p)} + u) = tc;" + (output == "h" ? $" {Unsafe}.Add(ref r, {N(row + 2 * p)} + u) = og * tc;" : ""));
                }
            }
            return;
        }
        int blocks = p / 16;
        int perBlock = 16 / f.Width;
        var at = new GateSums(f, registers);
        w.Line(registers
            ? $"// {equations}: {N(blocks)} block(s) of 16 units straight from the accumulators, gates i, f, g, o at +0, +16, +32, +48."
            : $"// {equations}: {N(blocks)} block(s) of 16 units, gates i, f, g, o at +0, +16, +32, +48.");
        at.ForEachBlock(w, blocks, q =>
        {
            for (int v = 0; v < perBlock; v++)
            {
                int o = v * f.Width, I = o, F = 16 + o, G = 32 + o, O = 48 + o;
                string s = N(v);
                string Sum(int gate, string cell) => peephole
                    ? $"{f.V}.MultiplyAddEstimate({f.V}.LoadUnsafe(ref pw, {at.Z(q, gate)}), {cell}, {at.Sum(q, gate)})"
                    : at.Sum(q, gate);
                if (peephole) w.Line($"{f.VT} cp{s} = {f.V}.LoadUnsafe(ref c, {at.H(q, o)});");
                w.Line($"{f.VT} i{s} = {Act}.Sigmoid({Sum(I, "cp" + s)});");
                w.Line($"{f.VT} f{s} = {Act}.Sigmoid({Sum(F, "cp" + s)});");
                w.Line($"{f.VT} g{s} = {Act}.Tanh({at.Sum(q, G)});");
                if (peephole)
                {
                    w.Line($"{f.VT} c{s} = {f.V}.MultiplyAddEstimate(f{s}, cp{s}, i{s} * g{s});");
                    w.Line($"{f.VT} o{s} = {Act}.Sigmoid({Sum(O, "c" + s)});");
                }
                else
                {
                    w.Line($"{f.VT} o{s} = {Act}.Sigmoid({Sum(O, "")});");
                    w.Line($"{f.VT} c{s} = {f.V}.MultiplyAddEstimate(f{s}, {f.V}.LoadUnsafe(ref c, {at.H(q, o)}), i{s} * g{s});");
                }
                w.Line($"{f.VT} t{s} = {Act}.Tanh(c{s});");
                w.Line($"{f.V}.StoreUnsafe(c{s}, ref c, {at.H(q, o)});");
                w.Line($"{f.V}.StoreUnsafe(o{s} * t{s}, ref {output}, {at.H(q, o)});");
                if (record)
                {
                    w.Line($"{f.V}.StoreUnsafe(i{s}, ref r, {at.Z(q, I)}); {f.V}.StoreUnsafe(f{s}, ref r, {at.Z(q, F)}); {f.V}.StoreUnsafe(g{s}, ref r, {at.Z(q, G)}); {f.V}.StoreUnsafe(o{s}, ref r, {at.Z(q, O)});");
                    w.Line($"{f.V}.StoreUnsafe(c{s}, ref r, {at.H(q, o, row)}); {f.V}.StoreUnsafe(t{s}, ref r, {at.H(q, o, row + p)});" + (output == "h" ? $" {f.V}.StoreUnsafe(o{s} * t{s}, ref r, {at.H(q, o, row + 2 * p)});" : ""));
                }
            }
        });
    }

    /// <summary>
    /// Where a cell update finds a 16-unit block's gate sums and offsets. From memory: a loop over the blocks
    /// <c>q</c> that loads the sums from the scratch <c>z</c> at <c>zq = q·64</c>. From registers (a layer whose
    /// gate columns are one register tile): the tile's accumulators <c>a0 …</c>, each block unrolled with
    /// constant offsets, so the sums are never stored and reloaded.
    /// </summary>
    private sealed class GateSums(Flavor f, bool registers)
    {
        /// <summary>The blocks: one loop over <c>q</c>, or one scope per block with <paramref name="emit"/> given its number.</summary>
        public void ForEachBlock(SourceWriter w, int blocks, System.Action<int> emit)
        {
            if (!registers)
            {
                using (w.Block($"for (nuint q = 0; q < {N(blocks)}; q++)"))
                {
                    w.Line("nuint zq = q * 64, hq = q * 16;");
                    emit(-1);
                }
                return;
            }
            for (int q = 0; q < blocks; q++)
            {
                w.Line($"// units {N(q * 16)}..{N(q * 16 + 15)}: accumulators a{N(q * 64 / f.Width)}..a{N((q * 64 + 63) / f.Width)}");
                using (w.Open())
                    emit(q);
            }
        }

        /// <summary>The gate sum at packed column <paramref name="column"/> of block <paramref name="q"/> (−1: the loop's block).</summary>
        public string Sum(int q, int column) => registers ? $"a{N((q * 64 + column) / f.Width)}" : $"{f.V}.LoadUnsafe(ref z, zq + {N(column)})";

        /// <summary>Offset of packed column <paramref name="column"/> of the block (for the peephole row and the record).</summary>
        public string Z(int q, int column) => registers ? N(q * 64 + column) : $"zq + {N(column)}";

        /// <summary>Offset of unit <paramref name="unit"/> of the block in h, c (or a record's region at <paramref name="start"/>).</summary>
        public string H(int q, int unit, int start = 0) => registers
            ? N(start + q * 16 + unit)
            : start == 0 ? $"hq + {N(unit)}" : $"{N(start)} + hq + {N(unit)}";
    }

    /// <summary>
    /// Emits the GRU update from the slot sums in z (see GateLayout.PackGruLayer): r = σ(z_r), u = σ(z_z),
    /// n = tanh(n_x + r·n_h), h = n + u·(h − n). Recording stores r, u, n, n_h (in the gate slots) and h in <c>r</c>.
    /// </summary>
    private static void EmitGruUpdate(SourceWriter w, Flavor f, Layout layout, bool record, bool registers)
    {
        int hidden = layout.Spec.Hidden, p = layout.PaddedHidden, row = layout.Row;
        if (f.IsScalar)
        {
            w.Line("// GRU: r = σ(z_r); u = σ(z_z); n = tanh(n_x + r·n_h); h = n + u·(h − n); unit u's slots sit at (u / 16)·64 + slot·16 + u % 16.");
            using (w.Block($"for (nuint u = 0; u < {N(hidden)}; u++)"))
            {
                w.Line("nuint b = (u >> 4) * 64 + (u & 15);");
                w.Line($"float rg = {Act}.Sigmoid({Unsafe}.Add(ref z, b));");
                w.Line($"float ug = {Act}.Sigmoid({Unsafe}.Add(ref z, b + 16));");
                w.Line($"float nh = {Unsafe}.Add(ref z, b + 48);");
                w.Line($"float ng = {Act}.Tanh({Unsafe}.Add(ref z, b + 32) + rg * nh);");
                w.Line($"float hn = ng + ug * ({Unsafe}.Add(ref h, u) - ng);");
                w.Line($"{Unsafe}.Add(ref h, u) = hn;");
                if (record)
                {
                    w.Line($"{Unsafe}.Add(ref r, b) = rg; {Unsafe}.Add(ref r, b + 16) = ug; {Unsafe}.Add(ref r, b + 32) = ng; {Unsafe}.Add(ref r, b + 48) = nh;");
                    w.Line($"{Unsafe}.Add(ref r, {N(row + 2 * p)} + u) = hn;");
                }
            }
            return;
        }
        int blocks = p / 16;
        int perBlock = 16 / f.Width;
        var at = new GateSums(f, registers);
        w.Line($"// GRU: r = σ(z_r); u = σ(z_z); n = tanh(n_x + r·n_h); h = n + u·(h − n): {N(blocks)} block(s) of 16 units{(registers ? " straight from the accumulators" : "")}, slots r, z, n_x, n_h at +0, +16, +32, +48.");
        at.ForEachBlock(w, blocks, q =>
        {
            for (int v = 0; v < perBlock; v++)
            {
                int o = v * f.Width;
                string s = N(v);
                w.Line($"{f.VT} r{s} = {Act}.Sigmoid({at.Sum(q, o)});");
                w.Line($"{f.VT} u{s} = {Act}.Sigmoid({at.Sum(q, 16 + o)});");
                w.Line($"{f.VT} m{s} = {at.Sum(q, 48 + o)};");
                w.Line($"{f.VT} n{s} = {Act}.Tanh({f.V}.MultiplyAddEstimate(r{s}, m{s}, {at.Sum(q, 32 + o)}));");
                w.Line($"{f.VT} h{s} = {f.V}.MultiplyAddEstimate(u{s}, {f.V}.LoadUnsafe(ref h, {at.H(q, o)}) - n{s}, n{s});");
                w.Line($"{f.V}.StoreUnsafe(h{s}, ref h, {at.H(q, o)});");
                if (record)
                {
                    w.Line($"{f.V}.StoreUnsafe(r{s}, ref r, {at.Z(q, o)}); {f.V}.StoreUnsafe(u{s}, ref r, {at.Z(q, 16 + o)}); {f.V}.StoreUnsafe(n{s}, ref r, {at.Z(q, 32 + o)}); {f.V}.StoreUnsafe(m{s}, ref r, {at.Z(q, 48 + o)});");
                    w.Line($"{f.V}.StoreUnsafe(h{s}, ref r, {at.H(q, o, row + 2 * p)});");
                }
            }
        });
    }
}
