// Everything one thread needs to train or decode with an EncoderDecoder, made once so the calls allocate nothing.
using System;

namespace LstmGen.Training;

/// <summary>
/// Tapes, states and buffers for one thread's <see cref="EncoderDecoder"/> calls (training on sources of up to
/// <see cref="MaxSourceLength"/> steps and targets of up to <see cref="MaxTargetLength"/> tokens; decoding grows
/// its source buffer once to the longest source seen). Create it with <see cref="EncoderDecoder.CreateScratch"/>;
/// not for concurrent use.
/// </summary>
public sealed class EncoderDecoderScratch
{
    private readonly float[] _encoderOutputs;
    private readonly float[] _encoderOutputGradients; // always zero: the encoder's outputs are not part of the loss
    private float[] _predictOutputs;

    internal EncoderDecoderScratch(EncoderDecoder owner, int maxSourceLength, int maxTargetLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSourceLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTargetLength);
        Owner = owner;
        MaxSourceLength = maxSourceLength;
        MaxTargetLength = maxTargetLength;
        ModelShape e = owner.Encoder.Shape, d = owner.Decoder.Shape;
        EncoderTape = owner.Encoder.CreateTape(maxSourceLength);
        DecoderTape = owner.Decoder.CreateTape(maxTargetLength);
        EncoderState = owner.Encoder.CreateState();
        DecoderState = owner.Decoder.CreateState();
        StateGradients = owner.Encoder.CreateState();
        _encoderOutputs = new float[e.OutputLength(maxSourceLength)];
        _encoderOutputGradients = new float[_encoderOutputs.Length];
        _predictOutputs = _encoderOutputs;
        DecoderInputs = new int[maxTargetLength];
        DecoderOutputs = new float[d.OutputLength(maxTargetLength)];
        DecoderOutputGradients = new float[DecoderOutputs.Length];
        StepLogits = new float[d.StepOutputSize];
    }

    /// <summary>The longest source a training step accepts.</summary>
    public int MaxSourceLength { get; }

    /// <summary>The longest target a training step accepts.</summary>
    public int MaxTargetLength { get; }

    internal EncoderDecoder Owner { get; }
    internal TrainingTape EncoderTape { get; }
    internal TrainingTape DecoderTape { get; }
    internal LstmState EncoderState { get; }
    internal LstmState DecoderState { get; }

    /// <summary>dLoss/d(decoder's initial state) = dLoss/d(encoder's final state).</summary>
    internal LstmState StateGradients { get; }

    internal int[] DecoderInputs { get; }
    internal float[] DecoderOutputs { get; }
    internal float[] DecoderOutputGradients { get; }
    internal float[] StepLogits { get; }

    /// <summary>The encoder's outputs for a recorded source of <paramref name="steps"/> steps (unused by the loss).</summary>
    internal Span<float> EncoderOutputs(int steps) => _encoderOutputs.AsSpan(0, OutputLength(steps));

    /// <summary>Zero gradients for those outputs.</summary>
    internal ReadOnlySpan<float> EncoderOutputGradients(int steps) => _encoderOutputGradients.AsSpan(0, OutputLength(steps));

    /// <summary>The encoder's outputs for a decoded source of any length (grows once to the longest seen).</summary>
    internal Span<float> PredictOutputs(int steps)
    {
        int length = OutputLength(steps);
        if (_predictOutputs.Length < length) _predictOutputs = new float[Math.Max(length, 2 * _predictOutputs.Length)];
        return _predictOutputs.AsSpan(0, length);
    }

    private int OutputLength(int steps) => Owner.Encoder.Shape.OutputLength(steps);
}
