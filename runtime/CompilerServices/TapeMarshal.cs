// What generated code needs of TrainingTape and GradientBuffer beyond their public surface: creation with the
// model's record layout, the ownership checks, and references to their memory.
using System;
using System.ComponentModel;
using LstmGen.Training;

namespace LstmGen.CompilerServices;

/// <summary>Creation of, and raw access to, training tapes and gradient buffers; for generated models.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TapeMarshal
{
    /// <summary>A tape for <paramref name="owner"/> in the record layout named <paramref name="layout"/>: <paramref name="maxSteps"/> steps of <paramref name="floatsPerStep"/> floats, then <paramref name="fixedFloats"/>.</summary>
    public static TrainingTape CreateTape(ModelShape owner, string layout, int maxSteps, int floatsPerStep, int fixedFloats) =>
        new(owner, layout, maxSteps, floatsPerStep, fixedFloats);

    /// <summary>A zeroed gradient buffer of <paramref name="length"/> floats for <paramref name="owner"/> in the layout named <paramref name="layout"/>.</summary>
    public static GradientBuffer CreateGradients(ModelShape owner, string layout, int length) => new(owner, layout, length);

    /// <summary>Throws unless the tape belongs to <paramref name="shape"/> and <paramref name="layout"/> and holds <paramref name="steps"/> steps; then records the step count.</summary>
    public static void Begin(this TrainingTape tape, ModelShape shape, string layout, int steps) => tape.Begin(shape, layout, steps);

    /// <summary>Throws unless a forward pass of <paramref name="shape"/> in <paramref name="layout"/> is recorded on the tape.</summary>
    public static void EnsureRecorded(this TrainingTape tape, ModelShape shape, string layout) => tape.EnsureRecorded(shape, layout);

    /// <summary>Reference to the first per-step record (64-byte aligned).</summary>
    public static ref float GetReference(this TrainingTape tape) => ref tape.GetReference();

    /// <summary>Reference to the first copied input float, after the records.</summary>
    public static ref float GetInputReference(this TrainingTape tape) => ref tape.GetInputReference();

    /// <summary>Reference to the fixed floats (initial state, backward scratch).</summary>
    public static ref float GetFixedReference(this TrainingTape tape) => ref tape.GetFixedReference();

    /// <summary>Reference to the first recorded token id.</summary>
    public static ref int GetTokenReference(this TrainingTape tape) => ref tape.GetTokenReference();

    /// <summary>The recorded token ids (token models; <see cref="TrainingTape.MaxSteps"/> of them).</summary>
    public static Span<int> GetTokens(this TrainingTape tape) => tape.TokenIds;

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="paramName"/> unless the buffer belongs to <paramref name="shape"/> and <paramref name="layout"/>.</summary>
    public static void EnsureShape(this GradientBuffer gradients, ModelShape shape, string layout, string paramName = "gradients") =>
        gradients.EnsureShape(shape, layout, paramName);

    /// <summary>Reference to the first gradient (64-byte aligned).</summary>
    public static ref float GetReference(this GradientBuffer gradients) => ref gradients.GetReference();
}
