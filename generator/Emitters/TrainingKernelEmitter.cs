// Emits the per-sample training kernels of a unidirectional model, generic over the vector width: the recording
// step (the step kernel that also records each layer's activations) and backpropagation through time.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes RecordStepCore and BackwardCore (the training file) and their products.</summary>
internal sealed class TrainingKernelEmitter(SourceWriter w, Geometry g, CellKind cell)
{
    private readonly ModelSpec _spec = g.Spec;
    private readonly ProductEmitter _products = new(w, g, cell);

    public void Emit()
    {
        using (w.Part(ModelEmitter.TrainingPart))
        {
            EmitRecordStepCore();
            EmitBackwardCore();
        }
    }

    /// <summary>The recording product of a layer: the gate sums, then the cell update that records the activations at <c>r</c>.</summary>
    public static ForwardProduct RecordLayer(Geometry g, bool first)
    {
        int inputs = g.Spec.LayerInputSize(first ? 0 : 1);
        return new ForwardProduct(first ? "RecordLayer0" : "RecordLayerUpper",
            $"{(first ? "Layer 0" : "A layer above the first")} of a recording step: z = (b_ih + b_hh) + W_ih·x + W_hh·h ({N(inputs)} inputs), then the cell update, recording gates, c, tanh(c) and o·tanh(c) at r.",
            g.Row, new[] { new RowRun("input", inputs, first ? "input" : "h of the layer below"), new RowRun("h", g.Spec.Recurrent, "recurrent h") })
        { Cell = new CellTail(true, g.Spec.HasProjection ? "m" : "h"), LayerInputs = inputs };
    }

    /// <summary>The backward product of a layer: parameter gradients (row j += x_j·dz) and dx = W_ihᵀ·dz, dh_(t−1) = W_hhᵀ·dz.</summary>
    public static BackwardProduct BackwardLayer(Geometry g, bool first)
    {
        int inputs = g.Spec.LayerInputSize(first ? 0 : 1);
        return new BackwardProduct(first ? "BackwardLayer0" : "BackwardLayerUpper",
            $"{(first ? "Layer 0" : "A layer above the first")}, backward: gradient row 0 += dz, row j += x_j·dz; dx += W_ihᵀ·dz ({N(inputs)} inputs), dh_(t−1) += W_hhᵀ·dz.",
            g.Row, new[] { new BackwardRun("input", inputs, "dx", first ? "input" : "h of the layer below"), new BackwardRun("hPrev", g.Spec.Recurrent, "dh", "h of the previous step") });
    }

    private void EmitRecordStepCore()
    {
        string dropout = _spec.HasDropout ? ", ulong seed, int step" : "";
        w.Line($"/// <summary>One step through all {N(_spec.Layers)} layer(s) at vector width V, recording each layer's activations at rec for the backward pass.</summary>");
        w.Line(Code.Optimize);
        using (w.Block($"private void RecordStepCore{Code.Generic}(ref float x, ref float s, ref float rec{dropout}){Code.WhereV}"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            w.Line($"ref float z = {Code.At("s", g.GateSums)}; // gate sums");
            LayerSite.ForEach(w, g, layer =>
            {
                w.Line($"// {layer.Label}: {cell.Equations}, from the {layer.InputWhat}; recorded.");
                using (w.Open())
                {
                    w.Line(layer.Input is null ? "ref float input = ref x;" : $"ref float input = {Code.At("s", layer.Input)};");
                    if (_spec.DropsInputOf(layer.K ?? 1)) EmitDropout(layer);
                    w.Line($"ref float r = {Code.At("rec", layer.Record)}; // gates, c, tanh(c), o·tanh(c)");
                    if (_spec.HasProjection) w.Line($"ref float m = {Code.At("r", g.RecordOutput)}; // o·tanh(c), recorded: the projection's input");
                    w.Line(_products.Call(RecordLayer(g, layer.IsFirst), Code.V, name => name switch
                    {
                        "w" => Code.Offset("packed", layer.Packed),
                        "h" => Code.Offset("s", layer.Hidden),
                        "c" => Code.Offset("s", layer.Cell),
                        _ => null,
                    }));
                    if (_spec.HasProjection)
                    {
                        w.Line($"// Projection: h = W_hr·m, {N(_spec.Projection)} values from {N(_spec.Hidden)}; recorded after m.");
                        w.Line($"ref float h = {Code.At("s", layer.Hidden)};");
                        w.Line($"{Code.Support}ProjectionStep.Forward<V>(ref {Code.Unsafe}.Add(ref packed, {layer.Packed} + {N(g.GateBlock(layer.InputCount))}), ref m, {N(_spec.Hidden)}, ref h, {N(g.ProjectionRow)});");
                        w.Line($"{Code.KernelMarshal}.CreateReadOnlySpan(ref h, {N(g.ProjectionRow)}).CopyTo({Code.KernelMarshal}.CreateSpan({Code.At("r", g.RecordHidden)}, {N(g.ProjectionRow)}));");
                    }
                }
            });
        }
        w.Line();
        _products.Emit(RecordLayer(g, first: true));
        if (_spec.Layers > 1) _products.Emit(RecordLayer(g, first: false));
    }

    /// <summary>Offset in a step's record of <paramref name="layer"/>'s masked input (an expression of k in the loop).</summary>
    private string DropoutSite(LayerSite layer) => layer.K is int k
        ? N(g.DropoutSite(k))
        : $"{N(g.DropoutSite(1))} + (k - 1) * {N(2 * g.DropoutUpperWidth)}";

    /// <summary>Dropout on the layer's input in a recording pass: the mask of this step and the masked input recorded, <c>input</c> pointed at the copy.</summary>
    private void EmitDropout(LayerSite layer)
    {
        int k = layer.K ?? 1;
        float rate = k == 0 ? _spec.InputDropout : _spec.Dropout;
        w.Line($"// Dropout (training) on this layer's input, p = {F(rate)}: masked = input ⊙ mask, both recorded for the backward pass.");
        w.Line($"ref float masked = ref {Code.Unsafe}.Add(ref rec, {DropoutSite(layer)});");
        w.Line($"{Code.Dropout}.Apply(ref input, ref {Code.Unsafe}.Add(ref masked, {N(g.DropoutWidth(k))}), ref masked, {N(layer.InputCount)}, {F(rate)}, seed, step, {(layer.K is int site ? N(site) : "k")}, 0);");
        w.Line("input = ref masked;");
    }

    private void EmitBackwardCore()
    {
        w.Line("/// <summary>Backpropagation through time over the recorded steps at vector width V: per step from the last, the head's gradient, then each layer from the top.</summary>");
        w.Line(Code.Optimize);
        using (w.Block($"private void BackwardCore{Code.Generic}({Code.Tape} tape, int steps, ref float dOut, ref float grad, ref float dIn, bool inputGradients){Code.WhereV}"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            w.Line("ref float rec0 = ref tape.GetReference();");
            w.Line("ref float fix = ref tape.GetFixedReference();");
            w.Line("ref float init = ref fix; // h0, c0 as recorded by Forward");
            w.Line($"ref float ds = {Code.At("fix", g.StateGradients)}; // dh, dc per layer: Backward seeded them with the final-state gradient (or zero)");
            w.Line($"ref float dz = {Code.At("fix", g.GateGradients)};");
            w.Line($"ref float dx = {Code.At("fix", g.InputGradients)};");
            if (_spec.Head != HeadKind.None) w.Line($"ref float dlog = {Code.At("fix", g.LogitGradients)};");
            w.Line(_spec.IsTokenModel ? "ref int tokens = ref tape.GetTokenReference();" : "ref float inputs = ref tape.GetInputReference();");
            using (w.Block("for (int t = steps - 1; t >= 0; t--)"))
            {
                w.Line($"ref float recT = ref {Code.Unsafe}.Add(ref rec0, t * RecordStep);");
                new HeadBackward(w, g).Emit();
                // Layers from the top down: the layer below needs this step's dx first.
                LayerSite.ForEach(w, g, EmitLayerBackward, topDown: true);
            }
        }
        w.Line();
        _products.Emit(BackwardLayer(g, first: true));
        if (_spec.Layers > 1) _products.Emit(BackwardLayer(g, first: false));
    }

    private void EmitLayerBackward(LayerSite layer)
    {
        w.Line($"// {layer.Label}, backward. The gate gradients: {cell.GradientEquations}.");
        using (w.Open())
        {
            w.Line($"ref float w = {Code.At("packed", layer.Packed)};");
            w.Line($"ref float g = {Code.At("grad", layer.Packed)};");
            w.Line($"ref float r = {Code.At("recT", layer.Record)};");
            w.Line($"ref float dh = {Code.At("ds", layer.Hidden)};");
            if (cell.HasCellState) w.Line($"ref float dc = {Code.At("ds", layer.Cell)};");
            w.Line($"ref float hPrev = ref t > 0 ? ref {Code.Unsafe}.Add(ref rec0, (t - 1) * RecordStep + {Plus(layer.Record, g.RecordHidden)}) : {Code.At("init", layer.Hidden)};");
            if (cell.HasCellState)
                w.Line($"ref float cPrev = ref t > 0 ? ref {Code.Unsafe}.Add(ref rec0, (t - 1) * RecordStep + {Plus(layer.Record, g.RecordCell)}) : {Code.At("init", layer.Cell)};");
            bool dropped = _spec.DropsInputOf(layer.K ?? 1);
            if (dropped)
                w.Line($"ref float input = ref {Code.Unsafe}.Add(ref recT, {DropoutSite(layer)}); // the masked input as recorded (its mask follows it)");
            else
                w.Line($"ref float input = ref {LayerInput(layer)}; // {layer.InputWhat} at this step");
            if (_spec.HasProjection)
            {
                w.Line($"// Projection backward: dm = W_hrᵀ·dh ({N(_spec.Hidden)} values), dW_hr += dh ⊗ m (m = o·tanh(c) as recorded).");
                w.Line($"ref float dm = {Code.At("fix", g.ProjectionGradients)};");
                string wp = $"{Code.Unsafe}.Add(ref w, {N(g.GateBlock(layer.InputCount))})", gp = $"{Code.Unsafe}.Add(ref g, {N(g.GateBlock(layer.InputCount))})";
                w.Line($"{Code.Support}ProjectionStep.Backward<V>(ref {wp}, ref {gp}, ref dh, ref {Code.Unsafe}.Add(ref r, {N(g.RecordOutput)}), {N(_spec.Hidden)}, ref dm, {N(g.Padded)}, {N(g.ProjectionRow)});");
            }
            foreach (string line in cell.Gradients(g, Code.V, layer.InputCount, _spec.HasProjection ? "dm" : "dh")) w.Line(line);
            w.Line("// dx = W_ihᵀ·dz and dh_(t−1) = W_hhᵀ·dz, summed tile by tile, and the parameter gradients: row j += x_j·dz.");
            w.Line($"{Code.KernelMarshal}.CreateSpan(ref dx, {N(layer.InputCount)}).Clear();");
            if (cell.ClearsHiddenGradient) w.Line($"{Code.KernelMarshal}.CreateSpan(ref dh, {N(_spec.Recurrent)}).Clear();");
            w.Line(_products.Call(BackwardLayer(g, layer.IsFirst), Code.V, name => name == "d" ? "dz" : null));
            if (dropped)
                w.Line($"{Code.Dropout}.Scale(ref dx, ref {Code.Unsafe}.Add(ref input, {N(g.DropoutWidth(layer.K ?? 1))}), {N(layer.InputCount)}); // dx ⊙ mask: the dropped inputs get no gradient");
            EmitInputGradient(layer);
        }
    }

    /// <summary><paramref name="offset"/> + <paramref name="more"/> as C#: folded when the offset is a constant (an expression of k in the layer loop).</summary>
    private static string Plus(string offset, int more) => int.TryParse(offset, out int constant) ? N(constant + more) : $"{offset} + {N(more)}";

    /// <summary>What the layer read at this step: the model input (or the token's embedding row), or the layer below's recorded h.</summary>
    private string LayerInput(LayerSite layer) => layer.IsFirst
        ? (_spec.IsTokenModel ? $"{Code.Unsafe}.Add(ref {Code.KernelMarshal}.GetArrayDataReference(_parameters), {Code.Unsafe}.Add(ref tokens, t) * EmbeddingSize)" : $"{Code.Unsafe}.Add(ref inputs, t * InputSize)")
        : $"{Code.Unsafe}.Add(ref recT, {(layer.K is int k ? N(k - 1) : "(k - 1)")} * {N(g.RecordPerLayer)} + {N(g.RecordHidden)})";

    /// <summary>Where dx goes: the layer below's dh, the embedding row's gradient, or the caller's input gradients.</summary>
    private void EmitInputGradient(LayerSite layer)
    {
        if (!layer.IsFirst)
        {
            w.Line("// The layer below's h at this step feeds this layer: its gradient gets dx.");
            w.Line($"ref float dhBelow = ref {Code.Unsafe}.Add(ref ds, {(layer.K is int k ? N(k - 1) : "(k - 1)")} * {N(2 * g.Padded)});");
            w.Line($"for (nuint j = 0; j < {N(_spec.Recurrent)}; j++) {Code.Unsafe}.Add(ref dhBelow, j) += {Code.Unsafe}.Add(ref dx, j);");
        }
        else if (_spec.IsTokenModel)
        {
            w.Line("// The embedding row of this step's token gets dx.");
            w.Line($"ref float ge = ref {Code.Unsafe}.Add(ref grad, {N(g.EmbeddingGradients)} + {Code.Unsafe}.Add(ref tokens, t) * EmbeddingSize);");
            w.Line($"for (nuint j = 0; j < {N(_spec.Embedding)}; j++) {Code.Unsafe}.Add(ref ge, j) += {Code.Unsafe}.Add(ref dx, j);");
        }
        else
        {
            w.Line("if (inputGradients)");
            w.Line($"    {Code.KernelMarshal}.CreateReadOnlySpan(ref dx, InputSize).CopyTo({Code.KernelMarshal}.CreateSpan(ref {Code.Unsafe}.Add(ref dIn, t * InputSize), InputSize));");
        }
    }
}
