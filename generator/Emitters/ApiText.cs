// Pieces of the public API that the unidirectional, bidirectional and training emitters share: argument checks,
// the state checks and sizes, and the names of the input forms.
using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emitters;

/// <summary>Shared fragments of the generated public API.</summary>
internal static class ApiText
{
    /// <summary>The optional output-kind parameter of Predict and Step.</summary>
    public const string KindDefault = Code.HeadOutput + " kind = " + Code.HeadOutput + ".Activated";

    /// <summary>The emitted width of h: <c>ProjectionSize</c> with a projection, else <c>HiddenSize</c>.</summary>
    public static string HWidth(ModelSpec spec) => spec.HasProjection ? "ProjectionSize" : "HiddenSize";

    /// <summary>The state's slot count as emitted: <c>LayerCount</c>, or <c>StateSlotCount</c> (layers × 2) for a bidirectional model.</summary>
    public static string Slots(ModelSpec spec) => spec.Bidirectional ? "StateSlotCount" : "LayerCount";

    /// <summary>StateMarshal.Create's sizes after the slot count: hidden and scratch (and, projected, the projection size).</summary>
    public static string StateSizes(ModelSpec spec) => spec.HasProjection ? "HiddenSize, ScratchLength, ProjectionSize" : "HiddenSize, ScratchLength";

    /// <summary>The check that a state (or state-gradient argument <paramref name="name"/>) has this model's sizes, with <paramref name="scratch"/> scratch floats.</summary>
    public static string EnsureState(ModelSpec spec, string name = "state", string scratch = "ScratchLength") =>
        $"{name}{(name == "state" ? "" : "?")}.EnsureShape({Slots(spec)}, HiddenSize, {(spec.HasProjection ? "ProjectionSize" : "0")}, {scratch}, nameof({name}));";

    /// <summary>The whole-sequence input parameter: token ids or float inputs.</summary>
    public static string SequenceInput(ModelSpec spec) => spec.IsTokenModel ? "global::System.ReadOnlySpan<int> tokens" : $"{Code.ReadOnlySpan} inputs";

    /// <summary>The name of <see cref="SequenceInput"/>.</summary>
    public static string SequenceInputName(ModelSpec spec) => spec.IsTokenModel ? "tokens" : "inputs";

    /// <summary>A token's embedding row in the parameters.</summary>
    public const string EmbeddingRow = "private ref float EmbeddingRow(int token) => ref global::System.Runtime.CompilerServices.Unsafe.Add(ref " + Code.Marshal + ".GetArrayDataReference(_parameters), token * EmbeddingSize);";

    /// <summary>
    /// The body of the state-less Predict: the calling thread's own state (made on its first call), reset, then the
    /// Predict that takes a state — so one model instance serves any number of threads without allocating per call.
    /// </summary>
    public static void EmitStatelessPredict(SourceWriter w, string input)
    {
        w.Line($"{Code.State} state = t_state ??= CreateState();");
        w.Line("state.Reset();");
        w.Line($"Predict({input}, output, state);");
    }

    /// <summary>Emits <c>CheckSequenceOutput</c>: a whole-sequence output span must hold steps × StepOutputSize (every step) or StepOutputSize floats.</summary>
    public static void EmitCheckSequenceOutput(SourceWriter w, bool every)
    {
        string outputsText = every ? "steps × StepOutputSize" : "StepOutputSize";
        using (w.Block("private static void CheckSequenceOutput(int length, int steps)"))
        {
            w.Line($"int expected = {(every ? "steps * StepOutputSize" : "StepOutputSize")};");
            w.Line("if (length != expected)");
            w.Line($"    throw new global::System.ArgumentException($\"Expected an output span of {{expected}} floats ({outputsText}), got {{length}}.\", \"output\");");
        }
        w.Line();
    }

    /// <summary>
    /// Emits the checks of a whole sequence's input (token ids in range, or a positive multiple of InputSize floats)
    /// and <c>int steps</c>; used by Predict and Forward.
    /// </summary>
    public static void EmitSequenceInputChecks(SourceWriter w, ModelSpec spec)
    {
        if (spec.IsTokenModel)
        {
            w.Line("if (tokens.IsEmpty) throw new global::System.ArgumentException(\"Expected at least one token.\", nameof(tokens));");
            using (w.Block("for (int t = 0; t < tokens.Length; t++)"))
            {
                w.Line("if ((uint)tokens[t] >= VocabularySize)");
                w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(tokens), tokens[t], $\"Token {t} is {tokens[t]}; token ids must be in [0, {VocabularySize}).\");");
            }
            w.Line("int steps = tokens.Length;");
        }
        else
        {
            w.Line("if (inputs.IsEmpty || inputs.Length % InputSize != 0)");
            w.Line("    throw new global::System.ArgumentException($\"Expected a positive multiple of {InputSize} floats (steps × InputSize), got {inputs.Length}.\", nameof(inputs));");
            w.Line("int steps = inputs.Length / InputSize;");
        }
    }

    /// <summary>Emits the head activation applied to <c>output</c> when the caller asked for activated outputs.</summary>
    public static void EmitHeadActivation(SourceWriter w, HeadKind head)
    {
        if (head == HeadKind.Softmax)
            w.Line($"if (kind == {Code.HeadOutput}.Activated) {Code.Support}HeadActivation.Softmax(output);");
        else if (head == HeadKind.Sigmoid)
            w.Line($"if (kind == {Code.HeadOutput}.Activated) {Code.Support}HeadActivation.Sigmoid(output);");
    }
}
