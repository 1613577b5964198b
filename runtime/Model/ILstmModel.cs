// What every LstmGen model offers, generated or reference, so code (and tests) can be written once.
using System;
using LstmGen.IO;

namespace LstmGen;

/// <summary>Members every model has, whatever its input form.</summary>
public interface ILstmModel
{
    /// <summary>The model's sizes and the layout of <see cref="Parameters"/>.</summary>
    ModelShape Shape { get; }

    /// <summary>
    /// All parameters in one contiguous block, in PyTorch <c>state_dict</c> order and layout
    /// (see <see cref="ModelShape"/>). After writing to it, call <see cref="ParametersChanged"/>.
    /// </summary>
    Span<float> Parameters { get; }

    /// <summary>Tells the model its <see cref="Parameters"/> were changed in place, so it rebuilds its packed copy.</summary>
    void ParametersChanged();

    /// <summary>A zero state for one stream or sequence of this model.</summary>
    LstmState CreateState();

    /// <summary>Loads weights from a safetensors file with PyTorch <c>state_dict</c> names (see <see cref="WeightLoadOptions"/> for other names).</summary>
    void Load(string path, WeightLoadOptions? options = null);

    /// <summary>Saves the weights to a safetensors file with PyTorch <c>state_dict</c> names, atomically.</summary>
    void Save(string path);
}

/// <summary>A model that reads a vector of floats each step.</summary>
public interface IFloatSequenceModel : ILstmModel
{
    /// <summary>
    /// Runs a whole sequence from a zero state. <paramref name="inputs"/> holds T steps of
    /// <see cref="ModelShape.Inputs"/> floats; <paramref name="output"/> receives
    /// <see cref="ModelShape.OutputLength"/>(T) floats. Uses a state owned by the model: not for
    /// concurrent calls (pass your own <see cref="LstmState"/> for that).
    /// </summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> output);

    /// <summary>Runs a whole sequence starting from <paramref name="state"/> (h0, c0) and leaves the final state (h_n, c_n) in it.</summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated);

    /// <summary>
    /// Advances <paramref name="state"/> by one step. <paramref name="output"/> receives
    /// <see cref="ModelShape.StepOutputSize"/> floats (the head applied to this step, or h), or is
    /// empty to only advance the state.
    /// </summary>
    /// <exception cref="NotSupportedException">The model is bidirectional (<see cref="ModelShape.Bidirectional"/>): it needs the whole sequence, use Predict.</exception>
    void Step(ReadOnlySpan<float> input, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated);
}

/// <summary>A model that reads one token id each step through an embedding.</summary>
public interface ITokenSequenceModel : ILstmModel
{
    /// <summary>
    /// Runs a whole sequence of token ids from a zero state; <paramref name="output"/> receives
    /// <see cref="ModelShape.OutputLength"/>(T) floats. Uses a state owned by the model: not for
    /// concurrent calls (pass your own <see cref="LstmState"/> for that).
    /// </summary>
    void Predict(ReadOnlySpan<int> tokens, Span<float> output);

    /// <summary>Runs a whole sequence starting from <paramref name="state"/> (h0, c0) and leaves the final state (h_n, c_n) in it.</summary>
    void Predict(ReadOnlySpan<int> tokens, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated);

    /// <summary>Advances <paramref name="state"/> by one token; <paramref name="output"/> as for the float form.</summary>
    /// <exception cref="NotSupportedException">The model is bidirectional (<see cref="ModelShape.Bidirectional"/>): it needs the whole sequence, use Predict.</exception>
    void Step(int token, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated);
}
