// Emits the training kernels of a bidirectional model, generic over the vector width: the recording driver over the
// whole sequence, and BPTT layer by layer from the top, each direction in the reverse of its own order, passing the
// output gradients of every step down to the layer below.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes RecordSequence and BackwardSequence (the training file) and their products.</summary>
internal sealed class BidirectionalTrainingEmitter(SourceWriter w, Geometry g, CellKind cell)
{
    private readonly ModelSpec _spec = g.Spec;
    private readonly ProductEmitter _products = new(w, g, cell);

    private int P => g.Padded;

    /// <summary>The backward product of an upper layer's step: the gradients of both halves of the layer below's output and of h_prev.</summary>
    private BackwardProduct UpperBackward() => new("BackwardLayerUpper",
        "A layer above the first, backward in one direction: gradient row 0 += dz, row j += x_j·dz; dx, dxB += W_ihᵀ·dz (forward and reverse halves of the layer below), dh_prev += W_hhᵀ·dz.",
        g.Row, new[]
        {
            new BackwardRun("input", _spec.Recurrent, "dx", "forward h of the layer below"),
            new BackwardRun("inputB", _spec.Recurrent, "dxB", "reverse h of the layer below"),
            new BackwardRun("hPrev", _spec.Recurrent, "dh", "h of the direction's previous step"),
        });

    public void Emit()
    {
        using (w.Part(ModelEmitter.TrainingPart))
        {
            new SequenceDriver(w, g, cell, _products, record: true).Emit();
            _products.Emit(TrainingKernelEmitter.RecordLayer(g, first: true));
            if (_spec.Layers > 1) _products.Emit(BidirectionalEmitter.UpperLayer(g, record: true));
            EmitBackwardSequence();
            _products.Emit(TrainingKernelEmitter.BackwardLayer(g, first: true));
            if (_spec.Layers > 1) _products.Emit(UpperBackward());
        }
    }

    private void EmitBackwardSequence()
    {
        int dy = g.OutputGradientOffset;
        w.Line("/// <summary>Backpropagation through time of a bidirectional model at vector width V, layer by layer from the top.</summary>");
        w.Line(Code.Optimize);
        using (w.Block($"private void BackwardSequence{Code.Generic}({Code.Tape} tape, int steps, ref float dOut, ref float grad, ref float dIn, bool inputGradients){Code.WhereV}"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            w.Line("ref float rec0 = ref tape.GetReference();");
            w.Line("ref float fix = ref tape.GetFixedReference();");
            w.Line("ref float init = ref fix; // h0, c0 as recorded by Forward");
            w.Line($"ref float ds = {Code.At("fix", g.StateGradients)}; // dh, dc per layer and direction");
            w.Line($"ref float dz = {Code.At("fix", g.GateGradients)};");
            w.Line($"ref float dx = {Code.At("fix", g.InputGradients)};");
            w.Line($"ref float dxB = {Code.At("dx", P)}; // upper layers: the gradient of the layer below's reverse half");
            if (_spec.Head != HeadKind.None) w.Line($"ref float dlog = {Code.At("fix", g.LogitGradients)};");
            w.Line(_spec.IsTokenModel ? "ref int tokens = ref tape.GetTokenReference();" : "ref float inputs = ref tape.GetInputReference();");
            w.Line("// ds holds the carried dh, dc per slot: Backward seeded it with the final-state gradient (or zero); each direction's final state is where its pass ended (forward: t = T−1, reverse: t = 0), which is where its backward pass starts.");
            w.Line($"// Per step, two buffers of output gradients ([forward P | reverse P]) at +{N(dy)} and +{N(dy + 2 * P)}: this layer's and the layer below's.");
            w.Line($"int current = {N(dy)}, lower = {N(dy + 2 * P)};");
            w.Line($"for (int t = 0; t < steps; t++) {Code.KernelMarshal}.CreateSpan(ref {Code.Unsafe}.Add(ref rec0, t * RecordStep + current), {N(2 * P)}).Clear();");
            EmitOutputGradients();
            using (w.Block("for (int k = LayerCount - 1; k >= 0; k--)"))
            {
                if (_spec.Layers > 1)
                    w.Line($"if (k > 0) for (int t = 0; t < steps; t++) {Code.KernelMarshal}.CreateSpan(ref {Code.Unsafe}.Add(ref rec0, t * RecordStep + lower), {N(2 * P)}).Clear();");
                if (!_spec.IsTokenModel)
                    w.Line($"if (k == 0 && inputGradients) {Code.KernelMarshal}.CreateSpan(ref dIn, steps * InputSize).Clear();");
                using (w.Block("for (int d = 0; d < DirectionCount; d++)"))
                {
                    w.Line("int slot = k * 2 + d;");
                    w.Line($"ref float w = ref {Code.Unsafe}.Add(ref packed, PackedLayerOffset(k, d));");
                    w.Line($"ref float g = ref {Code.Unsafe}.Add(ref grad, PackedLayerOffset(k, d));");
                    w.Line($"ref float dh = ref {Code.Unsafe}.Add(ref ds, slot * {N(2 * P)});");
                    if (cell.HasCellState) w.Line($"ref float dc = {Code.At("dh", P)};");
                    using (w.Block("for (int i = 0; i < steps; i++)"))
                        EmitStepBackward();
                }
                w.Line("(current, lower) = (lower, current);");
            }
        }
        w.Line();
    }

    /// <summary>
    /// The output gradients into the top layer's per-step output gradients: at every step, at the last, or (FinalState)
    /// the forward half at the last step and the reverse half at step 0; through the head when the model has one.
    /// </summary>
    private void EmitOutputGradients()
    {
        bool every = _spec.HeadOn == HeadOnKind.EveryStep, final = _spec.HeadOn == HeadOnKind.FinalState;
        int rpl = g.RecordPerLayer, top = (_spec.Layers - 1) * 2 * rpl + g.RecordHidden;
        w.Line(every ? "// Every step's output gradient, through the head, into the top layer's output gradients."
            : final ? "// The output gradient, through the head, into the forward output gradient at the last step and the reverse one at step 0."
            : "// The last step's output gradient, through the head, into the top layer's output gradient there.");
        using (w.Block(every ? "for (int t = 0; t < steps; t++)" : "for (int t = steps - 1; t < steps; t++)"))
        {
            string dOutT = every ? $"{Code.Unsafe}.Add(ref dOut, t * StepOutputSize)" : "dOut", tb = final ? "0" : "t";
            w.Line($"ref float dTop = ref {Code.Unsafe}.Add(ref rec0, t * RecordStep + current);");
            w.Line($"ref float dTopB = ref {Code.Unsafe}.Add(ref rec0, {tb} * RecordStep + current + {N(P)});");
            if (_spec.Head == HeadKind.None)
            {
                w.Line($"ref float d = ref {dOutT};");
                w.Line($"for (nuint j = 0; j < {N(_spec.Recurrent)}; j++) {{ {Code.Unsafe}.Add(ref dTop, j) = {Code.Unsafe}.Add(ref d, j); {Code.Unsafe}.Add(ref dTopB, j) = {Code.Unsafe}.Add(ref d, {N(_spec.Recurrent)} + j); }}");
                return;
            }
            w.Line($"{Code.KernelMarshal}.CreateReadOnlySpan(ref {dOutT}, OutputSize).CopyTo({Code.KernelMarshal}.CreateSpan(ref dlog, OutputSize));");
            w.Line($"ref float hf = ref {Code.Unsafe}.Add(ref rec0, t * RecordStep + {N(top)});");
            w.Line($"ref float hb = ref {Code.Unsafe}.Add(ref rec0, {tb} * RecordStep + {N(top + rpl)});");
            w.Line($"// The head: dW += dlogits ⊗ [h_f, h_b], db += dlogits, [dh_f, dh_b] += Wᵀ·dlogits.");
            w.Line($"{Code.Matrix}.Backward<V>({Code.At("packed", g.HeadPackedOffset)}, {Code.At("grad", g.HeadPackedOffset)}, {N(g.HeadRow)}, ref dlog, ref hf, {N(_spec.Recurrent)}, ref dTop, ref hb, {N(_spec.Recurrent)}, ref dTopB);");
        }
    }

    /// <summary>One step of layer k, direction d, backward: dh += the step's output gradient, the gate gradients, the products, dx to the layer below.</summary>
    private void EmitStepBackward()
    {
        int rpl = g.RecordPerLayer;
        w.Line("// The reverse of the direction's forward order; 'previous' is the step the direction came from.");
        w.Line("int t = d == 0 ? steps - 1 - i : i;");
        w.Line("int previous = d == 0 ? t - 1 : t + 1;");
        w.Line("bool first = d == 0 ? t == 0 : t == steps - 1;");
        w.Line($"ref float dThis = ref {Code.Unsafe}.Add(ref rec0, t * RecordStep + current + d * {N(P)});");
        w.Line($"for (nuint j = 0; j < {N(_spec.Recurrent)}; j++) {Code.Unsafe}.Add(ref dh, j) += {Code.Unsafe}.Add(ref dThis, j);");
        w.Line($"ref float r = ref {Code.Unsafe}.Add(ref rec0, t * RecordStep + slot * {N(rpl)});");
        w.Line($"ref float hPrev = ref first ? ref {Code.Unsafe}.Add(ref init, slot * {N(2 * P)}) : ref {Code.Unsafe}.Add(ref rec0, previous * RecordStep + slot * {N(rpl)} + {N(g.RecordHidden)});");
        if (cell.HasCellState)
            w.Line($"ref float cPrev = ref first ? ref {Code.Unsafe}.Add(ref init, slot * {N(2 * P)} + {N(P)}) : ref {Code.Unsafe}.Add(ref rec0, previous * RecordStep + slot * {N(rpl)} + {N(g.RecordCell)});");
        using (_spec.Layers > 1 ? w.Block("if (k == 0)") : w.Open())
            EmitLayerBackward(first: true);
        if (_spec.Layers > 1)
        {
            using (w.Block("else"))
                EmitLayerBackward(first: false);
        }
    }

    /// <summary>The gate gradients (after the projection's backward pass), the layer's backward product, and where dx goes.</summary>
    private void EmitLayerBackward(bool first)
    {
        int inputs = _spec.LayerInputSize(first ? 0 : 1);
        if (_spec.HasProjection)
        {
            w.Line($"// Projection backward: dm = W_hrᵀ·dh into dx's floats (free until the gate gradients have read it), dW_hr += dh ⊗ m.");
            w.Line("ref float dm = ref dx;");
            string wp = $"{Code.Unsafe}.Add(ref w, {N(g.GateBlock(inputs))})", gp = $"{Code.Unsafe}.Add(ref g, {N(g.GateBlock(inputs))})";
            w.Line($"{Code.Support}ProjectionStep.Backward<V>(ref {wp}, ref {gp}, ref dh, ref {Code.Unsafe}.Add(ref r, {N(g.RecordOutput)}), {N(_spec.Hidden)}, ref dm, {N(P)}, {N(g.ProjectionRow)});");
        }
        w.Line($"// dz: {cell.GradientEquations}.");
        foreach (string line in cell.Gradients(g, Code.V, inputs, _spec.HasProjection ? "dm" : "dh")) w.Line(line);
        if (first) EmitFirstLayer();
        else EmitUpperLayer();
    }

    private void EmitFirstLayer()
    {
        string input = _spec.InputDropout > 0 ? $"{Code.Unsafe}.Add(ref rec0, t * RecordStep + {N(g.DropoutSite(0))})"
            : _spec.IsTokenModel ? $"{Code.Unsafe}.Add(ref {Code.KernelMarshal}.GetArrayDataReference(_parameters), {Code.Unsafe}.Add(ref tokens, t) * EmbeddingSize)"
            : $"{Code.Unsafe}.Add(ref inputs, t * InputSize)";
        w.Line($"ref float input = ref {input}; // this step's {(_spec.InputDropout > 0 ? "masked input, as recorded" : _spec.IsTokenModel ? "embedding row" : "input")}");
        w.Line($"{Code.KernelMarshal}.CreateSpan(ref dx, {N(_spec.InputSize)}).Clear();");
        if (cell.ClearsHiddenGradient) w.Line($"{Code.KernelMarshal}.CreateSpan(ref dh, {N(_spec.Recurrent)}).Clear();");
        w.Line(_products.Call(TrainingKernelEmitter.BackwardLayer(g, first: true), Code.V, name => name == "d" ? "dz" : null));
        if (_spec.InputDropout > 0)
            w.Line($"{Code.Dropout}.Scale(ref dx, ref {Code.Unsafe}.Add(ref rec0, t * RecordStep + {N(g.DropoutBase + g.DropoutInputWidth)}), {N(_spec.InputSize)}); // dx ⊙ the input's dropout mask");
        if (_spec.IsTokenModel)
        {
            w.Line($"ref float ge = ref {Code.Unsafe}.Add(ref grad, {N(g.EmbeddingGradients)} + {Code.Unsafe}.Add(ref tokens, t) * EmbeddingSize);");
            w.Line($"for (nuint j = 0; j < {N(_spec.Embedding)}; j++) {Code.Unsafe}.Add(ref ge, j) += {Code.Unsafe}.Add(ref dx, j);");
        }
        else
        {
            w.Line("if (inputGradients)");
            w.Line($"    for (nuint j = 0; j < {N(_spec.Inputs)}; j++) {Code.Unsafe}.Add(ref dIn, (nuint)t * InputSize + j) += {Code.Unsafe}.Add(ref dx, j);");
        }
    }

    private void EmitUpperLayer()
    {
        int rpl = g.RecordPerLayer;
        if (_spec.Dropout > 0)
        {
            w.Line("// This layer read the layer below's outputs through a dropout mask: the masked copy in the record (the mask follows it).");
            w.Line($"ref float input = ref {Code.Unsafe}.Add(ref rec0, t * RecordStep + {N(g.DropoutSite(1))} + (k - 1) * {N(2 * g.DropoutUpperWidth)});");
        }
        else
        {
            w.Line($"ref float input = ref {Code.Unsafe}.Add(ref rec0, t * RecordStep + (k - 1) * {N(2 * rpl)} + {N(g.RecordHidden)});");
        }
        w.Line($"ref float inputB = ref {Code.Unsafe}.Add(ref input, {N(_spec.Dropout > 0 ? P : rpl)});");
        w.Line($"{Code.KernelMarshal}.CreateSpan(ref dx, {N(_spec.Recurrent)}).Clear();");
        w.Line($"{Code.KernelMarshal}.CreateSpan(ref dxB, {N(_spec.Recurrent)}).Clear();");
        if (cell.ClearsHiddenGradient) w.Line($"{Code.KernelMarshal}.CreateSpan(ref dh, {N(_spec.Recurrent)}).Clear();");
        w.Line(_products.Call(UpperBackward(), Code.V, name => name == "d" ? "dz" : null));
        if (_spec.Dropout > 0)
        {
            w.Line($"{Code.Dropout}.Scale(ref dx, {Code.At("input", 2 * P)}, {N(_spec.Recurrent)}); // dx ⊙ mask");
            w.Line($"{Code.Dropout}.Scale(ref dxB, {Code.At("input", 3 * P)}, {N(_spec.Recurrent)});");
        }
        w.Line("// The layer below's outputs at this step get dx (forward half) and dxB (reverse half).");
        w.Line($"ref float dBelow = ref {Code.Unsafe}.Add(ref rec0, t * RecordStep + lower);");
        w.Line($"for (nuint j = 0; j < {N(_spec.Recurrent)}; j++) {{ {Code.Unsafe}.Add(ref dBelow, j) += {Code.Unsafe}.Add(ref dx, j); {Code.Unsafe}.Add(ref dBelow, {N(P)} + j) += {Code.Unsafe}.Add(ref dxB, j); }}");
    }
}
