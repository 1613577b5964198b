// The sample autocorrelation of a series, and the lag of its strongest cycle: the seasonal period of data whose
// time stamps imply none (a yearly series with an 11-year cycle, or a column without dates).
using System;

namespace LstmGen.TimeSeries;

/// <summary>Sample autocorrelation r(k) = Σ (x_t − x̄)(x_{t+k} − x̄) / Σ (x_t − x̄)².</summary>
public static class Autocorrelation
{
    /// <summary>r(0) … r(<paramref name="maxLag"/>) of <paramref name="values"/> (r(0) = 1; all 0 for a constant series).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLag"/> is negative or not below the number of values.</exception>
    /// <exception cref="ArgumentException">A value is not finite.</exception>
    public static double[] Compute(ReadOnlySpan<double> values, int maxLag)
    {
        SeriesChecks.RequireFinite(values, nameof(values), minLength: 1);
        if (maxLag < 0 || maxLag >= values.Length)
            throw new ArgumentOutOfRangeException(nameof(maxLag), maxLag, $"Expected a lag in 0 … {values.Length - 1} for {values.Length} values; got {maxLag}.");
        double mean = 0;
        foreach (double v in values) mean += v;
        mean /= values.Length;
        double denominator = 0;
        foreach (double v in values) denominator += (v - mean) * (v - mean);
        var r = new double[maxLag + 1];
        if (denominator == 0) return r;
        for (int k = 0; k <= maxLag; k++)
        {
            double sum = 0;
            for (int t = 0; t + k < values.Length; t++) sum += (values[t] - mean) * (values[t + k] - mean);
            r[k] = sum / denominator;
        }
        return r;
    }

    /// <summary>
    /// The lag in 2 … <paramref name="maxLag"/> of the highest local maximum of the autocorrelation that exceeds the
    /// 95 % band of white noise (b = 1.96 / √n) and rises more than b above the lowest autocorrelation at a smaller lag
    /// (a cycle dips before it returns; a slowly decaying autocorrelation with a bump does not), or 1 when there is none:
    /// a cycle length to use as a seasonal period.
    /// Pass a differenced series when the levels trend (a trend makes every lag look correlated).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLag"/> is below 2 or not below the number of values.</exception>
    public static int DominantPeriod(ReadOnlySpan<double> values, int maxLag)
    {
        if (maxLag < 2) throw new ArgumentOutOfRangeException(nameof(maxLag), maxLag, $"Expected maxLag ≥ 2; got {maxLag}.");
        double[] r = Compute(values, maxLag);
        double band = 1.96 / Math.Sqrt(values.Length);
        int best = 1;
        double lowest = r[1];
        for (int k = 2; k < maxLag; k++)
        {
            lowest = Math.Min(lowest, r[k - 1]);
            if (r[k] > band && r[k] - lowest > band && r[k] >= r[k - 1] && r[k] >= r[k + 1] && (best == 1 || r[k] > r[best])) best = k;
        }
        return best;
    }
}
