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
    /// </summary>
    void Backward(TrainingTape tape, ReadOnlySpan<float> outputGradients, GradientBuffer gradients,
        Span<float> inputGradients = default, LstmState? initialStateGradients = null);
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
