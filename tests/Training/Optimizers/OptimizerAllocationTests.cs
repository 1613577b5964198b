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
        optimizer.Step(parameters, gradients);
        optimizer.Step(parameters, gradients); // warm-up: every branch of the rule is compiled

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            optimizer.LearningRate = 1e-3 * (i + 1);
            optimizer.Step(parameters, gradients);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ClippingAllocatesNothing()
    {
        float[] gradients = OptimizerCases.Uniform(1000, 1f, seed: 7);
        GradientClipping.ClipByGlobalNorm(gradients, 1.0);
        GradientClipping.ClipByValue(gradients, 0.01);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            GradientClipping.ClipByGlobalNorm(gradients, 1.0);
            GradientClipping.ClipByValue(gradients, 0.01);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
