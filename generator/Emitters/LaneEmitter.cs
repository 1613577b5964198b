// Emits lock-step lane training (ILaneTrainableModel): equal-length sequences run together so every weight vector
// loaded serves several lanes, and the weight gradients are formed per block of steps as outer products. The
// products are the runtime's LaneKernels; what is generated is the model's own glue: its layers, sizes and head.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes the lane members (main file) and ForwardLanesCore, BackwardLanesCore (training file).</summary>
internal sealed class LaneEmitter(SourceWriter w, Geometry g, CellKind cell)
{
    /// <summary>Lanes every lane kernel processes together; a tape's lane count is rounded up to a multiple.</summary>
    private const int LaneGroup = 4;

    /// <summary>Lane-steps gathered before the weight gradients are updated (the K of the outer-product sums).</summary>
    private const int LaneBlockTarget = 256;

    private readonly ModelSpec _spec = g.Spec;

    private string OutputLength => _spec.HeadOn == HeadOnKind.EveryStep ? "steps * StepOutputSize" : "StepOutputSize";

    public void Emit()
    {
        EmitMembers();
        EmitForwardLanes();
        EmitBackwardLanes();
        EmitEnsureTransposed();
        using (w.Part(ModelEmitter.TrainingPart))
        {
            EmitForwardLanesCore();
            new LaneBackwardEmitter(w, g, cell).Emit();
        }
    }

    private void EmitMembers()
    {
        w.Line($"private const int LaneStateStride = {N(g.LaneStateStride)}; // per lane: h, c per layer, gate sums{(g.HeadRow > 0 ? ", logits" : "")}");
        w.Line($"private const int LaneFixedFloats = {N(g.LaneFixedFloats)}; // per lane: working state, h0/c0, dh/dc, dx{(g.HeadRow > 0 ? ", dlogits" : "")}");
        w.Line($"private const int LaneBlockFloats = {N(g.LaneBlockFloats)}; // per lane-step of a gradient block: each layer's dz and [1, x, h_prev]");
        w.Line($"private const int TransposedLength = {N(g.TransposedLength)}; // per layer, Row × (padded inputs + P): W_ih and W_hh transposed");
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
        using (w.Block($"public {Code.LaneTape} CreateLaneTape(int lanes, int maxSteps)"))
        {
            w.Line("global::System.ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lanes);");
            w.Line("global::System.ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);");
            w.Line($"int rounded = (lanes + {N(LaneGroup - 1)}) / {N(LaneGroup)} * {N(LaneGroup)};");
            w.Line("long floats = (long)maxSteps * rounded * RecordStep + (long)rounded * LaneFixedFloats + (long)LaneBlockSteps(rounded) * rounded * LaneBlockFloats;");
            w.Line("if (floats > global::System.Array.MaxLength) throw new global::System.ArgumentOutOfRangeException(nameof(maxSteps), maxSteps, $\"A lane tape of {rounded} lanes × {maxSteps} steps needs {floats} floats, more than an array holds.\");");
            w.Line($"return new {Code.LaneTape}(s_shape, TrainingLayout, rounded, maxSteps, (int)floats);");
        }
        w.Line();
    }

    private void EmitForwardLanes()
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void ForwardLanes({Code.LaneTape} tape, int steps, global::System.ReadOnlySpan<{Code.State}> states, {Code.Span} outputs)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(tape);");
            w.Line("int active = states.Length;");
            w.Line("tape.Begin(s_shape, TrainingLayout, steps, active);");
            w.Line("int lanes = tape.Lanes, maxSteps = tape.MaxSteps;");
            w.Line($"int outputLength = {OutputLength};");
            w.Line("if (outputs.Length != active * outputLength)");
            w.Line("    throw new global::System.ArgumentException($\"Expected {active * outputLength} outputs (lanes × {outputLength}), got {outputs.Length}.\", nameof(outputs));");
            if (_spec.IsTokenModel)
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
            w.Line("ref float st = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref lt, LaneStateOffset(lanes, maxSteps));");
            w.Line("ref float init = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref st, (nuint)lanes * LaneStateStride);");
            w.Line("// Each lane starts from its state (h0, c0 are kept for the backward pass); unused lanes from zeros.");
            using (w.Block("for (int l = 0; l < lanes; l++)"))
            {
                w.Line($"global::System.Span<float> s = {Code.Marshal}.CreateSpan(ref global::System.Runtime.CompilerServices.Unsafe.Add(ref st, (nuint)l * LaneStateStride), StateLength);");
                using (w.Block("if (l < active)"))
                {
                    w.Line($"{Code.State} state = states[l] ?? throw new global::System.ArgumentNullException(nameof(states), $\"State {{l}} is null.\");");
                    w.Line("state.EnsureShape(LayerCount, HiddenSize, 0, ScratchLength, nameof(states));");
                    w.Line($"{Code.Marshal}.CreateReadOnlySpan(ref state.GetReference(), StateLength).CopyTo(s);");
                }
                w.Line("else s.Clear();");
                w.Line($"s.CopyTo({Code.Marshal}.CreateSpan(ref global::System.Runtime.CompilerServices.Unsafe.Add(ref init, (nuint)l * StateLength), StateLength));");
            }
            string source = _spec.IsTokenModel ? "ref tape.GetTokenReference()" : "ref tape.GetInputReference()";
            Code.Dispatch(w, "ForwardLanesCore", $"ref lt, {source}, lanes, active, maxSteps, steps, ref {Code.Marshal}.GetReference(outputs)");
            w.Line("for (int l = 0; l < active; l++)");
            w.Line($"    {Code.Marshal}.CreateReadOnlySpan(ref global::System.Runtime.CompilerServices.Unsafe.Add(ref st, (nuint)l * LaneStateStride), StateLength).CopyTo({Code.Marshal}.CreateSpan(ref states[l].GetReference(), StateLength));");
        }
        w.Line();
    }

    private void EmitBackwardLanes()
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void BackwardLanes({Code.LaneTape} tape, {Code.ReadOnlySpan} outputGradients, {Code.Gradients} gradients)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(tape);");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(gradients);");
            w.Line("tape.EnsureRecorded(s_shape, TrainingLayout);");
            w.Line("gradients.EnsureShape(s_shape, TrainingLayout);");
            w.Line("int steps = tape.Steps, active = tape.ActiveLanes;");
            w.Line($"int outputLength = {OutputLength};");
            w.Line("if (outputGradients.Length != active * outputLength)");
            w.Line("    throw new global::System.ArgumentException($\"Expected {active * outputLength} output gradients (lanes × {outputLength}), got {outputGradients.Length}.\", nameof(outputGradients));");
            w.Line("EnsureTransposed();");
            string source = _spec.IsTokenModel ? "ref tape.GetTokenReference()" : "ref tape.GetInputReference()";
            Code.Dispatch(w, "BackwardLanesCore", $"ref tape.GetReference(), {source}, tape.Lanes, active, tape.MaxSteps, steps, ref {Code.Marshal}.GetReference(outputGradients), ref gradients.GetReference()");
        }
        w.Line();
    }

    /// <summary>The transposed input and recurrent weights the lane backward pass reads, rebuilt once per parameter change.</summary>
    private void EmitEnsureTransposed()
    {
        const string unsafeType = "global::System.Runtime.CompilerServices.Unsafe";
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
                for (int k = 0; k < _spec.Layers; k++)
                {
                    int inK = _spec.LayerInputSize(k), tw = g.TransposedWidth(k), padIn = Geometry.Pad(inK);
                    w.Line($"// Layer {N(k)}: wt[col, j] = W row 1 + j (inputs), wt[col, {N(padIn)} + u] = W row {N(1 + inK)} + u (recurrent).");
                    using (w.Block($"for (nuint col = 0; col < {N(g.Row)}; col++)"))
                    {
                        w.Line($"ref float src = ref {unsafeType}.Add(ref packed, {N(g.LayerPackedOffsets[k])} + col);");
                        w.Line($"ref float dst = ref {unsafeType}.Add(ref wt, {N(g.TransposedOffset(k))} + col * {N(tw)});");
                        w.Line($"for (nuint j = 0; j < {N(inK)}; j++) {unsafeType}.Add(ref dst, j) = {unsafeType}.Add(ref src, (1 + j) * {N(g.Row)});");
                        w.Line($"for (nuint u = 0; u < {N(_spec.Hidden)}; u++) {unsafeType}.Add(ref dst, {N(padIn)} + u) = {unsafeType}.Add(ref src, ({N(1 + inK)} + u) * {N(g.Row)});");
                    }
                }
                w.Line("global::System.Threading.Volatile.Write(ref _transposedVersion, _parametersVersion);");
            }
        }
        w.Line();
    }

    /// <summary>The recording forward pass of every lane: per step and layer, the gate sums of all lanes, then each lane's recorded cell update.</summary>
    private void EmitForwardLanesCore()
    {
        bool every = _spec.HeadOn == HeadOnKind.EveryStep;
        w.Line("/// <summary>The recording forward pass of every lane at vector width V.</summary>");
        w.Line(Code.Optimize);
        using (w.Block($"private void ForwardLanesCore{Code.Generic}(ref float lt, ref {(_spec.IsTokenModel ? "int" : "float")} src, int lanes, int active, int maxSteps, int steps, ref float outputs){Code.WhereV}"))
        {
            w.Line("ref float packed = ref _packed.Reference;");
            w.Line("nuint lanesN = (nuint)lanes;");
            w.Line($"ref float st = ref {Code.Unsafe}.Add(ref lt, LaneStateOffset(lanes, maxSteps)); // per lane: h, c per layer, then the gate sums");
            using (w.Block("for (int t = 0; t < steps; t++)"))
            {
                w.Line($"ref float recStep = ref {Code.Unsafe}.Add(ref lt, (nuint)t * lanesN * RecordStep);");
                for (int k = 0; k < _spec.Layers; k++)
                {
                    w.Line($"// Layer {N(k)}: the gate sums z = b + W_ih·x + W_hh·h of every lane, then each lane's cell update ({cell.Equations}), recorded.");
                    w.Line($"{Code.Lanes}.Gates<V>({Code.At("packed", g.LayerPackedOffsets[k])}, {N(g.Row)}, {LaneInputs(k)}, {N(_spec.LayerInputSize(k))},");
                    w.Line($"    {Code.Support}LaneRows.Strided({Code.At("st", g.HiddenOffset(k))}, LaneStateStride), {N(_spec.Hidden)}, {Code.At("st", g.GateSums)}, LaneStateStride, lanesN);");
                    using (w.Block("for (nuint l = 0; l < lanesN; l++)"))
                    {
                        w.Line($"ref float s = ref {Code.Unsafe}.Add(ref st, l * LaneStateStride);");
                        w.Line($"ref float z = {Code.At("s", g.GateSums)};");
                        w.Line($"ref float h = {Code.At("s", g.HiddenOffset(k))};");
                        w.Line($"ref float c = {Code.At("s", g.CellOffset(k))};");
                        w.Line($"ref float r = ref {Code.Unsafe}.Add(ref recStep, l * RecordStep + {N(k * g.RecordPerLayer)});");
                        w.Line(cell.UpdateBlocks(Code.V, record: true, "h", g.Blocks));
                    }
                }
                if (every)
                {
                    w.Line("for (int l = 0; l < active; l++)");
                    w.Line($"    WriteOutput(ref {Code.Unsafe}.Add(ref st, (nuint)l * LaneStateStride), {Code.KernelMarshal}.CreateSpan(ref {Code.Unsafe}.Add(ref outputs, (l * steps + t) * StepOutputSize), StepOutputSize), {Code.HeadOutput}.Logits);");
                }
            }
            if (!every)
            {
                w.Line("for (int l = 0; l < active; l++)");
                w.Line($"    WriteOutput(ref {Code.Unsafe}.Add(ref st, (nuint)l * LaneStateStride), {Code.KernelMarshal}.CreateSpan(ref {Code.Unsafe}.Add(ref outputs, l * StepOutputSize), StepOutputSize), {Code.HeadOutput}.Logits);");
            }
        }
        w.Line();
    }

    /// <summary>Layer <paramref name="k"/>'s input rows of every lane at step t: the lanes' inputs (or tokens' embedding rows), or the layer below's h.</summary>
    private string LaneInputs(int k)
    {
        if (k > 0) return $"{Code.Support}LaneRows.Strided({Code.At("st", g.HiddenOffset(k - 1))}, LaneStateStride)";
        return _spec.IsTokenModel
            ? $"{Code.Support}LaneRows.Embedded(ref {Code.KernelMarshal}.GetArrayDataReference(_parameters), EmbeddingSize, ref {Code.Unsafe}.Add(ref src, t), (nuint)maxSteps)"
            : $"{Code.Support}LaneRows.Strided(ref {Code.Unsafe}.Add(ref src, t * InputSize), (nuint)maxSteps * InputSize)";
    }
}
