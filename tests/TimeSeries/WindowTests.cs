// Windows with covariates and horizons checked value by value, rolling-origin splits, and the argument checks.
using System;
using System.Linq;
using LstmGen.TimeSeries;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.TimeSeries;

public sealed class WindowTests
{
    // target 10, 11, …, 19; covariate 100, 101, …, 109
    private static readonly double[] Target = Enumerable.Range(10, 10).Select(v => (double)v).ToArray();
    private static readonly double[] Covariate = Enumerable.Range(100, 10).Select(v => (double)v).ToArray();

    [Fact]
    public void AWindowHoldsItsStepsColumnsSideBySideAndTheNextHTargets()
    {
        var windows = new ForecastWindows(new[] { Target, Covariate }, Target, window: 3, horizon: 2);
        Assert.Equal(2, windows.Width);
        Assert.Equal(2, windows.FirstOrigin);
        Assert.Equal(7, windows.LastTargetOrigin); // targets 8 and 9 are the last two values
        var inputs = new double[6];
        windows.CopyInputs(2, inputs);
        Assert.Equal(new double[] { 10, 100, 11, 101, 12, 102 }, inputs);
        var targets = new double[2];
        windows.CopyTargets(2, targets);
        Assert.Equal(new double[] { 13, 14 }, targets);
        windows.CopyInputs(9, inputs); // the last origin has inputs (for forecasting the future) but no targets
        Assert.Equal(new double[] { 17, 107, 18, 108, 19, 109 }, inputs);
        Assert.Throws<ArgumentOutOfRangeException>(() => windows.CopyTargets(8, targets));
    }

    [Fact]
    public void DatasetHasOneSampleperOriginWithFloatInputsAndHTargets()
    {
        var windows = new ForecastWindows(new[] { Target, Covariate }, Target, window: 3, horizon: 2);
        SequenceDataset data = windows.ToDataset(3, 7);
        Assert.Equal(5, data.Count);
        Assert.Equal(2, data.InputWidth);
        Assert.Equal(HeadOn.LastStep, data.TargetsOn);
        Assert.Equal(3, data.Length(0));
        Assert.Equal(new float[] { 11, 101, 12, 102, 13, 103 }, data.Inputs(0).ToArray());
        Assert.Equal(new float[] { 14, 15 }, data.Values(0).ToArray());
        Assert.Equal(new float[] { 18, 19 }, data.Values(4).ToArray());
    }

    [Fact]
    public void WindowArgumentsAreChecked()
    {
        var length = Assert.Throws<ArgumentException>(() => new ForecastWindows(new[] { Target, Covariate[..9] }, Target, 3, 1));
        Assert.Equal("inputColumns", length.ParamName);
        Assert.Contains("9 values", length.Message);
        Assert.Equal("window", Assert.Throws<ArgumentOutOfRangeException>(() => new ForecastWindows(new[] { Target }, Target, 0, 1)).ParamName);
        Assert.Equal("horizon", Assert.Throws<ArgumentOutOfRangeException>(() => new ForecastWindows(new[] { Target }, Target, 2, -1)).ParamName);
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => new ForecastWindows(new[] { Target }, Target, 8, 3)).ParamName);
        Assert.Equal("inputColumns", Assert.Throws<ArgumentException>(() => new ForecastWindows(Array.Empty<double[]>(), Target, 2, 1)).ParamName);
        var windows = new ForecastWindows(new[] { Target }, Target, 3, 2);
        var origin = Assert.Throws<ArgumentOutOfRangeException>(() => windows.ToDataset(1, 5));
        Assert.Equal("firstOrigin", origin.ParamName);
        Assert.Contains("got 1", origin.Message);
        Assert.Equal("lastOrigin", Assert.Throws<ArgumentOutOfRangeException>(() => windows.ToDataset(5, 4)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => windows.CopyInputs(3, new double[2])).ParamName);
    }

    [Fact]
    public void RollingOriginBlocksTileTheEndOfTheSeries()
    {
        Assert.Equal(new[] { new RollingOriginSplit(70, 10), new RollingOriginSplit(80, 10), new RollingOriginSplit(90, 10) }, RollingOrigin.Create(100, 3, 10));
        RollingOriginSplit[] stepped = RollingOrigin.Create(100, 3, 10, step: 5);
        Assert.Equal(new[] { 80, 85, 90 }, stepped.Select(s => s.TrainLength));
        Assert.All(stepped, s => Assert.Equal(s.TrainLength, s.TestStart));
        Assert.Equal(100, stepped[^1].TestEnd);
    }

    [Fact]
    public void RollingOriginArgumentsAreChecked()
    {
        var tooShort = Assert.Throws<ArgumentException>(() => RollingOrigin.Create(30, 3, 10, minTrainLength: 5));
        Assert.Equal("length", tooShort.ParamName);
        Assert.Contains("leave 0 training values", tooShort.Message);
        Assert.Equal("folds", Assert.Throws<ArgumentOutOfRangeException>(() => RollingOrigin.Create(30, 0, 10)).ParamName);
        Assert.Equal("testLength", Assert.Throws<ArgumentOutOfRangeException>(() => RollingOrigin.Create(30, 1, 0)).ParamName);
        Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(() => RollingOrigin.Create(30, 1, 3, step: 0)).ParamName);
    }
}
