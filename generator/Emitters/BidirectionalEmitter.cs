// Emits what a bidirectional model (PyTorch bidirectional=True) has instead of the step-by-step code: Predict over a
// whole sequence, whose driver runs each layer forward, then backward in time, keeping every step's output for the
// layer above. The layer steps are the same products as a unidirectional model's (an upper layer reads both halves).
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes the bidirectional inference API (main file) and its driver and products (kernels file).</summary>
internal sealed class BidirectionalEmitter(SourceWriter w, Geometry g, CellKind cell)
{
    private const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    private readonly ModelSpec _spec = g.Spec;
    private readonly ProductEmitter _products = new(w, g, cell);

    /// <summary>Floats between a step's forward and reverse h in the sequence buffers ([forward P | reverse P] per step).</summary>
    public static int Stride(Geometry g) => 2 * g.Padded;

    /// <summary>The product of an upper layer's step in one direction: the gate sums from the layer below's forward and reverse h and this direction's h.</summary>
    public static ForwardProduct UpperLayer(Geometry g, bool record)
    {
        int r = g.Spec.Recurrent;
        var runs = new[] { new RowRun("input", r, "forward h of the layer below"), new RowRun("inputB", r, "reverse h of the layer below"), new RowRun("h", r, "recurrent h") };
        string what = record ? "a recording step" : "a step";
        return new ForwardProduct(record ? "RecordLayerUpper" : "StepLayerUpper",
            $"A layer above the first, {what} in one direction: z = (b_ih + b_hh) + W_ih·[forward h, reverse h] of the layer below + W_hh·h, then the cell update{(record ? ", recorded at r" : "")}.",
            g.Row, runs) { Cell = new CellTail(record, g.Spec.HasProjection ? "m" : "h"), LayerInputs = 2 * r };
    }

    public void Emit()
    {
        bool every = _spec.HeadOn == HeadOnKind.EveryStep;
        ApiText.EmitCheckSequenceOutput(w, every);
        w.Line("private static global::System.NotSupportedException StepNotSupported() =>");
        w.Line("    new(\"A bidirectional model cannot run one step at a time: its reverse direction starts at the last step. Use Predict with the whole sequence.\");");
        w.Line();
        if (_spec.IsTokenModel)
        {
            w.Line(ApiText.EmbeddingRow);
            w.Line();
        }
        EmitPredict();
        w.Line("/// <summary>Not supported: a bidirectional model needs the whole sequence (use <c>Predict</c>).</summary>");
        w.Line("/// <exception cref=\"global::System.NotSupportedException\">Always.</exception>");
        w.Line(_spec.IsTokenModel
            ? $"public void Step(int token, {Code.Span} output, {Code.State} state, {ApiText.KindDefault}) => throw StepNotSupported();"
            : $"public void Step({Code.ReadOnlySpan} input, {Code.Span} output, {Code.State} state, {ApiText.KindDefault}) => throw StepNotSupported();");
        w.Line();
        EmitWriteOutputAt();
        using (w.Part(ModelEmitter.InferencePart))
        {
            new SequenceDriver(w, g, cell, _products, record: false).Emit();
            _products.Emit(InferenceEmitter.StepLayer(g, first: true));
            if (_spec.Layers > 1) _products.Emit(UpperLayer(g, record: false));
            if (_spec.Head != HeadKind.None) EmitHeadSequence();
        }
    }

    private void EmitPredict()
    {
        int stride = Stride(g);
        string input = ApiText.SequenceInput(_spec), name = ApiText.SequenceInputName(_spec);
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Predict({input}, {Code.Span} output)"))
            ApiText.EmitStatelessPredict(w, name);
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("/// <remarks>The state supplies h0 (and c0) of every layer and direction (slot layer·2 + direction) and afterwards holds h_n (c_n): the reverse direction's is the one at the first step, as in PyTorch.</remarks>");
        using (w.Block($"public void Predict({input}, {Code.Span} output, {Code.State} state, {ApiText.KindDefault})"))
        {
            ApiText.EmitSequenceInputChecks(w, _spec);
            w.Line("CheckSequenceOutput(output.Length, steps);");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
            w.Line(ApiText.EnsureState(_spec));
            w.Line("int version = _guard.EnterRead();");
            w.Line("ref float s = ref state.GetReference();");
            w.Line($"// Two buffers of steps × [forward h | reverse h] ({N(stride)} floats per step): the layer below's outputs and this layer's.");
            w.Line($"ref float buffers = ref state.GetSequenceScratchReference(2 * steps * {N(stride)});");
            string x = _spec.IsTokenModel ? "tokens" : $"ref {Code.Marshal}.GetReference(inputs)";
            Code.Dispatch(w, "PredictSequence", $"{x}, steps, ref s, ref buffers");
            w.Line($"// The top layer's outputs are in the {(_spec.Layers % 2 == 1 ? "second" : "first")} buffer.");
            w.Line($"ref float top = ref {Unsafe}.Add(ref buffers, {(_spec.Layers % 2 == 1 ? $"steps * {N(stride)}" : "0")});");
            EmitOutputs(w, g, "top", "output", "kind", stride: N(stride), reverseOffset: N(g.Padded));
            w.Line("_guard.ExitRead(version);");
        }
        w.Line();
    }

    /// <summary>
    /// Emits the outputs of a sequence from the top layer's h per step at <paramref name="source"/> (forward h at
    /// <c>t·stride</c>, reverse h at <c>t·stride + reverseOffset</c>): at every step, at the last, or (FinalState)
    /// each direction's final h (the reverse one at step 0). Defaults read a training record.
    /// </summary>
    public static void EmitOutputs(SourceWriter w, Geometry g, string source, string output, string kind, string stride = "RecordStep", string? reverseOffset = null)
    {
        ModelSpec spec = g.Spec;
        int top = (spec.Layers - 1) * 2 * g.RecordPerLayer + g.RecordHidden;
        string forwardAt = reverseOffset is null ? N(top) : "0", reverseAt = reverseOffset ?? N(top + g.RecordPerLayer);
        string Hf(string t) => $"ref {Unsafe}.Add(ref {source}, {t} * {stride}{(forwardAt == "0" ? "" : " + " + forwardAt)})";
        string Hb(string t) => $"ref {Unsafe}.Add(ref {source}, {t} * {stride} + {reverseAt})";
        if (spec.HeadOn == HeadOnKind.EveryStep)
        {
            w.Line("for (int t = 0; t < steps; t++)");
            w.Line($"    WriteOutputAt({Hf("t")}, {Hb("t")}, {output}.Slice(t * StepOutputSize, StepOutputSize), ref s, {kind});");
            return;
        }
        // LastStep: the top layer's output at the last step; FinalState: each direction's final h (the reverse one at step 0).
        w.Line($"WriteOutputAt({Hf("(steps - 1)")}, {Hb(spec.HeadOn == HeadOnKind.FinalState ? "0" : "(steps - 1)")}, {output}, ref s, {kind});");
    }

    private void EmitWriteOutputAt()
    {
        string what = _spec.Head == HeadKind.None ? "the top layer's forward and reverse h" : "the head on the top layer's forward and reverse h";
        w.Line($"/// <summary>Writes {what} (at <paramref name=\"hf\"/>, <paramref name=\"hb\"/>) to <paramref name=\"output\"/>.</summary>");
        using (w.Block($"private void WriteOutputAt(ref float hf, ref float hb, {Code.Span} output, ref float s, {Code.HeadOutput} kind)"))
        {
            if (_spec.Head == HeadKind.None)
            {
                w.Line($"{Code.Marshal}.CreateReadOnlySpan(ref hf, {ApiText.HWidth(_spec)}).CopyTo(output);");
                w.Line($"{Code.Marshal}.CreateReadOnlySpan(ref hb, {ApiText.HWidth(_spec)}).CopyTo(output.Slice({ApiText.HWidth(_spec)}));");
            }
            else
            {
                w.Line($"ref float y = ref {Unsafe}.Add(ref s, {N(g.Logits)});");
                Code.Dispatch(w, "HeadSequence", "ref hf, ref hb, ref y");
                w.Line($"{Code.Marshal}.CreateReadOnlySpan(ref y, OutputSize).CopyTo(output);");
                ApiText.EmitHeadActivation(w, _spec.Head);
            }
        }
        w.Line();
    }

    private void EmitHeadSequence()
    {
        w.Line($"/// <summary>The linear head on one step's [forward h, reverse h]: {N(_spec.Outputs)} logits ({N(g.HeadRow)} padded columns).</summary>");
        using (w.Block($"private void HeadSequence{Code.Generic}(ref float hf, ref float hb, ref float y){Code.WhereV}"))
        {
            w.Line($"ref float w = {Code.At("_packed.Reference", g.HeadPackedOffset)};");
            w.Line($"{Code.Matrix}.Forward<V>(ref w, {Code.At("w", g.HeadRow)}, {N(g.HeadRow)}, ref hf, {N(_spec.Recurrent)}, ref hb, {N(_spec.Recurrent)}, ref y);");
        }
        w.Line();
    }
}
