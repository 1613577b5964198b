// Every optimizer option (dampening, Nesterov, AMSGrad, centring, lr decay, ...) against the double-precision reference.
using System;
using LstmGen.Tests.Golden;
using LstmGen.Training.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Training.Optimizers;

public sealed class OptimizerFormulaTests(ITestOutputHelper output)
{
    private const int Steps = 6;

    /// <summary>
    /// Max-normalised error after <see cref="Steps"/> steps vs <see cref="ReferenceOptimizer"/> in
    /// double, from the same float32 start and float32 gradients. Parameters are O(0.5); keeping
    /// them in float32 costs at most 2^-24 relative per step (≈ 6e-8), so six steps stay below
    /// ~4e-7 plus the update arithmetic's much smaller share; 1e-6 is that bound with ~2× headroom.
    /// </summary>
    private const double Tolerance = 1e-6;

    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void MatchesTheDoublePrecisionAlgorithm(string name)
    {
        OptimizerCase c = OptimizerCases.Get(name);
        const int n = 203; // not a multiple of any vector width: exercises the scalar tail too
        float[] parameters = OptimizerCases.Uniform(n, 0.5f, seed: 11);
        double[] reference = Array.ConvertAll(parameters, x => (double)x);
        IOptimizer optimizer = c.Create();
        ReferenceOptimizer expected = c.Reference();
        double worst = 0;
        for (int k = 1; k <= Steps; k++)
        {
            float[] gradients = OptimizerCases.Uniform(n, 1f, seed: 100 + (ulong)k);
            gradients[k] = 0f;         // a zero gradient
            gradients[k + 20] = 1e-9f; // one far below the adaptive methods' eps
            double rate = c.LearningRate * (k == 4 ? 0.5 : 1); // a schedule may change the rate mid-run
            optimizer.LearningRate = rate;
            optimizer.Step(parameters, gradients);
            expected.Step(reference, gradients, rate);
            NormalisedError e = NormalisedError.Of(parameters, reference);
            worst = Math.Max(worst, e.Error);
            Assert.True(e.Error <= Tolerance, $"{name}, step {k}: {e}");
        }
        output.WriteLine($"{name}: worst normalised error over {Steps} steps {worst:E2}");
    }
}
