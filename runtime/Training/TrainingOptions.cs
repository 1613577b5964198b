// Everything a training run can be told, with defaults that work for small models, checked once up front.
using System;
using LstmGen.Training.Optimizers;

namespace LstmGen.Training;

/// <summary>What <see cref="Trainer.Fit"/> monitors for early stopping and for "best" weights.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>The validation loss (lower is better); the training loss when there is no validation set.</summary>
    Loss = 0,

    /// <summary>The validation accuracy (higher is better); classification only.</summary>
    Accuracy = 1,

    /// <summary>The validation ROC AUC (higher is better); binary heads only.</summary>
    RocAuc = 2,
}

/// <summary>Settings of a training run. Immutable once built; give each <see cref="Trainer"/> its own optimizer.</summary>
public sealed class TrainingOptions
{
    /// <summary>Epochs (passes over the training set) to train in total; a resumed run continues up to this number. Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per optimizer step. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Seed of the random generator that shuffles the training set each epoch. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Whether to visit the training samples in a new random order each epoch. Default true.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Worker threads for a minibatch (the calling thread is one of them). Default <see cref="Environment.ProcessorCount"/>. Results do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Samples per gradient chunk. A batch is cut into chunks of this many samples, whatever the thread
    /// count; each chunk accumulates its samples in order into its own gradient buffer, and the buffers are
    /// summed in chunk order, so the result is bitwise the same with any number of threads. Default 4.
    /// </summary>
    public int SamplesPerChunk { get; init; } = 4;

    /// <summary>
    /// Whether a chunk whose samples all have the same length is trained in lock-step lanes when the model
    /// supports it (generated models do): each weight is read once per
    /// step for the whole chunk, which is several times faster. The gradients equal the per-sample ones up to
    /// float rounding; either way the result does not depend on <see cref="Threads"/>. Default true.
    /// </summary>
    public bool LaneTraining { get; init; } = true;

    /// <summary>
    /// Truncated backpropagation through time: when positive, a sample longer than this is run in windows
    /// of this many steps, the state (h, c) carried from one window to the next but no gradient flowing
    /// back across a window boundary. Each window's loss is backpropagated within the window and added to
    /// the batch gradient (one optimizer step per batch). With a last-step target, the earlier windows only
    /// advance the state. 0 (default): full BPTT over each sample.
    /// </summary>
    public int TruncateSteps { get; init; }

    /// <summary>The loss; null (default) picks it from the model's head: softmax → cross-entropy, sigmoid → binary cross-entropy, linear or none → MSE.</summary>
    public LossKind? LossKind { get; init; }

    /// <summary>The optimizer (it keeps state: do not share one between trainers). Null (default): Adam with PyTorch's defaults (lr 1e-3).</summary>
    public IOptimizer? Optimizer { get; init; }

    /// <summary>Sets the optimizer's learning rate before every step (<see cref="ILearningRateSchedule.RateAt"/> of the steps taken and epochs completed); null keeps the optimizer's rate.</summary>
    public ILearningRateSchedule? LearningRateSchedule { get; init; }

    /// <summary>When positive, gradients are scaled so their global L2 norm is at most this (PyTorch <c>clip_grad_norm_</c>). Default 0: off.</summary>
    public double ClipGradientNorm { get; init; }

    /// <summary>When positive, every gradient is clamped to [−value, value] after norm clipping (PyTorch <c>clip_grad_value_</c>). Default 0: off.</summary>
    public double ClipGradientValue { get; init; }

    /// <summary>Stop after this many epochs without improvement of <see cref="EarlyStoppingMetric"/>. Default 0: never stop early.</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>An epoch improves on the best only by more than this. Default 0.</summary>
    public double EarlyStoppingMinDelta { get; init; }

    /// <summary>What early stopping and the best epoch are judged by. Default <see cref="Training.EarlyStoppingMetric.Loss"/>.</summary>
    public EarlyStoppingMetric EarlyStoppingMetric { get; init; }

    /// <summary>When early stopping ends training, give the model the weights of the best epoch. Default true.</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>
    /// Parameter tensors the trainer leaves unchanged, by their <see cref="ParameterTensor.Name"/> (e.g.
    /// <see cref="ModelShape.EmbeddingWeightName"/> to keep pretrained word vectors fixed). Their gradient is set to 0
    /// before clipping (so it does not count in the gradient norm and never enters the optimizer's state), and
    /// their values are put back after every optimizer step, so weight decay or momentum from earlier steps cannot
    /// move them either. Null or empty (default): everything trains.
    /// </summary>
    public System.Collections.Generic.IReadOnlyList<string>? FrozenTensors { get; init; }

    /// <summary>Where to write a checkpoint after every epoch (atomically, replacing the previous one); null: none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    internal void Validate()
    {
        if (Epochs < 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must not be negative.");
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be positive.");
        if (Threads <= 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be positive.");
        if (SamplesPerChunk <= 0) throw new ArgumentOutOfRangeException(nameof(SamplesPerChunk), SamplesPerChunk, "SamplesPerChunk must be positive.");
        if (TruncateSteps < 0) throw new ArgumentOutOfRangeException(nameof(TruncateSteps), TruncateSteps, "TruncateSteps must be 0 (off) or positive.");
        if (LossKind is { } loss && !Enum.IsDefined(loss)) throw new ArgumentOutOfRangeException(nameof(LossKind), loss, "Unknown loss.");
        if (!(ClipGradientNorm >= 0) || double.IsInfinity(ClipGradientNorm))
            throw new ArgumentOutOfRangeException(nameof(ClipGradientNorm), ClipGradientNorm, "ClipGradientNorm must be 0 (off) or a positive finite number.");
        if (!(ClipGradientValue >= 0) || double.IsInfinity(ClipGradientValue))
            throw new ArgumentOutOfRangeException(nameof(ClipGradientValue), ClipGradientValue, "ClipGradientValue must be 0 (off) or a positive finite number.");
        if (EarlyStoppingPatience < 0) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "EarlyStoppingPatience must be 0 (off) or positive.");
        if (!(EarlyStoppingMinDelta >= 0) || double.IsInfinity(EarlyStoppingMinDelta))
            throw new ArgumentOutOfRangeException(nameof(EarlyStoppingMinDelta), EarlyStoppingMinDelta, "EarlyStoppingMinDelta must be finite and not negative.");
        if (!Enum.IsDefined(EarlyStoppingMetric)) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingMetric), EarlyStoppingMetric, "Unknown metric.");
        if (CheckpointPath is { Length: 0 }) throw new ArgumentException("CheckpointPath must be null (no checkpoints) or a file path.", nameof(CheckpointPath));
    }
}
