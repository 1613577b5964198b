// Sequence-to-sequence from two ordinary models: the encoder's final state (h, c of every layer) becomes the
// decoder's initial state. One pair's teacher-forced training step and greedy decoding live here; batches,
// optimizers and threads are in EncoderDecoderTrainer.
using System;

namespace LstmGen.Training;

/// <summary>
/// An encoder model and a decoder model composed into a sequence-to-sequence model: the encoder reads the
/// source and its final state (h_n and c_n of every layer) is the decoder's initial state; the decoder, a
/// token model with a softmax head on every step, then emits the target one token at a time, reading the
/// previous token (<see cref="StartToken"/> first).
/// </summary>
/// <remarks>
/// <para>Either model can be generated or a <see cref="Reference.ReferenceLstm"/>. The encoder reads token ids
/// or floats and is typically headless (its outputs are not used); the decoder must be unidirectional and have
/// the encoder's cell kind, hidden size and number of state slots (layers; for a bidirectional encoder, layers × 2).</para>
/// <para><b>Training</b> (<see cref="Accumulate(ReadOnlySpan{int}, ReadOnlySpan{int}, GradientBuffer, GradientBuffer, EncoderDecoderScratch, float)"/>)
/// uses teacher forcing: the decoder reads [start, y_0 … y_(n−2)] and is scored with cross-entropy against
/// [y_0 … y_(n−1)], the mean over the n positions. Backward runs through the decoder, which gives dLoss/d(its
/// initial state), and that is the encoder's final-state gradient
/// (<see cref="ITrainableModel.Backward"/>'s <c>finalStateGradients</c>).</para>
/// <para><b>Inference</b> (<see cref="Decode(ReadOnlySpan{int}, Span{int}, EncoderDecoderScratch)"/>) is greedy: the
/// most likely token at each step, fed back, until <see cref="EndToken"/> or the output span is full. Neither
/// allocates once the scratch has grown to the lengths in use.</para>
/// <para>Methods read the models' weights and write only to the scratch and gradient buffers given, so threads
/// can share one instance with a scratch each, as long as nobody changes the weights meanwhile.</para>
/// </remarks>
public sealed class EncoderDecoder
{
    private readonly IFloatTrainableModel? _floatEncoder;
    private readonly ITokenTrainableModel? _tokenEncoder;
    private readonly ITokenTrainableModel _decoder;

    /// <summary>Pairs <paramref name="encoder"/> and <paramref name="decoder"/>.</summary>
    /// <param name="encoder">Reads the source; any trainable model (token or float) whose state fits the decoder's.</param>
    /// <param name="decoder">A unidirectional token model with a softmax head on every step (<see cref="HeadOn.EveryStep"/>).</param>
    /// <param name="startToken">The decoder's first input token (an id below the decoder's vocabulary size).</param>
    /// <param name="endToken">The token that ends a decoded sequence (a class id below both the decoder's outputs and vocabulary), or −1 for none: decoding then always fills the output span.</param>
    /// <exception cref="ArgumentException">The models do not fit together (the message names both values), or a token id is out of range.</exception>
    public EncoderDecoder(ITrainableModel encoder, ITrainableModel decoder, int startToken, int endToken = -1)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(decoder);
        ModelShape e = encoder.Shape, d = decoder.Shape;
        if (e.IsTokenModel)
        {
            _tokenEncoder = encoder as ITokenTrainableModel
                ?? throw new ArgumentException($"The encoder reads token ids ({e}) but does not implement ITokenTrainableModel.", nameof(encoder));
        }
        else
        {
            _floatEncoder = encoder as IFloatTrainableModel
                ?? throw new ArgumentException($"The encoder reads float vectors ({e}) but does not implement IFloatTrainableModel.", nameof(encoder));
        }
        if (!d.IsTokenModel || decoder is not ITokenTrainableModel tokenDecoder)
            throw new ArgumentException($"The decoder must read token ids (it reads its previous output token); it is {d}.", nameof(decoder));
        if (d.Bidirectional)
            throw new ArgumentException($"The decoder must be unidirectional (it runs one step at a time); it is bidirectional ({d}).", nameof(decoder));
        if (d.Head != Head.Softmax || d.HeadOn != HeadOn.EveryStep)
            throw new ArgumentException($"The decoder needs a softmax head on every step (Head = Softmax, HeadOn = EveryStep); it has Head = {d.Head}, HeadOn = {d.HeadOn}.", nameof(decoder));
        if (e.Cell != d.Cell)
            throw new ArgumentException($"The encoder is an {e.Cell} and the decoder a {d.Cell}: the decoder's initial state must be the same kind of state.", nameof(decoder));
        if (e.HiddenSize != d.HiddenSize)
            throw new ArgumentException($"The encoder has {e.HiddenSize} hidden units and the decoder {d.HiddenSize}: they must be equal, the encoder's final state is the decoder's initial state.", nameof(decoder));
        if (e.ProjectionSize != d.ProjectionSize)
            throw new ArgumentException($"The encoder's h is {e.HiddenStateSize} wide and the decoder's {d.HiddenStateSize} (ProjectionSize {e.ProjectionSize} and {d.ProjectionSize}): they must be equal, the encoder's final state is the decoder's initial state.", nameof(decoder));
        if (e.StateSlotCount != d.StateSlotCount)
            throw new ArgumentException(
                $"The encoder has {e.StateSlotCount} state slot(s) ({e.LayerCount} layer(s){(e.Bidirectional ? " × 2 directions" : "")}) and the decoder {d.StateSlotCount}: they must be equal, slot by slot the encoder's final state is the decoder's initial state.", nameof(decoder));
        if ((uint)startToken >= (uint)d.VocabularySize)
            throw new ArgumentOutOfRangeException(nameof(startToken), startToken, $"The start token must be a decoder input id in [0, {d.VocabularySize}).");
        if (endToken != -1 && (uint)endToken >= (uint)Math.Min(d.OutputSize, d.VocabularySize))
            throw new ArgumentOutOfRangeException(nameof(endToken), endToken, $"The end token must be −1 (none) or an id in [0, {Math.Min(d.OutputSize, d.VocabularySize)}): a decoder output class and input id.");
        _decoder = tokenDecoder;
        Encoder = encoder;
        Decoder = decoder;
        StartToken = startToken;
        EndToken = endToken;
    }

    /// <summary>The model that reads the source.</summary>
    public ITrainableModel Encoder { get; }

    /// <summary>The model that writes the target.</summary>
    public ITrainableModel Decoder { get; }

    /// <summary>The decoder's first input token.</summary>
    public int StartToken { get; }

    /// <summary>The token that ends decoding, or −1.</summary>
    public int EndToken { get; }

    /// <summary>Target token ids are classes in [0, <see cref="TargetClasses"/>) (the decoder's outputs).</summary>
    public int TargetClasses => Decoder.Shape.OutputSize;

    /// <summary>Tapes, states and buffers for sources of up to <paramref name="maxSourceLength"/> steps and targets of up to <paramref name="maxTargetLength"/> tokens (one per thread).</summary>
    public EncoderDecoderScratch CreateScratch(int maxSourceLength, int maxTargetLength) => new(this, maxSourceLength, maxTargetLength);

    /// <summary>
    /// One teacher-forced training step on a (token source, target) pair: encoder Forward, its final state into the
    /// decoder, decoder Forward on [start, y_0 … y_(n−2)], cross-entropy against <paramref name="target"/> (the mean
    /// over its n tokens, times <paramref name="weight"/>), decoder Backward, encoder Backward from the decoder's
    /// initial-state gradient. The gradients are <b>added</b> to the two buffers. Returns the loss (times weight).
    /// </summary>
    /// <exception cref="ArgumentException">A token is out of range, a sequence is empty or longer than the scratch allows, or a buffer belongs to another model.</exception>
    public double Accumulate(ReadOnlySpan<int> source, ReadOnlySpan<int> target, GradientBuffer encoderGradients, GradientBuffer decoderGradients, EncoderDecoderScratch scratch, float weight = 1f)
    {
        if (_tokenEncoder is null) throw new ArgumentException($"The encoder reads float vectors ({Encoder.Shape}); pass the source as floats.", nameof(source));
        ArgumentNullException.ThrowIfNull(encoderGradients);
        ArgumentNullException.ThrowIfNull(decoderGradients);
        CheckCall(source.Length, target, scratch, nameof(source));
        CheckTokens(source, Encoder.Shape.VocabularySize, "source", nameof(source));
        scratch.EncoderState.Reset();
        _tokenEncoder.Forward(source, scratch.EncoderOutputs(source.Length), scratch.EncoderState, scratch.EncoderTape);
        return AccumulateDecoder(source.Length, target, encoderGradients, decoderGradients, scratch, weight);
    }

    /// <summary>The teacher-forced loss of a pair without recording or gradients (for evaluation).</summary>
    internal double TeacherForcedLoss(ReadOnlySpan<int> source, ReadOnlySpan<int> target, EncoderDecoderScratch scratch)
    {
        CheckCall(source.Length, target, scratch, nameof(source));
        scratch.EncoderState.Reset();
        _tokenEncoder!.Predict(source, scratch.PredictOutputs(source.Length), scratch.EncoderState, HeadOutput.Logits);
        return AccumulateDecoder(source.Length, target, null, null, scratch, 1f);
    }

    /// <summary>As the token form, for a float encoder.</summary>
    internal double TeacherForcedLoss(ReadOnlySpan<float> source, ReadOnlySpan<int> target, EncoderDecoderScratch scratch)
    {
        int steps = FloatSteps(source);
        CheckCall(steps, target, scratch, nameof(source));
        scratch.EncoderState.Reset();
        _floatEncoder!.Predict(source, scratch.PredictOutputs(steps), scratch.EncoderState, HeadOutput.Logits);
        return AccumulateDecoder(steps, target, null, null, scratch, 1f);
    }

    /// <summary>As the token form, for a float encoder: <paramref name="source"/> holds T × <see cref="ModelShape.InputSize"/> floats.</summary>
    /// <exception cref="ArgumentException">A token is out of range, a sequence is empty, not whole steps, or longer than the scratch allows, or a buffer belongs to another model.</exception>
    public double Accumulate(ReadOnlySpan<float> source, ReadOnlySpan<int> target, GradientBuffer encoderGradients, GradientBuffer decoderGradients, EncoderDecoderScratch scratch, float weight = 1f)
    {
        if (_floatEncoder is null) throw new ArgumentException($"The encoder reads token ids ({Encoder.Shape}); pass the source as token ids.", nameof(source));
        ArgumentNullException.ThrowIfNull(encoderGradients);
        ArgumentNullException.ThrowIfNull(decoderGradients);
        int steps = FloatSteps(source);
        CheckCall(steps, target, scratch, nameof(source));
        scratch.EncoderState.Reset();
        _floatEncoder.Forward(source, scratch.EncoderOutputs(steps), scratch.EncoderState, scratch.EncoderTape);
        return AccumulateDecoder(steps, target, encoderGradients, decoderGradients, scratch, weight);
    }

    /// <summary>
    /// The rest of a training step, once the encoder has run from a zero state: recording, with backward passes into
    /// the two buffers; or, when they are null, forward only (the loss of an evaluation).
    /// </summary>
    private double AccumulateDecoder(int sourceSteps, ReadOnlySpan<int> target, GradientBuffer? encoderGradients, GradientBuffer? decoderGradients, EncoderDecoderScratch scratch, float weight)
    {
        bool backward = encoderGradients is not null && decoderGradients is not null;
        int n = target.Length, classes = TargetClasses;
        ModelShape d = Decoder.Shape;

        // Teacher forcing: the decoder reads the start token, then the target shifted right by one.
        Span<int> inputs = scratch.DecoderInputs.AsSpan(0, n);
        inputs[0] = StartToken;
        for (int t = 0; t + 1 < n; t++)
        {
            if ((uint)target[t] >= (uint)d.VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(target), target[t], $"Target token {t} is {target[t]}; tokens fed back to the decoder (all but the last) must be in [0, {d.VocabularySize}), its vocabulary.");
            inputs[t + 1] = target[t];
        }
        scratch.EncoderState.CopyTo(scratch.DecoderState);
        Span<float> logits = scratch.DecoderOutputs.AsSpan(0, n * classes);
        if (backward) _decoder.Forward(inputs, logits, scratch.DecoderState, scratch.DecoderTape);
        else _decoder.Predict(inputs, logits, scratch.DecoderState, HeadOutput.Logits);

        // Cross-entropy per position on the logits, the mean over the n positions.
        Span<float> dLogits = scratch.DecoderOutputGradients.AsSpan(0, n * classes);
        float scale = weight / n;
        double loss = 0;
        for (int t = 0; t < n; t++)
            loss += LossFunctions.SoftmaxCrossEntropy(logits.Slice(t * classes, classes), target[t], dLogits.Slice(t * classes, classes), scale);

        if (encoderGradients is null || decoderGradients is null) return loss;

        // Back through the decoder (which yields dLoss/d(its initial state)), then the encoder from its final state.
        Decoder.Backward(scratch.DecoderTape, dLogits, decoderGradients, default, initialStateGradients: scratch.StateGradients);
        Encoder.Backward(scratch.EncoderTape, scratch.EncoderOutputGradients(sourceSteps), encoderGradients, default, null, finalStateGradients: scratch.StateGradients);
        return loss;
    }

    /// <summary>
    /// Greedy decoding of a token source: encoder Predict, its final state into the decoder, then decoder Steps
    /// from <see cref="StartToken"/>, each feeding back the most likely token, until <see cref="EndToken"/> (not
    /// written) or until <paramref name="output"/> is full. Returns the number of tokens written. Allocates nothing
    /// once <paramref name="scratch"/> has seen a source this long.
    /// </summary>
    /// <exception cref="ArgumentException">The source is empty or holds a token outside the encoder's vocabulary, or the scratch belongs to another model.</exception>
    public int Decode(ReadOnlySpan<int> source, Span<int> output, EncoderDecoderScratch scratch)
    {
        if (_tokenEncoder is null) throw new ArgumentException($"The encoder reads float vectors ({Encoder.Shape}); pass the source as floats.", nameof(source));
        CheckScratch(scratch);
        if (source.IsEmpty) throw new ArgumentException("The source is empty; an encoder needs at least one step.", nameof(source));
        CheckTokens(source, Encoder.Shape.VocabularySize, "source", nameof(source));
        scratch.EncoderState.Reset();
        _tokenEncoder.Predict(source, scratch.PredictOutputs(source.Length), scratch.EncoderState, HeadOutput.Logits);
        return DecodeFromEncoderState(output, scratch);
    }

    /// <summary>As the token form, for a float encoder (<paramref name="source"/>: T × <see cref="ModelShape.InputSize"/> floats).</summary>
    /// <exception cref="ArgumentException">The source is empty or not whole steps, or the scratch belongs to another model.</exception>
    public int Decode(ReadOnlySpan<float> source, Span<int> output, EncoderDecoderScratch scratch)
    {
        if (_floatEncoder is null) throw new ArgumentException($"The encoder reads token ids ({Encoder.Shape}); pass the source as token ids.", nameof(source));
        CheckScratch(scratch);
        int steps = FloatSteps(source);
        _floatEncoder.Predict(source, scratch.PredictOutputs(steps), ResetState(scratch.EncoderState), HeadOutput.Logits);
        return DecodeFromEncoderState(output, scratch);
    }

    private static LstmState ResetState(LstmState state)
    {
        state.Reset();
        return state;
    }

    private int DecodeFromEncoderState(Span<int> output, EncoderDecoderScratch scratch)
    {
        scratch.EncoderState.CopyTo(scratch.DecoderState);
        Span<float> logits = scratch.StepLogits;
        int token = StartToken, vocabulary = Decoder.Shape.VocabularySize;
        for (int i = 0; i < output.Length; i++)
        {
            _decoder.Step(token, logits, scratch.DecoderState, HeadOutput.Logits);
            int best = ArgMax(logits);
            if (best == EndToken) return i;
            output[i] = best;
            if (best >= vocabulary) return i + 1; // a class the decoder cannot read back: nothing more can follow
            token = best;
        }
        return output.Length;
    }

    /// <summary>The index of the largest value (the first one on ties).</summary>
    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }

    private int FloatSteps(ReadOnlySpan<float> source)
    {
        int width = Encoder.Shape.InputSize;
        if (source.IsEmpty || source.Length % width != 0)
            throw new ArgumentException($"Expected a source of T × {width} floats (T ≥ 1), got {source.Length}.", nameof(source));
        return source.Length / width;
    }

    private void CheckCall(int sourceSteps, ReadOnlySpan<int> target, EncoderDecoderScratch scratch, string sourceName)
    {
        CheckScratch(scratch);
        if (sourceSteps == 0) throw new ArgumentException("The source is empty; an encoder needs at least one step.", sourceName);
        if (sourceSteps > scratch.MaxSourceLength)
            throw new ArgumentException($"The source has {sourceSteps} steps; the scratch was made for at most {scratch.MaxSourceLength} (CreateScratch).", sourceName);
        if (target.IsEmpty) throw new ArgumentException("The target is empty; it needs at least one token (e.g. the end token).", nameof(target));
        if (target.Length > scratch.MaxTargetLength)
            throw new ArgumentException($"The target has {target.Length} tokens; the scratch was made for at most {scratch.MaxTargetLength} (CreateScratch).", nameof(target));
        CheckTokens(target, TargetClasses, "target", nameof(target));
    }

    private void CheckScratch(EncoderDecoderScratch scratch)
    {
        ArgumentNullException.ThrowIfNull(scratch);
        if (!ReferenceEquals(scratch.Owner, this))
            throw new ArgumentException("The scratch was made by another EncoderDecoder; use this one's CreateScratch.", nameof(scratch));
    }

    private static void CheckTokens(ReadOnlySpan<int> tokens, int limit, string what, string parameterName)
    {
        for (int t = 0; t < tokens.Length; t++)
        {
            if ((uint)tokens[t] >= (uint)limit)
                throw new ArgumentOutOfRangeException(parameterName, tokens[t], $"{char.ToUpperInvariant(what[0])}{what[1..]} token {t} is {tokens[t]}; expected an id in [0, {limit}).");
        }
    }
}
