// The recurrent state of one stream (h and c of every layer), kept apart from the weights so one
// model serves many streams.
using System;
using LstmGen.CompilerServices;

namespace LstmGen;

/// <summary>
/// The state of one sequence or stream: the hidden state h and cell state c of every layer, plus
/// the scratch space one step needs. Create one per stream with the model's <c>CreateState()</c>;
/// a state is not shared between threads, a model is (its weights are read-only during inference).
/// </summary>
/// <remarks>
/// Layout: for slot k, h at <c>k·2·P</c> and c at <c>k·2·P + P</c>, where P is the hidden size
/// rounded up to 16 floats; the padding lanes stay zero. Scratch follows. With a projection
/// (<see cref="ProjectionSize"/>), h holds ProjectionSize values at the same place, c still HiddenSize.
/// Generated code reaches the memory through <see cref="StateMarshal"/>.
/// </remarks>
public sealed class LstmState
{
    /// <summary>Hidden vectors are padded to a multiple of this many floats (one 512-bit vector).</summary>
    internal const int LaneBlock = 16;

    private readonly AlignedBuffer _buffer;
    private readonly int _stateLength;
    private AlignedBuffer? _sequence;

    /// <summary>
    /// Creates a zero state of <paramref name="layers"/> slots (for a bidirectional model: layers × 2, slot = layer·2 + direction) of
    /// <paramref name="hidden"/> units with <paramref name="scratch"/> floats of scratch space, h projected to
    /// <paramref name="projection"/> values (PyTorch <c>proj_size</c>; 0 for none, else less than <paramref name="hidden"/>).
    /// Models create states with their <c>CreateState()</c>.
    /// </summary>
    internal LstmState(int layers, int hidden, int scratch = 0, int projection = 0)
    {
        if (projection < 0 || (projection > 0 && projection >= hidden))
            throw new ArgumentOutOfRangeException(nameof(projection), projection, $"The projection size must be 0 (none) or between 1 and Hidden − 1 ({hidden - 1}).");
        if (layers <= 0) throw new ArgumentOutOfRangeException(nameof(layers), layers, "Layers must be positive.");
        if (hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "Hidden must be positive.");
        if (scratch < 0) throw new ArgumentOutOfRangeException(nameof(scratch), scratch, "Scratch must not be negative.");
        SlotCount = layers;
        HiddenSize = hidden;
        ProjectionSize = projection;
        PaddedHidden = PadToBlock(hidden);
        ScratchLength = scratch;
        _stateLength = checked(layers * 2 * PaddedHidden);
        _buffer = new AlignedBuffer(checked(_stateLength + scratch));
    }

    /// <summary>State slots: one per layer, or layers × 2 for a bidirectional model (slot <c>layer·2 + direction</c>, as in PyTorch's h_n).</summary>
    public int SlotCount { get; }

    /// <summary>Hidden units per layer.</summary>
    public int HiddenSize { get; }

    /// <summary>The width h is projected to (PyTorch <c>proj_size</c>), or 0 when h is <see cref="HiddenSize"/> wide.</summary>
    public int ProjectionSize { get; }

    /// <summary>Floats of h per slot: <see cref="ProjectionSize"/> when projected, else <see cref="HiddenSize"/>.</summary>
    public int HiddenStateSize => ProjectionSize > 0 ? ProjectionSize : HiddenSize;

    /// <summary>Hidden size rounded up to <see cref="LaneBlock"/>.</summary>
    internal int PaddedHidden { get; }

    /// <summary>Floats of scratch space after the state.</summary>
    internal int ScratchLength { get; }

    /// <summary>The hidden state h of <paramref name="slot"/> (read or set it, e.g. as PyTorch's h0): <see cref="HiddenStateSize"/> floats.</summary>
    public Span<float> Hidden(int slot) => _buffer.Span.Slice(CheckSlot(slot) * 2 * PaddedHidden, HiddenStateSize);

    /// <summary>The cell state c of <paramref name="slot"/> (read or set it, e.g. as PyTorch's c0): <see cref="HiddenSize"/> floats; a GRU's stays zero.</summary>
    public Span<float> Cell(int slot) => _buffer.Span.Slice(CheckSlot(slot) * 2 * PaddedHidden + PaddedHidden, HiddenSize);

    /// <summary>Sets every h and c to zero, as at the start of a new sequence.</summary>
    public void Reset() => _buffer.Span.Slice(0, _stateLength).Clear();

    /// <summary>Copies h and c of every layer into <paramref name="destination"/>, which must have the same sizes.</summary>
    public void CopyTo(LstmState destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.SlotCount != SlotCount || destination.HiddenSize != HiddenSize || destination.ProjectionSize != ProjectionSize)
            throw new ArgumentException($"The destination state has {destination.Describe()}; expected {Describe()}.", nameof(destination));
        _buffer.Span.Slice(0, _stateLength).CopyTo(destination._buffer.Span);
    }

    /// <summary>A new state with the same sizes and the same h and c.</summary>
    public LstmState Clone()
    {
        var copy = new LstmState(SlotCount, HiddenSize, ScratchLength, ProjectionSize);
        CopyTo(copy);
        return copy;
    }

    /// <summary>Throws unless this state was made for the given sizes (projection 0: none); the exception names <paramref name="parameterName"/>.</summary>
    internal void EnsureShape(int layers, int hidden, int projection, int scratch, string parameterName)
    {
        if (SlotCount != layers || HiddenSize != hidden || ProjectionSize != projection || ScratchLength < scratch)
            throw new ArgumentException(
                $"The state has {Describe()} and {ScratchLength} scratch floats; this model needs {Describe(layers, hidden, projection)} and {scratch} scratch floats. Create it with the model's CreateState().",
                parameterName);
    }

    private string Describe() => Describe(SlotCount, HiddenSize, ProjectionSize);

    private static string Describe(int layers, int hidden, int projection) =>
        $"{layers} slot(s) of {hidden} units" + (projection > 0 ? $" with h projected to {projection}" : "");

    /// <summary>Reference to the first float (64-byte aligned); for generated code.</summary>
    internal ref float GetReference() => ref _buffer.Reference;

    /// <summary>Reference to the first scratch float; for generated code.</summary>
    internal ref float GetScratchReference() => ref System.Runtime.CompilerServices.Unsafe.Add(ref _buffer.Reference, _stateLength);

    /// <summary>
    /// Reference to at least <paramref name="length"/> floats (64-byte aligned) of scratch that grows with the
    /// sequence, for whole-sequence passes that keep every step (bidirectional models); for generated code. It
    /// allocates only when a sequence longer than any before on this state needs more.
    /// </summary>
    internal ref float GetSequenceScratchReference(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (_sequence is null || _sequence.Length < length)
            _sequence = new AlignedBuffer(Math.Max(length, _sequence is null ? 0 : 2 * _sequence.Length));
        return ref _sequence.Reference;
    }

    internal static int PadToBlock(int n) => (n + LaneBlock - 1) / LaneBlock * LaneBlock;

    private int CheckSlot(int slot)
    {
        if ((uint)slot >= (uint)SlotCount) throw new ArgumentOutOfRangeException(nameof(slot), slot, $"The state has slots 0 to {SlotCount - 1}.");
        return slot;
    }
}
