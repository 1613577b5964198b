// Differencing removes a trend (lag 1) or a repeating season (lag = the period) so a model sees changes
// instead of levels; Integrate undoes it, for a whole series or for forecasts that continue a history.
using System;

namespace LstmGen.TimeSeries;

/// <summary>
/// Lag-<c>s</c> differences d[t] = x[t + s] − x[t] (s = 1: first differences; s = the seasonal period: seasonal
/// differences) and their inverse.
/// </summary>
/// <example>
/// <code>
/// double[] d = Differencing.Difference(x, lag: 12);                       // x.Length − 12 values
/// double[] back = Differencing.Integrate(x.AsSpan(0, 12), d, lag: 12);    // x[12..] again
/// double[] levels = Differencing.Integrate(x, forecastOfNextDifferences, lag: 12); // forecasts as levels
/// </code>
/// </example>
public static class Differencing
{
    /// <summary>d[t] = values[t + lag] − values[t] for t = 0 … n − lag − 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lag"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> has no more than <paramref name="lag"/> values, or a non-finite one.</exception>
    public static double[] Difference(ReadOnlySpan<double> values, int lag = 1)
    {
        SeriesChecks.RequirePositive(lag, nameof(lag));
        if (values.Length <= lag)
            throw new ArgumentException($"Differencing at lag {lag} needs more than {lag} values; got {values.Length}.", nameof(values));
        SeriesChecks.RequireFinite(values, nameof(values));
        var d = new double[values.Length - lag];
        for (int t = 0; t < d.Length; t++) d[t] = values[t + lag] - values[t];
        return d;
    }

    /// <summary>
    /// The levels that continue <paramref name="history"/> given their lag-<paramref name="lag"/> differences:
    /// x[n + k] = <paramref name="differences"/>[k] + x[n + k − lag], where x[i] for i &lt; n is
    /// <paramref name="history"/>[i] and later ones are the levels computed before. With the first
    /// <paramref name="lag"/> values of a series as history and its <see cref="Difference"/> this returns the rest of
    /// the series; with a whole series as history and forecast differences it returns level forecasts.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lag"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="history"/> has fewer than <paramref name="lag"/> values, or a value is not finite.</exception>
    public static double[] Integrate(ReadOnlySpan<double> history, ReadOnlySpan<double> differences, int lag = 1)
    {
        SeriesChecks.RequirePositive(lag, nameof(lag));
        if (history.Length < lag)
            throw new ArgumentException($"Undoing lag-{lag} differences needs at least {lag} earlier values; got {history.Length}.", nameof(history));
        SeriesChecks.RequireFinite(history[^lag..], nameof(history));
        SeriesChecks.RequireFinite(differences, nameof(differences));
        var levels = new double[differences.Length];
        int n = history.Length;
        for (int k = 0; k < levels.Length; k++)
        {
            double before = k - lag >= 0 ? levels[k - lag] : history[n + k - lag];
            levels[k] = differences[k] + before;
        }
        return levels;
    }
}
