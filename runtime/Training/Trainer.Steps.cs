// One optimizer step on a caller-chosen minibatch, for custom training loops and benchmarks: the same
// chunked, multi-threaded, deterministic batch code Fit runs, with worker threads kept between calls.
using System;

namespace LstmGen.Training;

public sealed partial class Trainer : IDisposable
{
    private TrainerWorkerPool? _stepPool;
    private SequenceDataset? _stepData;
    private TargetLoss? _stepLoss;
    private int[] _stepOrder = Array.Empty<int>();

    /// <summary>
    /// Takes one optimizer step on every sample of <paramref name="batch"/>, in order (no shuffling, whatever
    /// <see cref="TrainingOptions.BatchSize"/> says), exactly as <see cref="Fit"/> trains one minibatch: chunks
    /// on <see cref="TrainingOptions.Threads"/> threads, the divergence guard, clipping, the schedule and the
    /// optimizer. Returns the batch's mean loss. Repeated calls with the same dataset allocate nothing; the
    /// worker threads stay until <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The dataset does not fit the model or the loss, or holds more samples than <see cref="TrainingOptions.BatchSize"/>.</exception>
    /// <exception cref="TrainingDivergedException">The loss or gradient became NaN or infinite; the update was not applied.</exception>
    public double TrainStep(SequenceDataset batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (batch.Count == 0 || batch.Count > Options.BatchSize)
            throw new ArgumentException($"Expected 1 to {Options.BatchSize} samples (TrainingOptions.BatchSize), got {batch.Count}.", nameof(batch));
        if (!ReferenceEquals(batch, _stepData))
        {
            batch.EnsureFits(_shape, LossKind, nameof(batch));
            _stepLoss = new TargetLoss(batch, _shape, LossKind);
            _stepData = batch;
            if (_stepOrder.Length < batch.Count) _stepOrder = new int[batch.Count];
            for (int i = 0; i < batch.Count; i++) _stepOrder[i] = i;
            int tapeSteps = Options.TruncateSteps > 0 ? Math.Min(Options.TruncateSteps, batch.MaxLength) : batch.MaxLength;
            PrepareWorkers(tapeSteps, tapeSteps);
        }
        _stepPool ??= new TrainerWorkerPool(Options.Threads);
        using var claim = new TrainingClaim(_model);
        return TrainBatch(_stepPool, batch, _stepLoss!, _stepOrder, 0, batch.Count, _epoch + 1, 1);
    }

    private bool _disposed;

    /// <summary>Ends the worker threads <see cref="TrainStep"/> keeps (Fit starts and ends its own).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stepPool?.Dispose();
        _stepPool = null;
    }
}
