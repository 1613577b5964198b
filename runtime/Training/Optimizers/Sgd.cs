// Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 weight decay, as torch.optim.SGD.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace LstmGen.Training.Optimizers;

/// <summary>
/// <c>torch.optim.SGD</c> (PyTorch 1.13, single-tensor path). Per element, in float32:
/// <code>
/// d = g + weight_decay·p                          (when weight_decay ≠ 0)
/// b = d                       on the first step    (when momentum ≠ 0)
/// b = momentum·b + (1 − dampening)·d  afterwards
/// d = d + momentum·b  (Nesterov)   or   d = b
/// p = p + (−lr)·d
/// </code>
/// State: <c>momentum_buffer</c> (only with momentum). Weight decay applies to every parameter,
/// biases included, as in PyTorch.
/// </summary>
public sealed class Sgd : IOptimizer
{
    private const int MomentumSlot = 0;
    private static readonly string[] SlotNames = ["momentum_buffer"];

    private readonly OptimizerState _state;
    private double _learningRate;

    /// <summary>Creates the optimizer; the arguments are PyTorch's (<c>lr</c>, <c>momentum</c>, <c>dampening</c>, <c>nesterov</c>, <c>weight_decay</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or not finite.</exception>
    /// <exception cref="ArgumentException">Nesterov without momentum or with dampening (PyTorch refuses it too).</exception>
    public Sgd(double learningRate, double momentum = 0, double dampening = 0, bool nesterov = false, double weightDecay = 0)
    {
        _learningRate = HyperparameterCheck.NonNegative(learningRate, nameof(learningRate));
        Momentum = HyperparameterCheck.NonNegative(momentum, nameof(momentum));
        Dampening = HyperparameterCheck.Finite(dampening, nameof(dampening));
        WeightDecay = HyperparameterCheck.NonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException($"Nesterov momentum requires momentum > 0 and dampening = 0, found momentum {HyperparameterCheck.Format(momentum)}, dampening {HyperparameterCheck.Format(dampening)}.", nameof(nesterov));
        Nesterov = nesterov;
        _state = new OptimizerState(Name, SlotNames, [momentum != 0], [0f]);
    }

    /// <inheritdoc/>
    public string Name => "sgd";

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = HyperparameterCheck.NonNegative(value, nameof(value));
    }

    /// <summary>Momentum factor (0: plain SGD, no state).</summary>
    public double Momentum { get; }

    /// <summary>Dampening of the momentum's gradient term.</summary>
    public double Dampening { get; }

    /// <summary>True for Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    public long StepCount => _state.StepCount;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        long step = _state.BeginStep(parameters.Length, gradients.Length);
        var rule = new Rule(
            negativeRate: (float)-_learningRate,
            weightDecay: (float)WeightDecay,
            momentum: (float)Momentum,
            oneMinusDampening: (float)(1 - Dampening),
            firstStep: step == 1);
        if (Momentum == 0)
            ElementwiseUpdate.Run(rule, parameters, gradients, default, default, default);
        else if (Nesterov)
            ElementwiseUpdate.Run(new NesterovRule(rule), parameters, gradients, _state.Slot(MomentumSlot), default, default);
        else
            ElementwiseUpdate.Run(new MomentumRule(rule), parameters, gradients, _state.Slot(MomentumSlot), default, default);
    }

    /// <inheritdoc/>
    /// <remarks>Tensors: <c>momentum_buffer</c> (with momentum, after the first step). Metadata: <c>optimizer</c> = <c>sgd</c>, <c>optimizer.step</c>, <c>optimizer.length</c>, <c>optimizer.hyperparameters</c>.</remarks>
    public void SaveState(IDictionary<string, float[]> tensors, IDictionary<string, string> metadata) =>
        _state.Save(tensors, metadata, FormattableString.Invariant(
            $"lr={_learningRate:R}, momentum={Momentum:R}, dampening={Dampening:R}, nesterov={Nesterov}, weight_decay={WeightDecay:R}"));

    /// <inheritdoc/>
    /// <remarks>Hyper-parameters stay those of the constructor; the learning rate is the caller's (schedules set it).</remarks>
    public void LoadState(IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string> metadata) =>
        _state.Load(tensors, metadata);

    /// <summary>The step's scalars, and plain SGD: <c>p = p + (−lr)·(g + wd·p)</c>.</summary>
    private readonly struct Rule(float negativeRate, float weightDecay, float momentum, float oneMinusDampening, bool firstStep) : IUpdateRule
    {
        public readonly float NegativeRate = negativeRate;
        public readonly float WeightDecay = weightDecay;
        public readonly float Momentum = momentum;
        public readonly float OneMinusDampening = oneMinusDampening;
        public readonly bool FirstStep = firstStep;

        /// <summary><c>g + wd·p</c> (PyTorch's <c>grad.add(param, alpha=weight_decay)</c>), or <c>g</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Decayed<T>(T g, T p) where T : struct, IFloatLanes<T> =>
            WeightDecay != 0 ? g + T.Create(WeightDecay) * p : g;

        /// <summary>The momentum buffer after this step: <c>d</c> first, then <c>momentum·b + (1 − dampening)·d</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Buffer<T>(ref float buffer, T d, nuint i) where T : struct, IFloatLanes<T>
        {
            T b = FirstStep ? d : T.Load(ref buffer, i) * T.Create(Momentum) + T.Create(OneMinusDampening) * d;
            b.Store(ref buffer, i);
            return b;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint index)
            where T : struct, IFloatLanes<T>
        {
            T p = T.Load(ref parameter, index);
            T d = Decayed(T.Load(ref gradient, index), p);
            (p + T.Create(NegativeRate) * d).Store(ref parameter, index);
        }
    }

    /// <summary>Heavy-ball momentum: <c>p = p + (−lr)·b</c>.</summary>
    private readonly struct MomentumRule(Rule rule) : IUpdateRule
    {
        private readonly Rule _rule = rule;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint index)
            where T : struct, IFloatLanes<T>
        {
            T p = T.Load(ref parameter, index);
            T d = _rule.Decayed(T.Load(ref gradient, index), p);
            T b = _rule.Buffer(ref state0, d, index);
            (p + T.Create(_rule.NegativeRate) * b).Store(ref parameter, index);
        }
    }

    /// <summary>Nesterov momentum: <c>p = p + (−lr)·(d + momentum·b)</c>.</summary>
    private readonly struct NesterovRule(Rule rule) : IUpdateRule
    {
        private readonly Rule _rule = rule;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint index)
            where T : struct, IFloatLanes<T>
        {
            T p = T.Load(ref parameter, index);
            T d = _rule.Decayed(T.Load(ref gradient, index), p);
            T b = _rule.Buffer(ref state0, d, index);
            T step = d + T.Create(_rule.Momentum) * b;
            (p + T.Create(_rule.NegativeRate) * step).Store(ref parameter, index);
        }
    }
}
