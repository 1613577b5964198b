// The two forecasts every model must beat: "same as last" and "same as one season ago".
using System;

namespace LstmGen.TimeSeries;

/// <summary>Naive baselines computed from a history alone.</summary>
public static class NaiveForecasts
{
    /// <summary>Persistence ("same as last"): every one of the <paramref name="horizon"/> forecasts is the history's last value.</summary>
    /// <exception cref="ArgumentException"><paramref name="history"/> is empty or its last value is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="horizon"/> is not positive.</exception>
    public static double[] Persistence(ReadOnlySpan<double> history, int horizon)
    {
        SeriesChecks.RequirePositive(horizon, nameof(horizon));
        if (history.Length == 0) throw new ArgumentException("Persistence needs at least 1 past value; got none.", nameof(history));
        SeriesChecks.RequireFinite(history[^1..], nameof(history));
        var forecast = new double[horizon];
        forecast.AsSpan().Fill(history[^1]);
        return forecast;
    }

    /// <summary>
    /// Seasonal naive: step k (1-based) is the value one season before it, history[n − s + (k − 1) mod s]
    /// (s = <paramref name="period"/>); period 1 is <see cref="Persistence"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="history"/> has fewer than <paramref name="period"/> values or a non-finite one in its last season.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="period"/> or <paramref name="horizon"/> is not positive.</exception>
    public static double[] SeasonalNaive(ReadOnlySpan<double> history, int period, int horizon)
    {
        SeriesChecks.RequirePositive(period, nameof(period));
        SeriesChecks.RequirePositive(horizon, nameof(horizon));
        if (history.Length < period)
            throw new ArgumentException($"The seasonal naive forecast with period {period} needs at least {period} past values; got {history.Length}.", nameof(history));
        ReadOnlySpan<double> season = history[^period..];
        SeriesChecks.RequireFinite(season, nameof(history));
        var forecast = new double[horizon];
        for (int k = 0; k < horizon; k++) forecast[k] = season[k % period];
        return forecast;
    }
}
