// What a running training reports after every batch and every epoch, for progress bars and logs.
using System;

namespace LstmGen.Training;

/// <summary>When a <see cref="TrainingProgress"/> report was made.</summary>
public enum TrainingPhase
{
    /// <summary>After an optimizer step.</summary>
    Batch = 0,

    /// <summary>After an epoch, its validation and its checkpoint.</summary>
    EpochEnd = 1,
}

/// <summary>
/// One progress report of <see cref="Trainer.Fit"/>, sent through <see cref="IProgress{T}"/> after every
/// batch (<see cref="TrainingPhase.Batch"/>) and after every epoch (<see cref="TrainingPhase.EpochEnd"/>).
/// A struct, so reporting allocates nothing; <see cref="IProgress{T}.Report"/> runs on the training thread.
/// </summary>
public readonly struct TrainingProgress
{
    /// <summary>Batch or epoch end.</summary>
    public TrainingPhase Phase { get; init; }

    /// <summary>The epoch being trained, from 1.</summary>
    public int Epoch { get; init; }

    /// <summary>Epochs the run trains in total.</summary>
    public int Epochs { get; init; }

    /// <summary>Batches done in this epoch (from 1).</summary>
    public int Batch { get; init; }

    /// <summary>Batches per epoch.</summary>
    public int Batches { get; init; }

    /// <summary>Optimizer steps taken since the start of training (resumed runs included).</summary>
    public long Step { get; init; }

    /// <summary>Training samples done in this epoch.</summary>
    public int Samples { get; init; }

    /// <summary>Training samples per epoch.</summary>
    public int SamplesPerEpoch { get; init; }

    /// <summary>The last batch's loss (batch reports) or the epoch's mean training loss (epoch reports).</summary>
    public double Loss { get; init; }

    /// <summary>Mean training loss over the batches of this epoch so far.</summary>
    public double EpochLoss { get; init; }

    /// <summary>Global L2 norm of the last batch's gradient, before clipping.</summary>
    public double GradientNorm { get; init; }

    /// <summary>The learning rate of the last step.</summary>
    public double LearningRate { get; init; }

    /// <summary>Training throughput of this <see cref="Trainer.Fit"/> call so far.</summary>
    public double SamplesPerSecond { get; init; }

    /// <summary>Time since this <see cref="Trainer.Fit"/> call started.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Estimated time until the last epoch ends, from the throughput so far.</summary>
    public TimeSpan Remaining { get; init; }

    /// <summary>Validation results (epoch reports with a validation set; otherwise null).</summary>
    public EvaluationResult? Validation { get; init; }
}
