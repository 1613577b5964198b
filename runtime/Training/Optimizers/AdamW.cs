// Adam with weight decay decoupled from the gradient (the weights shrink directly), as torch.optim.AdamW.
using System;
using System.Collections.Generic;

namespace LstmGen.Training.Optimizers;

/// <summary>
/// <c>torch.optim.AdamW</c> (PyTorch 1.13, single-tensor path): Adam whose weight decay shrinks the
/// weights directly instead of entering the moments. Per element, in float32, at step t (from 1):
/// <code>
/// p = p·(1 − lr·weight_decay)
/// m = β1·m + (1 − β1)·g          v = β2·v + (1 − β2)·g²
/// p = p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)        (eps outside the corrected root)
/// </code>
/// State: <c>exp_avg</c>, <c>exp_avg_sq</c>, and <c>max_exp_avg_sq</c> with AMSGrad. The decay
/// applies to every parameter, biases included, as in PyTorch. For L2 decay in the gradient use <see cref="Adam"/>.
/// </summary>
public sealed class AdamW : IOptimizer
{
    private readonly OptimizerState _state;
    private double _learningRate;

    /// <summary>Creates the optimizer; the defaults are PyTorch's (<c>lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (betas must be in [0, 1); the rest finite and ≥ 0).</exception>
    public AdamW(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
    {
        _learningRate = HyperparameterCheck.NonNegative(learningRate, nameof(learningRate));
        Beta1 = HyperparameterCheck.UnitInterval(beta1, nameof(beta1));
        Beta2 = HyperparameterCheck.UnitInterval(beta2, nameof(beta2));
        Eps = HyperparameterCheck.NonNegative(eps, nameof(eps));
        WeightDecay = HyperparameterCheck.NonNegative(weightDecay, nameof(weightDecay));
        Amsgrad = amsgrad;
        _state = new OptimizerState(Name, AdamUpdate.SlotNames, [true, true, amsgrad], [0f, 0f, 0f]);
    }

    /// <inheritdoc/>
    public string Name => "adamw";

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
    public double Eps { get; }

    /// <summary>Decoupled decay: each step multiplies the weights by <c>1 − lr·weight_decay</c>.</summary>
    public double WeightDecay { get; }

    /// <summary>True for AMSGrad (the running maximum of the second moment).</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc/>
    public long StepCount => _state.StepCount;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        long step = _state.BeginStep(parameters.Length, gradients.Length);
        var rule = new AdamUpdate(_learningRate, Beta1, Beta2, Eps, WeightDecay, decoupled: true, Amsgrad, step);
        ElementwiseUpdate.Run(rule, parameters, gradients,
            _state.Slot(AdamUpdate.ExpAvgSlot), _state.Slot(AdamUpdate.ExpAvgSqSlot), _state.Slot(AdamUpdate.MaxExpAvgSqSlot));
    }

    /// <inheritdoc/>
    /// <remarks>Tensors: <c>exp_avg</c>, <c>exp_avg_sq</c> (and <c>max_exp_avg_sq</c> with AMSGrad), after the first step. Metadata: <c>optimizer</c> = <c>adamw</c>, <c>optimizer.step</c>, <c>optimizer.length</c>, <c>optimizer.hyperparameters</c>.</remarks>
    public void SaveState(IDictionary<string, float[]> tensors, IDictionary<string, string> metadata) =>
        _state.Save(tensors, metadata, FormattableString.Invariant(
            $"lr={_learningRate:R}, beta1={Beta1:R}, beta2={Beta2:R}, eps={Eps:R}, weight_decay={WeightDecay:R}, amsgrad={Amsgrad}"));

    /// <inheritdoc/>
    /// <remarks>Hyper-parameters stay those of the constructor; the learning rate is the caller's (schedules set it).</remarks>
    public void LoadState(IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string> metadata) =>
        _state.Load(tensors, metadata);
}
