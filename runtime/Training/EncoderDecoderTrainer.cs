// Minibatch training of an EncoderDecoder with the Trainer's pieces: seeded shuffling, fixed chunks on worker
// threads summed in chunk order (bitwise the same for any thread count), clipping across both models, the
// divergence guard, schedules and progress reports.
using System;
using System.Diagnostics;
using System.Threading;
using LstmGen.Training.Optimizers;

namespace LstmGen.Training;

/// <summary>
/// Trains an <see cref="EncoderDecoder"/> on <see cref="SequencePairs"/> with teacher forcing, and scores it with
/// greedy decoding.
/// </summary>
/// <remarks>
/// <para><b>Options</b> (<see cref="TrainingOptions"/>): <c>Epochs</c>, <c>BatchSize</c>, <c>Seed</c>, <c>Shuffle</c>,
/// <c>Threads</c>, <c>SamplesPerChunk</c>, <c>Optimizer</c>, <c>LearningRateSchedule</c>, <c>ClipGradientNorm</c> and
/// <c>ClipGradientValue</c> mean what they mean for <see cref="Trainer"/>. The loss is always cross-entropy (a pair's
/// loss is the mean over its target tokens; a batch's, the mean over its pairs). Truncated BPTT, early stopping,
/// checkpoints and another loss are refused; <c>LaneTraining</c> does not apply (every pair runs on its own).</para>
/// <para><b>One step</b>: both models' gradients are summed over the batch (chunks of <c>SamplesPerChunk</c> pairs on
/// the worker threads, added in chunk order), converted to PyTorch layout side by side in one block (encoder, then
/// decoder), checked for NaN and infinity, clipped as one block (the global norm is over both models, as PyTorch's
/// <c>clip_grad_norm_</c> over both parameter lists), and the optimizer updates the same block holding both models'
/// parameters, which are then copied back and <see cref="ILstmModel.ParametersChanged"/> called on each. Every
/// optimizer here is element-wise, so this is exactly one optimizer per model with the same settings.</para>
/// </remarks>
public sealed class EncoderDecoderTrainer : IDisposable
{
    private readonly EncoderDecoder _model;
    private readonly SeededRandom _random;
    private readonly int _encoderCount;
    private readonly float[] _parameters;
    private readonly float[] _gradient;
    private readonly Action<int, int> _chunkWork;
    private readonly Action<int, int> _evaluationWork;
    private TrainerWorkerPool? _pool;
    private EncoderDecoderScratch[] _scratch = Array.Empty<EncoderDecoderScratch>();
    private GradientBuffer[] _encoderGradients = Array.Empty<GradientBuffer>();
    private GradientBuffer[] _decoderGradients = Array.Empty<GradientBuffer>();
    private double[] _chunkLosses = Array.Empty<double>();
    private int[] _order = Array.Empty<int>();
    private int[][] _decoded = Array.Empty<int[]>();
    private double _lastGradientNorm;
    private int _epoch;
    private long _step;

    // The batch or evaluation being worked on (read by the worker bodies).
    private SequencePairs? _data;
    private int _batchStart;
    private int _batchCount;
    private float _batchScale;
    private double[] _sampleLoss = Array.Empty<double>();
    private int[] _sampleCorrect = Array.Empty<int>();
    private bool _disposed;

    /// <summary>Creates a trainer for <paramref name="model"/>, starting from both models' current parameters.</summary>
    /// <exception cref="ArgumentException">An option this trainer does not support is set (truncated BPTT, early stopping, checkpoints, a loss other than cross-entropy).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public EncoderDecoderTrainer(EncoderDecoder model, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new TrainingOptions();
        options.Validate();
        if (options.TruncateSteps > 0)
            throw new ArgumentException($"TruncateSteps = {options.TruncateSteps}: an encoder–decoder trains on whole pairs (the decoder needs the encoder's final state).", nameof(options));
        if (options.LossKind is { } loss && loss != LossKind.SoftmaxCrossEntropy)
            throw new ArgumentException($"Loss = {loss}: an encoder–decoder is trained with softmax cross-entropy on the decoder's tokens.", nameof(options));
        if (options.EarlyStoppingPatience > 0 || options.CheckpointPath is not null)
            throw new ArgumentException("Early stopping and checkpoints are not supported by EncoderDecoderTrainer yet; run epochs with TrainEpoch, score with Evaluate and save the two models yourself.", nameof(options));
        _model = model;
        Options = options;
        Optimizer = options.Optimizer ?? new Adam();
        _random = new SeededRandom(options.Seed);
        _encoderCount = model.Encoder.Shape.ParameterCount;
        _parameters = new float[_encoderCount + model.Decoder.Shape.ParameterCount];
        _gradient = new float[_parameters.Length];
        _chunkWork = RunChunk;
        _evaluationWork = EvaluateSample;
    }

    /// <summary>The model being trained.</summary>
    public EncoderDecoder Model => _model;

    /// <summary>The settings.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The optimizer over both models' parameters (from the options, or Adam with PyTorch's defaults).</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>Epochs completed by <see cref="TrainEpoch"/> or <see cref="Fit"/>.</summary>
    public int CompletedEpochs => _epoch;

    /// <summary>Optimizer steps taken.</summary>
    public long CompletedSteps => _step;

    /// <summary>Runs <see cref="TrainEpoch"/> until <see cref="TrainingOptions.Epochs"/> epochs are complete; reports after every batch and epoch.</summary>
    /// <exception cref="ArgumentException">A pair does not fit the models (an <see cref="InvalidSampleException"/> names it).</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite; the update was not applied.</exception>
    public TrainingResult Fit(SequencePairs train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var history = new System.Collections.Generic.List<EpochSummary>();
        var clock = Stopwatch.StartNew();
        while (_epoch < Options.Epochs)
        {
            TimeSpan start = clock.Elapsed;
            double loss = TrainEpoch(train, progress, cancellationToken);
            history.Add(new EpochSummary(_epoch, loss, null, Optimizer.LearningRate, clock.Elapsed - start, false));
        }
        return new TrainingResult(TrainingStopReason.Completed, _epoch, _step, 0, double.NaN, history);
    }

    /// <summary>
    /// One pass over <paramref name="train"/> in a new seeded order (when <see cref="TrainingOptions.Shuffle"/>), one
    /// optimizer step per <see cref="TrainingOptions.BatchSize"/> pairs; returns the epoch's mean training loss and
    /// reports after every batch and at the end.
    /// </summary>
    /// <exception cref="ArgumentException">A pair does not fit the models (an <see cref="InvalidSampleException"/> names it).</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite; the update was not applied.</exception>
    public double TrainEpoch(SequencePairs train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EnsureFits(train, nameof(train));
        Prepare(train, Options.BatchSize);
        using var encoderClaim = new TrainingClaim(_model.Encoder); // a second trainer on either model throws
        using var decoderClaim = new TrainingClaim(_model.Decoder);
        int epoch = _epoch + 1;
        if (_order.Length != train.Count) _order = new int[train.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (Options.Shuffle) _random.Shuffle(_order.AsSpan());

        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        int done = 0, batches = (train.Count + Options.BatchSize - 1) / Options.BatchSize;
        for (int batch = 1; done < train.Count; batch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(Options.BatchSize, train.Count - done);
            double batchLoss = TrainBatch(train, done, count, epoch, batch);
            lossSum += batchLoss * count;
            done += count;
            progress?.Report(Progress(TrainingPhase.Batch, epoch, batch, batches, done, train.Count, batchLoss, lossSum / done, clock.Elapsed));
        }
        _epoch = epoch;
        double epochLoss = lossSum / Math.Max(1, train.Count);
        progress?.Report(Progress(TrainingPhase.EpochEnd, epoch, batches, batches, train.Count, train.Count, epochLoss, epochLoss, clock.Elapsed));
        return epochLoss;
    }

    private TrainingProgress Progress(TrainingPhase phase, int epoch, int batch, int batches, int samples, int total, double loss, double epochLoss, TimeSpan elapsed)
    {
        double rate = samples / Math.Max(elapsed.TotalSeconds, 1e-9);
        return new TrainingProgress
        {
            Phase = phase, Epoch = epoch, Epochs = Math.Max(Options.Epochs, epoch), Batch = batch, Batches = batches, Step = _step,
            Samples = samples, SamplesPerEpoch = total, Loss = loss, EpochLoss = epochLoss, GradientNorm = _lastGradientNorm,
            LearningRate = Optimizer.LearningRate, SamplesPerSecond = rate, Elapsed = elapsed,
            Remaining = TimeSpan.FromSeconds((total - samples) / rate),
        };
    }

    /// <summary>Trains on pairs _order[start … start+count) and takes one optimizer step; returns the batch's mean loss.</summary>
    private double TrainBatch(SequencePairs data, int start, int count, int epoch, int batch)
    {
        _data = data;
        _batchStart = start;
        _batchCount = count;
        _batchScale = 1f / count;
        int chunks = (count + Options.SamplesPerChunk - 1) / Options.SamplesPerChunk;
        _pool!.Run(chunks, _chunkWork);

        // Fixed reduction order: chunk 0 + chunk 1 + … whichever thread computed each.
        GradientBuffer encoder = _encoderGradients[0], decoder = _decoderGradients[0];
        double batchLoss = _chunkLosses[0];
        for (int c = 1; c < chunks; c++)
        {
            encoder.Add(_encoderGradients[c]);
            decoder.Add(_decoderGradients[c]);
            batchLoss += _chunkLosses[c];
        }

        long step = _step + 1;
        if (!double.IsFinite(batchLoss))
            throw new TrainingDivergedException(DivergedQuantity.Loss, batchLoss, epoch, batch, step, null, 0);
        Span<float> encoderGradient = _gradient.AsSpan(0, _encoderCount), decoderGradient = _gradient.AsSpan(_encoderCount);
        _model.Encoder.CopyGradients(encoder, encoderGradient);
        _model.Decoder.CopyGradients(decoder, decoderGradient);

        // One block, so the norm (and the clipping) covers both models; non-finite norms leave it untouched.
        double norm = Options.ClipGradientNorm > 0
            ? GradientClipping.ClipByGlobalNorm(_gradient, Options.ClipGradientNorm)
            : GradientClipping.GlobalNorm(_gradient);
        if (!double.IsFinite(norm))
            throw new TrainingDivergedException(DivergedQuantity.Gradient, norm, epoch, batch, step, null, 0);
        _lastGradientNorm = norm;
        if (Options.ClipGradientValue > 0) GradientClipping.ClipByValue(_gradient, Options.ClipGradientValue);
        if (Options.LearningRateSchedule is { } schedule) Optimizer.LearningRate = schedule.RateAt(_step, _epoch);

        Span<float> encoderParameters = _parameters.AsSpan(0, _encoderCount), decoderParameters = _parameters.AsSpan(_encoderCount);
        _model.Encoder.Parameters.CopyTo(encoderParameters);
        _model.Decoder.Parameters.CopyTo(decoderParameters);
        Optimizer.Step(_parameters, _gradient);
        using (new WeightChange(_model.Encoder))
        using (new WeightChange(_model.Decoder))
        {
            encoderParameters.CopyTo(_model.Encoder.Parameters);
            decoderParameters.CopyTo(_model.Decoder.Parameters);
            _model.Encoder.ParametersChanged();
            _model.Decoder.ParametersChanged();
        }
        _step = step;
        return batchLoss;
    }

    /// <summary>Worker body: the pairs of chunk <paramref name="chunk"/>, in order, into the chunk's own gradient buffers.</summary>
    private void RunChunk(int worker, int chunk)
    {
        EncoderDecoderScratch scratch = _scratch[worker];
        GradientBuffer encoder = _encoderGradients[chunk], decoder = _decoderGradients[chunk];
        encoder.Clear();
        decoder.Clear();
        SequencePairs data = _data!;
        double loss = 0;
        int first = chunk * Options.SamplesPerChunk;
        int end = Math.Min(first + Options.SamplesPerChunk, _batchCount);
        for (int j = first; j < end; j++)
        {
            int sample = _order[_batchStart + j];
            loss += data.IsTokenSource
                ? _model.Accumulate(data.SourceTokens(sample), data.Target(sample), encoder, decoder, scratch, _batchScale)
                : _model.Accumulate(data.SourceInputs(sample), data.Target(sample), encoder, decoder, scratch, _batchScale);
        }
        _chunkLosses[chunk] = loss;
    }

    /// <summary>
    /// Scores the model on <paramref name="data"/>: the teacher-forced loss (mean over pairs), and with greedy
    /// decoding (<see cref="EncoderDecoder.Decode(ReadOnlySpan{int}, Span{int}, EncoderDecoderScratch)"/>, at most as
    /// many tokens as the target has) the exact-match rate and the per-token accuracy. Uses the worker threads.
    /// </summary>
    /// <exception cref="ArgumentException">A pair does not fit the models (an <see cref="InvalidSampleException"/> names it).</exception>
    public SequencePairEvaluation Evaluate(SequencePairs data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EnsureFits(data, nameof(data));
        Prepare(data, 0);
        if (_sampleLoss.Length < data.Count)
        {
            _sampleLoss = new double[data.Count];
            _sampleCorrect = new int[data.Count];
        }
        _data = data;
        _pool!.Run(data.Count, _evaluationWork);
        double loss = 0;
        long correct = 0, tokens = 0;
        int exact = 0;
        for (int i = 0; i < data.Count; i++)
        {
            loss += _sampleLoss[i];
            correct += _sampleCorrect[i];
            tokens += data.Target(i).Length;
            if (_sampleCorrect[i] == data.Target(i).Length) exact++;
        }
        int n = Math.Max(1, data.Count);
        return new SequencePairEvaluation(loss / n, (double)exact / n, (double)correct / Math.Max(1, tokens), data.Count);
    }

    /// <summary>
    /// Worker body of <see cref="Evaluate"/>: one pair's teacher-forced loss (forward passes only) and its greedy decoding, compared position by position with the target;
    /// the decoding counts as exact only when it has the target's length and tokens.
    /// </summary>
    private void EvaluateSample(int worker, int sample)
    {
        EncoderDecoderScratch scratch = _scratch[worker];
        SequencePairs data = _data!;
        ReadOnlySpan<int> target = data.Target(sample);
        Span<int> decoded = _decoded[worker].AsSpan(0, target.Length);
        int length;
        if (data.IsTokenSource)
        {
            _sampleLoss[sample] = _model.TeacherForcedLoss(data.SourceTokens(sample), target, scratch);
            length = _model.Decode(data.SourceTokens(sample), decoded, scratch);
        }
        else
        {
            _sampleLoss[sample] = _model.TeacherForcedLoss(data.SourceInputs(sample), target, scratch);
            length = _model.Decode(data.SourceInputs(sample), decoded, scratch);
        }
        // With an end token the target ends with it and the decoding does not write it: compare it as decoded.
        int correct = 0;
        for (int t = 0; t < target.Length; t++)
        {
            int predicted = t < length ? decoded[t] : t == length ? _model.EndToken : -2;
            if (predicted == target[t]) correct++;
        }
        _sampleCorrect[sample] = correct;
    }

    /// <summary>Per-worker scratch for the lengths in <paramref name="data"/>, chunk gradient buffers for batches of <paramref name="batchSize"/>, and the worker pool.</summary>
    private void Prepare(SequencePairs data, int batchSize)
    {
        _pool ??= new TrainerWorkerPool(Options.Threads);
        if (_scratch.Length != Options.Threads) _scratch = new EncoderDecoderScratch[Options.Threads];
        if (_decoded.Length != Options.Threads) _decoded = new int[Options.Threads][];
        for (int w = 0; w < _scratch.Length; w++)
        {
            EncoderDecoderScratch? current = _scratch[w];
            if (current is null || current.MaxSourceLength < data.MaxSourceLength || current.MaxTargetLength < data.MaxTargetLength)
            {
                _scratch[w] = _model.CreateScratch(Math.Max(data.MaxSourceLength, current?.MaxSourceLength ?? 1), Math.Max(data.MaxTargetLength, current?.MaxTargetLength ?? 1));
            }
            if (_decoded[w] is null || _decoded[w].Length < data.MaxTargetLength) _decoded[w] = new int[data.MaxTargetLength];
        }
        int buffers = (batchSize + Options.SamplesPerChunk - 1) / Options.SamplesPerChunk;
        if (_encoderGradients.Length < buffers)
        {
            var encoder = new GradientBuffer[buffers];
            var decoder = new GradientBuffer[buffers];
            _encoderGradients.CopyTo(encoder, 0);
            _decoderGradients.CopyTo(decoder, 0);
            for (int c = _encoderGradients.Length; c < buffers; c++)
            {
                encoder[c] = _model.Encoder.CreateGradients();
                decoder[c] = _model.Decoder.CreateGradients();
            }
            _encoderGradients = encoder;
            _decoderGradients = decoder;
            _chunkLosses = new double[buffers];
        }
    }

    /// <summary>Throws an <see cref="InvalidSampleException"/> naming the first pair that does not fit the models.</summary>
    private void EnsureFits(SequencePairs data, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(data, parameterName);
        ModelShape e = _model.Encoder.Shape, d = _model.Decoder.Shape;
        if (data.IsTokenSource != e.IsTokenModel)
            throw new ArgumentException($"The pairs have {(data.IsTokenSource ? "token-id" : "float")} sources; the encoder reads {(e.IsTokenModel ? "token ids" : "float vectors")} ({e}).", parameterName);
        if (!data.IsTokenSource && data.InputWidth != e.InputSize)
            throw new ArgumentException($"The pairs have {data.InputWidth} floats per source step; the encoder reads {e.InputSize}.", parameterName);
        for (int i = 0; i < data.Count; i++)
        {
            if (data.IsTokenSource)
            {
                ReadOnlySpan<int> source = data.SourceTokens(i);
                for (int t = 0; t < source.Length; t++)
                {
                    if ((uint)source[t] >= (uint)e.VocabularySize)
                        throw new InvalidSampleException(i, $"Source token {t} is {source[t]}; the encoder's vocabulary is [0, {e.VocabularySize}).", parameterName);
                }
            }
            ReadOnlySpan<int> target = data.Target(i);
            for (int t = 0; t < target.Length; t++)
            {
                int limit = t + 1 < target.Length ? Math.Min(d.OutputSize, d.VocabularySize) : d.OutputSize;
                if ((uint)target[t] >= (uint)limit)
                    throw new InvalidSampleException(i, $"Target token {t} is {target[t]}; expected [0, {limit}) (decoder outputs{(t + 1 < target.Length ? " and vocabulary: it is fed back" : "")}).", parameterName);
            }
        }
    }

    /// <summary>Ends the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pool?.Dispose();
        _pool = null;
    }
}

/// <summary>Scores of an <see cref="EncoderDecoder"/> on <see cref="SequencePairs"/> (see <see cref="EncoderDecoderTrainer.Evaluate"/>).</summary>
/// <param name="Loss">Mean teacher-forced cross-entropy per pair (each the mean over its target tokens).</param>
/// <param name="ExactMatch">Fraction of pairs whose greedy decoding is exactly the target.</param>
/// <param name="TokenAccuracy">Fraction of target tokens the greedy decoding has right at the same position.</param>
/// <param name="Samples">Pairs scored.</param>
public sealed record SequencePairEvaluation(double Loss, double ExactMatch, double TokenAccuracy, int Samples)
{
    /// <inheritdoc/>
    public override string ToString() =>
        System.FormattableString.Invariant($"loss {Loss:G5}, exact {ExactMatch:F3}, token accuracy {TokenAccuracy:F3} ({Samples} pairs)");
}
