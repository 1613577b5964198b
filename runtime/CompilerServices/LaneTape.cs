// What a lock-step forward pass over several lanes keeps for the backward pass, plus the lanes' inputs
// and the backward pass's scratch; the counterpart of TrainingTape for ILaneTrainableModel.
using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using LstmGen.CompilerServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// The record of a lock-step forward pass over several lanes (<see cref="ILaneTrainableModel"/>), the lanes'
/// inputs (write them with <see cref="Tokens"/> or <see cref="Inputs"/> before ForwardLanes) and scratch.
/// Its layout belongs to the model that created it. Reuse one per thread; it is not thread-safe.
/// </summary>
public sealed class LaneTape
{
    private readonly AlignedBuffer _floats;
    private readonly AlignedBuffer _inputs;
    private readonly int[] _tokens;

    /// <summary>Creates a tape; models call this with their own sizes.</summary>
    /// <param name="owner">The shape of the model the tape belongs to.</param>
    /// <param name="layout">Names the implementation's record layout; only a model with the same layout may use the tape.</param>
    /// <param name="lanes">Lanes the tape holds.</param>
    /// <param name="maxSteps">Longest sequence the tape records.</param>
    /// <param name="floats">Floats of records and scratch, as the model lays them out.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public LaneTape(ModelShape owner, string layout, int lanes, int maxSteps, int floats)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentException.ThrowIfNullOrEmpty(layout);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lanes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(floats);
        Shape = owner;
        Layout = layout;
        Lanes = lanes;
        MaxSteps = maxSteps;
        _floats = new AlignedBuffer(floats);
        _inputs = new AlignedBuffer(owner.IsTokenModel ? 0 : checked(lanes * maxSteps * owner.InputSize));
        _tokens = owner.IsTokenModel ? new int[checked(lanes * maxSteps)] : Array.Empty<int>();
    }

    /// <summary>The shape of the model that owns this tape.</summary>
    public ModelShape Shape { get; }

    /// <summary>The record layout of the implementation that created the tape.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public string Layout { get; }

    /// <summary>Lanes the tape holds (a multiple of the model's <see cref="ILaneTrainableModel.LaneGroup"/>).</summary>
    public int Lanes { get; }

    /// <summary>Longest sequence this tape records.</summary>
    public int MaxSteps { get; }

    /// <summary>Steps recorded by the last ForwardLanes (0 before any).</summary>
    public int Steps { get; private set; }

    /// <summary>Lanes in use in the last ForwardLanes; the others run on zeros and are ignored.</summary>
    public int ActiveLanes { get; private set; }

    /// <summary>Lane <paramref name="lane"/>'s token ids (token models; <see cref="MaxSteps"/> of them).</summary>
    public Span<int> Tokens(int lane) => Shape.IsTokenModel ? _tokens.AsSpan(CheckLane(lane) * MaxSteps, MaxSteps) : Span<int>.Empty;

    /// <summary>Lane <paramref name="lane"/>'s input vectors (float models; <see cref="MaxSteps"/> × Inputs floats).</summary>
    public Span<float> Inputs(int lane) => Shape.IsTokenModel ? Span<float>.Empty : _inputs.Span.Slice(CheckLane(lane) * MaxSteps * Shape.InputSize, MaxSteps * Shape.InputSize);

    /// <summary>Throws unless the tape belongs to <paramref name="shape"/> and can hold <paramref name="active"/> lanes of <paramref name="steps"/> steps; then records both.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Begin(ModelShape shape, string layout, int steps, int active)
    {
        EnsureOwner(shape, layout);
        if (steps <= 0 || steps > MaxSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"The lanes must have 1 to {MaxSteps} steps (the tape's MaxSteps).");
        if (active <= 0 || active > Lanes)
            throw new ArgumentException($"Expected 1 to {Lanes} lane states (the tape's Lanes), got {active}.", "states");
        Steps = steps;
        ActiveLanes = active;
    }

    /// <summary>Throws unless a ForwardLanes has been recorded for <paramref name="shape"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void EnsureRecorded(ModelShape shape, string layout)
    {
        EnsureOwner(shape, layout);
        if (Steps == 0) throw new InvalidOperationException("The lane tape holds no forward pass; call ForwardLanes before BackwardLanes.");
    }

    private void EnsureOwner(ModelShape shape, string layout)
    {
        if (!Shape.Equals(shape))
            throw new ArgumentException($"The lane tape was created for a model of shape ({Shape}), not ({shape}). Create it with this model's CreateLaneTape().", "tape");
        if (Layout != layout)
            throw new ArgumentException($"The lane tape was created by a model with the '{Layout}' layout; this model uses '{layout}'. Create it with this model's CreateLaneTape().", "tape");
    }

    private int CheckLane(int lane)
    {
        if ((uint)lane >= (uint)Lanes) throw new ArgumentOutOfRangeException(nameof(lane), lane, $"The tape has lanes 0 to {Lanes - 1}.");
        return lane;
    }

    /// <summary>Reference to the first float of the records and scratch (64-byte aligned).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ref float GetReference() => ref _floats.Reference;

    /// <summary>Reference to lane 0's first input float (float models).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ref float GetInputReference() => ref _inputs.Reference;

    /// <summary>Reference to lane 0's first token id (token models).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ref int GetTokenReference() => ref MemoryMarshal.GetArrayDataReference(_tokens);
}
