// The baselines: least-squares AR against closed forms (exact recovery of a noise-free ARX process, the
// one-regressor formula per horizon step), the naive forecasts and the error measures worked by hand.
using System;
using System.Linq;
using LstmGen.TimeSeries;
using Xunit;

namespace LstmGen.Tests.TimeSeries;

public sealed class BaselineTests
{
    [Fact]
    public void ArxRecoversTheCoefficientsOfANoiseFreeProcess()
    {
        // y[t+1] = −0.2 y[t−1] + 0.5 y[t] + 2 u[t] + 1 with a random covariate u: the least-squares fit is exact.
        var random = new Random(7);
        double[] u = Enumerable.Range(0, 200).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = new double[200];
        for (int t = 1; t + 1 < y.Length; t++) y[t + 1] = -0.2 * y[t - 1] + 0.5 * y[t] + 2 * u[t] + 1;
        var windows = new ForecastWindows(new[] { y, u }, y, window: 2, horizon: 1);
        var ar = LinearAutoregression.Fit(windows, 2, windows.LastTargetOrigin); // from origin 2: y[1] does not follow the recursion
        // Inputs oldest first, columns side by side: y[t−1], u[t−1], y[t], u[t].
        double[] expected = { -0.2, 0, 0.5, 2 };
        for (int j = 0; j < 4; j++) Assert.True(Math.Abs(expected[j] - ar.Weights(0)[j]) < 1e-9, $"weight {j}: {ar.Weights(0)[j]:R}");
        Assert.True(Math.Abs(1 - ar.Intercept(0)) < 1e-9, $"intercept {ar.Intercept(0):R}");
        Assert.True(Math.Abs(y[150] - ar.Predict(windows, 149)[0]) < 1e-9);
    }

    [Fact]
    public void EachHorizonStepIsTheClosedFormSimpleRegression()
    {
        // Window 1, one column: step k regresses x[t+k] on x[t], slope = cov/var and intercept = ȳ − slope·x̄.
        var random = new Random(3);
        double level = 0;
        double[] x = Enumerable.Range(0, 120).Select(_ => level = 0.7 * level + random.NextDouble()).ToArray();
        var windows = new ForecastWindows(new[] { x }, x, window: 1, horizon: 3);
        var ar = LinearAutoregression.Fit(windows, 0, windows.LastTargetOrigin);
        for (int k = 1; k <= 3; k++)
        {
            double[] input = x[..(x.Length - k)], output = x[k..];
            input = input[..(windows.LastTargetOrigin + 1)];
            output = output[..(windows.LastTargetOrigin + 1)];
            double mx = input.Average(), my = output.Average();
            double slope = input.Zip(output, (a, b) => (a - mx) * (b - my)).Sum() / input.Sum(a => (a - mx) * (a - mx));
            Assert.True(Math.Abs(slope - ar.Weights(k - 1)[0]) < 1e-10, $"step {k}: slope {slope:R} vs {ar.Weights(k - 1)[0]:R}");
            Assert.True(Math.Abs(my - slope * mx - ar.Intercept(k - 1)) < 1e-10);
        }
    }

    [Fact]
    public void ArOnASeriesMatchesTheWindowedFit()
    {
        double[] x = Enumerable.Range(0, 50).Select(i => Math.Sin(i * 0.7) + 0.01 * i).ToArray();
        var direct = LinearAutoregression.Fit(x, order: 3);
        var windows = new ForecastWindows(new[] { x }, x, 3, 1);
        var windowed = LinearAutoregression.Fit(windows, 2, windows.LastTargetOrigin);
        Assert.Equal(windowed.Weights(0).ToArray(), direct.Weights(0).ToArray());
        Assert.Equal(3, direct.Inputs);
    }

    [Fact]
    public void AConstantCovariateGetsNoWeight()
    {
        double[] x = Enumerable.Range(0, 40).Select(i => Math.Sin(i)).ToArray();
        double[] constant = Enumerable.Repeat(5.0, 40).ToArray();
        var windows = new ForecastWindows(new[] { x, constant }, x, 2, 1);
        var ar = LinearAutoregression.Fit(windows, 1, windows.LastTargetOrigin);
        Assert.Equal(0, ar.Weights(0)[1]);
        Assert.Equal(0, ar.Weights(0)[3]);
        Assert.True(double.IsFinite(ar.Intercept(0)));
    }

    [Fact]
    public void ArArgumentsAreChecked()
    {
        double[] x = Enumerable.Range(0, 20).Select(i => (double)(i % 5)).ToArray();
        var windows = new ForecastWindows(new[] { x }, x, 3, 1);
        Assert.Equal("firstOrigin", Assert.Throws<ArgumentOutOfRangeException>(() => LinearAutoregression.Fit(windows, 0, 10)).ParamName);
        Assert.Equal("lastOrigin", Assert.Throws<ArgumentOutOfRangeException>(() => LinearAutoregression.Fit(windows, 2, 19)).ParamName);
        Assert.Equal("ridge", Assert.Throws<ArgumentOutOfRangeException>(() => LinearAutoregression.Fit(windows, 2, 10, -1)).ParamName);
        Assert.Equal("series", Assert.Throws<ArgumentException>(() => LinearAutoregression.Fit(x.AsSpan(0, 5), 3)).ParamName);
        var ar = LinearAutoregression.Fit(windows, 2, 10);
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => ar.Predict(new double[2], new double[1])).ParamName);
        Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(() => ar.Intercept(1)).ParamName);
    }

    [Fact]
    public void NaiveForecastsRepeatTheLastValueOrTheLastSeason()
    {
        double[] history = { 1, 2, 3, 4, 5, 6, 7, 8 };
        Assert.Equal(new double[] { 8, 8, 8 }, NaiveForecasts.Persistence(history, 3));
        Assert.Equal(new double[] { 5, 6, 7, 8, 5, 6 }, NaiveForecasts.SeasonalNaive(history, 4, 6));
        Assert.Equal(NaiveForecasts.Persistence(history, 2), NaiveForecasts.SeasonalNaive(history, 1, 2));
        Assert.Equal("history", Assert.Throws<ArgumentException>(() => NaiveForecasts.SeasonalNaive(history, 9, 1)).ParamName);
        Assert.Equal("horizon", Assert.Throws<ArgumentOutOfRangeException>(() => NaiveForecasts.Persistence(history, 0)).ParamName);
        Assert.Equal("history", Assert.Throws<ArgumentException>(() => NaiveForecasts.Persistence(ReadOnlySpan<double>.Empty, 1)).ParamName);
    }

    [Fact]
    public void ErrorsAreWorkedByHand()
    {
        double[] actual = { 1, 2, 3 }, forecast = { 1, 2, 5 };
        Assert.Equal(Math.Sqrt(4.0 / 3), ForecastErrors.Rmse(actual, forecast), 15);
        Assert.Equal(2.0 / 3, ForecastErrors.Mae(actual, forecast), 15);
        var mismatch = Assert.Throws<ArgumentException>(() => ForecastErrors.Rmse(actual, new double[] { 1 }));
        Assert.Equal("forecast", mismatch.ParamName);
        Assert.Contains("Expected 3", mismatch.Message);
        Assert.Equal("actual", Assert.Throws<ArgumentException>(() => ForecastErrors.Mae(ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty)).ParamName);
    }
}
