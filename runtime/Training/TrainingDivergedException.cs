// Stops training loudly, with the exact step, when a loss or gradient stops being a finite number.
using System;

namespace LstmGen.Training;

/// <summary>Which number was not finite when training diverged.</summary>
public enum DivergedQuantity
{
    /// <summary>The loss of a training batch.</summary>
    Loss = 0,

    /// <summary>The gradient of a training batch (its global norm).</summary>
    Gradient = 1,

    /// <summary>The loss on the validation set after an epoch.</summary>
    ValidationLoss = 2,
}

/// <summary>
/// Thrown by <see cref="Trainer.Fit"/> when a batch's loss or gradient is NaN or infinite. The update of
/// that batch is not applied, so the model holds the weights from before it; the checkpoint file, if
/// any, still holds the last completed epoch.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    internal TrainingDivergedException(DivergedQuantity quantity, double value, int epoch, int batch, long step, string? checkpointPath, int checkpointEpoch)
        : base(Describe(quantity, value, epoch, batch, step, checkpointPath, checkpointEpoch))
    {
        Quantity = quantity;
        Value = value;
        Epoch = epoch;
        Batch = batch;
        Step = step;
        CheckpointPath = checkpointPath;
    }

    /// <summary>Whether the loss, the gradient or the validation loss was not finite.</summary>
    public DivergedQuantity Quantity { get; }

    /// <summary>The offending value (NaN or ±infinity).</summary>
    public double Value { get; }

    /// <summary>The epoch (from 1).</summary>
    public int Epoch { get; }

    /// <summary>The batch within the epoch (from 1); 0 for the validation after the epoch.</summary>
    public int Batch { get; }

    /// <summary>The global optimizer step (from 1) whose update was refused; for a validation loss, the last step taken.</summary>
    public long Step { get; }

    /// <summary>The checkpoint file of the last good epoch, or null when training writes none.</summary>
    public string? CheckpointPath { get; }

    private static string Describe(DivergedQuantity quantity, double value, int epoch, int batch, long step, string? checkpointPath, int checkpointEpoch)
    {
        string what = quantity switch
        {
            DivergedQuantity.Loss => $"the loss of batch {batch} is {value}",
            DivergedQuantity.Gradient => $"the gradient of batch {batch} is not finite (norm {value})",
            _ => $"the validation loss after the epoch is {value}",
        };
        string where = quantity == DivergedQuantity.ValidationLoss
            ? $"Training diverged after epoch {epoch} (step {step}): {what}. The weights after step {step} produce non-finite outputs."
            : $"Training diverged at epoch {epoch}, batch {batch}, step {step}: {what}. The update was not applied; the model holds the weights after step {step - 1}.";
        string checkpoint = checkpointPath is null
            ? ""
            : checkpointEpoch > 0 ? $" The checkpoint '{checkpointPath}' (epoch {checkpointEpoch}) was left as it was." : " No checkpoint had been written yet.";
        return where + checkpoint + " Lower the learning rate, clip gradients (TrainingOptions.ClipGradientNorm) or check the data.";
    }
}
