// Scaling, differencing, Box–Cox and gap filling: every inverse returns the original series (exactly where the
// arithmetic is exact, within 1e-12 relative otherwise), hand-worked cases, and bad arguments named in the exception.
using System;
using System.Linq;
using LstmGen.TimeSeries;
using Xunit;

namespace LstmGen.Tests.TimeSeries;

public sealed class TransformTests
{
    private static double[] RandomSeries(int n, int seed, double offset = 0)
    {
        var random = new Random(seed);
        double level = offset;
        return Enumerable.Range(0, n).Select(_ => level += random.NextDouble() * 2 - 0.9).ToArray();
    }

    private static void Close(double[] expected, double[] actual, double relative = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void StandardScalerUsesTheTrainingPartAndInvertsEveryValue()
    {
        double[] x = RandomSeries(200, 1, offset: 50);
        var scaler = SeriesScaler.FitStandard(x.AsSpan(0, 150));
        double mean = x.Take(150).Average();
        double sd = Math.Sqrt(x.Take(150).Select(v => (v - mean) * (v - mean)).Average());
        Assert.Equal(mean, scaler.Offset, 10);
        Assert.Equal(sd, scaler.Scale, 10);
        double[] z = scaler.Transform(x);
        Assert.Equal(0, z.Take(150).Average(), 10);
        Close(x, scaler.Inverse(z));
        Assert.Equal(3 * sd, scaler.InverseChange(3), 10);
    }

    [Fact]
    public void MinMaxScalerMapsTheTrainingRangeAndInverts()
    {
        double[] x = RandomSeries(100, 2, offset: -20);
        var scaler = SeriesScaler.FitMinMax(x.AsSpan(0, 80), -1, 1);
        double[] z = scaler.Transform(x.AsSpan(0, 80));
        Assert.Equal(-1, z.Min(), 12);
        Assert.Equal(1, z.Max(), 12);
        Close(x, scaler.Inverse(scaler.Transform(x)));
    }

    [Fact]
    public void ConstantSeriesScalesByOne()
    {
        var scaler = SeriesScaler.FitStandard(new double[] { 4, 4, 4 });
        Assert.Equal(1, scaler.Scale);
        Assert.Equal(0, scaler.Transform(4));
        Assert.Equal(1, SeriesScaler.FitMinMax(new double[] { 4, 4 }).Scale);
    }

    [Fact]
    public void ScalerArgumentsAreChecked()
    {
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => SeriesScaler.FitStandard(ReadOnlySpan<double>.Empty)).ParamName);
        var nan = Assert.Throws<ArgumentException>(() => SeriesScaler.FitMinMax(new[] { 1, double.NaN }));
        Assert.Equal("values", nan.ParamName);
        Assert.Contains("element 1", nan.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => SeriesScaler.FitMinMax(new double[] { 1, 2 }, 1, 1));
        Assert.Equal("high", range.ParamName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(12)]
    public void DifferencesOfWholeNumbersUndoExactly(int lag)
    {
        var random = new Random(lag);
        double[] x = Enumerable.Range(0, 60).Select(_ => (double)random.Next(-1000, 1000)).ToArray();
        double[] d = Differencing.Difference(x, lag);
        Assert.Equal(x.Length - lag, d.Length);
        Assert.Equal(x[lag + 3] - x[3], d[3]);
        Assert.Equal(x[lag..], Differencing.Integrate(x.AsSpan(0, lag), d, lag)); // bitwise: integer arithmetic in doubles is exact
    }

    [Fact]
    public void DifferencesOfRealValuesUndoToRounding()
    {
        double[] x = RandomSeries(300, 3, offset: 1e3);
        Close(x[7..], Differencing.Integrate(x.AsSpan(0, 7), Differencing.Difference(x, 7), 7));
    }

    [Fact]
    public void IntegratingForecastsContinuesTheHistory()
    {
        // Lag 2 after history [1, 2, 3, 4]: x4 = 10 + x2, x5 = 20 + x3, x6 = 30 + x4 (a forecast itself).
        Assert.Equal(new double[] { 13, 24, 43 }, Differencing.Integrate(new double[] { 1, 2, 3, 4 }, new double[] { 10, 20, 30 }, 2));
    }

    [Fact]
    public void DifferencingArgumentsAreChecked()
    {
        Assert.Equal("lag", Assert.Throws<ArgumentOutOfRangeException>(() => Differencing.Difference(new double[] { 1, 2 }, 0)).ParamName);
        var shortSeries = Assert.Throws<ArgumentException>(() => Differencing.Difference(new double[] { 1, 2 }, 2));
        Assert.Equal("values", shortSeries.ParamName);
        Assert.Contains("got 2", shortSeries.Message);
        Assert.Equal("history", Assert.Throws<ArgumentException>(() => Differencing.Integrate(new double[] { 1 }, new double[] { 1 }, 2)).ParamName);
        Assert.Equal("differences", Assert.Throws<ArgumentException>(() => Differencing.Integrate(new double[] { 1 }, new[] { double.NaN }, 1)).ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.5)]
    [InlineData(1)]
    [InlineData(-0.5)]
    [InlineData(2)]
    public void BoxCoxInverts(double lambda)
    {
        double[] x = RandomSeries(100, 4, offset: 200).Select(Math.Abs).ToArray();
        double[] y = BoxCox.Transform(x, lambda);
        if (lambda == 0) Assert.Equal(Math.Log(x[5]), y[5]);
        if (lambda == 1) Assert.Equal(x[5] - 1, y[5], 12);
        Close(x, BoxCox.Inverse(y, lambda));
    }

    [Fact]
    public void BoxCoxLambdaIsFoundForLogNormalAndSquaredData()
    {
        var random = new Random(5);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        double[] logNormal = Enumerable.Range(0, 4000).Select(_ => Math.Exp(0.5 * Gaussian())).ToArray();
        double[] squared = Enumerable.Range(0, 4000).Select(_ => Math.Pow(5 + Gaussian(), 2)).ToArray();
        Assert.InRange(BoxCox.EstimateLambda(logNormal), -0.1, 0.1);
        Assert.InRange(BoxCox.EstimateLambda(squared), 0.4, 0.6);
    }

    [Fact]
    public void BoxCoxArgumentsAreChecked()
    {
        var negative = Assert.Throws<ArgumentException>(() => BoxCox.Transform(new double[] { 1, 0, 2 }, 0));
        Assert.Equal("values", negative.ParamName);
        Assert.Contains("element 1 is 0", negative.Message);
        Assert.Equal("lambda", Assert.Throws<ArgumentOutOfRangeException>(() => BoxCox.Transform(new double[] { 1 }, double.NaN)).ParamName);
        Assert.Equal("transformed", Assert.Throws<ArgumentException>(() => BoxCox.Inverse(new double[] { -3 }, 0.5)).ParamName);
    }

    [Fact]
    public void GapsAreFilledLinearlyAndAtTheEndsByTheNearestValue()
    {
        double nan = double.NaN;
        Assert.Equal(new double[] { 1, 1, 2, 3, 4, 4 }, MissingValues.FillLinear(new[] { nan, 1, nan, nan, 4, nan }));
        Assert.Equal(3, MissingValues.Count(new[] { nan, 1, nan, nan }));
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => MissingValues.FillLinear(new[] { nan, nan })).ParamName);
    }
}
