// The activations one forward pass records for the backward pass, plus the backward pass's scratch.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LstmGen.CompilerServices;

namespace LstmGen.Training;

/// <summary>
/// What a recording forward pass keeps for backpropagation through time: per step and layer the
/// gate activations, c and h; a copy of the inputs (or token ids) and of the initial state; and
/// scratch for the backward pass. Its layout belongs to the model that created it
/// (<see cref="ITrainableModel.CreateTape"/>). Reuse one per thread; it is not thread-safe.
/// </summary>
public sealed class TrainingTape
{
    private readonly AlignedBuffer _floats;
    private readonly int[] _tokens;

    /// <summary>Creates a tape; models call this with their own sizes.</summary>
    /// <param name="owner">The shape of the model the tape belongs to.</param>
    /// <param name="layout">Names the implementation's record layout (e.g. <c>packed-v1</c>); only a model with the same layout may use the tape.</param>
    /// <param name="maxSteps">Longest sequence the tape can record.</param>
    /// <param name="floatsPerStep">Floats recorded per step (all layers).</param>
    /// <param name="fixedFloats">Floats not per step (initial state, scratch).</param>
    internal TrainingTape(ModelShape owner, string layout, int maxSteps, int floatsPerStep, int fixedFloats)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentException.ThrowIfNullOrEmpty(layout);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(floatsPerStep);
        ArgumentOutOfRangeException.ThrowIfNegative(fixedFloats);
        Shape = owner;
        Layout = layout;
        MaxSteps = maxSteps;
        FloatsPerStep = floatsPerStep;
        InputFloatsPerStep = owner.IsTokenModel ? 0 : owner.InputSize;
        FixedFloats = fixedFloats;
        long total = (long)maxSteps * (floatsPerStep + InputFloatsPerStep) + fixedFloats;
        if (total > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(maxSteps), maxSteps, $"A tape of {maxSteps} steps needs {total} floats, more than an array holds; train on shorter chunks (truncated BPTT).");
        _floats = new AlignedBuffer((int)total);
        _tokens = owner.IsTokenModel ? new int[maxSteps] : Array.Empty<int>();
    }

    /// <summary>
    /// Seed of the dropout masks the next <c>Forward</c> draws (models declared with <c>Dropout</c> or
    /// <c>InputDropout</c>; others ignore it): masks are a function of this seed, the step, the site and the
    /// feature (<see cref="DropoutMask"/>), so equal seeds give equal masks. The <see cref="Trainer"/> sets a
    /// different seed for every sample, chunk and epoch, derived from <see cref="TrainingOptions.Seed"/>;
    /// set it yourself when you call <c>Forward</c> directly. Default 0.
    /// </summary>
    public ulong DropoutSeed { get; set; }

    /// <summary>The shape of the model that owns this tape.</summary>
    public ModelShape Shape { get; }

    /// <summary>The record layout of the implementation that created the tape.</summary>
    internal string Layout { get; }

    /// <summary>Longest sequence this tape records.</summary>
    public int MaxSteps { get; }

    /// <summary>Steps recorded by the last Forward (0 before any).</summary>
    public int Steps { get; private set; }

    /// <summary>Floats recorded per step.</summary>
    internal int FloatsPerStep { get; }

    /// <summary>Input floats copied per step (0 for token models).</summary>
    internal int InputFloatsPerStep { get; }

    /// <summary>Floats after the per-step records and input copies (initial state, backward scratch); lets a model check a tape has its layout.</summary>
    internal int FixedFloats { get; }

    /// <summary>Throws unless the tape belongs to <paramref name="shape"/> and can hold <paramref name="steps"/> steps; then records the step count.</summary>
    internal void Begin(ModelShape shape, string layout, int steps)
    {
        EnsureOwner(shape, layout);
        if (steps > MaxSteps)
            throw new ArgumentException($"The sequence has {steps} steps; the tape holds at most {MaxSteps}. Create it with CreateTape({steps}) or more.", "tape");
        Steps = steps;
    }

    /// <summary>Throws unless a Forward has been recorded for <paramref name="shape"/>.</summary>
    internal void EnsureRecorded(ModelShape shape, string layout)
    {
        EnsureOwner(shape, layout);
        if (Steps == 0) throw new InvalidOperationException("The tape holds no forward pass; call Forward before Backward.");
    }

    private void EnsureOwner(ModelShape shape, string layout)
    {
        if (!Shape.Equals(shape))
            throw new ArgumentException($"The tape was created for a model of shape ({Shape}), not ({shape}). Create it with this model's CreateTape().", "tape");
        if (Layout != layout)
            throw new ArgumentException($"The tape was created by a model with the '{Layout}' record layout; this model uses '{layout}'. Create it with this model's CreateTape().", "tape");
    }

    /// <summary>Reference to the first float (64-byte aligned): per-step records, then input copies, then fixed floats.</summary>
    internal ref float GetReference() => ref _floats.Reference;

    /// <summary>Reference to the first recorded input float (after MaxSteps records).</summary>
    internal ref float GetInputReference() => ref Unsafe.Add(ref _floats.Reference, (nint)MaxSteps * FloatsPerStep);

    /// <summary>Reference to the fixed floats (initial state, backward scratch).</summary>
    internal ref float GetFixedReference() => ref Unsafe.Add(ref _floats.Reference, (nint)MaxSteps * (FloatsPerStep + InputFloatsPerStep));

    /// <summary>The recorded token ids (token models).</summary>
    internal Span<int> TokenIds => _tokens;

    /// <summary>Reference to the first recorded token id.</summary>
    internal ref int GetTokenReference() => ref MemoryMarshal.GetArrayDataReference(_tokens);
}
