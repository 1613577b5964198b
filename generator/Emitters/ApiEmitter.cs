// Emits the public inference API of a unidirectional model (Predict over a sequence, Step of a stream, the output
// writer) and the dispatchers that call the kernels at the vector width the process runs.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes Predict, Step, WriteOutput and the kernel dispatchers of a unidirectional model.</summary>
internal sealed class ApiEmitter(SourceWriter w, Geometry g)
{
    private const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    private readonly ModelSpec _spec = g.Spec;

    private bool Every => _spec.HeadOn == HeadOnKind.EveryStep;

    public void Emit()
    {
        using (w.Block("private static void CheckStepOutput(int length)"))
        {
            w.Line("if (length != 0 && length != StepOutputSize)");
            w.Line("    throw new global::System.ArgumentException($\"Expected an output span of {StepOutputSize} floats (or an empty one to only advance the state), got {length}.\", \"output\");");
        }
        w.Line();
        ApiText.EmitCheckSequenceOutput(w, Every);
        if (_spec.IsTokenModel) EmitTokenRows();
        EmitPredict();
        EmitStep();
        EmitDispatchers();
        EmitWriteOutput();
    }

    private void EmitTokenRows()
    {
        w.Line(ApiText.EmbeddingRow);
        w.Line();
        if (g.HasInputTable)
        {
            w.Line($"/// <summary>What <c>StepCore</c> reads for a token: its row of the input-projection table ({N(g.Row)} floats).</summary>");
            w.Line($"private ref float InputRow(int token) => ref {Unsafe}.Add(ref _inputTable.Reference, token * {N(g.Row)});");
        }
        else
        {
            w.Line("/// <summary>What <c>StepCore</c> reads for a token: its embedding row.</summary>");
            w.Line("private ref float InputRow(int token) => ref EmbeddingRow(token);");
        }
        w.Line();
    }

    private void EmitPredict()
    {
        string input = ApiText.SequenceInput(_spec), name = ApiText.SequenceInputName(_spec);
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Predict({input}, {Code.Span} output)"))
            ApiText.EmitStatelessPredict(w, name);
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block($"public void Predict({input}, {Code.Span} output, {Code.State} state, {ApiText.KindDefault})"))
        {
            ApiText.EmitSequenceInputChecks(w, _spec);
            w.Line("CheckSequenceOutput(output.Length, steps);");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
            w.Line(ApiText.EnsureState(_spec));
            w.Line("int version = _guard.EnterRead();");
            w.Line("ref float s = ref state.GetReference();");
            if (g.LayerMajor)
            {
                w.Line($"PredictLayerMajor({name}, steps, output, ref s, kind);");
            }
            else
            {
                if (!_spec.IsTokenModel) w.Line($"ref float x = ref {Code.Marshal}.GetReference(inputs);");
                using (w.Block("for (int t = 0; t < steps; t++)"))
                {
                    w.Line(_spec.IsTokenModel ? "StepCore(ref InputRow(tokens[t]), ref s);" : $"StepCore(ref {Unsafe}.Add(ref x, t * InputSize), ref s);");
                    if (Every) w.Line("WriteOutput(ref s, output.Slice(t * StepOutputSize, StepOutputSize), kind);");
                }
                if (!Every) w.Line("WriteOutput(ref s, output, kind);");
            }
            w.Line("_guard.ExitRead(version);");
        }
        w.Line();
    }

    private void EmitStep()
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block(_spec.IsTokenModel
            ? $"public void Step(int token, {Code.Span} output, {Code.State} state, {ApiText.KindDefault})"
            : $"public void Step({Code.ReadOnlySpan} input, {Code.Span} output, {Code.State} state, {ApiText.KindDefault})"))
        {
            if (_spec.IsTokenModel)
            {
                w.Line("if ((uint)token >= VocabularySize)");
                w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(token), token, $\"Token ids must be in [0, {VocabularySize}).\");");
            }
            else
            {
                w.Line("if (input.Length != InputSize)");
                w.Line("    throw new global::System.ArgumentException($\"Expected {InputSize} input floats, got {input.Length}.\", nameof(input));");
            }
            w.Line("CheckStepOutput(output.Length);");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
            w.Line(ApiText.EnsureState(_spec));
            w.Line("int version = _guard.EnterRead();");
            w.Line("ref float s = ref state.GetReference();");
            w.Line(_spec.IsTokenModel ? "StepCore(ref InputRow(token), ref s);" : $"StepCore(ref {Code.Marshal}.GetReference(input), ref s);");
            w.Line("if (!output.IsEmpty) WriteOutput(ref s, output, kind);");
            w.Line("_guard.ExitRead(version);");
        }
        w.Line();
    }

    /// <summary>The dispatchers: each calls its kernel (in the kernels file) at the width <c>VectorWidth</c> chose.</summary>
    private void EmitDispatchers()
    {
        w.Line("/// <summary>One step of every layer, at the vector width the process runs (the JIT folds the checks).</summary>");
        w.Line(Code.InlineQualified);
        using (w.Block("private void StepCore(ref float x, ref float s)"))
            Code.Dispatch(w, "StepCore", "ref x, ref s");
        w.Line();
        if (_spec.Head != HeadKind.None)
        {
            w.Line("/// <summary>The head's logits on the top layer's h, into the state's scratch.</summary>");
            w.Line(Code.InlineQualified);
            using (w.Block("private void HeadCore(ref float s)"))
                Code.Dispatch(w, "HeadCore", "ref s");
            w.Line();
        }
        if (g.LayerMajor)
        {
            string input = _spec.IsTokenModel ? "global::System.ReadOnlySpan<int> tokens" : $"{Code.ReadOnlySpan} inputs";
            w.Line($"/// <summary>Predict over a whole sequence layer by layer in chunks of {N(Geometry.LayerMajorChunk)} steps (see the kernel).</summary>");
            using (w.Block($"private void PredictLayerMajor({input}, int steps, {Code.Span} output, ref float s, {Code.HeadOutput} kind)"))
                Code.Dispatch(w, "PredictLayerMajor", $"{ApiText.SequenceInputName(_spec)}, steps, output, ref s, kind");
            w.Line();
        }
    }

    private void EmitWriteOutput()
    {
        string what = _spec.Head == HeadKind.None ? "the top layer's h" : "the head on the top layer's h";
        w.Line($"/// <summary>Writes {what} to <paramref name=\"output\"/>.</summary>");
        using (w.Block($"private void WriteOutput(ref float s, {Code.Span} output, {Code.HeadOutput} kind)"))
        {
            if (_spec.Head == HeadKind.None)
            {
                w.Line($"{Code.Marshal}.CreateReadOnlySpan(ref {Unsafe}.Add(ref s, {N(g.HiddenOffset(_spec.Layers - 1))}), {ApiText.HWidth(_spec)}).CopyTo(output);");
            }
            else
            {
                w.Line("HeadCore(ref s);");
                w.Line($"{Code.Marshal}.CreateReadOnlySpan(ref {Unsafe}.Add(ref s, {N(g.Logits)}), OutputSize).CopyTo(output);");
                ApiText.EmitHeadActivation(w, _spec.Head);
            }
        }
        w.Line();
    }
}
