// Emits the head's part of a backward step (shared by the per-sample and the lane backward passes): the output
// gradient through the linear head into the top layer's dh, and the head's weight gradients.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>
/// Writes the head backward of step <c>t</c> in the scope of a backward kernel that has <c>packed</c>, <c>grad</c>,
/// the step's record <c>recT</c>, the carried gradients <c>ds</c>, <c>dlog</c> and the output gradients <c>dOut</c>.
/// </summary>
internal sealed class HeadBackward(SourceWriter w, Geometry g)
{
    public void Emit()
    {
        ModelSpec spec = g.Spec;
        bool every = spec.HeadOn == HeadOnKind.EveryStep;
        int top = spec.Layers - 1;
        string dOut = every ? $"{Code.Unsafe}.Add(ref dOut, t * StepOutputSize)" : "dOut";
        w.Line(every ? "// This step's output gradient." : "// The output gradient belongs to the last step.");
        using (every ? w.Open() : w.Block("if (t == steps - 1)"))
        {
            w.Line($"ref float dhTop = {Code.At("ds", g.HiddenOffset(top))};");
            if (spec.Head == HeadKind.None)
            {
                w.Line($"ref float d = ref {dOut};");
                w.Line($"for (nuint j = 0; j < {N(spec.Recurrent)}; j++) {Code.Unsafe}.Add(ref dhTop, j) += {Code.Unsafe}.Add(ref d, j);");
                return;
            }
            w.Line($"// The head: dW += dlogits ⊗ h, db += dlogits, dh += Wᵀ·dlogits ({N(spec.Outputs)} logit(s), {N(g.HeadRow)} padded columns).");
            w.Line($"{Code.KernelMarshal}.CreateReadOnlySpan(ref {dOut}, OutputSize).CopyTo({Code.KernelMarshal}.CreateSpan(ref dlog, OutputSize));");
            w.Line($"{Code.Matrix}.Backward<V>({Code.At("packed", g.HeadPackedOffset)}, {Code.At("grad", g.HeadPackedOffset)}, {N(g.HeadRow)}, ref dlog, {Code.At("recT", top * g.RecordPerLayer + g.RecordHidden)}, {N(spec.Recurrent)}, ref dhTop);");
        }
    }
}
