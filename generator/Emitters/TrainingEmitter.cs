// Emits the training entry points of a model (tapes and gradient buffers, the recording Forward, Backward, and the
// conversion of the packed gradients to PyTorch layout) and hands the kernels to the training-kernel emitters.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes the model's training members.</summary>
internal sealed class TrainingEmitter(SourceWriter w, Geometry g, CellKind cell)
{
    private const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    private readonly ModelSpec _spec = g.Spec;

    private bool Every => _spec.HeadOn == HeadOnKind.EveryStep;

    public void Emit()
    {
        w.Line(_spec.Bidirectional
            ? $"private const int RecordStep = {N(g.RecordStep)}; // per step, per layer and direction: 4·{N(g.Padded)} gate activations, c, tanh(c), h; then two layers' output gradients"
            : $"private const int RecordStep = {N(g.RecordStep)}; // per step, per layer: 4·{N(g.Padded)} gate activations, c, tanh(c), h");
        w.Line($"private const int TapeFixedFloats = {N(g.FixedFloats)}; // initial state, dh/dc, dz, dx{(g.HeadRow > 0 ? ", dlogits" : "")}{(_spec.HasProjection ? ", dm" : "")}");
        w.Line("private const string TrainingLayout = \"lstmgen-packed-v1\"; // tapes and gradient buffers are only valid for models with this layout");
        w.Line($"private const int GradientLength = {N(g.GradientLength)}; // packed gradients{(_spec.IsTokenModel ? ", embedding gradients" : "")}");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public {Code.Tape} CreateTape(int maxSteps)"))
            w.Line($"return {Code.Support}TapeMarshal.CreateTape(s_shape, TrainingLayout, maxSteps, RecordStep, TapeFixedFloats);");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {Code.Gradients} CreateGradients() => {Code.Support}TapeMarshal.CreateGradients(s_shape, TrainingLayout, GradientLength);");
        w.Line();
        EmitCopyGradients();
        EmitForward();
        EmitBackward();
        if (_spec.Bidirectional)
        {
            new BidirectionalTrainingEmitter(w, g, cell).Emit();
            return;
        }
        new TrainingKernelEmitter(w, g, cell).Emit();
        if (FeatureSupport.HasLanes(_spec)) new LaneEmitter(w, g, cell).Emit();
    }

    /// <summary>PyTorch-layout gradients from the packed ones (GateLayout's unpacking, layer by layer).</summary>
    private void EmitCopyGradients()
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void CopyGradients({Code.Gradients} source, {Code.Span} destination)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(source);");
            w.Line("source.EnsureShape(s_shape, TrainingLayout, nameof(source));");
            w.Line("if (destination.Length != ParameterCount)");
            w.Line("    throw new global::System.ArgumentException($\"Expected a destination of {ParameterCount} floats (ParameterCount), got {destination.Length}.\", nameof(destination));");
            w.Line($"{Code.ReadOnlySpan} g = source.Values;");
            int embedding = _spec.Vocabulary * _spec.Embedding;
            if (_spec.IsTokenModel)
                w.Line($"g.Slice({N(g.EmbeddingGradients)}, {N(embedding)}).CopyTo(destination.Slice(0, {N(embedding)}));");
            using (w.Block(_spec.Bidirectional ? "for (int slot = 0; slot < StateSlotCount; slot++)" : "for (int layer = 0; layer < LayerCount; layer++)"))
            {
                int gates = _spec.GatesPerUnit * _spec.Hidden;
                if (_spec.Bidirectional) w.Line("int layer = slot >> 1, direction = slot & 1;");
                w.Line($"int inputs = LayerInputSize(layer), offset = LayerOffset(layer{(_spec.Bidirectional ? ", direction" : "")});");
                string hw = ApiText.HWidth(_spec), packedLayer = _spec.Bidirectional ? "PackedLayerOffset(layer, direction)" : "PackedLayerOffset(layer)";
                w.Line($"{Code.Support}GateLayout.{(_spec.IsGru ? "UnpackGruLayerGradients" : "UnpackLayerGradients")}(g.Slice({packedLayer}, (1 + inputs + {hw}) * {N(g.Row)}), inputs, {(_spec.HasProjection ? "HiddenSize, ProjectionSize" : "HiddenSize")},");
                w.Line($"    destination.Slice(offset, {N(gates)} * inputs), destination.Slice(offset + {N(gates)} * inputs, {N(gates * _spec.Recurrent)}),");
                w.Line($"    destination.Slice(offset + {N(gates)} * (inputs + {hw}), {N(gates)}), destination.Slice(offset + {N(gates)} * (inputs + {hw} + 1), {N(gates)}));");
                string projection = _spec.HasProjection ? $" + {N(_spec.Projection * _spec.Hidden)}" : "";
                if (_spec.HasProjection)
                    w.Line($"{Code.Support}GateLayout.UnpackProjectionGradients(g.Slice({packedLayer} + ({N(_spec.ExtraRows)} + inputs + ProjectionSize) * {N(g.Row)}, {N(g.ProjectionBlock)}), HiddenSize, ProjectionSize, destination.Slice(offset + {N(gates)} * (inputs + ProjectionSize + 2), {N(_spec.Projection * _spec.Hidden)}));");
                if (_spec.Peephole)
                    w.Line($"{Code.Support}GateLayout.UnpackPeepholeGradients(g.Slice({packedLayer} + (1 + inputs + {hw}) * {N(g.Row)}, {N(g.Row)}), HiddenSize, destination.Slice(offset + {N(gates)} * (inputs + {hw} + 2){projection}, {N(3 * _spec.Hidden)}));");
            }
            if (_spec.Head != HeadKind.None)
                w.Line($"{Code.Support}GateLayout.UnpackHeadGradients(g.Slice({N(g.HeadPackedOffset)}, {N(g.PackedLength - g.HeadPackedOffset)}), {(_spec.Bidirectional ? "2 * " + ApiText.HWidth(_spec) : ApiText.HWidth(_spec))}, OutputSize, destination.Slice({N(g.HeadWeightOffset)}, {N(_spec.Outputs * g.TopWidth)}), destination.Slice({N(g.HeadBiasOffset)}, {N(_spec.Outputs)}));");
        }
        w.Line();
    }

    /// <summary>The recording Forward: argument checks, the tape begun with the initial state and the inputs, then the steps (or the bidirectional driver).</summary>
    private void EmitForward()
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Forward({ApiText.SequenceInput(_spec)}, {Code.Span} outputs, {Code.State} state, {Code.Tape} tape)"))
        {
            ApiText.EmitSequenceInputChecks(w, _spec);
            w.Line("CheckSequenceOutput(outputs.Length, steps);");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(tape);");
            w.Line(ApiText.EnsureState(_spec));
            w.Line("tape.Begin(s_shape, TrainingLayout, steps);");
            w.Line("ref float s = ref state.GetReference();");
            w.Line(_spec.Bidirectional
                ? "// The initial state (h0, c0 of every layer and direction) is the recurrent input of each direction's first step."
                : "// The initial state (h0, c0) is the recurrent input of the first step.");
            w.Line($"{Code.Marshal}.CreateReadOnlySpan(ref s, StateLength).CopyTo({Code.Marshal}.CreateSpan(ref tape.GetFixedReference(), StateLength));");
            if (_spec.IsTokenModel)
                w.Line("tokens.CopyTo(tape.GetTokens());");
            else
                w.Line($"inputs.CopyTo({Code.Marshal}.CreateSpan(ref tape.GetInputReference(), inputs.Length));");
            w.Line("ref float rec = ref tape.GetReference();");
            if (!_spec.IsTokenModel) w.Line("ref float x = ref tape.GetInputReference();");
            if (_spec.HasDropout) w.Line("ulong seed = tape.DropoutSeed; // the dropout masks of this pass");
            if (_spec.Bidirectional)
            {
                Code.Dispatch(w, "RecordSequence", _spec.IsTokenModel ? "tokens, steps, ref s, ref rec" + (_spec.HasDropout ? ", seed" : "") : "ref x, steps, ref s, ref rec" + (_spec.HasDropout ? ", seed" : ""));
                BidirectionalEmitter.EmitOutputs(w, g, "rec", "outputs", $"{Code.HeadOutput}.Logits");
            }
            else
            {
                string dropout = _spec.HasDropout ? ", seed, t" : "";
                using (w.Block("for (int t = 0; t < steps; t++)"))
                {
                    w.Line(_spec.IsTokenModel
                        ? $"RecordStepCore(ref EmbeddingRow(tokens[t]), ref s, ref {Unsafe}.Add(ref rec, t * RecordStep){dropout});"
                        : $"RecordStepCore(ref {Unsafe}.Add(ref x, t * InputSize), ref s, ref {Unsafe}.Add(ref rec, t * RecordStep){dropout});");
                    if (Every) w.Line($"WriteOutput(ref s, outputs.Slice(t * StepOutputSize, StepOutputSize), {Code.HeadOutput}.Logits);");
                }
                if (!Every) w.Line($"WriteOutput(ref s, outputs, {Code.HeadOutput}.Logits);");
            }
        }
        w.Line();
    }

    private void EmitBackward()
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Backward({Code.Tape} tape, {Code.ReadOnlySpan} outputGradients, {Code.Gradients} gradients, {Code.Span} inputGradients = default, {Code.State}? initialStateGradients = null, {Code.State}? finalStateGradients = null)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(tape);");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(gradients);");
            w.Line("tape.EnsureRecorded(s_shape, TrainingLayout);");
            w.Line("gradients.EnsureShape(s_shape, TrainingLayout);");
            w.Line("int steps = tape.Steps;");
            w.Line($"int expected = {(Every ? "steps * StepOutputSize" : "StepOutputSize")};");
            w.Line("if (outputGradients.Length != expected)");
            w.Line("    throw new global::System.ArgumentException($\"Expected {expected} output gradients (as many as Forward wrote outputs), got {outputGradients.Length}.\", nameof(outputGradients));");
            if (_spec.IsTokenModel)
            {
                w.Line("if (!inputGradients.IsEmpty)");
                w.Line("    throw new global::System.ArgumentException(\"A token model has no input gradients; the embedding's gradient is part of the parameter gradients. Pass an empty span.\", nameof(inputGradients));");
            }
            else
            {
                w.Line("if (!inputGradients.IsEmpty && inputGradients.Length != steps * InputSize)");
                w.Line("    throw new global::System.ArgumentException($\"Expected {steps * InputSize} input gradients (steps × InputSize) or an empty span, got {inputGradients.Length}.\", nameof(inputGradients));");
            }
            w.Line(ApiText.EnsureState(_spec, "initialStateGradients", "0"));
            w.Line(ApiText.EnsureState(_spec, "finalStateGradients", "0"));
            EmitCarrySeed();
            w.Line($"ref float dOut = ref {Code.Marshal}.GetReference(outputGradients);");
            w.Line($"ref float dIn = ref {Code.Marshal}.GetReference(inputGradients);");
            Code.Dispatch(w, _spec.Bidirectional ? "BackwardSequence" : "BackwardCore", "tape, steps, ref dOut, ref gradients.GetReference(), ref dIn, !inputGradients.IsEmpty");
            using (w.Block("if (initialStateGradients is not null)"))
            {
                w.Line($"ref float ds = ref {Unsafe}.Add(ref tape.GetFixedReference(), {N(g.StateGradients)});");
                using (w.Block($"for (int layer = 0; layer < {ApiText.Slots(_spec)}; layer++)"))
                {
                    w.Line($"{Code.Marshal}.CreateReadOnlySpan(ref {Unsafe}.Add(ref ds, layer * {N(2 * g.Padded)}), {ApiText.HWidth(_spec)}).CopyTo(initialStateGradients.Hidden(layer));");
                    w.Line($"{Code.Marshal}.CreateReadOnlySpan(ref {Unsafe}.Add(ref ds, layer * {N(2 * g.Padded)} + {N(g.Padded)}), HiddenSize).CopyTo(initialStateGradients.Cell(layer));");
                }
            }
        }
        w.Line();
        if (!_spec.Bidirectional)
        {
            string parameters = _spec.HasDropout ? "ref float x, ref float s, ref float rec, ulong seed, int step" : "ref float x, ref float s, ref float rec";
            w.Line("/// <summary>One recording step at the vector width the process runs.</summary>");
            w.Line(Code.InlineQualified);
            using (w.Block($"private void RecordStepCore({parameters})"))
                Code.Dispatch(w, "RecordStepCore", _spec.HasDropout ? "ref x, ref s, ref rec, seed, step" : "ref x, ref s, ref rec");
            w.Line();
        }
    }

    /// <summary>
    /// The seeding of the carried dh, dc (in the tape's fixed floats) before the backward kernels run: zero, then the
    /// final-state gradient of every slot when one is given (h and, for an LSTM, c). Only HiddenSize floats per vector
    /// are copied, so the padding lanes stay zero.
    /// </summary>
    private void EmitCarrySeed()
    {
        w.Line($"// The carried dh, dc start at dLoss/d(final state): zero, plus finalStateGradients when given ({(cell.HasCellState ? "h and c" : "h only: a GRU has no c")}; padding lanes stay zero).");
        w.Line($"ref float seed = ref {Unsafe}.Add(ref tape.GetFixedReference(), {N(g.StateGradients)});");
        w.Line($"{Code.Marshal}.CreateSpan(ref seed, StateLength).Clear();");
        using (w.Block("if (finalStateGradients is not null)"))
        {
            using (w.Block($"for (int slot = 0; slot < {ApiText.Slots(_spec)}; slot++)"))
            {
                w.Line($"finalStateGradients.Hidden(slot).CopyTo({Code.Marshal}.CreateSpan(ref {Unsafe}.Add(ref seed, slot * {N(2 * g.Padded)}), {ApiText.HWidth(_spec)}));");
                if (cell.HasCellState)
                    w.Line($"finalStateGradients.Cell(slot).CopyTo({Code.Marshal}.CreateSpan(ref {Unsafe}.Add(ref seed, slot * {N(2 * g.Padded)} + {N(g.Padded)}), HiddenSize));");
            }
        }
    }
}
