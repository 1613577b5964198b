// Emits BackwardLanesCore: backpropagation through time for every lane of a lock-step tape. Per step: the head of the
// lanes in use, then each layer from the top (each lane's gate gradients and inputs into a block, Wᵀ·dz for all
// lanes); every block of steps, the weight gradients of the block as outer products.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes BackwardLanesCore (generic over the width) into the current part.</summary>
internal sealed class LaneBackwardEmitter(SourceWriter w, Geometry g, CellKind cell)
{
    private readonly ModelSpec _spec = g.Spec;

    public void Emit()
    {
        w.Line("/// <summary>Backpropagation through time for every lane at vector width V.</summary>");
        w.Line(Code.Optimize);
        using (w.Block($"private void BackwardLanesCore{Code.Generic}(ref float lt, ref {(_spec.IsTokenModel ? "int" : "float")} src, int lanes, int active, int maxSteps, int steps, ref float dOutAll, ref float grad){Code.WhereV}"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            w.Line("ref float wt = ref _transposed!.Reference;");
            w.Line("nuint lanesN = (nuint)lanes;");
            w.Line("ref float rec0 = ref lt;");
            w.Line($"ref float st = ref {Code.Unsafe}.Add(ref lt, LaneStateOffset(lanes, maxSteps));");
            w.Line($"ref float init = ref {Code.Unsafe}.Add(ref st, lanesN * LaneStateStride);");
            w.Line($"ref float dsAll = ref {Code.Unsafe}.Add(ref init, lanesN * StateLength);");
            w.Line($"ref float dxAll = ref {Code.Unsafe}.Add(ref dsAll, lanesN * StateLength);");
            w.Line($"ref float dlogAll = ref {Code.Unsafe}.Add(ref dxAll, lanesN * {N(g.LaneInputGradientLength)});");
            w.Line($"ref float blocks = ref {Code.Unsafe}.Add(ref dlogAll, lanesN * {N(g.HeadRow)});");
            w.Line("nuint blockSteps = (nuint)LaneBlockSteps(lanes), perSlot = blockSteps * lanesN; // a block holds blockSteps steps of every lane");
            w.Line($"{Code.KernelMarshal}.CreateSpan(ref dsAll, lanes * StateLength).Clear();");
            w.Line("nuint filled = 0;");
            using (w.Block("for (int t = steps - 1; t >= 0; t--)"))
            {
                w.Line($"ref float recStep = ref {Code.Unsafe}.Add(ref rec0, (nuint)t * lanesN * RecordStep);");
                EmitHeads();
                for (int k = _spec.Layers - 1; k >= 0; k--) EmitLayer(k);
                w.Line("filled++;");
                using (w.Block("if (filled == blockSteps || t == 0)"))
                {
                    w.Line("// The block's weight gradients: dW += Σ over its lane-steps of [1, x, h_prev] ⊗ dz.");
                    for (int k = 0; k < _spec.Layers; k++)
                    {
                        int rows = 1 + _spec.LayerInputSize(k) + _spec.Hidden;
                        w.Line($"{Code.Lanes}.OuterProducts<V>({Code.At("grad", g.LayerPackedOffsets[k])}, ref {Code.Unsafe}.Add(ref blocks, perSlot * {N(g.LaneInputBlock(k))}), {N(g.LaneInputRow(k))}, ref {Code.Unsafe}.Add(ref blocks, perSlot * {N(g.LaneDzBlock(k))}), filled * lanesN, {N(rows)}, {N(g.Row)});");
                    }
                    w.Line("filled = 0;");
                }
            }
        }
        w.Line();
    }

    /// <summary>The head backward of each lane in use.</summary>
    private void EmitHeads()
    {
        w.Line(_spec.Head == HeadKind.None ? "// Each lane's output gradient (lanes in use)." : "// The head of each lane in use.");
        using (w.Block("for (int l = 0; l < active; l++)"))
        {
            w.Line($"ref float recT = ref {Code.Unsafe}.Add(ref recStep, (nuint)l * RecordStep);");
            w.Line($"ref float ds = ref {Code.Unsafe}.Add(ref dsAll, (nuint)l * StateLength);");
            if (_spec.Head != HeadKind.None) w.Line($"ref float dlog = ref {Code.Unsafe}.Add(ref dlogAll, (nuint)l * {N(g.HeadRow)});");
            w.Line($"ref float dOut = ref {Code.Unsafe}.Add(ref dOutAll, l * {(_spec.HeadOn == HeadOnKind.EveryStep ? "steps * StepOutputSize" : "StepOutputSize")});");
            new HeadBackward(w, g).Emit();
        }
    }

    /// <summary>Layer <paramref name="k"/> of every lane: dz and the inputs into the block, then dx, dh_(t−1) = Wᵀ·dz for all lanes.</summary>
    private void EmitLayer(int k)
    {
        int row = g.Row, inK = _spec.LayerInputSize(k), inRow = g.LaneInputRow(k);
        w.Line($"// Layer {N(k)}, backward: each lane's dz ({cell.GradientEquations}) and inputs into the block, then dx, dh_(t−1) = Wᵀ·dz for every lane.");
        using (w.Open())
        {
            w.Line($"ref float dzBlock = ref {Code.Unsafe}.Add(ref blocks, perSlot * {N(g.LaneDzBlock(k))} + filled * lanesN * {N(row)});");
            w.Line($"ref float inBlock = ref {Code.Unsafe}.Add(ref blocks, perSlot * {N(g.LaneInputBlock(k))} + filled * lanesN * {N(inRow)});");
            using (w.Block("for (nuint l = 0; l < lanesN; l++)"))
            {
                int hPrev = k * g.RecordPerLayer + g.RecordHidden, cPrev = k * g.RecordPerLayer + g.RecordCell;
                w.Line($"ref float r = ref {Code.Unsafe}.Add(ref recStep, l * RecordStep + {N(k * g.RecordPerLayer)});");
                w.Line($"ref float dh = ref {Code.Unsafe}.Add(ref dsAll, l * StateLength + {N(g.HiddenOffset(k))});");
                w.Line($"ref float dc = ref {Code.Unsafe}.Add(ref dsAll, l * StateLength + {N(g.CellOffset(k))});");
                w.Line($"ref float hPrev = ref t > 0 ? ref {Code.Unsafe}.Add(ref rec0, ((nuint)(t - 1) * lanesN + l) * RecordStep + {N(hPrev)}) : ref {Code.Unsafe}.Add(ref init, l * StateLength + {N(g.HiddenOffset(k))});");
                w.Line($"ref float cPrev = ref t > 0 ? ref {Code.Unsafe}.Add(ref rec0, ((nuint)(t - 1) * lanesN + l) * RecordStep + {N(cPrev)}) : ref {Code.Unsafe}.Add(ref init, l * StateLength + {N(g.CellOffset(k))});");
                w.Line($"ref float dz = ref {Code.Unsafe}.Add(ref dzBlock, l * {N(row)});");
                foreach (string line in cell.Gradients(g, Code.V, inK, "dh")) w.Line(line);
                string input = k == 0
                    ? (_spec.IsTokenModel ? $"{Code.Unsafe}.Add(ref {Code.KernelMarshal}.GetArrayDataReference(_parameters), {Code.Unsafe}.Add(ref src, l * (nuint)maxSteps + (nuint)t) * EmbeddingSize)" : $"{Code.Unsafe}.Add(ref src, (l * (nuint)maxSteps + (nuint)t) * InputSize)")
                    : $"{Code.Unsafe}.Add(ref recStep, l * RecordStep + {N((k - 1) * g.RecordPerLayer + g.RecordHidden)})";
                w.Line($"// This step's inputs for the weight gradients: 1, {(k == 0 ? "the input" : $"h of layer {N(k - 1)}")}, h_(t−1).");
                w.Line($"ref float inRow = ref {Code.Unsafe}.Add(ref inBlock, l * {N(inRow)});");
                w.Line("inRow = 1;");
                w.Line($"{Code.KernelMarshal}.CreateReadOnlySpan(ref {input}, {N(inK)}).CopyTo({Code.KernelMarshal}.CreateSpan(ref {Code.Unsafe}.Add(ref inRow, 1), {N(inK)}));");
                w.Line($"{Code.KernelMarshal}.CreateReadOnlySpan(ref hPrev, {N(_spec.Hidden)}).CopyTo({Code.KernelMarshal}.CreateSpan(ref {Code.Unsafe}.Add(ref inRow, {N(1 + inK)}), {N(_spec.Hidden)}));");
            }
            w.Line($"{Code.Lanes}.Transposed<V>({Code.At("wt", g.TransposedOffset(k))}, {N(g.TransposedWidth(k))}, {N(Geometry.Pad(inK))}, {N(row)}, ref dzBlock, lanesN, ref dxAll, {N(g.LaneInputGradientLength)}, {Code.At("dsAll", g.HiddenOffset(k))}, StateLength);");
            EmitInputGradient(k);
        }
    }

    /// <summary>dx of every lane to the layer below's dh, or (token models) to the embedding rows of the lanes in use.</summary>
    private void EmitInputGradient(int k)
    {
        if (k != 0)
        {
            w.Line("// The layer below's h at this step feeds this layer: its gradient gets dx.");
            using (w.Block("for (nuint l = 0; l < lanesN; l++)"))
            {
                w.Line($"ref float dx = ref {Code.Unsafe}.Add(ref dxAll, l * {N(g.LaneInputGradientLength)});");
                w.Line($"ref float dhBelow = ref {Code.Unsafe}.Add(ref dsAll, l * StateLength + {N(g.HiddenOffset(k - 1))});");
                w.Line($"for (nuint j = 0; j < {N(_spec.Hidden)}; j++) {Code.Unsafe}.Add(ref dhBelow, j) += {Code.Unsafe}.Add(ref dx, j);");
            }
        }
        else if (_spec.IsTokenModel)
        {
            w.Line("// The embedding row of each lane's token gets dx (lanes in use only).");
            using (w.Block("for (nuint l = 0; l < (nuint)active; l++)"))
            {
                w.Line($"ref float dx = ref {Code.Unsafe}.Add(ref dxAll, l * {N(g.LaneInputGradientLength)});");
                w.Line($"ref float ge = ref {Code.Unsafe}.Add(ref grad, {N(g.EmbeddingGradients)} + {Code.Unsafe}.Add(ref src, l * (nuint)maxSteps + (nuint)t) * EmbeddingSize);");
                w.Line($"for (nuint j = 0; j < {N(_spec.Embedding)}; j++) {Code.Unsafe}.Add(ref ge, j) += {Code.Unsafe}.Add(ref dx, j);");
            }
        }
    }
}
