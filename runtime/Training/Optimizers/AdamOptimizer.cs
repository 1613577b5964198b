// What Adam and AdamW share: moments, bias correction, AMSGrad, state; they differ only in how weight decay applies.
using System;
using System.Collections.Generic;

namespace LstmGen.Training.Optimizers;

/// <summary>
/// The Adam family (PyTorch 1.13, single-tensor path): <see cref="Adam"/> (weight decay as an L2 term
/// in the gradient) and <see cref="AdamW"/> (decoupled weight decay). Per element, in float32, at step t:
/// <code>
/// m = β1·m + (1 − β1)·g          v = β2·v + (1 − β2)·g²
/// p = p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)        (eps outside the corrected root)
/// </code>
/// State: <c>exp_avg</c>, <c>exp_avg_sq</c>, and <c>max_exp_avg_sq</c> with AMSGrad.
/// </summary>
public abstract class AdamOptimizer : IOptimizer
{
    private readonly OptimizerState _state;
    private double _learningRate;

    private readonly bool _decoupled;

    /// <summary>Creates the optimizer named <paramref name="name"/>, with decoupled (AdamW) or L2 (Adam) weight decay.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (betas must be in [0, 1); the rest finite and ≥ 0).</exception>
    private protected AdamOptimizer(string name, bool decoupled, double learningRate, double beta1, double beta2, double epsilon, double weightDecay, bool amsgrad)
    {
        Name = name;
        _decoupled = decoupled;
        _learningRate = HyperparameterCheck.NonNegative(learningRate, nameof(learningRate));
        Beta1 = HyperparameterCheck.UnitInterval(beta1, nameof(beta1));
        Beta2 = HyperparameterCheck.UnitInterval(beta2, nameof(beta2));
        Epsilon = HyperparameterCheck.NonNegative(epsilon, nameof(epsilon));
        WeightDecay = HyperparameterCheck.NonNegative(weightDecay, nameof(weightDecay));
        Amsgrad = amsgrad;
        _state = new OptimizerState(Name, AdamUpdate.SlotNames, [true, true, amsgrad], [0f, 0f, 0f]);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = HyperparameterCheck.NonNegative(value, nameof(value));
    }

    /// <summary>Decay rate of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay rate of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the bias-corrected root of the second moment.</summary>
    public double Epsilon { get; }

    /// <summary>Weight decay: an L2 penalty added to the gradient (<see cref="Adam"/>), or decoupled, shrinking the weights by <c>1 − lr·weight_decay</c> each step (<see cref="AdamW"/>).</summary>
    public double WeightDecay { get; }

    /// <summary>True for AMSGrad (the running maximum of the second moment).</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc/>
    public long StepCount => _state.StepCount;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        long step = _state.BeginStep(parameters.Length, gradients.Length);
        var rule = new AdamUpdate(_learningRate, Beta1, Beta2, Epsilon, WeightDecay, _decoupled, Amsgrad, step);
        ElementwiseUpdate.Run(rule, parameters, gradients,
            _state.Slot(AdamUpdate.ExpAvgSlot), _state.Slot(AdamUpdate.ExpAvgSqSlot), _state.Slot(AdamUpdate.MaxExpAvgSqSlot));
    }

    /// <inheritdoc/>
    /// <remarks>Tensors: <c>exp_avg</c>, <c>exp_avg_sq</c> (and <c>max_exp_avg_sq</c> with AMSGrad), after the first step. Metadata: <c>optimizer</c> = <see cref="Name"/>, <c>optimizer.step</c>, <c>optimizer.length</c>, <c>optimizer.hyperparameters</c>.</remarks>
    public void SaveState(IDictionary<string, float[]> tensors, IDictionary<string, string> metadata) =>
        _state.Save(tensors, metadata, FormattableString.Invariant(
            $"lr={_learningRate:R}, beta1={Beta1:R}, beta2={Beta2:R}, eps={Epsilon:R}, weight_decay={WeightDecay:R}, amsgrad={Amsgrad}"));

    /// <inheritdoc/>
    /// <remarks>Hyper-parameters stay those of the constructor; the learning rate is the caller's (schedules set it).</remarks>
    public void LoadState(IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string> metadata) =>
        _state.Load(tensors, metadata);
}
