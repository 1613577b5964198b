// Many streams of one model advanced one step each per call: streams open and close at any time, and one stream's
// state is read or set without touching the others.
using System;

namespace LstmGen;

/// <summary>
/// A fixed number of stream slots for one model shape, advanced together by <c>model.StepBatch</c>. A slot is
/// <see cref="Open"/> (a new stream from a zero state) or closed; a step advances the open slots only, closed ones keep
/// their state and outputs. Like an <see cref="LstmState"/>, a batch belongs to one thread at a time; the model is shared.
/// </summary>
public sealed class StreamBatch
{
    private readonly LstmState[] _states;
    private readonly bool[] _open;

    internal StreamBatch(ILstmModel model, int capacity)
    {
        if (model.Shape.Bidirectional)
            throw new NotSupportedException($"A bidirectional model ({model.Shape}) cannot run one step at a time: its reverse direction starts at the last step. Use PredictBatch with whole sequences.");
        Shape = model.Shape;
        Capacity = capacity;
        _states = new LstmState[capacity];
        for (int i = 0; i < capacity; i++) _states[i] = model.CreateState();
        _open = new bool[capacity];
    }

    /// <summary>The shape of the model the batch was made for.</summary>
    public ModelShape Shape { get; }

    /// <summary>Slots.</summary>
    public int Capacity { get; }

    /// <summary>Open streams.</summary>
    public int Count { get; private set; }

    /// <summary>True when slot <paramref name="stream"/> holds an open stream.</summary>
    public bool IsOpen(int stream) => _open[Check(stream)];

    /// <summary>Opens a stream in the lowest free slot, from a zero state, and returns the slot.</summary>
    /// <exception cref="InvalidOperationException">Every slot is open.</exception>
    public int Open()
    {
        for (int i = 0; i < Capacity; i++)
        {
            if (_open[i]) continue;
            _open[i] = true;
            _states[i].Reset();
            Count++;
            return i;
        }
        throw new InvalidOperationException($"All {Capacity} stream slots are open; close one, or create a larger batch.");
    }

    /// <summary>Closes the stream in slot <paramref name="stream"/>; the slot is free for <see cref="Open"/>.</summary>
    public void Close(int stream)
    {
        if (!_open[Check(stream)]) throw new InvalidOperationException($"Stream slot {stream} is not open.");
        _open[stream] = false;
        Count--;
    }

    /// <summary>Sets the state of open stream <paramref name="stream"/> to zero, as at its start.</summary>
    public void Reset(int stream) => StateOf(stream).Reset();

    /// <summary>Copies the state (h, c of every layer) of open stream <paramref name="stream"/> into <paramref name="destination"/> (a state of this model).</summary>
    public void GetState(int stream, LstmState destination) => StateOf(stream).CopyTo(destination);

    /// <summary>Sets the state of open stream <paramref name="stream"/> from <paramref name="source"/> (e.g. an h0 and c0 of your own).</summary>
    public void SetState(int stream, LstmState source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source.CopyTo(StateOf(stream));
    }

    /// <summary>The state of slot <paramref name="stream"/>, for the step loop.</summary>
    internal LstmState Slot(int stream) => _states[stream];

    internal bool IsOpenUnchecked(int stream) => _open[stream];

    private LstmState StateOf(int stream)
    {
        if (!_open[Check(stream)]) throw new InvalidOperationException($"Stream slot {stream} is not open.");
        return _states[stream];
    }

    private int Check(int stream) => (uint)stream < (uint)Capacity ? stream
        : throw new ArgumentOutOfRangeException(nameof(stream), stream, $"The batch has stream slots 0 to {Capacity - 1}.");
}
