// Emits lane-batched training (ILaneTrainableModel): several equal-length sequences run in lock-step so
// every weight vector loaded serves several lanes, and the weight gradients are formed in blocks of
// steps as register-tiled outer-product sums instead of being read and written at every step.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    private const string LaneTapeType = "global::LstmGen.CompilerServices.LaneTape";
    private const string Aggressive = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    /// <summary>Lanes every lane kernel processes together; a tape's lane count is rounded up to a multiple.</summary>
    private const int LaneGroup = 4;

    /// <summary>Lane-steps gathered before the weight gradients are updated (the K of the outer-product sums).</summary>
    private const int LaneBlockTarget = 256;

    /// <summary>
    /// Sizes of the lane path. A lane tape holds, for <c>lanes</c> lanes and <c>maxSteps</c> steps: the
    /// records [t][lane] (the per-sample record layout), then per lane the working state, h0/c0, the
    /// carried dh/dc, dx and dlogits, then per layer a block of gate gradients dz [slot][lane][Row] and of
    /// layer inputs [slot][lane][1, x, h_prev] for the deferred weight gradients.
    /// </summary>
    private sealed class LaneLayout(Layout layout)
    {
        public int StateStride => Pad(layout.StateLength + layout.ScratchLength);
        public int InputGradientLength => Pad(System.Math.Max(layout.Spec.InputSize, layout.Spec.Hidden));
        public int PerLane => StateStride + 2 * layout.StateLength + InputGradientLength + layout.HeadRow;
        public int InputRow(int k) => Pad(1 + layout.Spec.LayerInputSize(k) + layout.Spec.Hidden);
        /// <summary>Per lane-step of a block: every layer's dz row and input row.</summary>
        public int BlockPerLaneStep
        {
            get
            {
                int sum = 0;
                for (int k = 0; k < layout.Spec.Layers; k++) sum += layout.Row + InputRow(k);
                return sum;
            }
        }
        /// <summary>Offset of layer k's dz block within the blocks, in units of (block steps × lanes).</summary>
        public int DzBlock(int k)
        {
            int sum = 0;
            for (int j = 0; j < k; j++) sum += layout.Row + InputRow(j);
            return sum;
        }
        public int InputBlock(int k) => DzBlock(k) + layout.Row;
        /// <summary>Columns of layer k's transposed weights: its inputs padded, then its P hidden units.</summary>
        public int TransposedWidth(int k) => Pad(layout.Spec.LayerInputSize(k)) + layout.PaddedHidden;
        public int TransposedOffset(int k)
        {
            int sum = 0;
            for (int j = 0; j < k; j++) sum += layout.Row * TransposedWidth(j);
            return sum;
        }
        public int TransposedLength => TransposedOffset(layout.Spec.Layers);
    }

    /// <summary>Register tile of the lane kernels: accumulator vectors per lane (4 lanes), and rows per outer-product tile.</summary>
    private static int LaneVectors(Flavor f) => f.Width == 16 ? 4 : 2;

    /// <summary>Lanes of the wide tiles, used while 8 lanes remain: twice the lanes per weight vector loaded, for weights that do not stay in L1.</summary>
    private const int WideLaneGroup = 8;

    private static int WideLaneVectors(Flavor f) => f.Width == 16 ? 2 : 1;

    private static int OuterRows(Flavor f) => f.Width == 16 ? 6 : 4;

    private static void EmitLaneMembers(SourceWriter w, Layout layout)
    {
        ModelSpec spec = layout.Spec;
        var ll = new LaneLayout(layout);
        bool every = spec.HeadOn == HeadOnKind.EveryStep;
        string outputLength = every ? "steps * StepOutputSize" : "StepOutputSize";

        w.Line($"private const int LaneStateStride = {N(ll.StateStride)}; // per lane: h, c per layer, gate sums{(layout.HeadRow > 0 ? ", logits" : "")}");
        w.Line($"private const int LaneFixedFloats = {N(ll.PerLane)}; // per lane: working state, h0/c0, dh/dc, dx{(layout.HeadRow > 0 ? ", dlogits" : "")}");
        w.Line($"private const int LaneBlockFloats = {N(ll.BlockPerLaneStep)}; // per lane-step of a gradient block: each layer's dz and [1, x, h_prev]");
        w.Line($"private const int TransposedLength = {N(ll.TransposedLength)}; // per layer, Row × (padded inputs + P): W_ih and W_hh transposed");
        w.Line("private global::LstmGen.CompilerServices.AlignedBuffer? _transposed;");
        w.Line("private int _parametersVersion; // counts ParametersChanged calls");
        w.Line("private int _transposedVersion = -1;");
        w.Line("private readonly object _transposeLock = new();");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public int LaneGroup => {N(LaneGroup)};");
        w.Line();
        w.Line($"/// <summary>Steps per gradient block: about {N(LaneBlockTarget)} lane-steps.</summary>");
        w.Line($"private static int LaneBlockSteps(int lanes) => global::System.Math.Max(1, {N(LaneBlockTarget)} / lanes);");
        w.Line();
        w.Line("private static nuint LaneStateOffset(int lanes, int maxSteps) => (nuint)maxSteps * (nuint)lanes * RecordStep;");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public {LaneTapeType} CreateLaneTape(int lanes, int maxSteps)"))
        {
            w.Line("global::System.ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lanes);");
            w.Line("global::System.ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);");
            w.Line($"int rounded = (lanes + {N(LaneGroup - 1)}) / {N(LaneGroup)} * {N(LaneGroup)};");
            w.Line("long floats = (long)maxSteps * rounded * RecordStep + (long)rounded * LaneFixedFloats + (long)LaneBlockSteps(rounded) * rounded * LaneBlockFloats;");
            w.Line("if (floats > global::System.Array.MaxLength) throw new global::System.ArgumentOutOfRangeException(nameof(maxSteps), maxSteps, $\"A lane tape of {rounded} lanes × {maxSteps} steps needs {floats} floats, more than an array holds.\");");
            w.Line($"return new {LaneTapeType}(s_shape, TrainingLayout, rounded, maxSteps, (int)floats);");
        }
        w.Line();

        // Forward.
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void ForwardLanes({LaneTapeType} tape, int steps, global::System.ReadOnlySpan<{State}> states, {Span} outputs)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(tape);");
            w.Line("int active = states.Length;");
            w.Line("tape.Begin(s_shape, TrainingLayout, steps, active);");
            w.Line("int lanes = tape.Lanes, maxSteps = tape.MaxSteps;");
            w.Line($"int outputLength = {outputLength};");
            w.Line("if (outputs.Length != active * outputLength)");
            w.Line("    throw new global::System.ArgumentException($\"Expected {active * outputLength} outputs (lanes × {outputLength}), got {outputs.Length}.\", nameof(outputs));");
            if (spec.IsTokenModel)
            {
                using (w.Block("for (int l = 0; l < active; l++)"))
                {
                    w.Line("global::System.ReadOnlySpan<int> tokens = tape.Tokens(l).Slice(0, steps);");
                    using (w.Block("for (int t = 0; t < steps; t++)"))
                    {
                        w.Line("if ((uint)tokens[t] >= VocabularySize)");
                        w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(tape), tokens[t], $\"Lane {l}, token {t} is {tokens[t]}; token ids must be in [0, {VocabularySize}).\");");
                    }
                }
                w.Line("for (int l = active; l < lanes; l++) tape.Tokens(l).Slice(0, steps).Clear(); // unused lanes run on token 0");
            }
            else
            {
                w.Line("for (int l = active; l < lanes; l++) tape.Inputs(l).Slice(0, steps * InputSize).Clear(); // unused lanes run on zeros");
            }
            w.Line("ref float lt = ref tape.GetReference();");
            w.Line($"ref float st = ref {Unsafe}.Add(ref lt, LaneStateOffset(lanes, maxSteps));");
            w.Line($"ref float init = ref {Unsafe}.Add(ref st, (nuint)lanes * LaneStateStride);");
            w.Line("// Each lane starts from its state (h0, c0 are kept for the backward pass); unused lanes from zeros.");
            using (w.Block("for (int l = 0; l < lanes; l++)"))
            {
                w.Line($"global::System.Span<float> s = {Marshal}.CreateSpan(ref {Unsafe}.Add(ref st, (nuint)l * LaneStateStride), StateLength);");
                using (w.Block("if (l < active)"))
                {
                    w.Line($"{State} state = states[l] ?? throw new global::System.ArgumentNullException(nameof(states), $\"State {{l}} is null.\");");
                    w.Line("state.EnsureShape(LayerCount, HiddenSize, 0, ScratchLength, nameof(states));");
                    w.Line($"{Marshal}.CreateReadOnlySpan(ref state.GetReference(), StateLength).CopyTo(s);");
                }
                w.Line("else s.Clear();");
                w.Line($"s.CopyTo({Marshal}.CreateSpan(ref {Unsafe}.Add(ref init, (nuint)l * StateLength), StateLength));");
            }
            string source = spec.IsTokenModel ? "ref tape.GetTokenReference()" : "ref tape.GetInputReference()";
            EmitDispatch(w, "ForwardLanesCore", $"ref lt, {source}, lanes, active, maxSteps, steps, ref {Marshal}.GetReference(outputs)");
            w.Line("for (int l = 0; l < active; l++)");
            w.Line($"    {Marshal}.CreateReadOnlySpan(ref {Unsafe}.Add(ref st, (nuint)l * LaneStateStride), StateLength).CopyTo({Marshal}.CreateSpan(ref states[l].GetReference(), StateLength));");
        }
        w.Line();

        // Backward.
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void BackwardLanes({LaneTapeType} tape, {ReadOnlySpanFloat} outputGradients, {Gradients} gradients)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(tape);");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(gradients);");
            w.Line("tape.EnsureRecorded(s_shape, TrainingLayout);");
            w.Line("gradients.EnsureShape(s_shape, TrainingLayout);");
            w.Line("int steps = tape.Steps, active = tape.ActiveLanes;");
            w.Line($"int outputLength = {outputLength};");
            w.Line("if (outputGradients.Length != active * outputLength)");
            w.Line("    throw new global::System.ArgumentException($\"Expected {active * outputLength} output gradients (lanes × {outputLength}), got {outputGradients.Length}.\", nameof(outputGradients));");
            w.Line("EnsureTransposed();");
            string source = spec.IsTokenModel ? "ref tape.GetTokenReference()" : "ref tape.GetInputReference()";
            EmitDispatch(w, "BackwardLanesCore", $"ref tape.GetReference(), {source}, tape.Lanes, active, tape.MaxSteps, steps, ref {Marshal}.GetReference(outputGradients), ref gradients.GetReference()");
        }
        w.Line();

        // Transposed weights.
        w.Line("/// <summary>Rebuilds the transposed input and recurrent weights the lane backward pass reads, once per parameter change.</summary>");
        using (w.Block("private void EnsureTransposed()"))
        {
            w.Line("if (global::System.Threading.Volatile.Read(ref _transposedVersion) == _parametersVersion) return;");
            using (w.Block("lock (_transposeLock)"))
            {
                w.Line("if (_transposedVersion == _parametersVersion) return;");
                w.Line("_transposed ??= new global::LstmGen.CompilerServices.AlignedBuffer(TransposedLength);");
                w.Line("ref float packed = ref _packed.Reference;");
                w.Line("ref float wt = ref _transposed.Reference;");
                for (int k = 0; k < spec.Layers; k++)
                {
                    int inK = spec.LayerInputSize(k), tw = ll.TransposedWidth(k), padIn = Pad(inK);
                    w.Line($"// Layer {N(k)}: wt[col, j] = W row 1 + j (inputs), wt[col, {N(padIn)} + u] = W row {N(1 + inK)} + u (recurrent).");
                    using (w.Block($"for (nuint col = 0; col < {N(layout.Row)}; col++)"))
                    {
                        w.Line($"ref float src = ref {Unsafe}.Add(ref packed, {N(layout.LayerPackedOffsets[k])} + col);");
                        w.Line($"ref float dst = ref {Unsafe}.Add(ref wt, {N(ll.TransposedOffset(k))} + col * {N(tw)});");
                        w.Line($"for (nuint j = 0; j < {N(inK)}; j++) {Unsafe}.Add(ref dst, j) = {Unsafe}.Add(ref src, (1 + j) * {N(layout.Row)});");
                        w.Line($"for (nuint u = 0; u < {N(spec.Hidden)}; u++) {Unsafe}.Add(ref dst, {N(padIn)} + u) = {Unsafe}.Add(ref src, ({N(1 + inK)} + u) * {N(layout.Row)});");
                    }
                }
                w.Line("global::System.Threading.Volatile.Write(ref _transposedVersion, _parametersVersion);");
            }
        }
        w.Line();

        foreach (Flavor f in Flavors)
        {
            using var part = w.Part(TrainingPart(f)); // into this width's training file
            EmitForwardLanesKernel(w, layout, ll, f);
            w.Line();
        }
        foreach (Flavor f in Flavors)
        {
            using var part = w.Part(TrainingPart(f)); // into this width's training file
            EmitBackwardLanesKernel(w, layout, ll, f);
            w.Line();
        }
        foreach (Flavor f in Flavors)
        {
            using var part = w.Part(TrainingPart(f)); // into this width's training file
            EmitOuterProductKernel(w, layout, f);
            w.Line();
        }
    }

    /// <summary>The layer-0 input of lane <paramref name="lane"/> (an expression) at step t.</summary>
    private static string LaneInput(Layout layout, string lane) => layout.Spec.IsTokenModel
        ? $"EmbeddingRow({Unsafe}.Add(ref src, (nuint)({lane}) * (nuint)maxSteps + (nuint)t))"
        : $"{Unsafe}.Add(ref src, ((nuint)({lane}) * (nuint)maxSteps + (nuint)t) * InputSize)";

    /// <summary>
    /// Emits <c>ForwardLanesCore{flavor}</c>: for each step and layer, the gate sums of all lanes as tiles of
    /// 4 lanes × a few vectors (each weight vector loaded once per 4 lanes), then each lane's cell update,
    /// recorded as the per-sample Forward records it; then the head for the lanes in use.
    /// </summary>
    private static void EmitForwardLanesKernel(SourceWriter w, Layout layout, LaneLayout ll, Flavor f)
    {
        ModelSpec spec = layout.Spec;
        bool every = spec.HeadOn == HeadOnKind.EveryStep;
        string srcType = spec.IsTokenModel ? "int" : "float";
        string code = f.IsScalar ? "scalar code" : f.Suffix + " code";
        w.Line($"/// <summary>The recording forward pass of every lane, {code}.</summary>");
        w.Line(Aggressive);
        using (w.Block($"private void ForwardLanesCore{f.Suffix}(ref float lt, ref {srcType} src, int lanes, int active, int maxSteps, int steps, ref float outputs)"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            w.Line("nuint lanesN = (nuint)lanes;");
            w.Line($"ref float st = ref {Unsafe}.Add(ref lt, LaneStateOffset(lanes, maxSteps));");
            using (w.Block("for (int t = 0; t < steps; t++)"))
            {
                w.Line($"ref float recStep = ref {Unsafe}.Add(ref lt, (nuint)t * lanesN * RecordStep);");
                for (int k = 0; k < spec.Layers; k++)
                {
                    LayerRef layer = LayerRef.Constant(layout, k);
                    w.Line($"// {layer.Label}: gate sums z = b + W_ih·x + W_hh·h of every lane, then each lane's cell update.");
                    using (w.Open())
                    {
                        w.Line($"ref float w = ref {Unsafe}.Add(ref packed, {layer.Packed});");
                        EmitLaneGates(w, layout, f, k);
                        using (w.Block("for (nuint l = 0; l < lanesN; l++)"))
                        {
                            w.Line($"ref float s = ref {Unsafe}.Add(ref st, l * LaneStateStride);");
                            w.Line($"ref float z = ref {Unsafe}.Add(ref s, StateLength);");
                            w.Line($"ref float h = ref {Unsafe}.Add(ref s, {layer.Hidden});");
                            w.Line($"ref float c = ref {Unsafe}.Add(ref s, {layer.Cell});");
                            w.Line($"ref float r = ref {Unsafe}.Add(ref recStep, l * RecordStep + {layer.Record});");
                            EmitCellUpdate(w, f, layout, record: true, inputs: -1); // lanes: no peepholes
                        }
                    }
                }
                if (every)
                {
                    w.Line("for (int l = 0; l < active; l++)");
                    w.Line($"    WriteOutput(ref {Unsafe}.Add(ref st, (nuint)l * LaneStateStride), {Marshal}.CreateSpan(ref {Unsafe}.Add(ref outputs, (l * steps + t) * StepOutputSize), StepOutputSize), {HeadOutputType}.Logits);");
                }
            }
            if (!every)
            {
                w.Line("for (int l = 0; l < active; l++)");
                w.Line($"    WriteOutput(ref {Unsafe}.Add(ref st, (nuint)l * LaneStateStride), {Marshal}.CreateSpan(ref {Unsafe}.Add(ref outputs, l * StepOutputSize), StepOutputSize), {HeadOutputType}.Logits);");
            }
        }
    }

    /// <summary>Gate sums of layer <paramref name="k"/> for every lane into each lane's scratch (after its state).</summary>
    private static void EmitLaneGates(SourceWriter w, Layout layout, Flavor f, int k)
    {
        ModelSpec spec = layout.Spec;
        int row = layout.Row, inK = spec.LayerInputSize(k);
        string Input(string lane) => k == 0 ? LaneInput(layout, lane) : $"{Unsafe}.Add(ref {Unsafe}.Add(ref st, (nuint)({lane}) * LaneStateStride), {N(layout.HiddenOffset(k - 1))})";
        string Hidden(string lane) => $"{Unsafe}.Add(ref {Unsafe}.Add(ref st, (nuint)({lane}) * LaneStateStride), {N(layout.HiddenOffset(k))})";
        if (f.IsScalar)
        {
            using (w.Block("for (nuint l = 0; l < lanesN; l++)"))
            {
                w.Line($"ref float x = ref {Input("l")};");
                w.Line($"ref float hl = ref {Hidden("l")};");
                w.Line($"ref float zl = ref {Unsafe}.Add(ref st, l * LaneStateStride + StateLength);");
                using (w.Block($"for (nuint col = 0; col < {N(row)}; col++)"))
                {
                    w.Line($"float sum = {Unsafe}.Add(ref w, col);");
                    w.Line($"for (nuint j = 0; j < {N(inK)}; j++) sum += {Unsafe}.Add(ref x, j) * {Unsafe}.Add(ref w, (1 + j) * {N(row)} + col);");
                    w.Line($"for (nuint j = 0; j < {N(spec.Hidden)}; j++) sum += {Unsafe}.Add(ref hl, j) * {Unsafe}.Add(ref w, ({N(1 + inK)} + j) * {N(row)} + col);");
                    w.Line($"{Unsafe}.Add(ref zl, col) = sum;");
                }
            }
            return;
        }
        int cv = LaneVectors(f), cv8 = WideLaneVectors(f), tile = cv * f.Width;
        w.Line($"// {N(tile)} columns at a time: tiles of {N(WideLaneGroup)} lanes × {N(cv8)} {f.Suffix} while {N(WideLaneGroup)} lanes remain, then {N(LaneGroup)} lanes × {N(cv)}; each weight vector feeds every lane of a tile.");
        using (w.Block($"for (nuint col = 0; col < {N(row)}; col += {N(tile)})"))
        {
            w.Line("nuint lg = 0;");
            using (w.Block($"for (; lg + {N(WideLaneGroup)} <= lanesN; lg += {N(WideLaneGroup)})"))
            {
                for (int sub = 0; sub < cv; sub += cv8)
                    using (w.Open()) EmitLaneGateTile(w, f, WideLaneGroup, System.Math.Min(cv8, cv - sub), sub * f.Width, Input, Hidden, inK, spec.Hidden, row);
            }
            using (w.Block($"for (; lg < lanesN; lg += {N(LaneGroup)})"))
                EmitLaneGateTile(w, f, LaneGroup, cv, 0, Input, Hidden, inK, spec.Hidden, row);
        }
    }

    private static void EmitLaneGateTile(SourceWriter w, Flavor f, int lanes, int cv, int offset, System.Func<string, string> input, System.Func<string, string> hidden, int inK, int units, int row)
    {
        string at = offset == 0 ? "col" : $"col + {N(offset)}";
        for (int l = 0; l < lanes; l++)
        {
            w.Line($"ref float x{N(l)} = ref {input($"lg + {N(l)}")};");
            w.Line($"ref float h{N(l)} = ref {hidden($"lg + {N(l)}")};");
        }
        for (int v = 0; v < cv; v++)
        {
            w.Line($"{f.VT} a0_{N(v)} = {f.V}.LoadUnsafe(ref w, {at} + {N(v * f.Width)});");
            for (int l = 1; l < lanes; l++) w.Line($"{f.VT} a{N(l)}_{N(v)} = a0_{N(v)};");
        }
        EmitLaneGateRun(w, f, lanes, cv, at, "x", inK, 1, row);
        EmitLaneGateRun(w, f, lanes, cv, at, "h", units, 1 + inK, row);
        for (int l = 0; l < lanes; l++)
        {
            w.Line($"ref float z{N(l)} = ref {Unsafe}.Add(ref st, (lg + {N(l)}) * LaneStateStride + StateLength + {at});");
            for (int v = 0; v < cv; v++) w.Line($"{f.V}.StoreUnsafe(a{N(l)}_{N(v)}, ref z{N(l)}, {N(v * f.Width)});");
        }
    }

    private static void EmitLaneGateRun(SourceWriter w, Flavor f, int lanes, int cv, string at, string source, int count, int firstRow, int row)
    {
        using (w.Block($"for (nuint j = 0; j < {N(count)}; j++) // rows {N(firstRow)}..{N(firstRow + count - 1)}"))
        {
            w.Line($"ref float wr = ref {Unsafe}.Add(ref w, (j + {N(firstRow)}) * {N(row)} + {at});");
            for (int v = 0; v < cv; v++) w.Line($"{f.VT} w{N(v)} = {f.V}.LoadUnsafe(ref wr, {N(v * f.Width)});");
            for (int l = 0; l < lanes; l++)
            {
                w.Line($"{f.VT} b{N(l)} = {f.V}.Create({Unsafe}.Add(ref {source}{N(l)}, j));");
                for (int v = 0; v < cv; v++) w.Line($"a{N(l)}_{N(v)} = {f.V}.MultiplyAddEstimate(b{N(l)}, w{N(v)}, a{N(l)}_{N(v)});");
            }
        }
    }

    /// <summary>
    /// Emits <c>BackwardLanesCore{flavor}</c>: BPTT for every lane. Per step: the head (lanes in use), then
    /// each layer from the top: each lane's dz (kept in the block) and its inputs [1, x, h_prev]; then
    /// dx and dh_(t−1) = Wᵀ·dz for all lanes from the transposed weights. Every block of steps (and at the
    /// end) the weight gradients take the block at once: dW += Σ [1, x, h_prev] ⊗ dz.
    /// </summary>
    private static void EmitBackwardLanesKernel(SourceWriter w, Layout layout, LaneLayout ll, Flavor f)
    {
        ModelSpec spec = layout.Spec;
        bool every = spec.HeadOn == HeadOnKind.EveryStep;
        int p = layout.PaddedHidden, row = layout.Row;
        var b = new BackwardLayout(layout);
        string srcType = spec.IsTokenModel ? "int" : "float";
        string code = f.IsScalar ? "scalar code" : f.Suffix + " code";
        w.Line($"/// <summary>Backpropagation through time for every lane, {code}.</summary>");
        w.Line(Aggressive);
        using (w.Block($"private void BackwardLanesCore{f.Suffix}(ref float lt, ref {srcType} src, int lanes, int active, int maxSteps, int steps, ref float dOutAll, ref float grad)"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            w.Line("ref float wt = ref _transposed!.Reference;");
            w.Line("nuint lanesN = (nuint)lanes;");
            w.Line("ref float rec0 = ref lt;");
            w.Line($"ref float st = ref {Unsafe}.Add(ref lt, LaneStateOffset(lanes, maxSteps));");
            w.Line($"ref float init = ref {Unsafe}.Add(ref st, lanesN * LaneStateStride);");
            w.Line($"ref float dsAll = ref {Unsafe}.Add(ref init, lanesN * StateLength);");
            w.Line($"ref float dxAll = ref {Unsafe}.Add(ref dsAll, lanesN * StateLength);");
            w.Line($"ref float dlogAll = ref {Unsafe}.Add(ref dxAll, lanesN * {N(ll.InputGradientLength)});");
            w.Line($"ref float blocks = ref {Unsafe}.Add(ref dlogAll, lanesN * {N(layout.HeadRow)});");
            w.Line("nuint blockSteps = (nuint)LaneBlockSteps(lanes), perSlot = blockSteps * lanesN; // a block holds blockSteps steps of every lane");
            w.Line($"{Marshal}.CreateSpan(ref dsAll, lanes * StateLength).Clear();");
            w.Line("nuint filled = 0;");
            using (w.Block("for (int t = steps - 1; t >= 0; t--)"))
            {
                w.Line($"ref float recStep = ref {Unsafe}.Add(ref rec0, (nuint)t * lanesN * RecordStep);");
                w.Line(spec.Head == HeadKind.None ? "// Each lane's output gradient (lanes in use)." : "// The head of each lane in use.");
                {
                    using (w.Block("for (int l = 0; l < active; l++)"))
                    {
                        w.Line($"ref float recT = ref {Unsafe}.Add(ref recStep, (nuint)l * RecordStep);");
                        w.Line($"ref float ds = ref {Unsafe}.Add(ref dsAll, (nuint)l * StateLength);");
                        if (spec.Head != HeadKind.None) w.Line($"ref float dlog = ref {Unsafe}.Add(ref dlogAll, (nuint)l * {N(layout.HeadRow)});");
                        w.Line($"ref float dOut = ref {Unsafe}.Add(ref dOutAll, l * {(every ? "steps * StepOutputSize" : "StepOutputSize")});");
                        EmitHeadBackward(w, layout, f, every);
                    }
                }
                for (int k = spec.Layers - 1; k >= 0; k--)
                {
                    LayerRef layer = LayerRef.Constant(layout, k);
                    int inK = spec.LayerInputSize(k), inRow = ll.InputRow(k);
                    w.Line($"// {layer.Label}, backward: each lane's dz and inputs into the block, then dx, dh_(t-1) = Wᵀ·dz for every lane.");
                    using (w.Open())
                    {
                        w.Line($"ref float dzBlock = ref {Unsafe}.Add(ref blocks, perSlot * {N(ll.DzBlock(k))} + filled * lanesN * {N(row)});");
                        w.Line($"ref float inBlock = ref {Unsafe}.Add(ref blocks, perSlot * {N(ll.InputBlock(k))} + filled * lanesN * {N(inRow)});");
                        using (w.Block("for (nuint l = 0; l < lanesN; l++)"))
                        {
                            w.Line($"ref float r = ref {Unsafe}.Add(ref recStep, l * RecordStep + {layer.Record});");
                            w.Line($"ref float dh = ref {Unsafe}.Add(ref dsAll, l * StateLength + {layer.Hidden});");
                            w.Line($"ref float dc = ref {Unsafe}.Add(ref dsAll, l * StateLength + {layer.Cell});");
                            w.Line($"ref float hPrev = ref t > 0 ? ref {Unsafe}.Add(ref rec0, ((nuint)(t - 1) * lanesN + l) * RecordStep + {N(k * layout.RecordPerLayer + row + 2 * p)}) : ref {Unsafe}.Add(ref init, l * StateLength + {layer.Hidden});");
                            w.Line($"ref float cPrev = ref t > 0 ? ref {Unsafe}.Add(ref rec0, ((nuint)(t - 1) * lanesN + l) * RecordStep + {N(k * layout.RecordPerLayer + row)}) : ref {Unsafe}.Add(ref init, l * StateLength + {layer.Cell});");
                            w.Line($"ref float dz = ref {Unsafe}.Add(ref dzBlock, l * {N(row)});");
                            EmitGateGradients(w, f, layout, inputs: -1); // lanes: no peepholes
                            string input = k == 0
                                ? (spec.IsTokenModel ? $"{Unsafe}.Add(ref {Marshal}.GetArrayDataReference(_parameters), {Unsafe}.Add(ref src, l * (nuint)maxSteps + (nuint)t) * EmbeddingSize)" : $"{Unsafe}.Add(ref src, (l * (nuint)maxSteps + (nuint)t) * InputSize)")
                                : $"{Unsafe}.Add(ref recStep, l * RecordStep + {N((k - 1) * layout.RecordPerLayer + row + 2 * p)})";
                            w.Line($"// This step's inputs for the weight gradients: 1, {layer.InputWhat}, h_(t-1).");
                            w.Line($"ref float inRow = ref {Unsafe}.Add(ref inBlock, l * {N(inRow)});");
                            w.Line("inRow = 1;");
                            w.Line($"{Marshal}.CreateReadOnlySpan(ref {input}, {N(inK)}).CopyTo({Marshal}.CreateSpan(ref {Unsafe}.Add(ref inRow, 1), {N(inK)}));");
                            w.Line($"{Marshal}.CreateReadOnlySpan(ref hPrev, {N(spec.Hidden)}).CopyTo({Marshal}.CreateSpan(ref {Unsafe}.Add(ref inRow, {N(1 + inK)}), {N(spec.Hidden)}));");
                        }
                        w.Line($"ref float wtk = ref {Unsafe}.Add(ref wt, {N(ll.TransposedOffset(k))});");
                        EmitLaneTransposed(w, layout, ll, f, k);
                        if (k != 0)
                        {
                            w.Line("// The layer below's h at this step feeds this layer: its gradient gets dx.");
                            using (w.Block("for (nuint l = 0; l < lanesN; l++)"))
                            {
                                w.Line($"ref float dx = ref {Unsafe}.Add(ref dxAll, l * {N(ll.InputGradientLength)});");
                                w.Line($"ref float dhBelow = ref {Unsafe}.Add(ref dsAll, l * StateLength + {N(layout.HiddenOffset(k - 1))});");
                                w.Line($"for (nuint j = 0; j < {N(spec.Hidden)}; j++) {Unsafe}.Add(ref dhBelow, j) += {Unsafe}.Add(ref dx, j);");
                            }
                        }
                        else if (spec.IsTokenModel)
                        {
                            w.Line("// The embedding row of each lane's token gets dx (lanes in use only).");
                            using (w.Block("for (nuint l = 0; l < (nuint)active; l++)"))
                            {
                                w.Line($"ref float dx = ref {Unsafe}.Add(ref dxAll, l * {N(ll.InputGradientLength)});");
                                w.Line($"ref float ge = ref {Unsafe}.Add(ref grad, {N(b.EmbeddingGradients)} + {Unsafe}.Add(ref src, l * (nuint)maxSteps + (nuint)t) * EmbeddingSize);");
                                w.Line($"for (nuint j = 0; j < {N(spec.Embedding)}; j++) {Unsafe}.Add(ref ge, j) += {Unsafe}.Add(ref dx, j);");
                            }
                        }
                    }
                }
                w.Line("filled++;");
                using (w.Block("if (filled == blockSteps || t == 0)"))
                {
                    w.Line("// The block's weight gradients: dW += Σ over its lane-steps of [1, x, h_prev] ⊗ dz.");
                    for (int k = 0; k < spec.Layers; k++)
                    {
                        int rows = 1 + spec.LayerInputSize(k) + spec.Hidden;
                        w.Line($"OuterProducts{f.Suffix}(ref {Unsafe}.Add(ref grad, {N(layout.LayerPackedOffsets[k])}), ref {Unsafe}.Add(ref blocks, perSlot * {N(ll.InputBlock(k))}), {N(ll.InputRow(k))}, ref {Unsafe}.Add(ref blocks, perSlot * {N(ll.DzBlock(k))}), filled * lanesN, {N(rows)});");
                    }
                    w.Line("filled = 0;");
                }
            }
        }
    }

    /// <summary>dx and dh_(t−1) of layer <paramref name="k"/> for every lane: Σ_col dz[col] · wt[col, ·], in tiles of 4 lanes × a few vectors.</summary>
    private static void EmitLaneTransposed(SourceWriter w, Layout layout, LaneLayout ll, Flavor f, int k)
    {
        ModelSpec spec = layout.Spec;
        int row = layout.Row, tw = ll.TransposedWidth(k), padIn = Pad(spec.LayerInputSize(k));
        string hiddenOffset = N(layout.HiddenOffset(k));
        if (f.IsScalar)
        {
            using (w.Block("for (nuint l = 0; l < lanesN; l++)"))
            {
                w.Line($"ref float dzl = ref {Unsafe}.Add(ref dzBlock, l * {N(row)});");
                w.Line($"ref float dxl = ref {Unsafe}.Add(ref dxAll, l * {N(ll.InputGradientLength)});");
                w.Line($"ref float dhl = ref {Unsafe}.Add(ref dsAll, l * StateLength + {hiddenOffset});");
                using (w.Block($"for (nuint j = 0; j < {N(tw)}; j++)"))
                {
                    w.Line("float sum = 0;");
                    w.Line($"for (nuint col = 0; col < {N(row)}; col++) sum += {Unsafe}.Add(ref dzl, col) * {Unsafe}.Add(ref wtk, col * {N(tw)} + j);");
                    w.Line($"if (j < {N(padIn)}) {Unsafe}.Add(ref dxl, j) = sum; else {Unsafe}.Add(ref dhl, j - {N(padIn)}) = sum;");
                }
            }
            return;
        }
        int cv = LaneVectors(f), tile = cv * f.Width;
        // The dx part (padded inputs) and the dh part (P units), each as a loop of full tiles and a remainder tile.
        foreach (bool hidden in new[] { false, true })
        {
            int first = hidden ? padIn : 0, columns = hidden ? layout.PaddedHidden : padIn;
            string dest = hidden ? $"{Unsafe}.Add(ref dsAll, (lg + {{0}}) * StateLength + {N(layout.HiddenOffset(k))} + j)" : $"{Unsafe}.Add(ref dxAll, (lg + {{0}}) * {N(ll.InputGradientLength)} + j)";
            string what = hidden ? "dh_(t-1)" : "dx";
            int full = columns / tile * tile;
            if (full > 0)
            {
                w.Line($"// {what}: {N(full / tile)} tile(s) of {N(LaneGroup)} lanes × {N(cv)} {f.Suffix}");
                using (w.Block($"for (nuint j = 0; j < {N(full)}; j += {N(tile)})"))
                    EmitLaneTransposedTile(w, layout, f, tw, $"{N(first)} + j", cv, dest);
            }
            if (columns > full)
            {
                w.Line($"// {what}: the last {N((columns - full) / f.Width)} vector(s)");
                using (w.Open())
                {
                    w.Line($"nuint j = {N(full)};");
                    EmitLaneTransposedTile(w, layout, f, tw, $"{N(first + full)}", (columns - full) / f.Width, dest);
                }
            }
        }
    }

    private static void EmitLaneTransposedTile(SourceWriter w, Layout layout, Flavor f, int tw, string firstColumn, int count, string dest)
    {
        int cv8 = WideLaneVectors(f);
        w.Line("nuint lg = 0;");
        using (w.Block($"for (; lg + {N(WideLaneGroup)} <= lanesN; lg += {N(WideLaneGroup)})"))
        {
            for (int sub = 0; sub < count; sub += cv8)
                using (w.Open()) EmitLaneTransposedLanes(w, layout, f, tw, firstColumn, WideLaneGroup, sub, System.Math.Min(cv8, count - sub), dest);
        }
        using (w.Block($"for (; lg < lanesN; lg += {N(LaneGroup)})"))
            EmitLaneTransposedLanes(w, layout, f, tw, firstColumn, LaneGroup, 0, count, dest);
    }

    private static void EmitLaneTransposedLanes(SourceWriter w, Layout layout, Flavor f, int tw, string firstColumn, int lanes, int sub, int count, string dest)
    {
        int row = layout.Row;
        for (int l = 0; l < lanes; l++)
            w.Line($"ref float z{N(l)} = ref {Unsafe}.Add(ref dzBlock, (lg + {N(l)}) * {N(row)});");
        for (int l = 0; l < lanes; l++)
            for (int v = 0; v < count; v++)
                w.Line($"{f.VT} a{N(l)}_{N(v)} = {f.VT}.Zero;");
        w.Line($"ref float wc = ref {Unsafe}.Add(ref wtk, {firstColumn} + {N(sub * f.Width)});");
        using (w.Block($"for (nuint col = 0; col < {N(row)}; col++)"))
        {
            w.Line($"ref float wr = ref {Unsafe}.Add(ref wc, col * {N(tw)});");
            for (int v = 0; v < count; v++) w.Line($"{f.VT} w{N(v)} = {f.V}.LoadUnsafe(ref wr, {N(v * f.Width)});");
            for (int l = 0; l < lanes; l++)
            {
                w.Line($"{f.VT} b{N(l)} = {f.V}.Create({Unsafe}.Add(ref z{N(l)}, col));");
                for (int v = 0; v < count; v++) w.Line($"a{N(l)}_{N(v)} = {f.V}.MultiplyAddEstimate(b{N(l)}, w{N(v)}, a{N(l)}_{N(v)});");
            }
        }
        for (int l = 0; l < lanes; l++)
        {
            w.Line($"ref float o{N(l)} = ref {string.Format(System.Globalization.CultureInfo.InvariantCulture, dest, N(l))};");
            for (int v = 0; v < count; v++) w.Line($"{f.V}.StoreUnsafe(a{N(l)}_{N(v)}, ref o{N(l)}, {N((sub + v) * f.Width)});");
        }
    }

    /// <summary>
    /// Emits <c>OuterProducts{flavor}</c>: g[r, ·] += Σ_k x[k, r] · d[k, ·] for rows r &lt; rows and the
    /// packed Row columns, a tile of rows × vectors held in registers while k streams.
    /// </summary>
    private static void EmitOuterProductKernel(SourceWriter w, Layout layout, Flavor f)
    {
        int row = layout.Row;
        string code = f.IsScalar ? "scalar code" : f.Suffix + " code";
        w.Line($"/// <summary>Weight gradients of a block: g[r, ·] += Σ_k x[k·stride + r] · d[k, ·] over {N(row)} columns, {code}.</summary>");
        w.Line(Aggressive);
        using (w.Block($"private static void OuterProducts{f.Suffix}(ref float g, ref float x, nuint stride, ref float d, nuint count, nuint rows)"))
        {
            if (f.IsScalar)
            {
                using (w.Block("for (nuint r = 0; r < rows; r++)"))
                {
                    w.Line($"ref float gr = ref {Unsafe}.Add(ref g, r * {N(row)});");
                    using (w.Block("for (nuint k = 0; k < count; k++)"))
                    {
                        w.Line($"float xk = {Unsafe}.Add(ref x, k * stride + r);");
                        w.Line($"ref float dk = ref {Unsafe}.Add(ref d, k * {N(row)});");
                        w.Line($"for (nuint col = 0; col < {N(row)}; col++) {Unsafe}.Add(ref gr, col) += xk * {Unsafe}.Add(ref dk, col);");
                    }
                }
                return;
            }
            int cv = LaneVectors(f), rb = OuterRows(f), tile = cv * f.Width;
            using (w.Block($"for (nuint col = 0; col < {N(row)}; col += {N(tile)})"))
            {
                w.Line("nuint r = 0;");
                w.Line($"// {N(rb)} rows × {N(cv)} {f.Suffix} per tile.");
                using (w.Block($"for (; r + {N(rb)} <= rows; r += {N(rb)})"))
                    EmitOuterTile(w, f, row, rb, cv);
                w.Line("// the remaining rows one by one.");
                using (w.Block("for (; r < rows; r++)"))
                    EmitOuterTile(w, f, row, 1, cv);
            }
        }
    }

    private static void EmitOuterTile(SourceWriter w, Flavor f, int row, int rows, int cv)
    {
        for (int i = 0; i < rows; i++)
        {
            w.Line($"ref float g{N(i)} = ref {Unsafe}.Add(ref g, (r + {N(i)}) * {N(row)} + col);");
            for (int v = 0; v < cv; v++) w.Line($"{f.VT} a{N(i)}{N(v)} = {f.V}.LoadUnsafe(ref g{N(i)}, {N(v * f.Width)});");
        }
        w.Line($"ref float xr = ref {Unsafe}.Add(ref x, r);");
        w.Line($"ref float dc = ref {Unsafe}.Add(ref d, col);");
        using (w.Block("for (nuint k = 0; k < count; k++)"))
        {
            for (int v = 0; v < cv; v++) w.Line($"{f.VT} d{N(v)} = {f.V}.LoadUnsafe(ref dc, k * {N(row)} + {N(v * f.Width)});");
            w.Line("ref float xk = ref " + Unsafe + ".Add(ref xr, k * stride);");
            for (int i = 0; i < rows; i++)
            {
                w.Line($"{f.VT} b{N(i)} = {f.V}.Create({Unsafe}.Add(ref xk, {N(i)}));");
                for (int v = 0; v < cv; v++) w.Line($"a{N(i)}{N(v)} = {f.V}.MultiplyAddEstimate(b{N(i)}, d{N(v)}, a{N(i)}{N(v)});");
            }
        }
        for (int i = 0; i < rows; i++)
            for (int v = 0; v < cv; v++) w.Line($"{f.V}.StoreUnsafe(a{N(i)}{N(v)}, ref g{N(i)}, {N(v * f.Width)});");
    }
}
