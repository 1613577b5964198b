// Error measures in the data's units for comparing forecasts with each other and with the baselines.
using System;

namespace LstmGen.TimeSeries;

/// <summary>Root-mean-square and mean absolute error of forecasts against the actual values.</summary>
public static class ForecastErrors
{
    /// <summary>√(Σ (actual − forecast)² / n).</summary>
    /// <exception cref="ArgumentException">The spans are empty, of different lengths, or hold a non-finite value.</exception>
    public static double Rmse(ReadOnlySpan<double> actual, ReadOnlySpan<double> forecast)
    {
        Check(actual, forecast);
        double sum = 0;
        for (int i = 0; i < actual.Length; i++) sum += (actual[i] - forecast[i]) * (actual[i] - forecast[i]);
        return Math.Sqrt(sum / actual.Length);
    }

    /// <summary>Σ |actual − forecast| / n.</summary>
    /// <exception cref="ArgumentException">The spans are empty, of different lengths, or hold a non-finite value.</exception>
    public static double Mae(ReadOnlySpan<double> actual, ReadOnlySpan<double> forecast)
    {
        Check(actual, forecast);
        double sum = 0;
        for (int i = 0; i < actual.Length; i++) sum += Math.Abs(actual[i] - forecast[i]);
        return sum / actual.Length;
    }

    private static void Check(ReadOnlySpan<double> actual, ReadOnlySpan<double> forecast)
    {
        SeriesChecks.RequireFinite(actual, nameof(actual), minLength: 1);
        if (forecast.Length != actual.Length)
            throw new ArgumentException($"Expected {actual.Length} forecasts, one per actual value; got {forecast.Length}.", nameof(forecast));
        SeriesChecks.RequireFinite(forecast, nameof(forecast));
    }
}
