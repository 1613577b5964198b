// Adagrad with learning-rate decay, L2 weight decay and an initial accumulator, as torch.optim.Adagrad.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace LstmGen.Training.Optimizers;

/// <summary>
/// <c>torch.optim.Adagrad</c> (PyTorch 1.13, single-tensor path, dense gradients). Per element, in
/// float32, at step t (from 1):
/// <code>
/// clr = lr / (1 + (t − 1)·lr_decay)
/// g = g + weight_decay·p
/// s = s + g²                                 (s starts at initial_accumulator_value)
/// p = p − clr·g / (√s + eps)
/// </code>
/// State: <c>sum</c>. Weight decay applies to every parameter, biases included, as in PyTorch.
/// </summary>
public sealed class Adagrad : IOptimizer
{
    private const int SumSlot = 0;
    private static readonly string[] SlotNames = ["sum"];

    private readonly OptimizerState _state;
    private double _learningRate;

    /// <summary>Creates the optimizer; the defaults are PyTorch's (<c>lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or not finite.</exception>
    public Adagrad(double learningRate = 1e-2, double learningRateDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double epsilon = 1e-10)
    {
        _learningRate = HyperparameterCheck.NonNegative(learningRate, nameof(learningRate));
        LearningRateDecay = HyperparameterCheck.NonNegative(learningRateDecay, nameof(learningRateDecay));
        WeightDecay = HyperparameterCheck.NonNegative(weightDecay, nameof(weightDecay));
        InitialAccumulatorValue = HyperparameterCheck.NonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue));
        Epsilon = HyperparameterCheck.NonNegative(epsilon, nameof(epsilon));
        _state = new OptimizerState(Name, SlotNames, [true], [(float)initialAccumulatorValue]);
    }

    /// <inheritdoc/>
    public string Name => "adagrad";

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = HyperparameterCheck.NonNegative(value, nameof(value));
    }

    /// <summary>Decay of the learning rate per step: <c>lr / (1 + (t − 1)·lr_decay)</c>.</summary>
    public double LearningRateDecay { get; }

    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Starting value of every <c>sum</c> element.</summary>
    public double InitialAccumulatorValue { get; }

    /// <summary>Added to the root of the accumulated squares.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    public long StepCount => _state.StepCount;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        long step = _state.BeginStep(parameters.Length, gradients.Length);
        double clr = _learningRate / (1 + (step - 1) * LearningRateDecay);
        var rule = new Rule((float)-clr, (float)WeightDecay, (float)Epsilon);
        ElementwiseUpdate.Run(rule, parameters, gradients, _state.Slot(SumSlot), default, default);
    }

    /// <inheritdoc/>
    /// <remarks>Tensors: <c>sum</c>, after the first step. Metadata: <c>optimizer</c> = <c>adagrad</c>, <c>optimizer.step</c>, <c>optimizer.length</c>, <c>optimizer.hyperparameters</c>.</remarks>
    public void SaveState(IDictionary<string, float[]> tensors, IDictionary<string, string> metadata) =>
        _state.Save(tensors, metadata, FormattableString.Invariant(
            $"lr={_learningRate:R}, lr_decay={LearningRateDecay:R}, weight_decay={WeightDecay:R}, initial_accumulator_value={InitialAccumulatorValue:R}, eps={Epsilon:R}"));

    /// <inheritdoc/>
    /// <remarks>Hyper-parameters stay those of the constructor; the learning rate is the caller's (schedules set it).</remarks>
    public void LoadState(IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string> metadata) =>
        _state.Load(tensors, metadata);

    /// <summary>The element-wise rule in PyTorch's order: <c>s = s + (1·g)·g</c>, <c>p = p + ((−clr)·g)/(√s + eps)</c>.</summary>
    private readonly struct Rule(float negativeRate, float weightDecay, float eps) : IUpdateRule
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint index)
            where T : struct, IFloatLanes<T>
        {
            T p = T.Load(ref parameter, index);
            T g = T.Load(ref gradient, index);
            if (weightDecay != 0) g += T.Create(weightDecay) * p;
            T sum = T.Load(ref state0, index) + g * g;
            sum.Store(ref state0, index);
            T std = T.Sqrt(sum) + T.Create(eps);
            (p + T.Create(negativeRate) * g / std).Store(ref parameter, index);
        }
    }
}
