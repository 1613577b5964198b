// Emits the training members: a recording forward pass, backpropagation through time (BPTT) into a
// gradient buffer in the packed layout, and the conversion of those gradients to PyTorch layout.
using System.Collections.Generic;
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    private const string Tape = "global::LstmGen.Training.TrainingTape";
    private const string Gradients = "global::LstmGen.Training.GradientBuffer";

    /// <summary>Offsets in the tape's fixed floats: initial state, then the backward pass's scratch.</summary>
    private sealed class BackwardLayout(Layout layout)
    {
        public int InitialState => 0;
        public int StateGradients => layout.StateLength;                  // dh, dc per layer, state layout
        public int GateGradients => 2 * layout.StateLength;               // dz, one packed row
        public int InputGradients => GateGradients + layout.Row;          // dx of the layer being processed
        public int InputGradientLength => System.Math.Max(Pad(layout.Spec.InputSize), layout.Spec.Directions * layout.PaddedHidden); // dx (and, bidirectional, dx of the reverse half at +P)
        public int LogitGradients => InputGradients + InputGradientLength; // padded dLoss/dlogits of one step
        /// <summary>With a projection: dL/dm of the layer being processed (P floats), m = o·tanh(c) the projection's input.</summary>
        public int ProjectionGradients => LogitGradients + layout.HeadRow;
        public int FixedFloats => ProjectionGradients + (layout.Spec.HasProjection ? layout.PaddedHidden : 0);
        public int RecordStep => layout.DropoutBase + layout.DropoutFloats;
        /// <summary>Bidirectional: per step, the gradients of two layers' outputs (this layer's and the one below), 2·P each, after the records.</summary>
        public int OutputGradientFloats => 4 * layout.PaddedHidden;
        public int OutputGradientOffset => layout.Spec.Layers * layout.Spec.Directions * layout.RecordPerLayer;
        public int EmbeddingGradients => layout.PackedLength;             // in the gradient buffer, after the packed gradients
        public int GradientLength => layout.PackedLength + layout.Spec.Vocabulary * layout.Spec.Embedding;
    }

    private static void EmitTrainingMembers(SourceWriter w, Layout layout)
    {
        ModelSpec spec = layout.Spec;
        var b = new BackwardLayout(layout);
        bool every = spec.HeadOn == HeadOnKind.EveryStep;

        w.Line(spec.Bidirectional
            ? $"private const int RecordStep = {N(b.RecordStep)}; // per step, per layer and direction: 4·{N(layout.PaddedHidden)} gate activations, c, tanh(c), h; then two layers' output gradients"
            : $"private const int RecordStep = {N(b.RecordStep)}; // per step, per layer: 4·{N(layout.PaddedHidden)} gate activations, c, tanh(c), h");
        w.Line($"private const int TapeFixedFloats = {N(b.FixedFloats)}; // initial state, dh/dc, dz, dx{(layout.HeadRow > 0 ? ", dlogits" : "")}{(spec.HasProjection ? ", dm" : "")}");
        w.Line("private const string TrainingLayout = \"lstmgen-packed-v1\"; // tapes and gradient buffers are only valid for models with this layout");
        w.Line($"private const int GradientLength = {N(b.GradientLength)}; // packed gradients{(spec.IsTokenModel ? ", embedding gradients" : "")}");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public {Tape} CreateTape(int maxSteps)"))
            w.Line("return global::LstmGen.CompilerServices.TapeMarshal.CreateTape(s_shape, TrainingLayout, maxSteps, RecordStep, TapeFixedFloats);");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {Gradients} CreateGradients() => global::LstmGen.CompilerServices.TapeMarshal.CreateGradients(s_shape, TrainingLayout, GradientLength);");
        w.Line();

        // PyTorch-layout gradients from the packed ones.
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void CopyGradients({Gradients} source, {Span} destination)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(source);");
            w.Line("source.EnsureShape(s_shape, TrainingLayout, nameof(source));");
            w.Line("if (destination.Length != ParameterCount)");
            w.Line("    throw new global::System.ArgumentException($\"Expected a destination of {ParameterCount} floats (ParameterCount), got {destination.Length}.\", nameof(destination));");
            w.Line($"{ReadOnlySpanFloat} g = source.Values;");
            if (spec.IsTokenModel)
                w.Line($"g.Slice({N(b.EmbeddingGradients)}, {N(spec.Vocabulary * spec.Embedding)}).CopyTo(destination.Slice(0, {N(spec.Vocabulary * spec.Embedding)}));");
            using (w.Block(spec.Bidirectional ? "for (int slot = 0; slot < StateSlotCount; slot++)" : "for (int layer = 0; layer < LayerCount; layer++)"))
            {
                int gates = spec.GatesPerUnit * spec.Hidden;
                if (spec.Bidirectional)
                {
                    w.Line("int layer = slot >> 1, direction = slot & 1;");
                    w.Line("int inputs = LayerInputSize(layer), offset = LayerOffset(layer, direction);");
                }
                else
                {
                    w.Line("int inputs = LayerInputSize(layer), offset = LayerOffset(layer);");
                }
                string hw = HWidth(spec), packedLayer = spec.Bidirectional ? "PackedLayerOffset(layer, direction)" : "PackedLayerOffset(layer)";
                w.Line($"global::LstmGen.CompilerServices.GateLayout.{(spec.IsGru ? "UnpackGruLayerGradients" : "UnpackLayerGradients")}(g.Slice({packedLayer}, (1 + inputs + {hw}) * {N(layout.Row)}), inputs, {(spec.HasProjection ? "HiddenSize, ProjectionSize" : "HiddenSize")},");
                w.Line($"    destination.Slice(offset, {N(gates)} * inputs), destination.Slice(offset + {N(gates)} * inputs, {N(gates * spec.Recurrent)}),");
                w.Line($"    destination.Slice(offset + {N(gates)} * (inputs + {hw}), {N(gates)}), destination.Slice(offset + {N(gates)} * (inputs + {hw} + 1), {N(gates)}));");
                string projection = spec.HasProjection ? $" + {N(spec.Projection * spec.Hidden)}" : "";
                if (spec.HasProjection)
                    w.Line($"global::LstmGen.CompilerServices.GateLayout.UnpackProjectionGradients(g.Slice({packedLayer} + ({N(spec.ExtraRows)} + inputs + ProjectionSize) * {N(layout.Row)}, {N(layout.ProjectionBlock)}), HiddenSize, ProjectionSize, destination.Slice(offset + {N(gates)} * (inputs + ProjectionSize + 2), {N(spec.Projection * spec.Hidden)}));");
                if (spec.Peephole)
                    w.Line($"global::LstmGen.CompilerServices.GateLayout.UnpackPeepholeGradients(g.Slice({packedLayer} + (1 + inputs + {hw}) * {N(layout.Row)}, {N(layout.Row)}), HiddenSize, destination.Slice(offset + {N(gates)} * (inputs + {hw} + 2){projection}, {N(3 * spec.Hidden)}));");
            }
            if (spec.Head != HeadKind.None)
                w.Line($"global::LstmGen.CompilerServices.GateLayout.UnpackHeadGradients(g.Slice({N(layout.HeadPackedOffset)}, {N(layout.PackedLength - layout.HeadPackedOffset)}), {(spec.Bidirectional ? "2 * " + HWidth(spec) : HWidth(spec))}, OutputSize, destination.Slice({N(layout.HeadWeightOffset)}, {N(spec.Outputs * layout.TopWidth)}), destination.Slice({N(layout.HeadBiasOffset)}, {N(spec.Outputs)}));");
        }
        w.Line();

        // Forward, recording.
        w.Line("/// <inheritdoc/>");
        if (spec.IsTokenModel)
        {
            using (w.Block($"public void Forward(global::System.ReadOnlySpan<int> tokens, {Span} outputs, {State} state, {Tape} tape)"))
            {
                EmitSequenceInputChecks(w, spec);
                if (spec.Bidirectional) EmitBidirectionalForwardBody(w, layout, every, token: true);
                else EmitForwardBody(w, layout, every, token: true);
            }
        }
        else
        {
            using (w.Block($"public void Forward({ReadOnlySpanFloat} inputs, {Span} outputs, {State} state, {Tape} tape)"))
            {
                EmitSequenceInputChecks(w, spec);
                if (spec.Bidirectional) EmitBidirectionalForwardBody(w, layout, every, token: false);
                else EmitForwardBody(w, layout, every, token: false);
            }
        }
        w.Line();

        // Backward.
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Backward({Tape} tape, {ReadOnlySpanFloat} outputGradients, {Gradients} gradients, {Span} inputGradients = default, {State}? initialStateGradients = null, {State}? finalStateGradients = null)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(tape);");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(gradients);");
            w.Line("tape.EnsureRecorded(s_shape, TrainingLayout);");
            w.Line("gradients.EnsureShape(s_shape, TrainingLayout);");
            w.Line("int steps = tape.Steps;");
            w.Line($"int expected = {(every ? "steps * StepOutputSize" : "StepOutputSize")};");
            w.Line("if (outputGradients.Length != expected)");
            w.Line("    throw new global::System.ArgumentException($\"Expected {expected} output gradients (as many as Forward wrote outputs), got {outputGradients.Length}.\", nameof(outputGradients));");
            if (spec.IsTokenModel)
            {
                w.Line("if (!inputGradients.IsEmpty)");
                w.Line("    throw new global::System.ArgumentException(\"A token model has no input gradients; the embedding's gradient is part of the parameter gradients. Pass an empty span.\", nameof(inputGradients));");
            }
            else
            {
                w.Line("if (!inputGradients.IsEmpty && inputGradients.Length != steps * InputSize)");
                w.Line("    throw new global::System.ArgumentException($\"Expected {steps * InputSize} input gradients (steps × InputSize) or an empty span, got {inputGradients.Length}.\", nameof(inputGradients));");
            }
            w.Line(EnsureState(spec, "initialStateGradients", "0"));
            w.Line(EnsureState(spec, "finalStateGradients", "0"));
            EmitCarrySeed(w, layout, b);
            w.Line($"ref float dOut = ref {Marshal}.GetReference(outputGradients);");
            w.Line($"ref float dIn = ref {Marshal}.GetReference(inputGradients);");
            if (spec.Bidirectional) w.Line("BackwardSequence(tape, steps, ref dOut, ref gradients.GetReference(), ref dIn, !inputGradients.IsEmpty);");
            else EmitDispatch(w, "BackwardCore", "tape, steps, ref dOut, ref gradients.GetReference(), ref dIn, !inputGradients.IsEmpty");
            using (w.Block("if (initialStateGradients is not null)"))
            {
                w.Line($"ref float ds = ref {Unsafe}.Add(ref tape.GetFixedReference(), {N(b.StateGradients)});");
                using (w.Block($"for (int layer = 0; layer < {Slots(spec)}; layer++)"))
                {
                    w.Line($"{Marshal}.CreateReadOnlySpan(ref {Unsafe}.Add(ref ds, layer * {N(2 * layout.PaddedHidden)}), {HWidth(spec)}).CopyTo(initialStateGradients.Hidden(layer));");
                    w.Line($"{Marshal}.CreateReadOnlySpan(ref {Unsafe}.Add(ref ds, layer * {N(2 * layout.PaddedHidden)} + {N(layout.PaddedHidden)}), HiddenSize).CopyTo(initialStateGradients.Cell(layer));");
                }
            }
        }
        w.Line();
        if (spec.Bidirectional)
        {
            EmitBidirectionalBackward(w, layout, b);
            return;
        }

        w.Line("/// <summary>One recording step at the widest accelerated vector width.</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        using (w.Block(spec.HasDropout ? "private void RecordStepCore(ref float x, ref float s, ref float rec, ulong seed, int step)" : "private void RecordStepCore(ref float x, ref float s, ref float rec)"))
            EmitDispatch(w, "RecordStepCore", spec.HasDropout ? "ref x, ref s, ref rec, seed, step" : "ref x, ref s, ref rec");
        w.Line();
        foreach (Flavor f in Flavors)
        {
            using var part = w.Part(TrainingPart(f)); // into this width's training file
            EmitStepKernel(w, layout, f, record: true);
            w.Line();
        }
        foreach (Flavor f in Flavors)
        {
            using var part = w.Part(TrainingPart(f)); // into this width's training file
            EmitBackwardKernel(w, layout, b, f);
            w.Line();
        }
        if (spec.HasLanes) EmitLaneMembers(w, layout);
    }

    /// <summary>
    /// Emits the seeding of the carried dh, dc (<c>ds</c> in the tape's fixed floats) before the backward kernels run:
    /// zero, then the final-state gradient of every slot when one is given (h and, for an LSTM, c; a GRU has no c,
    /// so that part is ignored, as initialStateGradients' c is left zero). Only HiddenSize floats per vector are
    /// copied, so the padding lanes stay zero.
    /// </summary>
    private static void EmitCarrySeed(SourceWriter w, Layout layout, BackwardLayout b)
    {
        ModelSpec spec = layout.Spec;
        w.Line($"// The carried dh, dc start at dLoss/d(final state): zero, plus finalStateGradients when given ({(spec.IsGru ? "h only: a GRU has no c" : "h and c")}; padding lanes stay zero).");
        w.Line($"ref float seed = ref {Unsafe}.Add(ref tape.GetFixedReference(), {N(b.StateGradients)});");
        w.Line($"{Marshal}.CreateSpan(ref seed, StateLength).Clear();");
        using (w.Block("if (finalStateGradients is not null)"))
        {
            using (w.Block($"for (int slot = 0; slot < {Slots(spec)}; slot++)"))
            {
                w.Line($"finalStateGradients.Hidden(slot).CopyTo({Marshal}.CreateSpan(ref {Unsafe}.Add(ref seed, slot * {N(2 * layout.PaddedHidden)}), {HWidth(spec)}));");
                if (!spec.IsGru)
                    w.Line($"finalStateGradients.Cell(slot).CopyTo({Marshal}.CreateSpan(ref {Unsafe}.Add(ref seed, slot * {N(2 * layout.PaddedHidden)} + {N(layout.PaddedHidden)}), HiddenSize));");
            }
        }
    }

    /// <summary>
    /// Emits the start of a recording Forward: argument checks, the tape begun, the initial state, inputs (or
    /// token ids) copied to the tape, and <c>s</c>, <c>rec</c> (and <c>x</c>, the recorded float inputs).
    /// </summary>
    private static void EmitRecordingPrologue(SourceWriter w, ModelSpec spec, bool token, string initialStateComment)
    {
        w.Line("CheckSequenceOutput(outputs.Length, steps);");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(tape);");
        w.Line(EnsureState(spec));
        w.Line("tape.Begin(s_shape, TrainingLayout, steps);");
        w.Line("ref float s = ref state.GetReference();");
        w.Line(initialStateComment);
        w.Line($"{Marshal}.CreateReadOnlySpan(ref s, StateLength).CopyTo({Marshal}.CreateSpan(ref tape.GetFixedReference(), StateLength));");
        if (token)
            w.Line("tokens.CopyTo(tape.GetTokens());");
        else
            w.Line($"inputs.CopyTo({Marshal}.CreateSpan(ref tape.GetInputReference(), inputs.Length));");
        w.Line("ref float rec = ref tape.GetReference();");
        if (!token) w.Line("ref float x = ref tape.GetInputReference();");
    }

    private static void EmitForwardBody(SourceWriter w, Layout layout, bool every, bool token)
    {
        EmitRecordingPrologue(w, layout.Spec, token, "// The initial state (h0, c0) is the recurrent input of the first step.");
        string dropout = layout.Spec.HasDropout ? ", seed, t" : "";
        if (layout.Spec.HasDropout) w.Line("ulong seed = tape.DropoutSeed; // the dropout masks of this pass");
        using (w.Block("for (int t = 0; t < steps; t++)"))
        {
            w.Line(token
                ? $"RecordStepCore(ref EmbeddingRow(tokens[t]), ref s, ref {Unsafe}.Add(ref rec, t * RecordStep){dropout});"
                : $"RecordStepCore(ref {Unsafe}.Add(ref x, t * InputSize), ref s, ref {Unsafe}.Add(ref rec, t * RecordStep){dropout});");
            if (every) w.Line($"WriteOutput(ref s, outputs.Slice(t * StepOutputSize, StepOutputSize), {HeadOutputType}.Logits);");
        }
        if (!every) w.Line($"WriteOutput(ref s, outputs, {HeadOutputType}.Logits);");
    }

    /// <summary>
    /// Emits <c>BackwardCore{flavor}</c>: for t = T−1 … 0, the head's gradient (where the step has an
    /// output), then each layer from the top: the gate gradients dz from dh and dc, the parameter
    /// gradients (packed row j += x_j · dz), and dx = W_ihᵀ dz for the layer below (or the input),
    /// dh_{t−1} = W_hhᵀ dz for the previous step.
    /// </summary>
    private static void EmitBackwardKernel(SourceWriter w, Layout layout, BackwardLayout b, Flavor f)
    {
        ModelSpec spec = layout.Spec;
        int p = layout.PaddedHidden, row = layout.Row;
        bool every = spec.HeadOn == HeadOnKind.EveryStep;
        string code = f.IsScalar ? "scalar code" : f.Suffix + " code";
        w.Line($"/// <summary>Backpropagation through time over the recorded steps, {code}.</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        using (w.Block($"private void BackwardCore{f.Suffix}({Tape} tape, int steps, ref float dOut, ref float grad, ref float dIn, bool inputGradients)"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            w.Line("ref float rec0 = ref tape.GetReference();");
            w.Line("ref float fix = ref tape.GetFixedReference();");
            w.Line($"ref float init = ref fix; // h0, c0 as recorded by Forward");
            w.Line($"ref float ds = ref {Unsafe}.Add(ref fix, {N(b.StateGradients)}); // dh, dc per layer");
            w.Line($"ref float dz = ref {Unsafe}.Add(ref fix, {N(b.GateGradients)});");
            w.Line($"ref float dx = ref {Unsafe}.Add(ref fix, {N(b.InputGradients)});");
            if (spec.Head != HeadKind.None) w.Line($"ref float dlog = ref {Unsafe}.Add(ref fix, {N(b.LogitGradients)});");
            if (spec.IsTokenModel) w.Line("ref int tokens = ref tape.GetTokenReference();");
            else w.Line("ref float inputs = ref tape.GetInputReference();");
            w.Line("// ds holds the carried dh, dc: Backward seeded it with the final-state gradient (or zero).");
            using (w.Block("for (int t = steps - 1; t >= 0; t--)"))
            {
                w.Line($"ref float recT = ref {Unsafe}.Add(ref rec0, t * RecordStep);");
                EmitHeadBackward(w, layout, f, every);
                // Layers from the top down: the layer below needs this step's dx first.
                var layers = new List<int>();
                for (int k = spec.Layers - 1; k >= 0; k--) layers.Add(k);
                if (!spec.Compact || spec.Layers <= 2)
                {
                    foreach (int k in layers) EmitLayerBackward(w, layout, b, f, LayerRef.Constant(layout, k), k);
                }
                else
                {
                    using (w.Block($"for (int k = {N(spec.Layers - 1)}; k >= 1; k--)"))
                        EmitLayerBackward(w, layout, b, f, LayerRef.Loop(layout), -1);
                    EmitLayerBackward(w, layout, b, f, LayerRef.Constant(layout, 0), 0);
                }
            }
        }
    }

    private static void EmitHeadBackward(SourceWriter w, Layout layout, Flavor f, bool every)
    {
        ModelSpec spec = layout.Spec;
        int top = spec.Layers - 1;
        string dOutT = every ? $"{Unsafe}.Add(ref dOut, t * StepOutputSize)" : "dOut";
        string hTop = $"{Unsafe}.Add(ref recT, {N(top * layout.RecordPerLayer + layout.RecordHidden)})";
        string dhTop = $"{Unsafe}.Add(ref ds, {N(layout.HiddenOffset(top))})";
        w.Line(every ? "// This step's output gradient." : "// The output gradient belongs to the last step.");
        using (every ? w.Open() : w.Block("if (t == steps - 1)"))
        {
            if (spec.Head == HeadKind.None)
            {
                w.Line($"ref float d = ref {dOutT};");
                w.Line($"ref float dhTop = ref {dhTop};");
                w.Line($"for (nuint j = 0; j < {N(spec.Recurrent)}; j++) {Unsafe}.Add(ref dhTop, j) += {Unsafe}.Add(ref d, j);");
                return;
            }
            w.Line($"// head: dW += dlogits ⊗ h, db += dlogits, dh += Wᵀ dlogits ({N(spec.Outputs)} logits, {N(layout.HeadRow)} padded columns)");
            w.Line($"{Marshal}.CreateReadOnlySpan(ref {dOutT}, OutputSize).CopyTo({Marshal}.CreateSpan(ref dlog, OutputSize));");
            w.Line($"ref float w = ref {Unsafe}.Add(ref packed, {N(layout.HeadPackedOffset)});");
            w.Line($"ref float g = ref {Unsafe}.Add(ref grad, {N(layout.HeadPackedOffset)});");
            w.Line($"ref float hTop = ref {hTop};");
            w.Line($"ref float dhTop = ref {dhTop};");
            EmitBackwardMatVec(w, f, layout.HeadRow, "dlog", new[] { new BackwardRun("hTop", spec.Recurrent, 1, "dhTop", "top h") }, spec.Compact);
        }
    }

    /// <summary>One run of packed rows in the backward pass: its inputs (for the weight gradient) and where Wᵀ·dz goes.</summary>
    private sealed record BackwardRun(string Source, int Count, int FirstRow, string Destination, string What);

    private static void EmitLayerBackward(SourceWriter w, Layout layout, BackwardLayout b, Flavor f, LayerRef layer, int k)
    {
        ModelSpec spec = layout.Spec;
        int p = layout.PaddedHidden, row = layout.Row;
        string kExpr = k >= 0 ? N(k) : "k";
        w.Line($"// {layer.Label}, backward.");
        using (w.Open())
        {
            w.Line($"ref float w = ref {Unsafe}.Add(ref packed, {layer.Packed});");
            w.Line($"ref float g = ref {Unsafe}.Add(ref grad, {layer.Packed});");
            w.Line($"ref float r = ref {Unsafe}.Add(ref recT, {layer.Record});");
            w.Line($"ref float dh = ref {Unsafe}.Add(ref ds, {layer.Hidden});");
            w.Line($"ref float dc = ref {Unsafe}.Add(ref ds, {layer.Cell});");
            w.Line($"ref float hPrev = ref t > 0 ? ref {Unsafe}.Add(ref rec0, (t - 1) * RecordStep + {layer.Record} + {N(layout.RecordHidden)}) : ref {Unsafe}.Add(ref init, {layer.Hidden});");
            if (!spec.IsGru)
                w.Line($"ref float cPrev = ref t > 0 ? ref {Unsafe}.Add(ref rec0, (t - 1) * RecordStep + {layer.Record} + {N(row)}) : ref {Unsafe}.Add(ref init, {layer.Cell});");
            string input = k == 0
                ? (spec.IsTokenModel ? $"{Unsafe}.Add(ref {Marshal}.GetArrayDataReference(_parameters), {Unsafe}.Add(ref tokens, t) * EmbeddingSize)" : $"{Unsafe}.Add(ref inputs, t * InputSize)")
                : $"{Unsafe}.Add(ref recT, ({kExpr} - 1) * {N(layout.RecordPerLayer)} + {N(layout.RecordHidden)})";
            bool dropped = spec.DropsInputOf(k >= 0 ? k : 1);
            if (dropped)
            {
                w.Line($"// This layer read its input through a dropout mask: the masked copy in the record (the mask follows it).");
                w.Line($"ref float input = ref {Unsafe}.Add(ref recT, {layout.DropoutSite(k >= 0 ? k : null)});");
            }
            else
            {
                w.Line($"ref float input = ref {input}; // {layer.InputWhat} at this step");
            }
            if (spec.HasProjection) EmitProjectionBackward(w, f, layout, layer.InputCount, $"fix, {N(b.ProjectionGradients)}");
            EmitGateGradients(w, f, layout, layer.InputCount, spec.HasProjection ? "dm" : "dh");
            w.Line($"// dx = W_ihᵀ dz and dh_(t-1) = W_hhᵀ dz are summed tile by tile; the parameter gradients: row j += x_j · dz.");
            w.Line($"{Marshal}.CreateSpan(ref dx, {N(layer.InputCount)}).Clear();");
            if (!spec.IsGru) w.Line($"{Marshal}.CreateSpan(ref dh, {N(spec.Recurrent)}).Clear();");
            EmitBackwardMatVec(w, f, row, "dz", new[]
            {
                new BackwardRun("input", layer.InputCount, 1, "dx", layer.InputWhat),
                new BackwardRun("hPrev", spec.Recurrent, 1 + layer.InputCount, "dh", "h of the previous step"),
            }, spec.Compact);
            if (dropped)
                w.Line($"global::LstmGen.CompilerServices.DropoutMask.Scale(ref dx, ref {Unsafe}.Add(ref input, {N(layout.DropoutWidth(k >= 0 ? k : 1))}), {N(layer.InputCount)}); // dx ⊙ mask: the dropped inputs get no gradient");
            if (k != 0)
            {
                w.Line($"// The layer below's h at this step feeds this layer: its gradient gets dx.");
                w.Line($"ref float dhBelow = ref {Unsafe}.Add(ref ds, ({kExpr} - 1) * {N(2 * p)});");
                w.Line($"for (nuint j = 0; j < {N(spec.Recurrent)}; j++) {Unsafe}.Add(ref dhBelow, j) += {Unsafe}.Add(ref dx, j);");
            }
            else if (spec.IsTokenModel)
            {
                w.Line("// The embedding row of this step's token gets dx.");
                w.Line($"ref float ge = ref {Unsafe}.Add(ref grad, {N(b.EmbeddingGradients)} + {Unsafe}.Add(ref tokens, t) * EmbeddingSize);");
                w.Line($"for (nuint j = 0; j < {N(spec.Embedding)}; j++) {Unsafe}.Add(ref ge, j) += {Unsafe}.Add(ref dx, j);");
            }
            else
            {
                w.Line("if (inputGradients)");
                w.Line($"    {Marshal}.CreateReadOnlySpan(ref dx, InputSize).CopyTo({Marshal}.CreateSpan(ref {Unsafe}.Add(ref dIn, t * InputSize), InputSize));");
            }
        }
    }

    /// <summary>
    /// Emits a layer's projection backward, before its gate gradients: dm = W_hrᵀ·dh (at <paramref name="dmAt"/>, the
    /// arguments of an Unsafe.Add, or a ref variable's name) and dW_hr += dh ⊗ m, with m = o·tanh(c) as recorded; the gates
    /// then read dm where an LSTM without projection reads dh. <paramref name="inputs"/> is the layer's input width.
    /// </summary>
    private static void EmitProjectionBackward(SourceWriter w, Flavor f, Layout layout, int inputs, string dmAt)
    {
        ModelSpec spec = layout.Spec;
        string gateBlock = N(layout.GateBlock(inputs));
        w.Line($"// Projection backward: dm = W_hrᵀ·dh ({N(spec.Hidden)} values), dW_hr += dh ⊗ m; W_hr's packed rows follow the gate rows.");
        w.Line(dmAt.Contains(",") ? $"ref float dm = ref {Unsafe}.Add(ref {dmAt});" : $"ref float dm = ref {dmAt};");
        w.Line($"ref float m = ref {Unsafe}.Add(ref r, {N(layout.Row + 2 * layout.PaddedHidden)}); // o·tanh(c) as recorded");
        w.Line($"ref float wp = ref {Unsafe}.Add(ref w, {gateBlock});");
        w.Line($"ref float gp = ref {Unsafe}.Add(ref g, {gateBlock});");
        w.Line($"{Marshal}.CreateSpan(ref dm, {N(layout.PaddedHidden)}).Clear(); // the padding lanes too: the gate gradients read whole blocks");
        EmitBackwardMatVec(w, f, layout.ProjectionRow, "dh", new[] { new BackwardRun("m", spec.Hidden, 1, "dm", "o·tanh(c)") }, spec.Compact, "wp", "gp");
    }

    /// <summary>
    /// Emits dz from dh, dc and the recorded activations:
    /// dc += dh·o·(1 − tanh²c); dz_o = dh·tanh c·o(1 − o); dz_i = dc·g·i(1 − i); dz_f = dc·c_prev·f(1 − f);
    /// dz_g = dc·i·(1 − g²); then dc_prev = dc·f. dh and the carried dc are flushed below 2^−100 (see Activations.GradientFlushThreshold).
    /// With peepholes see <see cref="EmitPeepholeGateGradients"/>; <paramref name="inputs"/> is the layer's input width
    /// (where its peephole row starts).
    /// </summary>
    private static void EmitGateGradients(SourceWriter w, Flavor f, Layout layout, int inputs, string dh = "dh")
    {
        if (layout.Spec.IsGru)
        {
            EmitGruGateGradients(w, f, layout);
            return;
        }
        if (layout.Spec.Peephole)
        {
            EmitPeepholeGateGradients(w, f, layout, inputs, dh);
            return;
        }
        int p = layout.PaddedHidden, row = layout.Row;
        w.Line("// dz from dh, dc: dc += dh·o·(1 − tanh²c); dz_o = dh·tanh c·o(1 − o); dz_i = dc·g·i(1 − i); dz_f = dc·c_prev·f(1 − f); dz_g = dc·i·(1 − g²); dc_prev = dc·f.");
        if (f.IsScalar)
        {
            using (w.Block($"for (nuint u = 0; u < {N(layout.Spec.Hidden)}; u++)"))
            {
                w.Line("nuint b = (u >> 4) * 64 + (u & 15);");
                w.Line($"float ig = {Unsafe}.Add(ref r, b), fg = {Unsafe}.Add(ref r, b + 16), gg = {Unsafe}.Add(ref r, b + 32), og = {Unsafe}.Add(ref r, b + 48);");
                w.Line($"float tc = {Unsafe}.Add(ref r, {N(row + p)} + u);");
                w.Line($"float dhu = {Act}.FlushTiny({Unsafe}.Add(ref {dh}, u));");
                w.Line($"float dcu = {Unsafe}.Add(ref dc, u) + dhu * og * (1f - tc * tc);");
                w.Line($"{Unsafe}.Add(ref dz, b) = dcu * gg * ig * (1f - ig);");
                w.Line($"{Unsafe}.Add(ref dz, b + 16) = dcu * {Unsafe}.Add(ref cPrev, u) * fg * (1f - fg);");
                w.Line($"{Unsafe}.Add(ref dz, b + 32) = dcu * ig * (1f - gg * gg);");
                w.Line($"{Unsafe}.Add(ref dz, b + 48) = dhu * tc * og * (1f - og);");
                w.Line($"{Unsafe}.Add(ref dc, u) = {Act}.FlushTiny(dcu * fg);");
            }
            return;
        }
        int blocks = p / 16, perBlock = 16 / f.Width;
        using (w.Block($"for (nuint q = 0; q < {N(blocks)}; q++)"))
        {
            w.Line("nuint zq = q * 64, hq = q * 16;");
            w.Line($"{f.VT} one = {f.VT}.One;");
            for (int v = 0; v < perBlock; v++)
            {
                string o = N(v * f.Width), s = N(v);
                w.Line($"{f.VT} i{s} = {f.V}.LoadUnsafe(ref r, zq + {N(v * f.Width)}), f{s} = {f.V}.LoadUnsafe(ref r, zq + {N(16 + v * f.Width)}), g{s} = {f.V}.LoadUnsafe(ref r, zq + {N(32 + v * f.Width)}), o{s} = {f.V}.LoadUnsafe(ref r, zq + {N(48 + v * f.Width)});");
                w.Line($"{f.VT} t{s} = {f.V}.LoadUnsafe(ref r, {N(row + p)} + hq + {o});");
                w.Line($"{f.VT} dh{s} = {Act}.FlushTiny({f.V}.LoadUnsafe(ref {dh}, hq + {o}));");
                w.Line($"{f.VT} dc{s} = {f.V}.MultiplyAddEstimate(dh{s} * o{s}, one - t{s} * t{s}, {f.V}.LoadUnsafe(ref dc, hq + {o}));");
                w.Line($"{f.V}.StoreUnsafe(dc{s} * g{s} * i{s} * (one - i{s}), ref dz, zq + {N(v * f.Width)});");
                w.Line($"{f.V}.StoreUnsafe(dc{s} * {f.V}.LoadUnsafe(ref cPrev, hq + {o}) * f{s} * (one - f{s}), ref dz, zq + {N(16 + v * f.Width)});");
                w.Line($"{f.V}.StoreUnsafe(dc{s} * i{s} * (one - g{s} * g{s}), ref dz, zq + {N(32 + v * f.Width)});");
                w.Line($"{f.V}.StoreUnsafe(dh{s} * t{s} * o{s} * (one - o{s}), ref dz, zq + {N(48 + v * f.Width)});");
                w.Line($"{f.V}.StoreUnsafe({Act}.FlushTiny(dc{s} * f{s}), ref dc, hq + {o});");
            }
        }
    }

    /// <summary>
    /// Emits dz of a peephole LSTM from dh, dc, the recorded activations and the peephole row p (row 1 + I + H of the
    /// packed layer, p_i, p_f, 0, p_o): dz_o = dh·tanh c·o(1 − o); dc += dh·o·(1 − tanh²c) + dz_o·p_o; dz_i = dc·g·i(1 − i);
    /// dz_f = dc·c_prev·f(1 − f); dz_g = dc·i·(1 − g²); dc_prev = dc·f + dz_i·p_i + dz_f·p_f; and the peephole row's
    /// gradients dp_i += dz_i·c_prev, dp_f += dz_f·c_prev, dp_o += dz_o·c (the g column is left alone).
    /// </summary>
    private static void EmitPeepholeGateGradients(SourceWriter w, Flavor f, Layout layout, int inputs, string dh)
    {
        int p = layout.PaddedHidden, row = layout.Row;
        string peepholeRow = N((1 + inputs + layout.Spec.Recurrent) * row);
        w.Line($"ref float pw = ref {Unsafe}.Add(ref w, {peepholeRow}); // peephole row: p_i, p_f, 0, p_o");
        w.Line($"ref float pg = ref {Unsafe}.Add(ref g, {peepholeRow}); // its gradients");
        w.Line("// Peephole dz: dz_o = dh·tanh c·o(1 − o); dc += dh·o·(1 − tanh²c) + dz_o·p_o; dz_i = dc·g·i(1 − i); dz_f = dc·c_prev·f(1 − f); dz_g = dc·i·(1 − g²);");
        w.Line("// dc_prev = dc·f + dz_i·p_i + dz_f·p_f; dp_i += dz_i·c_prev, dp_f += dz_f·c_prev, dp_o += dz_o·c.");
        if (f.IsScalar)
        {
            using (w.Block($"for (nuint u = 0; u < {N(layout.Spec.Hidden)}; u++)"))
            {
                w.Line("nuint b = (u >> 4) * 64 + (u & 15);");
                w.Line($"float ig = {Unsafe}.Add(ref r, b), fg = {Unsafe}.Add(ref r, b + 16), gg = {Unsafe}.Add(ref r, b + 32), og = {Unsafe}.Add(ref r, b + 48);");
                w.Line($"float cn = {Unsafe}.Add(ref r, {N(row)} + u), tc = {Unsafe}.Add(ref r, {N(row + p)} + u), cp = {Unsafe}.Add(ref cPrev, u);");
                w.Line($"float dhu = {Act}.FlushTiny({Unsafe}.Add(ref {dh}, u));");
                w.Line("float dzo = dhu * tc * og * (1f - og);");
                w.Line($"float dcu = {Unsafe}.Add(ref dc, u) + dhu * og * (1f - tc * tc) + dzo * {Unsafe}.Add(ref pw, b + 48);");
                w.Line("float dzi = dcu * gg * ig * (1f - ig), dzf = dcu * cp * fg * (1f - fg);");
                w.Line($"{Unsafe}.Add(ref dz, b) = dzi;");
                w.Line($"{Unsafe}.Add(ref dz, b + 16) = dzf;");
                w.Line($"{Unsafe}.Add(ref dz, b + 32) = dcu * ig * (1f - gg * gg);");
                w.Line($"{Unsafe}.Add(ref dz, b + 48) = dzo;");
                w.Line($"{Unsafe}.Add(ref dc, u) = {Act}.FlushTiny(dcu * fg + dzi * {Unsafe}.Add(ref pw, b) + dzf * {Unsafe}.Add(ref pw, b + 16));");
                w.Line($"{Unsafe}.Add(ref pg, b) += dzi * cp; {Unsafe}.Add(ref pg, b + 16) += dzf * cp; {Unsafe}.Add(ref pg, b + 48) += dzo * cn;");
            }
            return;
        }
        int blocks = p / 16, perBlock = 16 / f.Width;
        using (w.Block($"for (nuint q = 0; q < {N(blocks)}; q++)"))
        {
            w.Line("nuint zq = q * 64, hq = q * 16;");
            w.Line($"{f.VT} one = {f.VT}.One;");
            for (int v = 0; v < perBlock; v++)
            {
                string o = N(v * f.Width), s = N(v);
                string I = N(v * f.Width), F = N(16 + v * f.Width), G = N(32 + v * f.Width), O = N(48 + v * f.Width);
                w.Line($"{f.VT} i{s} = {f.V}.LoadUnsafe(ref r, zq + {I}), f{s} = {f.V}.LoadUnsafe(ref r, zq + {F}), g{s} = {f.V}.LoadUnsafe(ref r, zq + {G}), o{s} = {f.V}.LoadUnsafe(ref r, zq + {O});");
                w.Line($"{f.VT} c{s} = {f.V}.LoadUnsafe(ref r, {N(row)} + hq + {o}), t{s} = {f.V}.LoadUnsafe(ref r, {N(row + p)} + hq + {o}), cp{s} = {f.V}.LoadUnsafe(ref cPrev, hq + {o});");
                w.Line($"{f.VT} dh{s} = {Act}.FlushTiny({f.V}.LoadUnsafe(ref {dh}, hq + {o}));");
                w.Line($"{f.VT} dzo{s} = dh{s} * t{s} * o{s} * (one - o{s});");
                w.Line($"{f.VT} dc{s} = {f.V}.MultiplyAddEstimate(dzo{s}, {f.V}.LoadUnsafe(ref pw, zq + {O}), {f.V}.MultiplyAddEstimate(dh{s} * o{s}, one - t{s} * t{s}, {f.V}.LoadUnsafe(ref dc, hq + {o})));");
                w.Line($"{f.VT} dzi{s} = dc{s} * g{s} * i{s} * (one - i{s}), dzf{s} = dc{s} * cp{s} * f{s} * (one - f{s});");
                w.Line($"{f.V}.StoreUnsafe(dzi{s}, ref dz, zq + {I}); {f.V}.StoreUnsafe(dzf{s}, ref dz, zq + {F}); {f.V}.StoreUnsafe(dc{s} * i{s} * (one - g{s} * g{s}), ref dz, zq + {G}); {f.V}.StoreUnsafe(dzo{s}, ref dz, zq + {O});");
                w.Line($"{f.V}.StoreUnsafe({Act}.FlushTiny({f.V}.MultiplyAddEstimate(dzf{s}, {f.V}.LoadUnsafe(ref pw, zq + {F}), {f.V}.MultiplyAddEstimate(dzi{s}, {f.V}.LoadUnsafe(ref pw, zq + {I}), dc{s} * f{s}))), ref dc, hq + {o});");
                w.Line($"{f.V}.StoreUnsafe({f.V}.MultiplyAddEstimate(dzi{s}, cp{s}, {f.V}.LoadUnsafe(ref pg, zq + {I})), ref pg, zq + {I});");
                w.Line($"{f.V}.StoreUnsafe({f.V}.MultiplyAddEstimate(dzf{s}, cp{s}, {f.V}.LoadUnsafe(ref pg, zq + {F})), ref pg, zq + {F});");
                w.Line($"{f.V}.StoreUnsafe({f.V}.MultiplyAddEstimate(dzo{s}, c{s}, {f.V}.LoadUnsafe(ref pg, zq + {O})), ref pg, zq + {O});");
            }
        }
    }

    /// <summary>
    /// Emits the GRU's slot gradients from dh and the recorded r, u (update gate z), n, n_h and h_prev:
    /// dn = dh·(1 − u)·(1 − n²); dz_r = dn·n_h·r(1 − r); dz_z = dh·(h_prev − n)·u(1 − u); dz_nx = dn; dz_nh = dn·r;
    /// and dh_prev starts as dh·u (the recurrent rows then add W_hhᵀ dz). dh is flushed below 2^−100.
    /// </summary>
    private static void EmitGruGateGradients(SourceWriter w, Flavor f, Layout layout)
    {
        int p = layout.PaddedHidden;
        w.Line("// GRU dz from dh: dn = dh·(1 − u)·(1 − n²); dz_r = dn·n_h·r(1 − r); dz_z = dh·(h_prev − n)·u(1 − u); dz_nx = dn; dz_nh = dn·r; dh_prev = dh·u + W_hhᵀ dz.");
        if (f.IsScalar)
        {
            using (w.Block($"for (nuint u = 0; u < {N(layout.Spec.Hidden)}; u++)"))
            {
                w.Line("nuint b = (u >> 4) * 64 + (u & 15);");
                w.Line($"float rg = {Unsafe}.Add(ref r, b), ug = {Unsafe}.Add(ref r, b + 16), ng = {Unsafe}.Add(ref r, b + 32), nh = {Unsafe}.Add(ref r, b + 48);");
                w.Line($"float dhu = {Act}.FlushTiny({Unsafe}.Add(ref dh, u));");
                w.Line("float dn = dhu * (1f - ug) * (1f - ng * ng);");
                w.Line($"{Unsafe}.Add(ref dz, b) = dn * nh * rg * (1f - rg);");
                w.Line($"{Unsafe}.Add(ref dz, b + 16) = dhu * ({Unsafe}.Add(ref hPrev, u) - ng) * ug * (1f - ug);");
                w.Line($"{Unsafe}.Add(ref dz, b + 32) = dn;");
                w.Line($"{Unsafe}.Add(ref dz, b + 48) = dn * rg;");
                w.Line($"{Unsafe}.Add(ref dh, u) = dhu * ug;");
            }
            return;
        }
        int blocks = p / 16, perBlock = 16 / f.Width;
        using (w.Block($"for (nuint q = 0; q < {N(blocks)}; q++)"))
        {
            w.Line("nuint zq = q * 64, hq = q * 16;");
            w.Line($"{f.VT} one = {f.VT}.One;");
            for (int v = 0; v < perBlock; v++)
            {
                string o = N(v * f.Width), s = N(v);
                w.Line($"{f.VT} r{s} = {f.V}.LoadUnsafe(ref r, zq + {N(v * f.Width)}), u{s} = {f.V}.LoadUnsafe(ref r, zq + {N(16 + v * f.Width)}), n{s} = {f.V}.LoadUnsafe(ref r, zq + {N(32 + v * f.Width)}), m{s} = {f.V}.LoadUnsafe(ref r, zq + {N(48 + v * f.Width)});");
                w.Line($"{f.VT} dh{s} = {Act}.FlushTiny({f.V}.LoadUnsafe(ref dh, hq + {o}));");
                w.Line($"{f.VT} dn{s} = dh{s} * (one - u{s}) * (one - n{s} * n{s});");
                w.Line($"{f.V}.StoreUnsafe(dn{s} * m{s} * r{s} * (one - r{s}), ref dz, zq + {N(v * f.Width)});");
                w.Line($"{f.V}.StoreUnsafe(dh{s} * ({f.V}.LoadUnsafe(ref hPrev, hq + {o}) - n{s}) * u{s} * (one - u{s}), ref dz, zq + {N(16 + v * f.Width)});");
                w.Line($"{f.V}.StoreUnsafe(dn{s}, ref dz, zq + {N(32 + v * f.Width)});");
                w.Line($"{f.V}.StoreUnsafe(dn{s} * r{s}, ref dz, zq + {N(48 + v * f.Width)});");
                w.Line($"{f.V}.StoreUnsafe(dh{s} * u{s}, ref dh, hq + {o});");
            }
        }
    }

    /// <summary>
    /// Emits, for a packed matrix at <c>w</c> with gradient rows at <c>g</c> and the column gradient
    /// vector at <paramref name="columnGradient"/>: g row 0 += d; for each run and j: g row += x_j · d and
    /// destination[j] += (W row · d). Tiles keep d in registers, as the forward pass keeps its sums.
    /// </summary>
    private static void EmitBackwardMatVec(SourceWriter w, Flavor f, int columns, string columnGradient, IReadOnlyList<BackwardRun> runs, bool compact, string weights = "w", string gradients = "g")
    {
        if (f.IsScalar)
        {
            w.Line($"for (nuint col = 0; col < {N(columns)}; col++) {Unsafe}.Add(ref {gradients}, col) += {Unsafe}.Add(ref {columnGradient}, col);");
            foreach (BackwardRun run in runs)
            {
                using (w.Block($"for (nuint j = 0; j < {N(run.Count)}; j++) // {run.What}: rows {N(run.FirstRow)}..{N(run.FirstRow + run.Count - 1)}"))
                {
                    w.Line($"float xj = {Unsafe}.Add(ref {run.Source}, j), sum = 0;");
                    w.Line($"nuint rowStart = (j + {N(run.FirstRow)}) * {N(columns)};");
                    using (w.Block($"for (nuint col = 0; col < {N(columns)}; col++)"))
                    {
                        w.Line($"float d = {Unsafe}.Add(ref {columnGradient}, col);");
                        w.Line($"sum += {Unsafe}.Add(ref {weights}, rowStart + col) * d;");
                        w.Line($"{Unsafe}.Add(ref {gradients}, rowStart + col) += xj * d;");
                    }
                    w.Line($"{Unsafe}.Add(ref {run.Destination}, j) += sum;");
                }
            }
            return;
        }
        ForEachTile(w, f, columns, compact, "col0", "gradient vectors",
            (tileStart, firstColumn, count) => EmitBackwardTile(w, f, columns, columnGradient, runs, tileStart, firstColumn, count, weights, gradients));
    }

    private static void EmitBackwardTile(SourceWriter w, Flavor f, int columns, string columnGradient, IReadOnlyList<BackwardRun> runs, string? tileStart, int firstColumn, int count, string weights, string gradients)
    {
        string Col(int v) => tileStart is null ? N(firstColumn + v * f.Width) : v == 0 ? tileStart : $"{tileStart} + {N(v * f.Width)}";
        for (int v = 0; v < count; v++)
        {
            w.Line($"{f.VT} d{N(v)} = {f.V}.LoadUnsafe(ref {columnGradient}, {Col(v)});");
            w.Line($"{f.V}.StoreUnsafe({f.V}.LoadUnsafe(ref {gradients}, {Col(v)}) + d{N(v)}, ref {gradients}, {Col(v)});");
        }
        foreach (BackwardRun run in runs)
        {
            using (w.Block($"for (nuint j = 0; j < {N(run.Count)}; j++) // {run.What}: rows {N(run.FirstRow)}..{N(run.FirstRow + run.Count - 1)}"))
            {
                w.Line($"{f.VT} xj = {f.V}.Create({Unsafe}.Add(ref {run.Source}, j));");
                w.Line($"ref float wr = ref {Unsafe}.Add(ref {weights}, (j + {N(run.FirstRow)}) * {N(columns)});");
                w.Line($"ref float gr = ref {Unsafe}.Add(ref {gradients}, (j + {N(run.FirstRow)}) * {N(columns)});");
                w.Line($"{f.VT} sum = {f.V}.LoadUnsafe(ref wr, {Col(0)}) * d0;");
                for (int v = 1; v < count; v++)
                    w.Line($"sum = {f.V}.MultiplyAddEstimate({f.V}.LoadUnsafe(ref wr, {Col(v)}), d{N(v)}, sum);");
                for (int v = 0; v < count; v++)
                    w.Line($"{f.V}.StoreUnsafe({f.V}.MultiplyAddEstimate(xj, d{N(v)}, {f.V}.LoadUnsafe(ref gr, {Col(v)})), ref gr, {Col(v)});");
                w.Line($"{Unsafe}.Add(ref {run.Destination}, j) += {f.V}.Sum(sum);");
            }
        }
    }
}
