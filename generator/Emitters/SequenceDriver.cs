// Emits the whole-sequence driver of a bidirectional model, generic over the vector width: per layer, the forward
// direction over t = 0…T−1, then the reverse over T−1…0, each step one layer-step product; Predict keeps each layer's
// outputs in two buffers for the layer above, the recording variant reads them back from the training record.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes PredictSequence (inference) or RecordSequence (training) into the current part.</summary>
internal sealed class SequenceDriver(SourceWriter w, Geometry g, CellKind cell, ProductEmitter products, bool record)
{
    private readonly ModelSpec _spec = g.Spec;

    private int P => g.Padded;

    public void Emit()
    {
        string input = _spec.IsTokenModel ? "global::System.ReadOnlySpan<int> tokens" : "ref float x";
        string tail = record ? "ref float rec" + (_spec.HasDropout ? ", ulong seed" : "") : "ref float below";
        w.Line(record
            ? "/// <summary>The recording forward pass over a whole sequence at vector width V: layer by layer, forward then reverse, every step recorded at rec.</summary>"
            : $"/// <summary>Predict's layers over a whole sequence at vector width V: layer by layer, forward then reverse; each layer's outputs per step ([forward h | reverse h], {N(BidirectionalEmitter.Stride(g))} floats) go to the buffer after <paramref name=\"below\"/>'s, which then swap.</summary>");
        w.Line(Code.Optimize);
        using (w.Block($"private void {(record ? "RecordSequence" : "PredictSequence")}{Code.Generic}({input}, int steps, ref float s, {tail}){Code.WhereV}"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            w.Line($"ref float z = {Code.At("s", g.GateSums)}; // gate sums");
            if (_spec.HasProjection && !record) w.Line($"ref float m = {Code.At("s", g.ProjectionScratch)}; // o·tanh(c), the projection's input");
            if (!record) w.Line($"ref float above = ref {Code.Unsafe}.Add(ref below, steps * {N(BidirectionalEmitter.Stride(g))});");
            using (w.Block("for (int k = 0; k < LayerCount; k++)"))
            {
                if (record) EmitDropout();
                using (w.Block("for (int d = 0; d < DirectionCount; d++)"))
                {
                    w.Line($"ref float w = ref {Code.Unsafe}.Add(ref packed, PackedLayerOffset(k, d));");
                    w.Line($"ref float h = ref {Code.Unsafe}.Add(ref s, (k * 2 + d) * {N(2 * P)});");
                    w.Line($"ref float c = {Code.At("h", P)};");
                    w.Line($"// Each step: {cell.Equations}.");
                    using (w.Block("for (int i = 0; i < steps; i++)"))
                    {
                        w.Line("int t = d == 0 ? i : steps - 1 - i; // the reverse direction runs from the last step to the first");
                        EmitStep();
                    }
                }
                if (!record)
                {
                    w.Line("// This layer's outputs are the next layer's inputs.");
                    w.Line("ref float swap = ref below;");
                    w.Line("below = ref above;");
                    w.Line("above = ref swap;");
                }
            }
        }
        w.Line();
    }

    /// <summary>Dropout (training) on layer k's input: the model input's mask per step, or the layer below's outputs' (both halves), recorded.</summary>
    private void EmitDropout()
    {
        if (_spec.InputDropout > 0)
        {
            w.Line($"// Dropout on the model's input, p = {F(_spec.InputDropout)}: one mask per step, shared by both directions; masked input and mask recorded.");
            w.Line("if (k == 0)");
            w.Line("    for (int t = 0; t < steps; t++)");
            w.Line($"        {Code.Dropout}.Apply(ref {FirstInput()}, ref {Code.Unsafe}.Add(ref rec, t * RecordStep + {N(g.DropoutBase + g.DropoutInputWidth)}), ref {Code.Unsafe}.Add(ref rec, t * RecordStep + {N(g.DropoutSite(0))}), {N(_spec.InputSize)}, {F(_spec.InputDropout)}, seed, t, 0, 0);");
        }
        if (_spec.Dropout > 0 && _spec.Layers > 1)
        {
            int rpl = g.RecordPerLayer;
            w.Line($"// Dropout on the layer below's output [forward h | reverse h], p = {F(_spec.Dropout)}: one mask per step, shared by both directions; masked copy and mask recorded.");
            using (w.Block("if (k > 0)"))
            {
                using (w.Block("for (int t = 0; t < steps; t++)"))
                {
                    w.Line($"ref float masked = ref {Code.Unsafe}.Add(ref rec, t * RecordStep + {UpperSite()});");
                    w.Line($"ref float below = ref {Code.Unsafe}.Add(ref rec, t * RecordStep + (k - 1) * {N(2 * rpl)} + {N(g.RecordHidden)});");
                    w.Line($"{Code.Dropout}.Apply(ref below, {Code.At("masked", 2 * P)}, ref masked, {N(_spec.Recurrent)}, {F(_spec.Dropout)}, seed, t, k, 0);");
                    w.Line($"{Code.Dropout}.Apply({Code.At("below", rpl)}, {Code.At("masked", 3 * P)}, {Code.At("masked", P)}, {N(_spec.Recurrent)}, {F(_spec.Dropout)}, seed, t, k, {N(_spec.Recurrent)});");
                }
            }
        }
    }

    /// <summary>One step of layer k in direction d: the layer-step product, the projection, and (Predict) the step's output kept for the layer above.</summary>
    private void EmitStep()
    {
        int stride = BidirectionalEmitter.Stride(g);
        if (record)
        {
            w.Line($"ref float r = ref {Code.Unsafe}.Add(ref rec, t * RecordStep + (k * 2 + d) * {N(g.RecordPerLayer)});");
            if (_spec.HasProjection) w.Line($"ref float m = {Code.At("r", g.RecordOutput)}; // o·tanh(c), recorded: the projection's input");
        }
        string first = record && _spec.InputDropout > 0 ? $"{Code.Unsafe}.Add(ref rec, t * RecordStep + {N(g.DropoutSite(0))})" : FirstInput();
        ForwardProduct firstLayer = record ? TrainingKernelEmitter.RecordLayer(g, first: true) : InferenceEmitter.StepLayer(g, first: true);
        string firstCall = products.Call(firstLayer, Code.V, name => name == "input" ? first : null);
        if (_spec.Layers == 1)
        {
            w.Line(firstCall);
        }
        else
        {
            string forward, reverse;
            if (!record) (forward, reverse) = ($"{Code.Unsafe}.Add(ref below, t * {N(stride)})", $"{Code.Unsafe}.Add(ref below, t * {N(stride)} + {N(P)})");
            else if (_spec.Dropout > 0) (forward, reverse) = ($"{Code.Unsafe}.Add(ref rec, t * RecordStep + {UpperSite()})", $"{Code.Unsafe}.Add(ref rec, t * RecordStep + {UpperSite()} + {N(P)})");
            else (forward, reverse) = ($"{Code.Unsafe}.Add(ref rec, t * RecordStep + (k - 1) * {N(2 * g.RecordPerLayer)} + {N(g.RecordHidden)})", $"{Code.Unsafe}.Add(ref rec, t * RecordStep + (k - 1) * {N(2 * g.RecordPerLayer)} + {N(g.RecordPerLayer + g.RecordHidden)})");
            w.Line($"if (k == 0) {firstCall}");
            w.Line(record && _spec.Dropout > 0 ? "// Upper layers read the masked outputs of both directions of the layer below at this step."
                : record ? "// Upper layers read the recorded h of both directions of the layer below at this step." : "// Upper layers read both directions' outputs of the layer below at this step.");
            w.Line($"else {products.Call(BidirectionalEmitter.UpperLayer(g, record), Code.V, name => name switch { "input" => forward, "inputB" => reverse, _ => null })}");
        }
        if (_spec.HasProjection)
        {
            string gateBlock = _spec.Layers == 1 ? N(g.GateBlock(_spec.InputSize)) : $"(k == 0 ? {N(g.GateBlock(_spec.InputSize))} : {N(g.GateBlock(2 * _spec.Recurrent))})";
            w.Line($"{Code.Support}ProjectionStep.Forward<V>(ref {Code.Unsafe}.Add(ref w, {gateBlock}), ref m, {N(_spec.Hidden)}, ref h, {N(g.ProjectionRow)}); // h = W_hr·m");
            if (record) w.Line($"{Code.KernelMarshal}.CreateReadOnlySpan(ref h, {N(g.ProjectionRow)}).CopyTo({Code.KernelMarshal}.CreateSpan({Code.At("r", g.RecordHidden)}, {N(g.ProjectionRow)}));");
        }
        if (!record)
            w.Line($"{Code.KernelMarshal}.CreateReadOnlySpan(ref h, {N(P)}).CopyTo({Code.KernelMarshal}.CreateSpan(ref {Code.Unsafe}.Add(ref above, t * {N(stride)} + d * {N(P)}), {N(P)}));");
    }

    /// <summary>The model input of step t: the token's embedding row, or the float inputs.</summary>
    private string FirstInput() => _spec.IsTokenModel ? "EmbeddingRow(tokens[t])" : $"{Code.Unsafe}.Add(ref x, t * InputSize)";

    /// <summary>Offset in a step's record of layer k's (k ≥ 1) masked inputs.</summary>
    private string UpperSite() => $"{N(g.DropoutSite(1))} + (k - 1) * {N(2 * g.DropoutUpperWidth)}";
}
