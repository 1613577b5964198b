// Many sequences or streams per call: the entry points every model has. Each sequence's result is exactly what the
// one-at-a-time call returns; the batch is split into contiguous groups that one thread each computes, in lock-step
// lanes where the model has lane kernels (LaneRunner), one sequence after another otherwise.
using System;

namespace LstmGen;

/// <summary>
/// Runs many whole sequences (<c>PredictBatch</c>) or advances many streams one step each (<c>StepBatch</c>) in one call.
/// Results equal the one-at-a-time <c>Predict</c> and <c>Step</c> results bitwise. Unidirectional LSTMs without
/// peepholes, projection or dropout run up to eight sequences or streams in lock-step lanes (each weight vector loaded
/// once for all of them), except with AVX-512 for now; other models run them one after another. Safe to call from many threads at
/// once (each call's buffers, states and <see cref="StreamBatch"/> belong to that call); allocation-free after the
/// first call on a thread.
/// </summary>
/// <remarks>
/// Sequences lie back to back: <c>tokens</c> (or <c>inputs</c>, <c>steps × InputSize</c> floats each) holds sequence 0,
/// then 1, …, with <c>lengths[i]</c> steps each (at least 1). <c>outputs</c> holds each sequence's output in the same
/// order: <see cref="ModelShape.OutputLength"/>(lengths[i]) floats each — one step's output for a last-step or
/// final-state head, one per step for an every-step head. <see cref="BatchOutputLength"/> gives the total.
/// </remarks>
public static class BatchInference
{
    /// <summary>Floats <c>PredictBatch</c> writes for sequences of <paramref name="lengths"/> steps.</summary>
    public static int BatchOutputLength(this ILstmModel model, ReadOnlySpan<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(model);
        long total = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            if (lengths[i] <= 0) throw new ArgumentOutOfRangeException(nameof(lengths), lengths[i], $"Sequence {i} has {lengths[i]} steps; every sequence needs at least one.");
            total += model.Shape.OutputLength(lengths[i]);
        }
        return checked((int)total);
    }

    /// <summary>Runs each token sequence from a zero state (or from <see cref="BatchOptions.States"/>) and writes its output.</summary>
    /// <exception cref="ArgumentException">The lengths do not add up to the tokens, the outputs are not <see cref="BatchOutputLength"/> floats, a token id is out of range, or the states are not one per sequence.</exception>
    public static void PredictBatch(this ITokenSequenceModel model, ReadOnlyMemory<int> tokens, ReadOnlyMemory<int> lengths, Memory<float> outputs, BatchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Shape.IsTokenModel) throw new ArgumentException($"The model reads float vectors ({model.Shape}); pass inputs, not token ids.", nameof(tokens));
        BatchJob job = BatchJob.ForThisThread();
        job.Prepare(model, lengths.Span, tokens.Length, 1, outputs.Length, options, nameof(tokens));
        CheckTokens(tokens.Span, lengths.Span, model.Shape.VocabularySize);
        job.Tokens = tokens;
        job.Outputs = outputs;
        job.Run();
    }

    /// <summary>Runs each float sequence from a zero state (or from <see cref="BatchOptions.States"/>) and writes its output.</summary>
    /// <exception cref="ArgumentException">The lengths do not add up to the inputs, the outputs are not <see cref="BatchOutputLength"/> floats, or the states are not one per sequence.</exception>
    public static void PredictBatch(this IFloatSequenceModel model, ReadOnlyMemory<float> inputs, ReadOnlyMemory<int> lengths, Memory<float> outputs, BatchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Shape.IsTokenModel) throw new ArgumentException($"The model reads token ids ({model.Shape}); pass tokens, not floats.", nameof(inputs));
        BatchJob job = BatchJob.ForThisThread();
        job.Prepare(model, lengths.Span, inputs.Length, model.Shape.InputSize, outputs.Length, options, nameof(inputs));
        job.Inputs = inputs;
        job.Outputs = outputs;
        job.Run();
    }

    /// <summary>A batch of <paramref name="capacity"/> stream slots for this model, all closed.</summary>
    /// <exception cref="NotSupportedException">The model is bidirectional (it cannot run one step at a time).</exception>
    public static StreamBatch CreateStreamBatch(this ILstmModel model, int capacity)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        return new StreamBatch(model, capacity);
    }

    /// <summary>
    /// Advances every open stream of <paramref name="streams"/> by one token: slot s reads <c>tokens[s]</c> and writes
    /// <see cref="ModelShape.StepOutputSize"/> floats at <c>outputs[s · StepOutputSize]</c> (or nothing when
    /// <paramref name="outputs"/> is empty). Closed slots are skipped: their tokens are not read, their outputs not written.
    /// </summary>
    public static void StepBatch(this ITokenSequenceModel model, StreamBatch streams, ReadOnlySpan<int> tokens, Span<float> outputs, HeadOutput kind = HeadOutput.Activated)
    {
        CheckStreams(model, streams, tokens.Length, 1, outputs.Length, nameof(tokens));
        int vocabulary = model.Shape.VocabularySize;
        for (int s = 0; s < streams.Capacity; s++)
        {
            if (streams.IsOpenUnchecked(s) && (uint)tokens[s] >= (uint)vocabulary)
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[s], $"The token of slot {s} is {tokens[s]}; token ids must be in [0, {vocabulary}).");
        }
        if (streams.Count > 1 && LaneRunner.For(model) is { } lanes)
        {
            lanes.Step(streams, tokens, default, outputs, kind);
            return;
        }
        int width = model.Shape.StepOutputSize;
        for (int s = 0; s < streams.Capacity; s++)
        {
            if (!streams.IsOpenUnchecked(s)) continue;
            model.Step(tokens[s], outputs.IsEmpty ? default : outputs.Slice(s * width, width), streams.Slot(s), kind);
        }
    }

    /// <summary>
    /// Advances every open stream of <paramref name="streams"/> by one step: slot s reads <c>InputSize</c> floats at
    /// <c>inputs[s · InputSize]</c> and writes <see cref="ModelShape.StepOutputSize"/> floats at
    /// <c>outputs[s · StepOutputSize]</c> (or nothing when <paramref name="outputs"/> is empty). Closed slots are skipped.
    /// </summary>
    public static void StepBatch(this IFloatSequenceModel model, StreamBatch streams, ReadOnlySpan<float> inputs, Span<float> outputs, HeadOutput kind = HeadOutput.Activated)
    {
        CheckStreams(model, streams, inputs.Length, model.Shape.InputSize, outputs.Length, nameof(inputs));
        if (streams.Count > 1 && LaneRunner.For(model) is { } lanes)
        {
            lanes.Step(streams, default, inputs, outputs, kind);
            return;
        }
        int width = model.Shape.StepOutputSize, size = model.Shape.InputSize;
        for (int s = 0; s < streams.Capacity; s++)
        {
            if (!streams.IsOpenUnchecked(s)) continue;
            model.Step(inputs.Slice(s * size, size), outputs.IsEmpty ? default : outputs.Slice(s * width, width), streams.Slot(s), kind);
        }
    }

    private static void CheckTokens(ReadOnlySpan<int> tokens, ReadOnlySpan<int> lengths, int vocabulary)
    {
        int at = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            for (int t = 0; t < lengths[i]; t++, at++)
            {
                if ((uint)tokens[at] >= (uint)vocabulary)
                    throw new ArgumentOutOfRangeException(nameof(tokens), tokens[at], $"Token {t} of sequence {i} is {tokens[at]}; token ids must be in [0, {vocabulary}).");
            }
        }
    }

    private static void CheckStreams(ILstmModel model, StreamBatch streams, int inputLength, int perStream, int outputLength, string inputName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(streams);
        if (!streams.Shape.Equals(model.Shape))
            throw new ArgumentException($"The stream batch was made for a model of shape ({streams.Shape}), not ({model.Shape}). Create it with this model's CreateStreamBatch.", nameof(streams));
        if (inputLength != streams.Capacity * perStream)
            throw new ArgumentException($"Expected {streams.Capacity * perStream} inputs (one step for each of the {streams.Capacity} slots), got {inputLength}.", inputName);
        int expected = streams.Capacity * model.Shape.StepOutputSize;
        if (outputLength != 0 && outputLength != expected)
            throw new ArgumentException($"Expected {expected} outputs ({streams.Capacity} slots × StepOutputSize {model.Shape.StepOutputSize}) or an empty span, got {outputLength}.", "outputs");
    }

    /// <summary>One call's work, split into groups of sequences; one per calling thread, reused.</summary>
    private sealed class BatchJob
    {
        [ThreadStatic] private static BatchJob? t_job;

        private readonly Action<int, int> _group;
        private int[] _inputStarts = new int[1], _outputStarts = new int[1];
        private ILstmModel _model = null!;
        private BatchOptions? _options;
        private int _count, _groups, _perStep;

        private BatchJob() => _group = RunGroup;

        public ReadOnlyMemory<int> Tokens;
        public ReadOnlyMemory<float> Inputs;
        public Memory<float> Outputs;

        public static BatchJob ForThisThread() => t_job ??= new BatchJob();

        public void Prepare(ILstmModel model, ReadOnlySpan<int> lengths, int inputLength, int perStep, int outputLength, BatchOptions? options, string inputName)
        {
            if (lengths.IsEmpty) throw new ArgumentException("Expected at least one sequence length.", "lengths");
            if (options?.States is { } states && states.Count != lengths.Length)
                throw new ArgumentException($"Expected one state per sequence ({lengths.Length}), got {states.Count}.", nameof(options));
            if (_inputStarts.Length <= lengths.Length)
            {
                _inputStarts = new int[lengths.Length + 1];
                _outputStarts = new int[lengths.Length + 1];
            }
            long inputs = 0, outputs = 0;
            for (int i = 0; i < lengths.Length; i++)
            {
                int steps = lengths[i];
                if (steps <= 0) throw new ArgumentOutOfRangeException("lengths", steps, $"Sequence {i} has {steps} steps; every sequence needs at least one.");
                _inputStarts[i] = (int)Math.Min(inputs, int.MaxValue);
                _outputStarts[i] = (int)Math.Min(outputs, int.MaxValue);
                inputs += (long)steps * perStep;
                outputs += model.Shape.OutputLength(steps);
            }
            if (inputs != inputLength)
                throw new ArgumentException($"The lengths add up to {inputs / perStep} steps ({inputs} values); the {inputName} hold {inputLength}.", inputName);
            if (outputs != outputLength)
                throw new ArgumentException($"Expected {outputs} outputs for these sequences (see BatchOutputLength), got {outputLength}.", "outputs");
            _inputStarts[lengths.Length] = (int)inputs;
            _outputStarts[lengths.Length] = (int)outputs;
            _model = model;
            _options = options;
            _count = lengths.Length;
            _perStep = perStep;
        }

        public void Run()
        {
            bool allCores = _options?.UseAllCores ?? false;
            // Groups of consecutive sequences, a few per core so uneven lengths balance out; with lane kernels, groups
            // of at least a full set of lanes.
            int most = LaneRunner.Supports(_model) ? Math.Max(1, _count / LaneRunner.Lanes) : _count;
            _groups = allCores ? Math.Min(most, 4 * Environment.ProcessorCount) : 1;
            try
            {
                InferenceWorkers.Run(_groups, allCores, _group);
            }
            finally
            {
                Tokens = default;
                Inputs = default;
                Outputs = default;
                _model = null!;
                _options = null;
            }
        }

        private void RunGroup(int worker, int group)
        {
            int first = (int)((long)_count * group / _groups), last = (int)((long)_count * (group + 1) / _groups);
            HeadOutput kind = _options?.Kind ?? HeadOutput.Activated;
            var states = _options?.States;
            Span<float> outputs = Outputs.Span;
            if (last - first > 1 && LaneRunner.For(_model) is { } lanes)
            {
                lanes.Run(first, last, _inputStarts, _outputStarts, _perStep, Tokens.Span, Inputs.Span, outputs, states, kind);
                return;
            }
            for (int i = first; i < last; i++)
            {
                Span<float> output = outputs.Slice(_outputStarts[i], _outputStarts[i + 1] - _outputStarts[i]);
                int start = _inputStarts[i], length = _inputStarts[i + 1] - start;
                if (_model is ITokenSequenceModel tokenModel)
                {
                    ReadOnlySpan<int> sequence = Tokens.Span.Slice(start, length);
                    if (states is null && kind == HeadOutput.Activated) tokenModel.Predict(sequence, output);
                    else tokenModel.Predict(sequence, output, StateFor(states, i), kind);
                }
                else
                {
                    var floatModel = (IFloatSequenceModel)_model;
                    ReadOnlySpan<float> sequence = Inputs.Span.Slice(start, length);
                    if (states is null && kind == HeadOutput.Activated) floatModel.Predict(sequence, output);
                    else floatModel.Predict(sequence, output, StateFor(states, i), kind);
                }
            }
        }

        /// <summary>The given state of sequence <paramref name="i"/>, or a zero state of the calling thread's own.</summary>
        private LstmState StateFor(System.Collections.Generic.IReadOnlyList<LstmState>? states, int i)
        {
            if (states is not null) return states[i] ?? throw new ArgumentNullException(nameof(BatchOptions.States), $"State {i} is null.");
            if (!ReferenceEquals(t_scratchModel, _model))
            {
                t_scratchModel = _model;
                t_scratchState = _model.CreateState();
            }
            t_scratchState!.Reset();
            return t_scratchState;
        }

        // The last model this thread ran with logits and no states, and a state of it.
        [ThreadStatic] private static ILstmModel? t_scratchModel;
        [ThreadStatic] private static LstmState? t_scratchState;
    }
}
