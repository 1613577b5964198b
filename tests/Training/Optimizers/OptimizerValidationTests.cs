// Argument checks: span lengths and hyper-parameter ranges fail up front with the argument, expected and actual values.
using System;
using LstmGen.Training.Optimizers;
using Xunit;

namespace LstmGen.Tests.Training.Optimizers;

public sealed class OptimizerValidationTests
{
    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void GradientsOfAnotherLengthAreRefusedBeforeAnythingChanges(string name)
    {
        IOptimizer optimizer = OptimizerCases.Get(name).Create();
        float[] parameters = OptimizerCases.Uniform(10, 0.5f, seed: 3);
        float[] copy = (float[])parameters.Clone();
        var e = Assert.Throws<ArgumentException>(() => optimizer.Step(parameters, new float[9]));
        Assert.Equal("gradients", e.ParamName);
        Assert.Contains("10", e.Message);
        Assert.Contains("9", e.Message);
        Assert.Equal(0, optimizer.StepCount);
        Assert.Equal(copy, parameters);
    }

    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void TheParameterCountIsFixedByTheFirstStep(string name)
    {
        IOptimizer optimizer = OptimizerCases.Get(name).Create();
        optimizer.Step(new float[10], new float[10]);
        var e = Assert.Throws<ArgumentException>(() => optimizer.Step(new float[11], new float[11]));
        Assert.Equal("parameters", e.ParamName);
        Assert.Contains("expected 10", e.Message);
        Assert.Contains("got 11", e.Message);
        Assert.Equal(1, optimizer.StepCount);
    }

    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void LearningRateMustBeFiniteAndNonNegative(string name)
    {
        IOptimizer optimizer = OptimizerCases.Get(name).Create();
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = -1e-3);
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = double.PositiveInfinity);
        optimizer.LearningRate = 0.25;
        Assert.Equal(0.25, optimizer.LearningRate);
    }

    [Fact]
    public void HyperparametersOutOfRangeNameTheArgument()
    {
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(-0.1)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1, momentum: -0.5)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1, weightDecay: double.NaN)).ParamName);
        Assert.Equal("nesterov", Assert.Throws<ArgumentException>(() => new Sgd(0.1, nesterov: true)).ParamName);
        Assert.Equal("nesterov", Assert.Throws<ArgumentException>(() => new Sgd(0.1, momentum: 0.9, dampening: 0.1, nesterov: true)).ParamName);
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1.0)).ParamName);
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(beta2: -0.1)).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(epsilon: -1e-8)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(alpha: -0.9)).ParamName);
        Assert.Equal("learningRateDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(learningRateDecay: -1)).ParamName);
        Assert.Equal("initialAccumulatorValue", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(initialAccumulatorValue: -1)).ParamName);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1.5));
        Assert.Contains("1.5", e.Message);
    }

    [Fact]
    public void NamesAreThoseWrittenIntoCheckpoints()
    {
        Assert.Equal("sgd", new Sgd(0.1).Name);
        Assert.Equal("adam", new Adam().Name);
        Assert.Equal("adamw", new AdamW().Name);
        Assert.Equal("rmsprop", new RmsProp().Name);
        Assert.Equal("adagrad", new Adagrad().Name);
    }
}
