// The contract every optimizer follows: update parameters in PyTorch layout from gradients, and keep its state for checkpoints.
using System;
using System.Collections.Generic;

namespace LstmGen.Training.Optimizers;

/// <summary>An optimizer updating a parameter block from its gradient (both in PyTorch layout).</summary>
/// <remarks>
/// <para>The first <see cref="Step"/> fixes the parameter count and allocates the per-element state;
/// later steps allocate nothing and refuse another count. Implementations follow PyTorch 1.13's
/// <c>torch.optim</c> algorithms in float32 (<see cref="Sgd"/>, <see cref="Adam"/>, <see cref="AdamW"/>,
/// <see cref="RmsProp"/>, <see cref="Adagrad"/>); an element's result does not depend on the SIMD width
/// or on where it sits in the block.</para>
/// <para>Checkpoint form (<see cref="SaveState"/>): tensors under PyTorch's state names
/// (<c>exp_avg</c>, <c>exp_avg_sq</c>, <c>max_exp_avg_sq</c>, <c>momentum_buffer</c>, <c>square_avg</c>,
/// <c>grad_avg</c>, <c>sum</c>), written once a step has been taken; metadata <c>optimizer</c> (the
/// <see cref="Name"/>), <c>optimizer.step</c> (<see cref="StepCount"/>), <c>optimizer.length</c> (the
/// parameter count, once known) and <c>optimizer.hyperparameters</c> (readable text, not read back).
/// Other entries in the dictionaries are left alone on save and ignored on load, so one checkpoint
/// can hold the model's tensors too.</para>
/// </remarks>
public interface IOptimizer
{
    /// <summary>A short name, e.g. <c>adam</c>, written into checkpoints.</summary>
    string Name { get; }

    /// <summary>The learning rate the next <see cref="Step"/> uses; schedules set it before each step.</summary>
    double LearningRate { get; set; }

    /// <summary>Steps taken so far.</summary>
    long StepCount { get; }

    /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradients"/> (same length, fixed for the optimizer's life).</summary>
    /// <exception cref="System.ArgumentException">The lengths differ from each other or from the count of the first step (or of a loaded state); nothing changes.</exception>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>The optimizer's state as named float arrays (e.g. <c>exp_avg</c>) plus string metadata, for a checkpoint.</summary>
    void SaveState(IDictionary<string, float[]> tensors, IDictionary<string, string> metadata);

    /// <summary>Restores what <see cref="SaveState"/> wrote; throws when it does not fit this optimizer.</summary>
    /// <remarks>Restores the state arrays and the step count; the hyper-parameters stay the constructor's (unlike PyTorch's
    /// <c>load_state_dict</c>, which also restores them) and the learning rate is whatever the caller sets next.</remarks>
    /// <exception cref="System.ArgumentException">Another optimizer's state, another parameter count, a missing or
    /// wrong-length state array, or one this configuration does not keep (e.g. <c>grad_avg</c> for a non-centred
    /// RMSprop); nothing changes.</exception>
    void LoadState(IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string> metadata);
}
