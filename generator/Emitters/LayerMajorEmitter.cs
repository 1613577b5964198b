// Emits the layer-major whole-sequence Predict of a model whose weights do not fit the L2 cache: per chunk of steps,
// each layer's input projections for every step (4 steps per weight load), then its recurrence, so one layer's
// matrix is reused from the cache for the whole chunk.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes PredictLayerMajor (generic over the width) and its products.</summary>
internal sealed class LayerMajorEmitter(SourceWriter w, Geometry g, CellKind cell, ProductEmitter products)
{
    private readonly ModelSpec _spec = g.Spec;

    /// <summary>Input projections of one step of a layer: <c>zin = (b_ih + b_hh) + W_ih·x</c>.</summary>
    private ForwardProduct Project(bool first) => new(first ? "Project0" : "ProjectUpper",
        $"Layer-major Predict, {(first ? "layer 0" : "layers 1 and up")}: zin = (b_ih + b_hh) + W_ih·x for one step ({N(Inputs(first))} inputs).",
        g.Row, new[] { new RowRun("input", Inputs(first), "this step's input") }) { BFloat16 = _spec.BFloat16Inference };

    /// <summary>The recurrence of one step of a layer: <c>z = zin + W_hh·h</c>, then the cell update.</summary>
    private ForwardProduct Recur(bool first) => new(first ? "Recur0" : "RecurUpper",
        $"Layer-major Predict, {(first ? "layer 0" : "layers 1 and up")}: z = zin + W_hh·h, then the cell update of h and c.",
        g.Row, new[] { new RowRun("h", _spec.Hidden, "recurrent h") })
    {
        Initial = "zin", FirstRow = 1 + Inputs(first), BFloat16 = _spec.BFloat16Inference, Cell = new CellTail(false, "h"), LayerInputs = Inputs(first),
    };

    private int Inputs(bool first) => first ? _spec.InputSize : _spec.Hidden;

    public void Emit()
    {
        EmitDriver();
        if (!g.HasInputTable) products.Emit(Project(first: true));
        products.Emit(Recur(first: true));
        if (_spec.Layers > 1)
        {
            products.Emit(Project(first: false));
            products.Emit(Recur(first: false));
        }
    }

    private void EmitDriver()
    {
        bool every = _spec.HeadOn == HeadOnKind.EveryStep, half = _spec.BFloat16Inference;
        int p = g.Padded, chunk = Geometry.LayerMajorChunk;
        string input = _spec.IsTokenModel ? "global::System.ReadOnlySpan<int> tokens" : $"{Code.ReadOnlySpan} inputs";
        w.Line($"/// <summary>Predict over a whole sequence at vector width V, layer by layer in chunks of {N(chunk)} steps: per chunk, each layer's input projections, then its recurrence (one layer's weights stay in cache).</summary>");
        w.Line(Code.Optimize);
        using (w.Block($"private void PredictLayerMajor{Code.Generic}({input}, int steps, {Code.Span} output, ref float s, {Code.HeadOutput} kind){Code.WhereV}"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            if (half) w.Line("ref ushort packedq = ref _packedBFloat16.Reference;");
            if (!_spec.IsTokenModel) w.Line($"ref float x = ref {Code.KernelMarshal}.GetReference(inputs);");
            w.Line($"ref float z = {Code.At("s", g.GateSums)};");
            w.Line($"ref float zin = {Code.At("s", g.StateLength + g.ScratchLength)}; // {N(chunk)} × {N(g.Row)} input projections");
            w.Line($"ref float outputs = {Code.At("zin", chunk * g.Row)}; // {N(chunk)} × {N(p)}: the chunk's h of the layer below");
            using (w.Block($"for (int t0 = 0; t0 < steps; t0 += {N(chunk)})"))
            {
                w.Line($"int n = global::System.Math.Min({N(chunk)}, steps - t0);");
                using (w.Block("for (int k = 0; k < LayerCount; k++)"))
                {
                    w.Line("int offset = PackedLayerOffset(k);");
                    w.Line($"ref float w = ref {Code.Unsafe}.Add(ref packed, offset);");
                    if (half) w.Line($"ref ushort wq = ref {Code.Unsafe}.Add(ref packedq, offset);");
                    w.Line($"ref float h = ref {Code.Unsafe}.Add(ref s, k * {N(2 * p)});");
                    w.Line($"ref float c = ref {Code.Unsafe}.Add(ref s, k * {N(2 * p)} + {N(p)});");
                    EmitProjections();
                    EmitRecurrence(every);
                }
            }
            if (!every) w.Line("WriteOutput(ref s, output, kind);");
        }
        w.Line();
    }

    /// <summary>Phase 1: the chunk's input projections (layer 0 one step at a time unless the input table has them; upper layers four steps at a time).</summary>
    private void EmitProjections()
    {
        string firstInput = _spec.IsTokenModel ? "EmbeddingRow(tokens[t0 + i])" : $"{Code.Unsafe}.Add(ref x, (t0 + i) * InputSize)";
        string zinI = $"{Code.Unsafe}.Add(ref zin, i * {N(g.Row)})", outI = $"{Code.Unsafe}.Add(ref outputs, i * {N(g.Padded)})";
        string first = products.Call(Project(first: true), Code.V, name => name switch { "input" => firstInput, "z" => zinI, _ => null });
        w.Line("// The chunk's input projections.");
        if (_spec.Layers == 1)
        {
            if (!g.HasInputTable) w.Line($"for (int i = 0; i < n; i++) {first}");
            return;
        }
        if (g.HasInputTable)
        {
            w.Line("if (k > 0)");
        }
        else
        {
            w.Line($"if (k == 0) for (int i = 0; i < n; i++) {first}");
            w.Line("else");
        }
        using (w.Open())
        {
            string rows = _spec.BFloat16Inference ? $"ref {Code.Unsafe}.Add(ref wq, {N(g.Row)})" : $"ref {Code.Unsafe}.Add(ref w, {N(g.Row)})";
            w.Line("int i = 0;");
            w.Line($"for (; i + 4 <= n; i += 4) {Code.Matrix}.{(_spec.BFloat16Inference ? "ForwardFourStepsBFloat16" : "ForwardFourSteps")}<V>(ref w, {rows}, {N(g.Row)}, ref {outI}, {N(_spec.Hidden)}, {N(g.Padded)}, ref {zinI});");
            w.Line($"for (; i < n; i++) {products.Call(Project(first: false), Code.V, name => name switch { "input" => outI, "z" => zinI, _ => null })}");
        }
    }

    /// <summary>Phase 2: the recurrence over the chunk, handing each step's h to the layer above (or to the output).</summary>
    private void EmitRecurrence(bool every)
    {
        string zinI = $"{Code.Unsafe}.Add(ref zin, i * {N(g.Row)})", outI = $"{Code.Unsafe}.Add(ref outputs, i * {N(g.Padded)})";
        string firstZin = g.HasInputTable ? "InputRow(tokens[t0 + i])" : zinI;
        w.Line($"// The recurrence: {cell.Equations}.");
        using (w.Block("for (int i = 0; i < n; i++)"))
        {
            string first = products.Call(Recur(first: true), Code.V, name => name == "zin" ? firstZin : null);
            if (_spec.Layers == 1)
            {
                w.Line(first);
            }
            else
            {
                w.Line($"if (k == 0) {first}");
                w.Line($"else {products.Call(Recur(first: false), Code.V, name => name == "zin" ? zinI : null)}");
                w.Line($"if (k < LayerCount - 1) {{ {Code.KernelMarshal}.CreateReadOnlySpan(ref h, {N(g.Padded)}).CopyTo({Code.KernelMarshal}.CreateSpan(ref {outI}, {N(g.Padded)})); continue; }}");
            }
            if (every) w.Line("WriteOutput(ref s, output.Slice((t0 + i) * StepOutputSize, StepOutputSize), kind);");
        }
    }
}
