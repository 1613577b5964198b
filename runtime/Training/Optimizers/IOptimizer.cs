// The contract every optimizer follows: update parameters in PyTorch layout from gradients, and keep its state for checkpoints.
using System;
using System.Collections.Generic;

namespace LstmGen.Training.Optimizers;

/// <summary>An optimizer updating a parameter block from its gradient (both in PyTorch layout).</summary>
public interface IOptimizer
{
    /// <summary>A short name, e.g. <c>adam</c>, written into checkpoints.</summary>
    string Name { get; }

    /// <summary>The learning rate the next <see cref="Step"/> uses; schedules set it before each step.</summary>
    double LearningRate { get; set; }

    /// <summary>Steps taken so far.</summary>
    long StepCount { get; }

    /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradients"/> (same length, fixed for the optimizer's life).</summary>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>The optimizer's state as named float arrays (e.g. <c>exp_avg</c>) plus string metadata, for a checkpoint.</summary>
    void SaveState(IDictionary<string, float[]> tensors, IDictionary<string, string> metadata);

    /// <summary>Restores what <see cref="SaveState"/> wrote; throws when it does not fit this optimizer.</summary>
    void LoadState(IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string> metadata);
}
