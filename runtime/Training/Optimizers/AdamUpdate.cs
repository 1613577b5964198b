// The Adam update shared by Adam (L2 decay added to the gradient) and AdamW (decoupled decay of the weights).
using System;
using System.Runtime.CompilerServices;

namespace LstmGen.Training.Optimizers;

/// <summary>
/// One Adam step's scalars and its element-wise rule, in PyTorch 1.13's single-tensor order and
/// float32 roundings (scalars are computed in double, then rounded to float as PyTorch does when a
/// Python float meets a float32 tensor):
/// <code>
/// p = p·(1 − lr·wd)                                  AdamW only
/// g = g + wd·p                                       Adam with weight_decay ≠ 0
/// m = m·β1 + (1 − β1)·g
/// v = v·β2 + ((1 − β2)·g)·g
/// v̂ = max(v̂, v)                                      amsgrad only
/// denom = √v / √(1 − β2^t) + eps
/// p = p + ((−lr / (1 − β1^t))·m) / denom
/// </code>
/// </summary>
internal readonly struct AdamUpdate : IUpdateRule
{
    /// <summary>Slot of <c>exp_avg</c> (m).</summary>
    public const int ExpAvgSlot = 0;

    /// <summary>Slot of <c>exp_avg_sq</c> (v).</summary>
    public const int ExpAvgSqSlot = 1;

    /// <summary>Slot of <c>max_exp_avg_sq</c> (amsgrad's running maximum of v).</summary>
    public const int MaxExpAvgSqSlot = 2;

    /// <summary>PyTorch's names of the three slots.</summary>
    public static readonly string[] SlotNames = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

    private readonly float _decoupledFactor;
    private readonly bool _decoupled;
    private readonly float _l2;
    private readonly float _beta1;
    private readonly float _oneMinusBeta1;
    private readonly float _beta2;
    private readonly float _oneMinusBeta2;
    private readonly float _biasCorrection2Sqrt;
    private readonly float _eps;
    private readonly float _negativeStepSize;
    private readonly bool _amsgrad;

    /// <summary>The scalars of step <paramref name="step"/> (1-based).</summary>
    public AdamUpdate(double learningRate, double beta1, double beta2, double eps, double weightDecay, bool decoupled, bool amsgrad, long step)
    {
        _decoupled = decoupled && weightDecay != 0;
        _decoupledFactor = (float)(1 - learningRate * weightDecay);
        _l2 = decoupled ? 0f : (float)weightDecay;
        _beta1 = (float)beta1;
        _oneMinusBeta1 = (float)(1 - beta1);
        _beta2 = (float)beta2;
        _oneMinusBeta2 = (float)(1 - beta2);
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        _biasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2);
        _negativeStepSize = (float)-(learningRate / biasCorrection1);
        _eps = (float)eps;
        _amsgrad = amsgrad;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<T>(ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint index)
        where T : struct, IFloatLanes<T>
    {
        T p = T.Load(ref parameter, index);
        T g = T.Load(ref gradient, index);
        if (_decoupled) p *= T.Create(_decoupledFactor);
        if (_l2 != 0) g += T.Create(_l2) * p;
        T m = T.Load(ref state0, index) * T.Create(_beta1) + T.Create(_oneMinusBeta1) * g;
        T v = T.Load(ref state1, index) * T.Create(_beta2) + T.Create(_oneMinusBeta2) * g * g;
        m.Store(ref state0, index);
        v.Store(ref state1, index);
        if (_amsgrad)
        {
            v = T.Max(T.Load(ref state2, index), v);
            v.Store(ref state2, index);
        }
        T denominator = T.Sqrt(v) / T.Create(_biasCorrection2Sqrt) + T.Create(_eps);
        (p + T.Create(_negativeStepSize) * m / denominator).Store(ref parameter, index);
    }
}
