// Emits what a bidirectional model (PyTorch bidirectional=True) needs instead of the step-by-step code:
// a whole-sequence driver that runs each layer forward, then backward in time, keeping every step's
// output for the layer above; its recording twin for training; and BPTT in the same layer-by-layer order.
// The per-step kernels are the unidirectional ones' building blocks (EmitMatVec, EmitCellUpdate,
// EmitGateGradients, EmitBackwardMatVec) over the same packed rows, one matrix per layer and direction.
using System.Collections.Generic;
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    /// <summary>Floats between a step's forward and reverse h in the Predict sequence buffers ([forward P | reverse P] per step).</summary>
    private static int SequenceStride(Layout layout) => 2 * layout.PaddedHidden;

    /// <summary>Offset of h inside one layer's record (gates 4·P, c, tanh(c), with a projection m = o·tanh(c), then h).</summary>
    private static int RecordHidden(Layout layout) => layout.RecordHidden;

    /// <summary>Emits the public inference API, the sequence driver and the forward kernels of a bidirectional model.</summary>
    private static void EmitBidirectional(SourceWriter w, Layout layout)
    {
        ModelSpec spec = layout.Spec;
        bool every = spec.HeadOn == HeadOnKind.EveryStep;
        string kindDefault = $"{HeadOutputType} kind = {HeadOutputType}.Activated";
        int p = layout.PaddedHidden, stride = SequenceStride(layout);

        EmitCheckSequenceOutput(w, every);
        w.Line("private static global::System.NotSupportedException StepNotSupported() =>");
        w.Line("    new(\"A bidirectional model cannot run one step at a time: its reverse direction starts at the last step. Use Predict with the whole sequence.\");");
        w.Line();

        string input = spec.IsTokenModel ? "global::System.ReadOnlySpan<int> tokens" : $"{ReadOnlySpanFloat} inputs";
        string name = spec.IsTokenModel ? "tokens" : "inputs";
        if (spec.IsTokenModel)
        {
            w.Line("private ref float EmbeddingRow(int token) => ref " + Unsafe + ".Add(ref " + Marshal + ".GetArrayDataReference(_parameters), token * EmbeddingSize);");
            w.Line();
        }
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Predict({input}, {Span} output)"))
            EmitStatelessPredict(w, name);
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("/// <remarks>The state supplies h0 (and c0) of every layer and direction (slot layer·2 + direction) and afterwards holds h_n (c_n): the reverse direction's is the one at the first step, as in PyTorch.</remarks>");
        using (w.Block($"public void Predict({input}, {Span} output, {State} state, {kindDefault})"))
        {
            EmitSequenceInputChecks(w, spec);
            w.Line("CheckSequenceOutput(output.Length, steps);");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
            w.Line(EnsureState(spec));
            w.Line("int version = _guard.EnterRead();");
            w.Line("ref float s = ref state.GetReference();");
            w.Line($"ref float z = ref {Unsafe}.Add(ref s, StateLength);");
            w.Line($"// Two buffers of steps × [forward h | reverse h] ({N(stride)} floats per step): the layer below's outputs and this layer's.");
            w.Line($"ref float below = ref state.GetSequenceScratchReference(2 * steps * {N(stride)});");
            w.Line($"ref float above = ref {Unsafe}.Add(ref below, steps * {N(stride)});");
            w.Line("ref float packed = ref _packed.Reference;");
            if (!spec.IsTokenModel) w.Line($"ref float x = ref {Marshal}.GetReference(inputs);");
            using (w.Block("for (int k = 0; k < LayerCount; k++)"))
            {
                using (w.Block("for (int d = 0; d < DirectionCount; d++)"))
                {
                    w.Line($"ref float w = ref {Unsafe}.Add(ref packed, PackedLayerOffset(k, d));");
                    w.Line($"ref float h = ref {Unsafe}.Add(ref s, (k * 2 + d) * {N(2 * p)});");
                    w.Line($"ref float c = ref {Unsafe}.Add(ref h, {N(p)});");
                    using (w.Block("for (int i = 0; i < steps; i++)"))
                    {
                        w.Line("int t = d == 0 ? i : steps - 1 - i; // the reverse direction runs from the last step to the first");
                        string first = spec.IsTokenModel ? "ref EmbeddingRow(tokens[t])" : $"ref {Unsafe}.Add(ref x, t * InputSize)";
                        if (spec.Layers == 1)
                        {
                            w.Line($"LayerStepFirst(ref w, {first}, ref h, ref c, ref z);");
                        }
                        else
                        {
                            w.Line($"if (k == 0) LayerStepFirst(ref w, {first}, ref h, ref c, ref z);");
                            w.Line($"else LayerStepUpper(ref w, ref {Unsafe}.Add(ref below, t * {N(stride)}), ref {Unsafe}.Add(ref below, t * {N(stride)} + {N(p)}), ref h, ref c, ref z);");
                        }
                        w.Line($"{Marshal}.CreateReadOnlySpan(ref h, {N(p)}).CopyTo({Marshal}.CreateSpan(ref {Unsafe}.Add(ref above, t * {N(stride)} + d * {N(p)}), {N(p)}));");
                    }
                }
                w.Line("// This layer's outputs are the next layer's inputs.");
                w.Line("ref float swap = ref below;");
                w.Line("below = ref above;");
                w.Line("above = ref swap;");
            }
            w.Line("// 'below' now holds the top layer's outputs.");
            if (every)
            {
                w.Line("for (int t = 0; t < steps; t++)");
                w.Line($"    WriteOutputAt(ref {Unsafe}.Add(ref below, t * {N(stride)}), ref {Unsafe}.Add(ref below, t * {N(stride)} + {N(p)}), output.Slice(t * StepOutputSize, StepOutputSize), ref s, kind);");
            }
            else
            {
                // LastStep: the top layer's output at the last step; FinalState: each direction's final h (reverse: at step 0).
                string reverseAt = spec.HeadOn == HeadOnKind.FinalState ? N(p) : $"(steps - 1) * {N(stride)} + {N(p)}";
                w.Line($"WriteOutputAt(ref {Unsafe}.Add(ref below, (steps - 1) * {N(stride)}), ref {Unsafe}.Add(ref below, {reverseAt}), output, ref s, kind);");
            }
            w.Line("_guard.ExitRead(version);");
        }
        w.Line();

        // Step is not possible.
        w.Line("/// <summary>Not supported: a bidirectional model needs the whole sequence (use <c>Predict</c>).</summary>");
        w.Line("/// <exception cref=\"global::System.NotSupportedException\">Always.</exception>");
        w.Line(spec.IsTokenModel
            ? $"public void Step(int token, {Span} output, {State} state, {kindDefault}) => throw StepNotSupported();"
            : $"public void Step({ReadOnlySpanFloat} input, {Span} output, {State} state, {kindDefault}) => throw StepNotSupported();");
        w.Line();

        // Output of one step from the top layer's forward and reverse h.
        string what = spec.Head == HeadKind.None ? "the top layer's forward and reverse h" : "the head on the top layer's forward and reverse h";
        w.Line($"/// <summary>Writes {what} (at <paramref name=\"hf\"/>, <paramref name=\"hb\"/>) to <paramref name=\"output\"/>.</summary>");
        using (w.Block($"private void WriteOutputAt(ref float hf, ref float hb, {Span} output, ref float s, {HeadOutputType} kind)"))
        {
            if (spec.Head == HeadKind.None)
            {
                w.Line($"{Marshal}.CreateReadOnlySpan(ref hf, {HWidth(spec)}).CopyTo(output);");
                w.Line($"{Marshal}.CreateReadOnlySpan(ref hb, {HWidth(spec)}).CopyTo(output.Slice({HWidth(spec)}));");
            }
            else
            {
                w.Line($"ref float y = ref {Unsafe}.Add(ref s, {N(layout.StateLength + layout.Row)});");
                EmitDispatch(w, "HeadSequence", "ref hf, ref hb, ref y");
                w.Line($"{Marshal}.CreateReadOnlySpan(ref y, OutputSize).CopyTo(output);");
                if (spec.Head == HeadKind.Softmax)
                    w.Line($"if (kind == {HeadOutputType}.Activated) global::LstmGen.CompilerServices.HeadActivation.Softmax(output);");
                else if (spec.Head == HeadKind.Sigmoid)
                    w.Line($"if (kind == {HeadOutputType}.Activated) global::LstmGen.CompilerServices.HeadActivation.Sigmoid(output);");
            }
        }
        w.Line();

        // Dispatchers and kernels.
        foreach (bool record in new[] { false, true })
        {
            string prefix = record ? "Record" : "";
            string rec = record ? ", ref float r" : "", recArg = record ? ", ref r" : "";
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
            using (w.Block($"private void {prefix}LayerStepFirst(ref float w, ref float input, ref float h, ref float c, ref float z{rec})"))
                EmitDispatch(w, $"{prefix}LayerStepFirst", $"ref w, ref input, ref h, ref c, ref z{recArg}");
            w.Line();
            if (spec.Layers > 1)
            {
                w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
                using (w.Block($"private void {prefix}LayerStepUpper(ref float w, ref float input, ref float inputB, ref float h, ref float c, ref float z{rec})"))
                    EmitDispatch(w, $"{prefix}LayerStepUpper", $"ref w, ref input, ref inputB, ref h, ref c, ref z{recArg}");
                w.Line();
            }
            foreach (Flavor f in Flavors)
            {
                using var part = w.Part(record ? TrainingPart(f) : f.Suffix); // into this width's training or inference file
                EmitLayerStepKernel(w, layout, f, upper: false, record);
                w.Line();
                if (spec.Layers > 1)
                {
                    EmitLayerStepKernel(w, layout, f, upper: true, record);
                    w.Line();
                }
            }
        }
        if (spec.Head != HeadKind.None)
        {
            foreach (Flavor f in Flavors)
            {
                using var part = w.Part(f.Suffix); // into this width's inference file
                w.Line($"/// <summary>The linear head on one step's [forward h, reverse h]: {N(spec.Outputs)} logits ({N(layout.HeadRow)} padded columns), {(f.IsScalar ? "scalar code" : f.Suffix + " code")}.</summary>");
                using (w.Block($"private void HeadSequence{f.Suffix}(ref float hf, ref float hb, ref float y)"))
                {
                    w.Line($"ref float w = ref {Unsafe}.Add(ref _packed.Reference, {N(layout.HeadPackedOffset)});");
                    EmitMatVec(w, f, layout.HeadRow, new[] { new RowInput("hf", spec.Recurrent, 1, "forward h"), new RowInput("hb", spec.Recurrent, 1 + spec.Recurrent, "reverse h") }, "y", spec.Compact);
                }
                w.Line();
            }
        }
    }

    /// <summary>
    /// Emits one step of one layer and direction: z = (b_ih + b_hh) + W_ih·input + W_hh·h, then the cell update
    /// of h and c (recording the activations at <c>r</c> for training). Layer 0 reads the model's input; upper
    /// layers read the layer below's forward h at <c>input</c> and reverse h at <c>inputB</c>.
    /// </summary>
    private static void EmitLayerStepKernel(SourceWriter w, Layout layout, Flavor f, bool upper, bool record)
    {
        ModelSpec spec = layout.Spec;
        string code = f.IsScalar ? "scalar code" : f.Suffix + " code";
        string name = (record ? "Record" : "") + (upper ? "LayerStepUpper" : "LayerStepFirst") + f.Suffix;
        string parameters = (upper ? "ref float w, ref float input, ref float inputB, ref float h, ref float c, ref float z" : "ref float w, ref float input, ref float h, ref float c, ref float z") + (record ? ", ref float r" : "");
        w.Line($"/// <summary>One step of {(upper ? "a layer above the first" : "layer 0")} in one direction{(record ? ", recording gates, c, tanh(c) and h at r" : "")}, {code}.</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        using (w.Block($"private static void {name}({parameters})"))
        {
            var runs = new List<RowInput>();
            if (upper)
            {
                runs.Add(new RowInput("input", spec.Recurrent, 1, "forward h of the layer below"));
                runs.Add(new RowInput("inputB", spec.Recurrent, 1 + spec.Recurrent, "reverse h of the layer below"));
            }
            else
            {
                runs.Add(new RowInput("input", spec.InputSize, 1, spec.IsTokenModel ? "embedding row" : "input"));
            }
            runs.Add(new RowInput("h", spec.Recurrent, 1 + spec.LayerInputSize(upper ? 1 : 0), "recurrent h"));
            EmitMatVec(w, f, layout.Row, runs, "z", spec.Compact);
            if (spec.HasProjection)
            {
                w.Line(record
                    ? $"ref float m = ref {Unsafe}.Add(ref r, {N(layout.Row + 2 * layout.PaddedHidden)}); // o·tanh(c), recorded: the projection's input"
                    : $"ref float m = ref {Unsafe}.Add(ref z, {N(layout.ProjectionScratch - layout.StateLength)}); // o·tanh(c), the projection's input (state scratch after the gate sums and logits)");
            }
            EmitCellUpdate(w, f, layout, record, spec.LayerInputSize(upper ? 1 : 0), spec.HasProjection ? "m" : "h");
            if (spec.HasProjection) EmitProjection(w, f, layout, spec.LayerInputSize(upper ? 1 : 0), record, half: false);
        }
    }

    /// <summary>The recording forward pass of a bidirectional model: layer by layer, forward then reverse, every step recorded.</summary>
    private static void EmitBidirectionalForwardBody(SourceWriter w, Layout layout, bool every, bool token)
    {
        ModelSpec spec = layout.Spec;
        int p = layout.PaddedHidden, hOffset = RecordHidden(layout);
        EmitRecordingPrologue(w, spec, token, "// The initial state (h0, c0 of every layer and direction) is the recurrent input of each direction's first step.");
        w.Line($"ref float z = ref {Unsafe}.Add(ref s, StateLength);");
        w.Line("ref float packed = ref _packed.Reference;");
        if (spec.HasDropout) w.Line("ulong seed = tape.DropoutSeed; // the dropout masks of this pass");
        string first = token ? "ref EmbeddingRow(tokens[t])" : $"ref {Unsafe}.Add(ref x, t * InputSize)";
        using (w.Block("for (int k = 0; k < LayerCount; k++)"))
        {
            if (spec.InputDropout > 0)
            {
                w.Line($"// Dropout (training) on the model's input, p = {F(spec.InputDropout)}: one mask per step, shared by both directions; masked input and mask recorded.");
                w.Line("if (k == 0)");
                w.Line("    for (int t = 0; t < steps; t++)");
                w.Line($"        global::LstmGen.CompilerServices.DropoutMask.Apply({first}, ref {Unsafe}.Add(ref rec, t * RecordStep + {N(layout.DropoutBase + layout.DropoutInputWidth)}), ref {Unsafe}.Add(ref rec, t * RecordStep + {layout.DropoutSite(0)}), {N(spec.InputSize)}, {F(spec.InputDropout)}, seed, t, 0, 0);");
            }
            if (spec.Dropout > 0 && spec.Layers > 1)
            {
                int rpl = layout.RecordPerLayer, hOff = RecordHidden(layout);
                w.Line($"// Dropout (training) on the layer below's output [forward h | reverse h], p = {F(spec.Dropout)}: one mask per step, shared by both directions; masked copy and mask recorded.");
                using (w.Block("if (k > 0)"))
                {
                    using (w.Block("for (int t = 0; t < steps; t++)"))
                    {
                        w.Line($"ref float masked = ref {Unsafe}.Add(ref rec, t * RecordStep + {layout.DropoutSite(null)});");
                        w.Line($"ref float below = ref {Unsafe}.Add(ref rec, t * RecordStep + (k - 1) * {N(2 * rpl)} + {N(hOff)});");
                        w.Line($"global::LstmGen.CompilerServices.DropoutMask.Apply(ref below, ref {Unsafe}.Add(ref masked, {N(2 * p)}), ref masked, {N(spec.Recurrent)}, {F(spec.Dropout)}, seed, t, k, 0);");
                        w.Line($"global::LstmGen.CompilerServices.DropoutMask.Apply(ref {Unsafe}.Add(ref below, {N(rpl)}), ref {Unsafe}.Add(ref masked, {N(3 * p)}), ref {Unsafe}.Add(ref masked, {N(p)}), {N(spec.Recurrent)}, {F(spec.Dropout)}, seed, t, k, {N(spec.Recurrent)});");
                    }
                }
            }
            using (w.Block("for (int d = 0; d < DirectionCount; d++)"))
            {
                w.Line("int slot = k * 2 + d;");
                w.Line($"ref float w = ref {Unsafe}.Add(ref packed, PackedLayerOffset(k, d));");
                w.Line($"ref float h = ref {Unsafe}.Add(ref s, slot * {N(2 * p)});");
                w.Line($"ref float c = ref {Unsafe}.Add(ref h, {N(p)});");
                using (w.Block("for (int i = 0; i < steps; i++)"))
                {
                    w.Line("int t = d == 0 ? i : steps - 1 - i;");
                    w.Line($"ref float r = ref {Unsafe}.Add(ref rec, t * RecordStep + slot * {N(layout.RecordPerLayer)});");
                    string firstInput = spec.InputDropout > 0 ? $"ref {Unsafe}.Add(ref rec, t * RecordStep + {layout.DropoutSite(0)})" : first;
                    if (spec.Layers == 1)
                    {
                        w.Line($"RecordLayerStepFirst(ref w, {firstInput}, ref h, ref c, ref z, ref r);");
                    }
                    else
                    {
                        w.Line($"if (k == 0) RecordLayerStepFirst(ref w, {firstInput}, ref h, ref c, ref z, ref r);");
                        if (spec.Dropout > 0)
                        {
                            w.Line("// Upper layers read the masked outputs of both directions of the layer below at this step.");
                            w.Line($"else RecordLayerStepUpper(ref w, ref {Unsafe}.Add(ref rec, t * RecordStep + {layout.DropoutSite(null)}), ref {Unsafe}.Add(ref rec, t * RecordStep + {layout.DropoutSite(null)} + {N(layout.PaddedHidden)}), ref h, ref c, ref z, ref r);");
                        }
                        else
                        {
                            w.Line("// Upper layers read the recorded h of both directions of the layer below at this step.");
                            w.Line($"else RecordLayerStepUpper(ref w, ref {Unsafe}.Add(ref rec, t * RecordStep + (k - 1) * {N(2 * layout.RecordPerLayer)} + {N(hOffset)}), ref {Unsafe}.Add(ref rec, t * RecordStep + (k - 1) * {N(2 * layout.RecordPerLayer)} + {N(layout.RecordPerLayer + hOffset)}), ref h, ref c, ref z, ref r);");
                        }
                    }
                }
            }
        }
        string hf(string t) => $"ref {Unsafe}.Add(ref rec, {t} * RecordStep + {N((spec.Layers - 1) * 2 * layout.RecordPerLayer + hOffset)})";
        string hb(string t) => $"ref {Unsafe}.Add(ref rec, {t} * RecordStep + {N(((spec.Layers - 1) * 2 + 1) * layout.RecordPerLayer + hOffset)})";
        if (every)
        {
            w.Line("for (int t = 0; t < steps; t++)");
            w.Line($"    WriteOutputAt({hf("t")}, {hb("t")}, outputs.Slice(t * StepOutputSize, StepOutputSize), ref s, {HeadOutputType}.Logits);");
        }
        else
        {
            w.Line($"WriteOutputAt({hf("(steps - 1)")}, {hb(spec.HeadOn == HeadOnKind.FinalState ? "0" : "(steps - 1)")}, outputs, ref s, {HeadOutputType}.Logits);");
        }
    }

    /// <summary>
    /// Emits <c>BackwardSequence</c>: the output gradients into the top layer's per-step output gradients
    /// (through the head), then for each layer from the top, each direction in the reverse of its forward
    /// order: dh += this layer's output gradient at the step, the gate gradients, the parameter gradients,
    /// dh/dc for the direction's previous step and dx for the layer below (or the input) — plus its kernels.
    /// </summary>
    private static void EmitBidirectionalBackward(SourceWriter w, Layout layout, BackwardLayout b)
    {
        ModelSpec spec = layout.Spec;
        int p = layout.PaddedHidden, rpl = layout.RecordPerLayer, hOffset = RecordHidden(layout);
        bool every = spec.HeadOn == HeadOnKind.EveryStep;
        int dy = b.OutputGradientOffset;
        w.Line("/// <summary>Backpropagation through time of a bidirectional model, layer by layer from the top.</summary>");
        using (w.Block("private void BackwardSequence(global::LstmGen.Training.TrainingTape tape, int steps, ref float dOut, ref float grad, ref float dIn, bool inputGradients)"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            w.Line("ref float rec0 = ref tape.GetReference();");
            w.Line("ref float fix = ref tape.GetFixedReference();");
            w.Line("ref float init = ref fix; // h0, c0 as recorded by Forward");
            w.Line($"ref float ds = ref {Unsafe}.Add(ref fix, {N(b.StateGradients)}); // dh, dc per layer and direction");
            w.Line($"ref float dz = ref {Unsafe}.Add(ref fix, {N(b.GateGradients)});");
            w.Line($"ref float dx = ref {Unsafe}.Add(ref fix, {N(b.InputGradients)});");
            w.Line($"ref float dxB = ref {Unsafe}.Add(ref dx, {N(p)}); // upper layers: the gradient of the layer below's reverse half");
            if (spec.Head != HeadKind.None) w.Line($"ref float dlog = ref {Unsafe}.Add(ref fix, {N(b.LogitGradients)});");
            if (spec.IsTokenModel) w.Line("ref int tokens = ref tape.GetTokenReference();");
            else w.Line("ref float inputs = ref tape.GetInputReference();");
            w.Line("// ds holds the carried dh, dc per slot: Backward seeded it with the final-state gradient (or zero); each direction's final state is where its pass ended (forward: t = T−1, reverse: t = 0), which is where its backward pass starts.");
            w.Line($"// Per step, two buffers of output gradients ([forward P | reverse P]) at +{N(dy)} and +{N(dy + 2 * p)}: this layer's and the layer below's.");
            w.Line($"int current = {N(dy)}, lower = {N(dy + 2 * p)};");
            w.Line($"for (int t = 0; t < steps; t++) {Marshal}.CreateSpan(ref {Unsafe}.Add(ref rec0, t * RecordStep + current), {N(2 * p)}).Clear();");

            // Output gradients into the top layer's: at every step, at the last, or (FinalState) the forward half
            // at the last step and the reverse half at step 0.
            bool final = spec.HeadOn == HeadOnKind.FinalState;
            w.Line(every ? "// Every step's output gradient, through the head, into the top layer's output gradients."
                : final ? "// The output gradient, through the head, into the forward output gradient at the last step and the reverse one at step 0."
                : "// The last step's output gradient, through the head, into the top layer's output gradient there.");
            using (w.Block(every ? "for (int t = 0; t < steps; t++)" : "for (int t = steps - 1; t < steps; t++)"))
            {
                string dOutT = every ? $"{Unsafe}.Add(ref dOut, t * StepOutputSize)" : "dOut";
                string tb = final ? "0" : "t";
                w.Line($"ref float dTop = ref {Unsafe}.Add(ref rec0, t * RecordStep + current);");
                w.Line($"ref float dTopB = ref {Unsafe}.Add(ref rec0, {tb} * RecordStep + current + {N(p)});");
                if (spec.Head == HeadKind.None)
                {
                    w.Line($"ref float d = ref {dOutT};");
                    w.Line($"for (nuint j = 0; j < {N(spec.Recurrent)}; j++) {{ {Unsafe}.Add(ref dTop, j) = {Unsafe}.Add(ref d, j); {Unsafe}.Add(ref dTopB, j) = {Unsafe}.Add(ref d, {N(spec.Recurrent)} + j); }}");
                }
                else
                {
                    w.Line($"{Marshal}.CreateReadOnlySpan(ref {dOutT}, OutputSize).CopyTo({Marshal}.CreateSpan(ref dlog, OutputSize));");
                    w.Line($"ref float hf = ref {Unsafe}.Add(ref rec0, t * RecordStep + {N((spec.Layers - 1) * 2 * rpl + hOffset)});");
                    w.Line($"ref float hb = ref {Unsafe}.Add(ref rec0, {tb} * RecordStep + {N(((spec.Layers - 1) * 2 + 1) * rpl + hOffset)});");
                    w.Line($"HeadBackwardSequence(ref {Unsafe}.Add(ref grad, {N(layout.HeadPackedOffset)}), ref dlog, ref hf, ref hb, ref dTop, ref dTopB);");
                }
            }

            using (w.Block("for (int k = LayerCount - 1; k >= 0; k--)"))
            {
                if (spec.Layers > 1)
                    w.Line($"if (k > 0) for (int t = 0; t < steps; t++) {Marshal}.CreateSpan(ref {Unsafe}.Add(ref rec0, t * RecordStep + lower), {N(2 * p)}).Clear();");
                if (!spec.IsTokenModel)
                    w.Line($"if (k == 0 && inputGradients) {Marshal}.CreateSpan(ref dIn, steps * InputSize).Clear();");
                using (w.Block("for (int d = 0; d < DirectionCount; d++)"))
                {
                    w.Line("int slot = k * 2 + d;");
                    w.Line($"ref float w = ref {Unsafe}.Add(ref packed, PackedLayerOffset(k, d));");
                    w.Line($"ref float g = ref {Unsafe}.Add(ref grad, PackedLayerOffset(k, d));");
                    w.Line($"ref float dh = ref {Unsafe}.Add(ref ds, slot * {N(2 * p)});");
                    w.Line($"ref float dc = ref {Unsafe}.Add(ref dh, {N(p)});");
                    using (w.Block("for (int i = 0; i < steps; i++)"))
                    {
                        w.Line("// The reverse of the direction's forward order; 'previous' is the step the direction came from.");
                        w.Line("int t = d == 0 ? steps - 1 - i : i;");
                        w.Line("int previous = d == 0 ? t - 1 : t + 1;");
                        w.Line("bool first = d == 0 ? t == 0 : t == steps - 1;");
                        w.Line($"ref float dThis = ref {Unsafe}.Add(ref rec0, t * RecordStep + current + d * {N(p)});");
                        w.Line($"for (nuint j = 0; j < {N(spec.Recurrent)}; j++) {Unsafe}.Add(ref dh, j) += {Unsafe}.Add(ref dThis, j);");
                        w.Line($"ref float r = ref {Unsafe}.Add(ref rec0, t * RecordStep + slot * {N(rpl)});");
                        w.Line($"ref float hPrev = ref first ? ref {Unsafe}.Add(ref init, slot * {N(2 * p)}) : ref {Unsafe}.Add(ref rec0, previous * RecordStep + slot * {N(rpl)} + {N(hOffset)});");
                        w.Line($"ref float cPrev = ref first ? ref {Unsafe}.Add(ref init, slot * {N(2 * p)} + {N(p)}) : ref {Unsafe}.Add(ref rec0, previous * RecordStep + slot * {N(rpl)} + {N(layout.Row)});");
                        string firstInput = spec.InputDropout > 0 ? $"ref {Unsafe}.Add(ref rec0, t * RecordStep + {layout.DropoutSite(0)})"
                            : spec.IsTokenModel
                            ? $"ref {Unsafe}.Add(ref {Marshal}.GetArrayDataReference(_parameters), {Unsafe}.Add(ref tokens, t) * EmbeddingSize)"
                            : $"ref {Unsafe}.Add(ref inputs, t * InputSize)";
                        using (spec.Layers > 1 ? w.Block("if (k == 0)") : w.Open())
                        {
                            w.Line($"BackwardLayerStepFirst(ref w, ref g, ref r, ref dh, ref dc, ref hPrev, ref cPrev, {firstInput}, ref dz, ref dx);");
                            if (spec.InputDropout > 0)
                                w.Line($"global::LstmGen.CompilerServices.DropoutMask.Scale(ref dx, ref {Unsafe}.Add(ref rec0, t * RecordStep + {N(layout.DropoutBase + layout.DropoutInputWidth)}), {N(spec.InputSize)}); // dx ⊙ the input's dropout mask");
                            if (spec.IsTokenModel)
                            {
                                w.Line($"ref float ge = ref {Unsafe}.Add(ref grad, {N(b.EmbeddingGradients)} + {Unsafe}.Add(ref tokens, t) * EmbeddingSize);");
                                w.Line($"for (nuint j = 0; j < {N(spec.Embedding)}; j++) {Unsafe}.Add(ref ge, j) += {Unsafe}.Add(ref dx, j);");
                            }
                            else
                            {
                                w.Line("if (inputGradients)");
                                w.Line($"    for (nuint j = 0; j < {N(spec.Inputs)}; j++) {Unsafe}.Add(ref dIn, (nuint)t * InputSize + j) += {Unsafe}.Add(ref dx, j);");
                            }
                        }
                        if (spec.Layers > 1)
                        {
                            using (w.Block("else"))
                            {
                                if (spec.Dropout > 0)
                                {
                                    w.Line("// This layer read the layer below's outputs through a dropout mask: the masked copy in the record (the mask follows it).");
                                    w.Line($"ref float inputF = ref {Unsafe}.Add(ref rec0, t * RecordStep + {layout.DropoutSite(null)});");
                                    w.Line($"ref float inputB = ref {Unsafe}.Add(ref inputF, {N(p)});");
                                    w.Line("BackwardLayerStepUpper(ref w, ref g, ref r, ref dh, ref dc, ref hPrev, ref cPrev, ref inputF, ref inputB, ref dz, ref dx, ref dxB);");
                                    w.Line($"global::LstmGen.CompilerServices.DropoutMask.Scale(ref dx, ref {Unsafe}.Add(ref inputF, {N(2 * p)}), {N(spec.Recurrent)}); // dx ⊙ mask");
                                    w.Line($"global::LstmGen.CompilerServices.DropoutMask.Scale(ref dxB, ref {Unsafe}.Add(ref inputF, {N(3 * p)}), {N(spec.Recurrent)});");
                                }
                                else
                                {
                                    w.Line($"ref float inputF = ref {Unsafe}.Add(ref rec0, t * RecordStep + (k - 1) * {N(2 * rpl)} + {N(hOffset)});");
                                    w.Line($"ref float inputB = ref {Unsafe}.Add(ref rec0, t * RecordStep + (k - 1) * {N(2 * rpl)} + {N(rpl + hOffset)});");
                                    w.Line("BackwardLayerStepUpper(ref w, ref g, ref r, ref dh, ref dc, ref hPrev, ref cPrev, ref inputF, ref inputB, ref dz, ref dx, ref dxB);");
                                }
                                w.Line("// The layer below's outputs at this step get dx (forward half) and dxB (reverse half).");
                                w.Line($"ref float dBelow = ref {Unsafe}.Add(ref rec0, t * RecordStep + lower);");
                                w.Line($"for (nuint j = 0; j < {N(spec.Recurrent)}; j++) {{ {Unsafe}.Add(ref dBelow, j) += {Unsafe}.Add(ref dx, j); {Unsafe}.Add(ref dBelow, {N(p)} + j) += {Unsafe}.Add(ref dxB, j); }}");
                            }
                        }
                    }
                }
                w.Line("(current, lower) = (lower, current);");
            }
        }
        w.Line();

        // Dispatchers and kernels.
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        using (w.Block("private static void BackwardLayerStepFirst(ref float w, ref float g, ref float r, ref float dh, ref float dc, ref float hPrev, ref float cPrev, ref float input, ref float dz, ref float dx)"))
            EmitDispatch(w, "BackwardLayerStepFirst", "ref w, ref g, ref r, ref dh, ref dc, ref hPrev, ref cPrev, ref input, ref dz, ref dx");
        w.Line();
        if (spec.Layers > 1)
        {
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
            using (w.Block("private static void BackwardLayerStepUpper(ref float w, ref float g, ref float r, ref float dh, ref float dc, ref float hPrev, ref float cPrev, ref float input, ref float inputB, ref float dz, ref float dx, ref float dxB)"))
                EmitDispatch(w, "BackwardLayerStepUpper", "ref w, ref g, ref r, ref dh, ref dc, ref hPrev, ref cPrev, ref input, ref inputB, ref dz, ref dx, ref dxB");
            w.Line();
        }
        if (spec.Head != HeadKind.None)
        {
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
            using (w.Block("private void HeadBackwardSequence(ref float g, ref float dlog, ref float hf, ref float hb, ref float dhf, ref float dhb)"))
                EmitDispatch(w, "HeadBackwardSequence", "ref g, ref dlog, ref hf, ref hb, ref dhf, ref dhb");
            w.Line();
        }
        foreach (Flavor f in Flavors)
        {
            using var part = w.Part(TrainingPart(f)); // into this width's training file
            string code = f.IsScalar ? "scalar code" : f.Suffix + " code";
            foreach (bool upper in spec.Layers > 1 ? new[] { false, true } : new[] { false })
            {
                string name = (upper ? "BackwardLayerStepUpper" : "BackwardLayerStepFirst") + f.Suffix;
                string parameters = upper
                    ? "ref float w, ref float g, ref float r, ref float dh, ref float dc, ref float hPrev, ref float cPrev, ref float input, ref float inputB, ref float dz, ref float dx, ref float dxB"
                    : "ref float w, ref float g, ref float r, ref float dh, ref float dc, ref float hPrev, ref float cPrev, ref float input, ref float dz, ref float dx";
                int inputs = spec.LayerInputSize(upper ? 1 : 0);
                w.Line($"/// <summary>One step of {(upper ? "a layer above the first" : "layer 0")} in one direction, backward: dz, the parameter gradients (row j += x_j · dz), dx = W_ihᵀ dz and dh_prev = W_hhᵀ dz, {code}.</summary>");
                w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
                using (w.Block($"private static void {name}({parameters})"))
                {
                    // With a projection, dm = W_hrᵀ·dh goes to dx's floats, free until the gate gradients have read it.
                    if (spec.HasProjection) EmitProjectionBackward(w, f, layout, inputs, "dx");
                    EmitGateGradients(w, f, layout, inputs, spec.HasProjection ? "dm" : "dh");
                    var runs = new List<BackwardRun>();
                    if (upper)
                    {
                        w.Line($"{Marshal}.CreateSpan(ref dx, {N(spec.Recurrent)}).Clear();");
                        w.Line($"{Marshal}.CreateSpan(ref dxB, {N(spec.Recurrent)}).Clear();");
                        runs.Add(new BackwardRun("input", spec.Recurrent, 1, "dx", "forward h of the layer below"));
                        runs.Add(new BackwardRun("inputB", spec.Recurrent, 1 + spec.Recurrent, "dxB", "reverse h of the layer below"));
                    }
                    else
                    {
                        w.Line($"{Marshal}.CreateSpan(ref dx, {N(spec.InputSize)}).Clear();");
                        runs.Add(new BackwardRun("input", spec.InputSize, 1, "dx", spec.IsTokenModel ? "embedding row" : "input"));
                    }
                    if (!spec.IsGru) w.Line($"{Marshal}.CreateSpan(ref dh, {N(spec.Recurrent)}).Clear();");
                    runs.Add(new BackwardRun("hPrev", spec.Recurrent, 1 + inputs, "dh", "h of the direction's previous step"));
                    EmitBackwardMatVec(w, f, layout.Row, "dz", runs, spec.Compact);
                }
                w.Line();
            }
            if (spec.Head != HeadKind.None)
            {
                w.Line($"/// <summary>The head backward on one step: dW += dlogits ⊗ [h_f, h_b], db += dlogits, [dh_f, dh_b] += Wᵀ dlogits, {code}.</summary>");
                using (w.Block($"private void HeadBackwardSequence{f.Suffix}(ref float g, ref float dlog, ref float hf, ref float hb, ref float dhf, ref float dhb)"))
                {
                    w.Line($"ref float w = ref {Unsafe}.Add(ref _packed.Reference, {N(layout.HeadPackedOffset)});");
                    EmitBackwardMatVec(w, f, layout.HeadRow, "dlog", new[]
                    {
                        new BackwardRun("hf", spec.Recurrent, 1, "dhf", "forward h"),
                        new BackwardRun("hb", spec.Recurrent, 1 + spec.Recurrent, "dhb", "reverse h"),
                    }, spec.Compact);
                }
                w.Line();
            }
        }
    }
}
