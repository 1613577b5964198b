// RMSprop with optional momentum, centring and L2 weight decay, as torch.optim.RMSprop.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace LstmGen.Training.Optimizers;

/// <summary>
/// <c>torch.optim.RMSprop</c> (PyTorch 1.13, single-tensor path). Per element, in float32:
/// <code>
/// g = g + weight_decay·p
/// v = α·v + (1 − α)·g²
/// a = α·a + (1 − α)·g;  avg = √(v − a²) + eps     centred
///                       avg = √v + eps            otherwise
/// b = momentum·b + g/avg;  p = p − lr·b           momentum &gt; 0
/// p = p − lr·g/avg                                otherwise
/// </code>
/// State: <c>square_avg</c>, <c>momentum_buffer</c> (momentum &gt; 0), <c>grad_avg</c> (centred).
/// Note PyTorch's <c>eps</c> is added outside the root and its default <c>alpha</c> is 0.99 (Keras: rho 0.9).
/// </summary>
public sealed class RmsProp : IOptimizer
{
    private const int SquareAvgSlot = 0;
    private const int MomentumSlot = 1;
    private const int GradAvgSlot = 2;
    private static readonly string[] SlotNames = ["square_avg", "momentum_buffer", "grad_avg"];

    private readonly OptimizerState _state;
    private double _learningRate;

    /// <summary>Creates the optimizer; the defaults are PyTorch's (<c>lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or not finite.</exception>
    public RmsProp(double learningRate = 1e-2, double alpha = 0.99, double epsilon = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false)
    {
        _learningRate = HyperparameterCheck.NonNegative(learningRate, nameof(learningRate));
        Alpha = HyperparameterCheck.NonNegative(alpha, nameof(alpha));
        Epsilon = HyperparameterCheck.NonNegative(epsilon, nameof(epsilon));
        WeightDecay = HyperparameterCheck.NonNegative(weightDecay, nameof(weightDecay));
        Momentum = HyperparameterCheck.NonNegative(momentum, nameof(momentum));
        Centered = centered;
        _state = new OptimizerState(Name, SlotNames, [true, momentum > 0, centered], [0f, 0f, 0f]);
    }

    /// <inheritdoc/>
    public string Name => "rmsprop";

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = HyperparameterCheck.NonNegative(value, nameof(value));
    }

    /// <summary>Smoothing constant of the running averages.</summary>
    public double Alpha { get; }

    /// <summary>Added to the root of the (centred) second moment.</summary>
    public double Epsilon { get; }

    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Momentum factor (0: none, no buffer).</summary>
    public double Momentum { get; }

    /// <summary>True to divide by an estimate of the gradient's variance rather than its second moment.</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    public long StepCount => _state.StepCount;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        _state.BeginStep(parameters.Length, gradients.Length);
        var rule = new Rule((float)-_learningRate, (float)Alpha, (float)(1 - Alpha), (float)Epsilon, (float)WeightDecay, (float)Momentum, Momentum > 0, Centered);
        ElementwiseUpdate.Run(rule, parameters, gradients, _state.Slot(SquareAvgSlot), _state.Slot(MomentumSlot), _state.Slot(GradAvgSlot));
    }

    /// <inheritdoc/>
    /// <remarks>Tensors: <c>square_avg</c>, <c>momentum_buffer</c> (momentum &gt; 0), <c>grad_avg</c> (centred), after the first step. Metadata: <c>optimizer</c> = <c>rmsprop</c>, <c>optimizer.step</c>, <c>optimizer.length</c>, <c>optimizer.hyperparameters</c>.</remarks>
    public void SaveState(IDictionary<string, float[]> tensors, IDictionary<string, string> metadata) =>
        _state.Save(tensors, metadata, FormattableString.Invariant(
            $"lr={_learningRate:R}, alpha={Alpha:R}, eps={Epsilon:R}, weight_decay={WeightDecay:R}, momentum={Momentum:R}, centered={Centered}"));

    /// <inheritdoc/>
    /// <remarks>Hyper-parameters stay those of the constructor; the learning rate is the caller's (schedules set it).</remarks>
    public void LoadState(IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string> metadata) =>
        _state.Load(tensors, metadata);

    /// <summary>The element-wise rule, in PyTorch's operation order (<c>addcmul</c> = <c>s + (c·t1)·t2</c>, <c>addcdiv</c> = <c>s + (c·t1)/t2</c>).</summary>
    private readonly struct Rule(float negativeRate, float alpha, float oneMinusAlpha, float eps, float weightDecay, float momentum, bool hasMomentum, bool centered) : IUpdateRule
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint index)
            where T : struct, IFloatLanes<T>
        {
            T p = T.Load(ref parameter, index);
            T g = T.Load(ref gradient, index);
            if (weightDecay != 0) g += T.Create(weightDecay) * p;
            T squareAvg = T.Load(ref state0, index) * T.Create(alpha) + T.Create(oneMinusAlpha) * g * g;
            squareAvg.Store(ref state0, index);
            T avg;
            if (centered)
            {
                T gradAvg = T.Load(ref state2, index) * T.Create(alpha) + T.Create(oneMinusAlpha) * g;
                gradAvg.Store(ref state2, index);
                avg = T.Sqrt(squareAvg - gradAvg * gradAvg);
            }
            else
            {
                avg = T.Sqrt(squareAvg);
            }
            avg += T.Create(eps);
            if (hasMomentum)
            {
                T buffer = T.Load(ref state1, index) * T.Create(momentum) + g / avg;
                buffer.Store(ref state1, index);
                p += T.Create(negativeRate) * buffer;
            }
            else
            {
                p += T.Create(negativeRate) * g / avg;
            }
            p.Store(ref parameter, index);
        }
    }
}
