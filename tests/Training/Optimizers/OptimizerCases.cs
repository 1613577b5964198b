// Named optimizer configurations covering every option, each paired with its double-precision reference.
using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using Xunit;

namespace LstmGen.Tests.Training.Optimizers;

/// <summary>One configuration: the optimizer under test and the same algorithm in <see cref="ReferenceOptimizer"/>.</summary>
internal sealed record OptimizerCase(string Name, double LearningRate, Func<IOptimizer> Create, Func<ReferenceOptimizer> Reference)
{
    public override string ToString() => Name;
}

internal static class OptimizerCases
{
    public static readonly OptimizerCase[] All =
    [
        new("sgd", 0.1, () => new Sgd(0.1), () => new ReferenceOptimizer(ReferenceKind.Sgd)),
        new("sgd_wd", 0.1, () => new Sgd(0.1, weightDecay: 0.05), () => new ReferenceOptimizer(ReferenceKind.Sgd) { WeightDecay = 0.05 }),
        new("sgd_momentum_dampening_wd", 0.1, () => new Sgd(0.1, momentum: 0.9, dampening: 0.3, weightDecay: 0.01),
            () => new ReferenceOptimizer(ReferenceKind.Sgd) { Momentum = 0.9, Dampening = 0.3, WeightDecay = 0.01 }),
        new("sgd_nesterov_wd", 0.05, () => new Sgd(0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01),
            () => new ReferenceOptimizer(ReferenceKind.Sgd) { Momentum = 0.8, Nesterov = true, WeightDecay = 0.01 }),
        new("adam", 1e-3, () => new Adam(1e-3), () => new ReferenceOptimizer(ReferenceKind.Adam)),
        new("adam_l2_amsgrad", 2e-3, () => new Adam(2e-3, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.02, amsgrad: true),
            () => new ReferenceOptimizer(ReferenceKind.Adam) { Beta1 = 0.8, Beta2 = 0.99, Eps = 1e-6, WeightDecay = 0.02, Amsgrad = true }),
        new("adamw", 1e-3, () => new AdamW(1e-3, weightDecay: 0.1), () => new ReferenceOptimizer(ReferenceKind.AdamW) { WeightDecay = 0.1 }),
        new("adamw_amsgrad", 1e-3, () => new AdamW(1e-3, weightDecay: 0.01, amsgrad: true), () => new ReferenceOptimizer(ReferenceKind.AdamW) { WeightDecay = 0.01, Amsgrad = true }),
        new("rmsprop", 1e-2, () => new RmsProp(1e-2), () => new ReferenceOptimizer(ReferenceKind.RmsProp)),
        new("rmsprop_centered_momentum_wd", 1e-2, () => new RmsProp(1e-2, alpha: 0.9, epsilon: 1e-6, weightDecay: 0.01, momentum: 0.5, centered: true),
            () => new ReferenceOptimizer(ReferenceKind.RmsProp) { Alpha = 0.9, Eps = 1e-6, WeightDecay = 0.01, Momentum = 0.5, Centered = true }),
        new("adagrad", 1e-2, () => new Adagrad(1e-2), () => new ReferenceOptimizer(ReferenceKind.Adagrad) { Eps = 1e-10 }),
        new("adagrad_decay_init_wd", 5e-2, () => new Adagrad(5e-2, learningRateDecay: 0.1, weightDecay: 0.01, initialAccumulatorValue: 0.1, epsilon: 1e-10),
            () => new ReferenceOptimizer(ReferenceKind.Adagrad) { LearningRateDecay = 0.1, WeightDecay = 0.01, InitialAccumulatorValue = 0.1, Eps = 1e-10 }),
    ];

    public static TheoryData<string> Names() => new(All.Select(c => c.Name));

    public static OptimizerCase Get(string name) => All.Single(c => c.Name == name);

    /// <summary><paramref name="count"/> floats drawn U(−scale, scale) from <paramref name="seed"/> (bit-exact everywhere: uniform draws only).</summary>
    public static float[] Uniform(int count, float scale, ulong seed)
    {
        var random = new SeededRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = scale * (2 * random.NextFloat() - 1);
        return values;
    }
}
