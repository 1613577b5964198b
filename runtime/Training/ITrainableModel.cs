// What a model offers for training: a recording forward pass, BPTT backward, and gradients in PyTorch layout.
using System;

namespace LstmGen.Training;

/// <summary>Training members every trainable model has, whatever its input form.</summary>
/// <remarks>
/// One training step for one sequence: <c>Forward</c> (records a <see cref="TrainingTape"/> and writes
/// the head's logits, or the top layer's h without a head), a loss gives dLoss/dlogits, and
/// <c>Backward</c> adds dLoss/dparameters into a <see cref="GradientBuffer"/>. Gradient buffers hold the
/// model's own internal layout; <see cref="CopyGradients"/> converts one into PyTorch layout, the layout
/// of <see cref="ILstmModel.Parameters"/>, which optimizers work on.
/// </remarks>
public interface ITrainableModel : ILstmModel
{
    /// <summary>A tape for sequences of up to <paramref name="maxSteps"/> steps (reusable, one per thread).</summary>
    TrainingTape CreateTape(int maxSteps);

    /// <summary>A zeroed gradient buffer for this model.</summary>
    GradientBuffer CreateGradients();

    /// <summary>Writes the gradients in <paramref name="source"/> to <paramref name="destination"/> in PyTorch layout (<see cref="ModelShape.ParameterCount"/> floats).</summary>
    void CopyGradients(GradientBuffer source, Span<float> destination);

    /// <summary>
    /// Backpropagation through time over the sequence recorded in <paramref name="tape"/>.
    /// <paramref name="outputGradients"/> is dLoss/d(the outputs Forward wrote), same length;
    /// the parameter gradients are <b>added</b> to <paramref name="gradients"/>.
    /// <paramref name="inputGradients"/> (float models only; T × Inputs, or empty) receives dLoss/dinputs;
    /// <paramref name="initialStateGradients"/> (or null) receives dLoss/dh0 and dLoss/dc0.
    /// <paramref name="finalStateGradients"/> (or null) is dLoss/d(the state Forward left behind: h_n and c_n of
    /// every layer, or slot of a bidirectional model, whose forward direction ended at the last step and reverse
    /// direction at the first), added to whatever flows back from the outputs: how a loss computed from the final
    /// state (an encoder's, handed to a decoder as its initial state) reaches the parameters. A GRU has no c: the
    /// cell part of both state gradients is ignored (final) or left zero (initial).
    /// </summary>
    /// <exception cref="ArgumentException">A span has the wrong length, or a state gradient was not made for this model's layers and hidden size (create it with <see cref="ILstmModel.CreateState"/>).</exception>
    void Backward(TrainingTape tape, ReadOnlySpan<float> outputGradients, GradientBuffer gradients,
        Span<float> inputGradients = default, LstmState? initialStateGradients = null, LstmState? finalStateGradients = null);
}

/// <summary>A trainable model reading float vectors.</summary>
public interface IFloatTrainableModel : ITrainableModel, IFloatSequenceModel
{
    /// <summary>
    /// Runs the sequence from <paramref name="state"/> (h0, c0; left holding h_n, c_n, as Predict does),
    /// recording what Backward needs in <paramref name="tape"/>. <paramref name="outputs"/> receives
    /// <see cref="ModelShape.OutputLength"/>(T) floats: the head's logits (before softmax/sigmoid), or h without a head.
    /// </summary>
    void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, LstmState state, TrainingTape tape);
}

/// <summary>A trainable model reading token ids.</summary>
public interface ITokenTrainableModel : ITrainableModel, ITokenSequenceModel
{
    /// <summary>As <see cref="IFloatTrainableModel.Forward"/>, for token ids.</summary>
    void Forward(ReadOnlySpan<int> tokens, Span<float> outputs, LstmState state, TrainingTape tape);
}
