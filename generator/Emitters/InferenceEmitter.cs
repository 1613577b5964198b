// Emits the inference kernels of a unidirectional model, generic over the vector width: one step through every
// layer (each layer a product and its cell update), the head, and the layer-major whole-sequence Predict.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes StepCore, HeadCore and PredictLayerMajor (the kernels file) and their products.</summary>
internal sealed class InferenceEmitter(SourceWriter w, Geometry g, CellKind cell)
{
    private readonly ModelSpec _spec = g.Spec;
    private readonly ProductEmitter _products = new(w, g, cell);

    public void Emit()
    {
        using (w.Part(ModelEmitter.InferencePart))
        {
            EmitStepCore();
            if (_spec.Head != HeadKind.None) EmitHeadCore();
            if (g.LayerMajor) new LayerMajorEmitter(w, g, cell, _products).Emit();
        }
    }

    /// <summary>The product of one layer in a step: the gate sums from its input (or, with an input table, the token's row) and h, then the cell update.</summary>
    public static ForwardProduct StepLayer(Geometry g, bool first)
    {
        ModelSpec spec = g.Spec;
        int inputs = spec.LayerInputSize(first ? 0 : 1);
        string output = spec.HasProjection ? "m" : "h", name = first ? "StepLayer0" : "StepLayerUpper";
        var recurrent = new RowRun("h", spec.Recurrent, "recurrent h");
        string what = first ? (spec.IsTokenModel ? "embedding row" : "input") : "h of the layer below";
        if (first && g.HasInputTable)
        {
            return new ForwardProduct(name, $"Layer 0 of a step: z = this token's row of the input-projection table (bias + W_ih·embedding) + W_hh·h, {N(spec.Hidden)} units; then {cell(spec)}.",
                g.Row, new[] { recurrent })
            { Initial = "input", FirstRow = 1 + inputs, BFloat16 = spec.BFloat16Inference, Cell = new CellTail(false, output), LayerInputs = inputs };
        }
        return new ForwardProduct(name, $"{(first ? "Layer 0" : "A layer above the first")} of a step: z = (b_ih + b_hh) + W_ih·x + W_hh·h, {N(spec.Hidden)} units from {N(inputs)} inputs; then {cell(spec)}.",
            g.Row, new[] { new RowRun("input", inputs, what), recurrent })
        { BFloat16 = spec.BFloat16Inference, Cell = new CellTail(false, output), LayerInputs = inputs };

        static string cell(ModelSpec spec) => spec.HasProjection ? "the cell update, o·tanh(c) into m" : "the cell update";
    }

    private void EmitStepCore()
    {
        var first = StepLayer(g, first: true);
        var upper = _spec.Layers > 1 ? StepLayer(g, first: false) : null;
        w.Line($"/// <summary>One step through all {N(_spec.Layers)} layer(s) at vector width V: the layer-0 input at x, the state at s (h, c per layer, then scratch).</summary>");
        w.Line(Code.Optimize);
        using (w.Block($"private void StepCore{Code.Generic}(ref float x, ref float s){Code.WhereV}"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            if (_spec.BFloat16Inference) w.Line("ref ushort packedq = ref _packedBFloat16.Reference; // the same rows as bfloat16 (the products read their bias rows from packed)");
            w.Line($"ref float z = {Code.At("s", g.GateSums)}; // gate sums");
            if (_spec.HasProjection) w.Line($"ref float m = {Code.At("s", g.ProjectionScratch)}; // o·tanh(c), the projection's input");
            LayerSite.ForEach(w, g, layer =>
            {
                w.Line($"// {layer.Label}: {cell.Equations}, from the {layer.InputWhat}.");
                string input = layer.Input is null ? "x" : Code.Offset("s", layer.Input);
                w.Line(_products.Call(layer.IsFirst ? first : upper!, Code.V, name => name switch
                {
                    "w" => Code.Offset("packed", layer.Packed),
                    "wq" => Code.Offset("packedq", layer.Packed),
                    "input" => input,
                    "h" => Code.Offset("s", layer.Hidden),
                    "c" => Code.Offset("s", layer.Cell),
                    _ => null,
                }));
                if (_spec.HasProjection) EmitProjection(layer);
            });
        }
        w.Line();
        _products.Emit(first);
        if (upper is not null) _products.Emit(upper);
    }

    /// <summary>h = W_hr·m after a projected layer's cell update (the packed W_hr follows the layer's gate rows).</summary>
    private void EmitProjection(LayerSite layer)
    {
        w.Line($"// Projection: h = W_hr·m, {N(_spec.Projection)} values from {N(_spec.Hidden)}.");
        w.Line($"{Code.Support}ProjectionStep.Forward<V>(ref {Code.Unsafe}.Add(ref packed, {layer.Packed} + {N(g.GateBlock(layer.InputCount))}), ref m, {N(_spec.Hidden)}, ref {Code.Unsafe}.Add(ref s, {layer.Hidden}), {N(g.ProjectionRow)});");
    }

    private void EmitHeadCore()
    {
        w.Line($"/// <summary>The linear head on the top layer's h: {N(_spec.Outputs)} logit(s) into the state's scratch{(g.DotHead ? ", each a dot product with a row of the head (few outputs)" : "")}.</summary>");
        using (w.Block($"private void HeadCore{Code.Generic}(ref float s){Code.WhereV}"))
        {
            w.Line($"ref float h = {Code.At("s", g.HiddenOffset(_spec.Layers - 1))};");
            w.Line($"ref float y = {Code.At("s", g.Logits)};");
            if (g.DotHead)
            {
                w.Line($"// y_o = b_o + Σ_u W[o, u]·h_u, the rows from the by-rows copy of head.weight ({N(Geometry.Pad(g.TopWidth))} floats each).");
                w.Line($"{Code.Matrix}.DotRows<V>(ref _headRows.Reference, ref h, {N(Geometry.Pad(g.TopWidth))}, {N(_spec.Outputs)}, ref y);");
            }
            else
            {
                w.Line($"ref float w = {Code.At("_packed.Reference", g.HeadPackedOffset)};");
                w.Line($"// y = b + W·h over {N(g.HeadRow)} padded columns.");
                w.Line($"{Code.Matrix}.Forward<V>(ref w, {Code.At("w", g.HeadRow)}, {N(g.HeadRow)}, ref h, {N(_spec.Recurrent)}, ref y);");
            }
        }
        w.Line();
    }
}
