// Optimizer steps allocate nothing once the state exists (the first step allocates it).
using System;
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using Xunit;

namespace LstmGen.Tests.Training.Optimizers;

public sealed class OptimizerAllocationTests
{
    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void StepsAfterTheFirstAllocateNothing(string name)
    {
        IOptimizer optimizer = OptimizerCases.Get(name).Create();
        float[] parameters = OptimizerCases.Uniform(1000, 0.5f, seed: 5);
        float[] gradients = OptimizerCases.Uniform(1000, 1f, seed: 6);
        optimizer.Step(parameters, gradients); // the first step allocates the optimizer's state
        int i = 0;
        Assert.Equal(0, AllocationProbe.SteadyStateBytes(() =>
        {
            optimizer.LearningRate = 1e-3 * (i++ % 20 + 1);
            optimizer.Step(parameters, gradients);
        }, calls: 20));
    }

    [Fact]
    public void ClippingAllocatesNothing()
    {
        float[] gradients = OptimizerCases.Uniform(1000, 1f, seed: 7);
        Assert.Equal(0, AllocationProbe.SteadyStateBytes(() =>
        {
            GradientClipping.ClipByGlobalNorm(gradients, 1.0);
            GradientClipping.ClipByValue(gradients, 0.01);
        }, calls: 20));
    }
}
