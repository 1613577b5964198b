// Argument checks shared by the time-series functions: every message names the argument, what was expected
// and what was found.
using System;

namespace LstmGen.TimeSeries;

internal static class SeriesChecks
{
    /// <summary>Throws unless <paramref name="values"/> has at least <paramref name="minLength"/> values, all finite.</summary>
    public static void RequireFinite(ReadOnlySpan<double> values, string paramName, int minLength = 0)
    {
        if (values.Length < minLength)
            throw new ArgumentException($"Expected at least {minLength} value(s), got {values.Length}.", paramName);
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"Expected finite values; element {i} is {values[i]}. Fill gaps first (MissingValues.FillLinear).", paramName);
        }
    }

    public static void RequirePositive(int value, string paramName)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} must be positive; got {value}.");
    }
}
