// The training loop users call: epochs of shuffled minibatches, validation, early stopping, checkpoints
// and progress, built so that the same seed gives bitwise the same weights on any thread count.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using LstmGen.Training.Optimizers;

namespace LstmGen.Training;

/// <summary>
/// Trains an <see cref="ITrainableModel"/> (generated or <see cref="Reference.ReferenceLstm"/>) on a
/// <see cref="SequenceDataset"/>.
/// </summary>
/// <remarks>
/// <para><b>One batch</b>: the batch's samples are cut into chunks of <see cref="TrainingOptions.SamplesPerChunk"/>;
/// worker threads take chunks, and for each sample run Forward, the loss (as a mean over the batch's N samples,
/// see <see cref="TrainingOptions"/> and the loss definition on <see cref="Fit"/>) and Backward into the chunk's
/// gradient buffer, in sample order. The chunk buffers are then summed in chunk order, converted to PyTorch
/// layout, checked for NaN and infinity, clipped, and handed to the optimizer; then
/// <see cref="ILstmModel.ParametersChanged"/>. Every sample runs at its own length: nothing is padded.</para>
/// <para><b>Determinism</b>: shuffling uses a generator seeded with <see cref="TrainingOptions.Seed"/>; all sums
/// have a fixed order independent of <see cref="TrainingOptions.Threads"/>. The same seed, data and options give
/// bitwise-identical weights with one thread or many, and a run resumed from a checkpoint ends with exactly the
/// weights of an uninterrupted run.</para>
/// <para>A trainer is not thread-safe; call one method at a time.</para>
/// </remarks>
/// <example>
/// <code>
/// var model = new Sentiment();                                   // [LstmModel(Vocabulary = …, Head = Head.Sigmoid)]
/// ParameterInit.Initialize(model.Shape, model.Parameters, seed: 1);
/// model.ParametersChanged();
/// var (train, test) = SequenceDataset.FromTokens(reviews, labels).Split(0.2, seed: 1, stratify: true);
/// var trainer = new Trainer(model, new TrainingOptions
/// {
///     Epochs = 20, BatchSize = 32, Seed = 1, Optimizer = new Adam(1e-3), ClipGradientNorm = 1,
///     EarlyStoppingPatience = 3, CheckpointPath = "sentiment.ckpt.safetensors",
/// });
/// TrainingResult result = trainer.Fit(train, test, new ConsoleProgressBar());
/// Console.WriteLine(trainer.Evaluate(test));                     // loss 0.31, accuracy 87.2 %, ROC AUC 0.93
/// </code>
/// </example>
public sealed partial class Trainer
{
    private readonly ITrainableModel _model;
    private readonly IFloatTrainableModel? _floatModel;
    private readonly ITokenTrainableModel? _tokenModel;
    private readonly ModelShape _shape;
    private readonly SeededRandom _random;
    private readonly float[] _gradient;

    // Training progress; all of it goes into checkpoints.
    private int _epoch;
    private long _step;
    private int _bestEpoch;
    private double _bestMetric = double.NaN;
    private int _epochsWithoutImprovement;
    private float[]? _bestWeights;
    private int _checkpointEpoch;
    private TrainerWorkerPool? _pool;
    private readonly (int Offset, int Length)[] _frozen; // TrainingOptions.FrozenTensors in the parameter block
    private readonly float[] _frozenValues;              // their values, kept across an optimizer step

    /// <summary>Creates a trainer for <paramref name="model"/>; the model's current parameters are the starting point.</summary>
    /// <exception cref="ArgumentException">The model does not implement the trainable interface for its input form, the loss does not fit its head, or truncated BPTT is asked of a bidirectional model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Trainer(ITrainableModel model, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new TrainingOptions();
        options.Validate();
        _model = model;
        _shape = model.Shape;
        Options = options;
        if (_shape.IsTokenModel)
        {
            _tokenModel = model as ITokenTrainableModel
                ?? throw new ArgumentException($"The model reads token ids ({_shape}) but does not implement ITokenTrainableModel.", nameof(model));
        }
        else
        {
            _floatModel = model as IFloatTrainableModel
                ?? throw new ArgumentException($"The model reads float vectors ({_shape}) but does not implement IFloatTrainableModel.", nameof(model));
        }
        if (_shape.Bidirectional && options.TruncateSteps > 0)
            throw new ArgumentException(
                $"TruncateSteps = {options.TruncateSteps} cannot train a bidirectional model ({_shape}): its reverse direction needs each whole sequence, so windows would carry no state backward. Train on whole sequences (TruncateSteps = 0) or use a unidirectional model.",
                nameof(options));
        LossKind = options.LossKind ?? DefaultLoss(_shape.Head);
        CheckLossFitsHead(LossKind, _shape.Head);
        Optimizer = options.Optimizer ?? CreateDefaultOptimizer();
        _random = new SeededRandom(options.Seed);
        _gradient = new float[_shape.ParameterCount];
        _frozen = FrozenRanges(_shape, options.FrozenTensors);
        int frozenLength = 0;
        foreach ((int _, int length) in _frozen) frozenLength += length;
        _frozenValues = new float[frozenLength];
        _chunkWork = RunChunk;
    }

    /// <summary>The model being trained.</summary>
    public ITrainableModel Model => _model;

    /// <summary>The settings.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The optimizer (from the options, or the default Adam).</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>The loss being minimised.</summary>
    public LossKind LossKind { get; }

    /// <summary>Epochs completed (resumed ones included).</summary>
    public int CompletedEpochs => _epoch;

    /// <summary>Optimizer steps taken (resumed ones included).</summary>
    public long CompletedSteps => _step;

    /// <summary>
    /// Trains from the current epoch up to <see cref="TrainingOptions.Epochs"/>, or until early stopping.
    /// </summary>
    /// <remarks>
    /// <para><b>Loss</b>: a sample's loss is the mean over its counted target positions (the last step, or every
    /// step whose mask is above 0 and whose class id is not <see cref="SequenceDataset.IgnoreClass"/>, weighted
    /// by the mask), times its weight; MSE and BCE average over the output values of a position, as PyTorch's
    /// mean reduction. A batch loss is the sum of its sample losses divided by the number of samples, so a
    /// sample's gradient never depends on the other samples' lengths.</para>
    /// <para>After each epoch: validation (when <paramref name="validation"/> is given), the best-epoch and
    /// early-stopping bookkeeping, the checkpoint (when <see cref="TrainingOptions.CheckpointPath"/> is set),
    /// then an <see cref="TrainingPhase.EpochEnd"/> report.</para>
    /// <para>Cancellation is checked before every batch and throws <see cref="OperationCanceledException"/>;
    /// the model then holds the weights after the last completed batch.</para>
    /// </remarks>
    /// <exception cref="ArgumentException">A dataset does not fit the model or the loss (an <see cref="InvalidSampleException"/> names the sample).</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite; the update was not applied.</exception>
    public TrainingResult Fit(SequenceDataset train, SequenceDataset? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        train.EnsureFits(_shape, LossKind, nameof(train));
        validation?.EnsureFits(_shape, LossKind, nameof(validation));
        var trainLoss = new TargetLoss(train, _shape, LossKind);
        TargetLoss? validationLoss = validation is null ? null : new TargetLoss(validation, _shape, LossKind);
        CheckMonitoredMetric(validationLoss);

        var history = new List<EpochSummary>();
        if (EarlyStopped) return Result(TrainingStopReason.EarlyStopped, history);

        int tapeSteps = Options.TruncateSteps > 0 ? Math.Min(Options.TruncateSteps, train.MaxLength) : train.MaxLength;
        PrepareWorkers(tapeSteps, Math.Max(tapeSteps, validation?.MaxLength ?? 0));
        EvaluationRun? validationRun = validation is null ? null : new EvaluationRun(_model, validation, validationLoss!);
        var run = new RunClock((long)Math.Max(0, Options.Epochs - _epoch) * train.Count);
        int[] order = new int[train.Count];
        var stopReason = TrainingStopReason.Completed;

        using var claim = new TrainingClaim(_model); // a second trainer on this model throws
        var pool = new TrainerWorkerPool(Options.Threads);
        _pool = pool;
        try
        {
            for (int epoch = _epoch + 1; epoch <= Options.Epochs; epoch++)
            {
                TimeSpan epochStart = run.Elapsed;
                double epochLoss = TrainEpoch(pool, train, trainLoss, order, epoch, run, progress, cancellationToken);

                EvaluationResult? validationResult = null;
                if (validationRun is not null)
                {
                    validationResult = validationRun.Run(pool, _model);
                    if (!double.IsFinite(validationResult.Loss))
                        throw new TrainingDivergedException(DivergedQuantity.ValidationLoss, validationResult.Loss, epoch, 0, _step, Options.CheckpointPath, _checkpointEpoch);
                }
                bool improved = UpdateBest(epoch, epochLoss, validationResult);
                _epoch = epoch;
                if (Options.CheckpointPath is { } path)
                {
                    SaveCheckpoint(path);
                    _checkpointEpoch = epoch;
                }
                history.Add(new EpochSummary(epoch, epochLoss, validationResult, Optimizer.LearningRate, run.Elapsed - epochStart, improved));
                progress?.Report(Progress(TrainingPhase.EpochEnd, epoch, train.Count, train.Count, epochLoss, epochLoss, run) with { Validation = validationResult });

                if (EarlyStopped)
                {
                    if (Options.RestoreBestWeights && _bestWeights is not null)
                    {
                        using var change = new WeightChange(_model);
                        _bestWeights.CopyTo(_model.Parameters);
                        _model.ParametersChanged();
                    }
                    stopReason = TrainingStopReason.EarlyStopped;
                    break;
                }
            }
        }
        finally
        {
            _pool = null;
            pool.Dispose();
        }
        return Result(stopReason, history);
    }

    /// <summary>One pass over the training set in a fresh order; returns the mean training loss over its samples.</summary>
    private double TrainEpoch(TrainerWorkerPool pool, SequenceDataset train, TargetLoss loss, int[] order, int epoch, RunClock run,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        Order(order);
        double lossSum = 0;
        int done = 0;
        for (int batch = 1; done < train.Count; batch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(Options.BatchSize, train.Count - done);
            double batchLoss = TrainBatch(pool, train, loss, order, done, count, epoch, batch);
            lossSum += batchLoss * count;
            done += count;
            run.SamplesTrained += count;
            progress?.Report(Progress(TrainingPhase.Batch, epoch, done, train.Count, batchLoss, lossSum / done, run));
        }
        return lossSum / train.Count;
    }

    /// <summary>A progress report; throughput and time left come from <paramref name="run"/>.</summary>
    private TrainingProgress Progress(TrainingPhase phase, int epoch, int samples, int samplesPerEpoch, double loss, double epochLoss, RunClock run)
    {
        int batches = (samplesPerEpoch + Options.BatchSize - 1) / Options.BatchSize;
        double rate = run.SamplesTrained / Math.Max(run.Elapsed.TotalSeconds, 1e-9);
        return new TrainingProgress
        {
            Phase = phase, Epoch = epoch, Epochs = Options.Epochs,
            Batch = (samples + Options.BatchSize - 1) / Options.BatchSize, Batches = batches, Step = _step,
            Samples = samples, SamplesPerEpoch = samplesPerEpoch, Loss = loss, EpochLoss = epochLoss,
            GradientNorm = _lastGradientNorm, LearningRate = Optimizer.LearningRate, SamplesPerSecond = rate,
            Elapsed = run.Elapsed, Remaining = TimeSpan.FromSeconds((run.SamplesToTrain - run.SamplesTrained) / rate),
        };
    }

    /// <summary>Wall time and samples of one <see cref="Fit"/> call, for throughput and time-left estimates.</summary>
    private sealed class RunClock(long samplesToTrain)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public long SamplesToTrain { get; } = samplesToTrain;
        public long SamplesTrained { get; set; }
        public TimeSpan Elapsed => _clock.Elapsed;
    }

    /// <summary>
    /// Bytes allocated so far by the threads that train: the calling thread and, during <see cref="Fit"/>, the
    /// worker threads (as of their last finished batch). For allocation tests; call it from a progress report.
    /// </summary>
    internal long TrainingThreadsAllocatedBytes => GC.GetAllocatedBytesForCurrentThread() + (_pool?.HelperAllocatedBytes ?? 0);

    /// <summary>
    /// Loss and metrics of the model on <paramref name="data"/> with this trainer's loss, on <see cref="TrainingOptions.Threads"/>
    /// threads (forward passes only; the same as <see cref="ModelEvaluation.Evaluate"/>).
    /// </summary>
    public EvaluationResult Evaluate(SequenceDataset data) => _model.Evaluate(data, LossKind, Options.Threads);

    private bool EarlyStopped => Options.EarlyStoppingPatience > 0 && _epochsWithoutImprovement >= Options.EarlyStoppingPatience;

    private TrainingResult Result(TrainingStopReason reason, List<EpochSummary> history) =>
        new(reason, _epoch, _step, _bestEpoch, _bestMetric, history);

    /// <summary>The visiting order of one epoch: 0 … n−1, shuffled (Fisher–Yates) when <see cref="TrainingOptions.Shuffle"/> is set.</summary>
    private void Order(int[] order)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (Options.Shuffle) _random.Shuffle(order.AsSpan());
    }

    /// <summary>Records the epoch's monitored metric; returns true when it is the best so far (by more than MinDelta).</summary>
    private bool UpdateBest(int epoch, double trainLoss, EvaluationResult? validation)
    {
        double value = Options.EarlyStoppingMetric switch
        {
            EarlyStoppingMetric.Accuracy => validation?.Accuracy ?? double.NaN,
            EarlyStoppingMetric.RocAuc => validation?.RocAuc ?? double.NaN,
            _ => validation?.Loss ?? trainLoss,
        };
        bool lowerIsBetter = Options.EarlyStoppingMetric == EarlyStoppingMetric.Loss;
        double delta = Options.EarlyStoppingMinDelta;
        bool improved = !double.IsNaN(value) && (_bestEpoch == 0 || (lowerIsBetter ? value < _bestMetric - delta : value > _bestMetric + delta));
        if (improved)
        {
            _bestEpoch = epoch;
            _bestMetric = value;
            _epochsWithoutImprovement = 0;
            if (Options.EarlyStoppingPatience > 0 && Options.RestoreBestWeights)
            {
                _bestWeights ??= new float[_shape.ParameterCount];
                _model.Parameters.CopyTo(_bestWeights);
            }
        }
        else
        {
            _epochsWithoutImprovement++;
        }
        return improved;
    }

    private void CheckMonitoredMetric(TargetLoss? validation)
    {
        if (Options.EarlyStoppingMetric == EarlyStoppingMetric.Loss) return;
        if (validation is null)
            throw new ArgumentException($"EarlyStoppingMetric.{Options.EarlyStoppingMetric} is measured on a validation set; pass one to Fit or monitor the loss.", "validation");
        if (Options.EarlyStoppingMetric == EarlyStoppingMetric.Accuracy && !validation.IsClassification)
            throw new ArgumentException("EarlyStoppingMetric.Accuracy needs a classification loss (cross-entropy); this run uses MSE.", "validation");
        if (Options.EarlyStoppingMetric == EarlyStoppingMetric.RocAuc && !validation.IsBinary)
            throw new ArgumentException("EarlyStoppingMetric.RocAuc needs a binary head: one sigmoid output, or two softmax outputs.", "validation");
    }

    /// <summary>The block ranges of <paramref name="names"/>; an unknown or repeated name throws, listing the model's tensors.</summary>
    private static (int Offset, int Length)[] FrozenRanges(ModelShape shape, IReadOnlyList<string>? names)
    {
        if (names is null || names.Count == 0) return [];
        var ranges = new (int, int)[names.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            string name = names[i];
            ParameterTensor? tensor = null;
            foreach (ParameterTensor t in shape.Tensors)
            {
                if (t.Name == name) tensor = t;
            }
            if (tensor is null)
            {
                var known = new List<string>();
                foreach (ParameterTensor t in shape.Tensors) known.Add(t.Name);
                throw new ArgumentException($"TrainingOptions.FrozenTensors names '{name}', which this model ({shape}) does not have; its tensors are {string.Join(", ", known)}.", nameof(TrainingOptions.FrozenTensors));
            }
            if (!seen.Add(name)) throw new ArgumentException($"TrainingOptions.FrozenTensors names '{name}' twice.", nameof(TrainingOptions.FrozenTensors));
            ranges[i] = (tensor.Offset, tensor.Length);
        }
        return ranges;
    }

    internal static LossKind DefaultLoss(Head head) => head switch
    {
        Head.Softmax => LossKind.SoftmaxCrossEntropy,
        Head.Sigmoid => LossKind.BinaryCrossEntropy,
        _ => LossKind.MeanSquaredError,
    };

    internal static void CheckLossFitsHead(LossKind loss, Head head)
    {
        if (head == Head.Softmax && loss != LossKind.SoftmaxCrossEntropy)
            throw new ArgumentException($"A softmax head is trained with cross-entropy on its logits, not {loss}; use a linear head for other losses.", nameof(TrainingOptions.LossKind));
        if (head == Head.Sigmoid && loss != LossKind.BinaryCrossEntropy)
            throw new ArgumentException($"A sigmoid head is trained with binary cross-entropy on its logits, not {loss}; use a linear head for other losses.", nameof(TrainingOptions.LossKind));
    }

    private static IOptimizer CreateDefaultOptimizer() => new Adam();
}
