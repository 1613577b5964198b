// What generated code needs of an LstmState beyond its public surface: creation with the model's sizes,
// the shape check, and references to its memory. Kept here so the public type shows only what users need.
using System;
using System.ComponentModel;

namespace LstmGen.CompilerServices;

/// <summary>Creation of, and raw access to, <see cref="LstmState"/> memory; for generated models.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StateMarshal
{
    /// <summary>
    /// A zero state of <paramref name="slots"/> slots (layers, or layers × 2 when bidirectional) of <paramref name="hidden"/>
    /// units, with <paramref name="scratch"/> floats of scratch after it and h projected to <paramref name="projection"/> values (0: none).
    /// </summary>
    public static LstmState Create(int slots, int hidden, int scratch, int projection = 0) => new(slots, hidden, scratch, projection);

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="parameterName"/> unless <paramref name="state"/> was made for these sizes.</summary>
    public static void EnsureShape(this LstmState state, int slots, int hidden, int projection, int scratch, string parameterName) =>
        state.EnsureShape(slots, hidden, projection, scratch, parameterName);

    /// <summary>Reference to the first float of h, c of slot 0 (64-byte aligned); slot k's h is at <c>k·2·P</c>, its c at <c>k·2·P + P</c> (P = hidden rounded up to 16).</summary>
    public static ref float GetReference(this LstmState state) => ref state.GetReference();

    /// <summary>Reference to the first scratch float, after the state.</summary>
    public static ref float GetScratchReference(this LstmState state) => ref state.GetScratchReference();

    /// <summary>Reference to at least <paramref name="length"/> floats of per-state scratch that grows with the longest sequence seen (allocates only then).</summary>
    public static ref float GetSequenceScratchReference(this LstmState state, int length) => ref state.GetSequenceScratchReference(length);
}
