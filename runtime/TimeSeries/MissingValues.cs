// Real series have gaps (empty or NA fields read as NaN); windows and baselines need every value, so gaps are
// filled by linear interpolation between the known neighbours.
using System;

namespace LstmGen.TimeSeries;

/// <summary>Fills the missing values (NaN) of a series.</summary>
public static class MissingValues
{
    /// <summary>
    /// A copy of <paramref name="values"/> with every NaN replaced by linear interpolation between the nearest known
    /// values before and after it (by position); NaNs before the first or after the last known value take that value.
    /// </summary>
    /// <exception cref="ArgumentException">No value is known, or a value is infinite.</exception>
    public static double[] FillLinear(ReadOnlySpan<double> values)
    {
        var filled = values.ToArray();
        int previous = -1;
        for (int i = 0; i < filled.Length; i++)
        {
            if (double.IsInfinity(filled[i])) throw new ArgumentException($"Element {i} is {filled[i]}; only NaN counts as missing.", nameof(values));
            if (double.IsNaN(filled[i])) continue;
            if (previous < 0)
            {
                for (int j = 0; j < i; j++) filled[j] = filled[i];
            }
            else
            {
                for (int j = previous + 1; j < i; j++) filled[j] = filled[previous] + (filled[i] - filled[previous]) * (j - previous) / (i - previous);
            }
            previous = i;
        }
        if (previous < 0) throw new ArgumentException($"All {values.Length} values are missing (NaN); nothing to interpolate from.", nameof(values));
        for (int j = previous + 1; j < filled.Length; j++) filled[j] = filled[previous];
        return filled;
    }

    /// <summary>How many values of <paramref name="values"/> are NaN.</summary>
    public static int Count(ReadOnlySpan<double> values)
    {
        int n = 0;
        foreach (double v in values) if (double.IsNaN(v)) n++;
        return n;
    }
}
