// A double-precision, one-element-at-a-time re-statement of PyTorch 1.13's optimizer algorithms
// (torch.optim docs), as an independent reference for hyper-parameters the golden files do not cover.
using System;

namespace LstmGen.Tests.Training.Optimizers;

/// <summary>Which algorithm a <see cref="ReferenceOptimizer"/> runs.</summary>
internal enum ReferenceKind
{
    Sgd,
    Adam,
    AdamW,
    RmsProp,
    Adagrad,
}

/// <summary>
/// Plain loops in double, written from the algorithm boxes of the torch.optim documentation; no
/// vectors, no float roundings. Hyper-parameters not used by an algorithm are ignored.
/// </summary>
internal sealed class ReferenceOptimizer(ReferenceKind kind)
{
    public double Momentum { get; init; }
    public double Dampening { get; init; }
    public bool Nesterov { get; init; }
    public double WeightDecay { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Eps { get; init; } = 1e-8;
    public bool Amsgrad { get; init; }
    public double Alpha { get; init; } = 0.99;
    public bool Centered { get; init; }
    public double LearningRateDecay { get; init; }
    public double InitialAccumulatorValue { get; init; }

    private double[]? _a, _b, _c;
    private long _t;

    public void Step(double[] p, ReadOnlySpan<float> gradients, double lr)
    {
        _t++;
        if (_a is null)
        {
            _a = new double[p.Length];
            _b = new double[p.Length];
            _c = new double[p.Length];
            if (kind == ReferenceKind.Adagrad) Array.Fill(_a, InitialAccumulatorValue);
        }
        double[] a = _a, b = _b!, c = _c!;
        for (int i = 0; i < p.Length; i++)
        {
            double g = gradients[i];
            switch (kind)
            {
                case ReferenceKind.Sgd:
                {
                    g += WeightDecay * p[i];
                    if (Momentum != 0)
                    {
                        a[i] = _t == 1 ? g : Momentum * a[i] + (1 - Dampening) * g;
                        g = Nesterov ? g + Momentum * a[i] : a[i];
                    }
                    p[i] -= lr * g;
                    break;
                }
                case ReferenceKind.Adam:
                case ReferenceKind.AdamW:
                {
                    if (kind == ReferenceKind.AdamW) p[i] *= 1 - lr * WeightDecay;
                    else g += WeightDecay * p[i];
                    a[i] = Beta1 * a[i] + (1 - Beta1) * g;
                    b[i] = Beta2 * b[i] + (1 - Beta2) * g * g;
                    double v = b[i];
                    if (Amsgrad) v = c[i] = Math.Max(c[i], b[i]);
                    double mHat = a[i] / (1 - Math.Pow(Beta1, _t));
                    double vHat = v / (1 - Math.Pow(Beta2, _t));
                    p[i] -= lr * mHat / (Math.Sqrt(vHat) + Eps);
                    break;
                }
                case ReferenceKind.RmsProp:
                {
                    g += WeightDecay * p[i];
                    a[i] = Alpha * a[i] + (1 - Alpha) * g * g;
                    double v = a[i];
                    if (Centered)
                    {
                        c[i] = Alpha * c[i] + (1 - Alpha) * g;
                        v -= c[i] * c[i];
                    }
                    double step = g / (Math.Sqrt(v) + Eps);
                    if (Momentum > 0)
                    {
                        b[i] = Momentum * b[i] + step;
                        step = b[i];
                    }
                    p[i] -= lr * step;
                    break;
                }
                case ReferenceKind.Adagrad:
                {
                    double clr = lr / (1 + (_t - 1) * LearningRateDecay);
                    g += WeightDecay * p[i];
                    a[i] += g * g;
                    p[i] -= clr * g / (Math.Sqrt(a[i]) + Eps);
                    break;
                }
            }
        }
    }
}
