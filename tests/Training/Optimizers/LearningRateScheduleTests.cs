// Learning-rate schedules at known steps and epochs, against values computed by hand.
using System;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Training.Optimizers;

public sealed class LearningRateScheduleTests
{
    private const double Exact = 1e-15;

    [Fact]
    public void ConstantIgnoresTheCounters()
    {
        var s = new Constant(0.03);
        Assert.Equal(0.03, s.RateAt(0, 0));
        Assert.Equal(0.03, s.RateAt(123456, 78));
    }

    [Fact]
    public void StepDecayCountsEpochsByDefault()
    {
        // StepLR(lr=0.1, step_size=3, gamma=0.5): epochs 0-2 → 0.1, 3-5 → 0.05, 6-8 → 0.025, 9 → 0.0125.
        var s = new StepDecay(0.1, period: 3, factor: 0.5);
        Assert.Equal(ScheduleClock.Epochs, s.Clock);
        double[] expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125];
        for (int epoch = 0; epoch < expected.Length; epoch++)
            Assert.Equal(expected[epoch], s.RateAt(step: 999_999, epoch), Exact);
    }

    [Fact]
    public void StepDecayCanCountSteps()
    {
        var s = new StepDecay(1.0, period: 100, factor: 0.1, ScheduleClock.Steps);
        Assert.Equal(1.0, s.RateAt(99, epoch: 50), Exact);
        Assert.Equal(0.1, s.RateAt(100, epoch: 0), Exact);
        Assert.Equal(0.01, s.RateAt(250, epoch: 0), Exact);
    }

    [Fact]
    public void CosineAnnealingFollowsTheClosedForm()
    {
        // eta_min + (base − eta_min)·(1 + cos(π t / T)) / 2 with base 0.1, eta_min 0.001, T 10;
        // cos 36° = (1 + √5)/4, cos 126° = −sin 36° = −√(10 − 2√5)/4.
        var s = new CosineAnnealing(0.1, period: 10, minRate: 0.001);
        double cos36 = (1 + Math.Sqrt(5)) / 4, sin36 = Math.Sqrt(10 - 2 * Math.Sqrt(5)) / 4;
        Assert.Equal(0.1, s.RateAt(0, 0), Exact);
        Assert.Equal(0.001 + 0.099 * (1 + cos36) / 2, s.RateAt(0, 2), Exact);  // 0.0905463...
        Assert.Equal(0.0505, s.RateAt(0, 5), Exact);                           // half way: the mean
        Assert.Equal(0.001 + 0.099 * (1 - sin36) / 2, s.RateAt(0, 7), Exact);  // 0.0214046...
        Assert.Equal(0.001, s.RateAt(0, 10), Exact);                           // the minimum at T_max
        Assert.Equal(s.RateAt(0, 9), s.RateAt(0, 11), Exact);                  // periodic beyond, as PyTorch's
    }

    [Fact]
    public void CosineAnnealingCanCountSteps()
    {
        var s = new CosineAnnealing(2.0, period: 4, clock: ScheduleClock.Steps);
        double[] expected = [2.0, 1.0 + Math.Sqrt(0.5), 1.0, 1.0 - Math.Sqrt(0.5), 0.0];
        for (int step = 0; step < expected.Length; step++)
            Assert.Equal(expected[step], s.RateAt(step, epoch: 3), 1e-15);
    }

    [Fact]
    public void LinearWarmupRampsOverStepsThenHandsOver()
    {
        var s = new LinearWarmup(new StepDecay(0.4, period: 2, factor: 0.5), warmupSteps: 4);
        Assert.Equal(0.1, s.RateAt(0, 0), Exact); // 1/4
        Assert.Equal(0.2, s.RateAt(1, 0), Exact); // 2/4
        Assert.Equal(0.3, s.RateAt(2, 0), Exact); // 3/4
        Assert.Equal(0.4, s.RateAt(3, 0), Exact); // full rate from step warmupSteps − 1
        Assert.Equal(0.4, s.RateAt(50, 1), Exact);
        Assert.Equal(0.2, s.RateAt(60, 2), Exact); // the inner schedule's epoch decay, unshifted
        Assert.Equal(0.1, s.RateAt(1, 2), Exact);  // warm-up scales whatever the inner rate is: 0.2 · 2/4
    }

    [Fact]
    public void ZeroWarmupIsTheInnerSchedule()
    {
        var s = new LinearWarmup(new Constant(0.5), warmupSteps: 0);
        Assert.Equal(0.5, s.RateAt(0, 0));
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Equal("rate", Assert.Throws<ArgumentOutOfRangeException>(() => new Constant(-1)).ParamName);
        Assert.Equal("period", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(0.1, 0)).ParamName);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(0.1, 1, double.NaN)).ParamName);
        Assert.Equal("period", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealing(0.1, 0)).ParamName);
        Assert.Equal("clock", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealing(0.1, 5, 0, (ScheduleClock)7)).ParamName);
        Assert.Equal("warmupSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(new Constant(1), -1)).ParamName);
        Assert.Throws<ArgumentNullException>(() => new LinearWarmup(null!, 3));
        Assert.Equal("epoch", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(0.1, 2).RateAt(0, -1)).ParamName);
        Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(new Constant(1), 2).RateAt(-1, 0)).ParamName);
    }
}
