// What a finished Fit call hands back: why it stopped, the best epoch, and a line per epoch.
using System;
using System.Collections.Generic;

namespace LstmGen.Training;

/// <summary>Why <see cref="Trainer.Fit"/> returned.</summary>
public enum TrainingStopReason
{
    /// <summary>All <see cref="TrainingOptions.Epochs"/> were trained.</summary>
    Completed = 0,

    /// <summary>The monitored metric did not improve for <see cref="TrainingOptions.EarlyStoppingPatience"/> epochs.</summary>
    EarlyStopped = 1,
}

/// <summary>One epoch of training.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's samples (as the weights changed during the epoch).</param>
/// <param name="Validation">Validation results after the epoch, or null without a validation set.</param>
/// <param name="LearningRate">The learning rate of the epoch's last step.</param>
/// <param name="Duration">Wall time of the epoch, validation and checkpoint included.</param>
/// <param name="Improved">True when the epoch became the best so far.</param>
public sealed record EpochSummary(int Epoch, double TrainLoss, EvaluationResult? Validation, double LearningRate, TimeSpan Duration, bool Improved);

/// <summary>The outcome of <see cref="Trainer.Fit"/>.</summary>
public sealed class TrainingResult
{
    internal TrainingResult(TrainingStopReason stopReason, int epochs, long steps, int bestEpoch, double bestMetric, IReadOnlyList<EpochSummary> history)
    {
        StopReason = stopReason;
        CompletedEpochs = epochs;
        CompletedSteps = steps;
        BestEpoch = bestEpoch;
        BestMetric = bestMetric;
        History = history;
    }

    /// <summary>Why training stopped.</summary>
    public TrainingStopReason StopReason { get; }

    /// <summary>Epochs completed, resumed ones included.</summary>
    public int CompletedEpochs { get; }

    /// <summary>Optimizer steps taken, resumed ones included.</summary>
    public long CompletedSteps { get; }

    /// <summary>The epoch with the best monitored metric (0 when none was measured).</summary>
    public int BestEpoch { get; }

    /// <summary>The best value of the monitored metric (NaN when none was measured).</summary>
    public double BestMetric { get; }

    /// <summary>The epochs of this <see cref="Trainer.Fit"/> call, in order.</summary>
    public IReadOnlyList<EpochSummary> History { get; }
}
