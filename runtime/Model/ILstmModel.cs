// What every LstmGen model offers, generated or reference, so code (and tests) can be written once.
using System;
using System.IO;
using LstmGen.IO;
using LstmGen.Training;

namespace LstmGen;

/// <summary>Members every model has, whatever its input form.</summary>
/// <remarks>
/// <para><b>Threads.</b> One model instance serves any number of threads for inference: <c>Predict</c> without a state
/// uses a state of the calling thread's own, and every call with a state touches only that state. Give each stream or
/// concurrent caller its own <see cref="LstmState"/> (<see cref="CreateState"/>); a state is not shared between threads.
/// Changing the weights — <c>Load</c>, <see cref="Initialize"/>, <see cref="ParametersChanged"/>, or a <c>Trainer</c>'s
/// steps — is exclusive: an inference call that overlaps a change throws <see cref="InvalidOperationException"/> rather
/// than compute with half-old, half-new weights, and a second trainer on the same instance is refused. Writing to
/// <see cref="Parameters"/> itself is not watched: do it when no other thread runs the model, then call
/// <see cref="ParametersChanged"/>.</para>
/// </remarks>
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

    /// <summary>
    /// Sets every parameter to a fresh random initialisation (PyTorch's defaults unless <paramref name="options"/> says
    /// otherwise; see <see cref="ParameterInit"/>) from <paramref name="seed"/>, and rebuilds the packed copy.
    /// </summary>
    void Initialize(ulong seed = 0, ParameterInitOptions? options = null);

    /// <summary>A zero state for one stream or sequence of this model.</summary>
    LstmState CreateState();

    /// <summary>Loads weights from a safetensors file with PyTorch <c>state_dict</c> names (see <see cref="WeightLoadOptions"/> for other names); on any error the weights are unchanged.</summary>
    void Load(string path, WeightLoadOptions? options = null);

    /// <summary>Loads weights from a safetensors file in <paramref name="stream"/> (read to its end, not closed), as <see cref="Load(string, WeightLoadOptions?)"/>.</summary>
    void Load(Stream stream, WeightLoadOptions? options = null);

    /// <summary>Loads weights from safetensors bytes (an embedded resource, a download), as <see cref="Load(string, WeightLoadOptions?)"/>.</summary>
    void Load(ReadOnlyMemory<byte> bytes, WeightLoadOptions? options = null);

    /// <summary>Saves the weights to a safetensors file with PyTorch <c>state_dict</c> names, atomically (a temporary file renamed over the target).</summary>
    void Save(string path);

    /// <summary>Writes the weights as a safetensors file to <paramref name="stream"/> (not closed).</summary>
    void Save(Stream stream);

    /// <summary>A table of the model's layers, tensors, their shapes and parameter counts, as Keras' <c>summary()</c> prints.</summary>
    string Summary();
}

/// <summary>A model that reads a vector of floats each step.</summary>
public interface IFloatSequenceModel : ILstmModel
{
    /// <summary>
    /// Runs a whole sequence from a zero state. <paramref name="inputs"/> holds T steps of
    /// <see cref="ModelShape.InputSize"/> floats; <paramref name="output"/> receives
    /// <see cref="ModelShape.OutputLength"/>(T) floats. Safe to call from many threads at once (each uses a state of its own).
    /// </summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> output);

    /// <summary>
    /// Runs a whole sequence starting from <paramref name="state"/> (h0, c0) and leaves the final state (h_n, c_n) in it.
    /// Safe to call from many threads at once as long as each uses its own state.
    /// </summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated);

    /// <summary>
    /// Advances <paramref name="state"/> by one step. <paramref name="output"/> receives
    /// <see cref="ModelShape.StepOutputSize"/> floats (the head applied to this step, or h), or is
    /// empty to only advance the state. Safe to call from many threads at once as long as each stream has its own state.
    /// </summary>
    /// <exception cref="NotSupportedException">The model is bidirectional (<see cref="ModelShape.Bidirectional"/>): it needs the whole sequence, use Predict.</exception>
    void Step(ReadOnlySpan<float> input, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated);
}

/// <summary>A model that reads one token id each step through an embedding.</summary>
public interface ITokenSequenceModel : ILstmModel
{
    /// <summary>
    /// Runs a whole sequence of token ids from a zero state; <paramref name="output"/> receives
    /// <see cref="ModelShape.OutputLength"/>(T) floats. Safe to call from many threads at once (each uses a state of its own).
    /// </summary>
    void Predict(ReadOnlySpan<int> tokens, Span<float> output);

    /// <summary>
    /// Runs a whole sequence starting from <paramref name="state"/> (h0, c0) and leaves the final state (h_n, c_n) in it.
    /// Safe to call from many threads at once as long as each uses its own state.
    /// </summary>
    void Predict(ReadOnlySpan<int> tokens, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated);

    /// <summary>
    /// Advances <paramref name="state"/> by one token; <paramref name="output"/> as for the float form. Safe to call from
    /// many threads at once as long as each stream has its own state.
    /// </summary>
    /// <exception cref="NotSupportedException">The model is bidirectional (<see cref="ModelShape.Bidirectional"/>): it needs the whole sequence, use Predict.</exception>
    void Step(int token, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated);
}
