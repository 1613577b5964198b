// Scaling of a series with statistics of its training part only, and the exact inverse, so forecasts made
// in scaled units are reported in the data's own units without leaking the test part into the fit.
using System;

namespace LstmGen.TimeSeries;

/// <summary>Which statistics a <see cref="SeriesScaler"/> is fitted with.</summary>
public enum ScalingKind
{
    /// <summary>Subtract the mean, divide by the (population) standard deviation: z = (x − mean) / sd.</summary>
    Standard = 0,

    /// <summary>Map [min, max] of the fitted values linearly onto a chosen range, by default [0, 1].</summary>
    MinMax = 1,
}

/// <summary>
/// An affine map z = (x − <see cref="Offset"/>) / <see cref="Scale"/> fitted on one stretch of a series (the
/// training part), with its inverse x = z · <see cref="Scale"/> + <see cref="Offset"/>. A constant stretch
/// (zero spread) gets <see cref="Scale"/> = 1, so the map stays invertible.
/// </summary>
/// <example>
/// <code>
/// var scaler = SeriesScaler.FitStandard(series.AsSpan(0, trainLength));
/// double[] z = scaler.Transform(series);          // the whole series, with training statistics
/// double level = scaler.Inverse(modelOutput);     // back in the data's units
/// </code>
/// </example>
public sealed class SeriesScaler
{
    private SeriesScaler(ScalingKind kind, double offset, double scale)
    {
        Kind = kind;
        Offset = offset;
        Scale = scale;
    }

    /// <summary>How the scaler was fitted.</summary>
    public ScalingKind Kind { get; }

    /// <summary>The value that maps to 0 (the mean, or for min–max the value that maps to 0 on the target range's line).</summary>
    public double Offset { get; }

    /// <summary>The divisor: the standard deviation, or (max − min) / (high − low); never 0.</summary>
    public double Scale { get; }

    /// <summary>Fits z = (x − mean) / sd on <paramref name="values"/> (the training part of a series).</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty or holds NaN or an infinity.</exception>
    public static SeriesScaler FitStandard(ReadOnlySpan<double> values)
    {
        SeriesChecks.RequireFinite(values, nameof(values), minLength: 1);
        double mean = 0;
        foreach (double v in values) mean += v;
        mean /= values.Length;
        double squares = 0;
        foreach (double v in values) squares += (v - mean) * (v - mean);
        double sd = Math.Sqrt(squares / values.Length);
        return new SeriesScaler(ScalingKind.Standard, mean, sd > 0 ? sd : 1);
    }

    /// <summary>Fits the map that sends the minimum of <paramref name="values"/> to <paramref name="low"/> and the maximum to <paramref name="high"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty or holds NaN or an infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="low"/> is not below <paramref name="high"/>, or either is not finite.</exception>
    public static SeriesScaler FitMinMax(ReadOnlySpan<double> values, double low = 0, double high = 1)
    {
        SeriesChecks.RequireFinite(values, nameof(values), minLength: 1);
        if (!double.IsFinite(low) || !double.IsFinite(high) || !(low < high))
            throw new ArgumentOutOfRangeException(nameof(high), high, $"The target range must be finite with low < high; got low = {low}, high = {high}.");
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        double scale = max > min ? (max - min) / (high - low) : 1;
        return new SeriesScaler(ScalingKind.MinMax, min - low * scale, scale);
    }

    /// <summary>The scaled value of <paramref name="value"/>.</summary>
    public double Transform(double value) => (value - Offset) / Scale;

    /// <summary>The value in the data's units of the scaled value <paramref name="scaled"/>.</summary>
    public double Inverse(double scaled) => scaled * Scale + Offset;

    /// <summary>The scaled values of <paramref name="values"/>, in a new array.</summary>
    public double[] Transform(ReadOnlySpan<double> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < result.Length; i++) result[i] = Transform(values[i]);
        return result;
    }

    /// <summary>The values in the data's units of <paramref name="scaled"/>, in a new array.</summary>
    public double[] Inverse(ReadOnlySpan<double> scaled)
    {
        var result = new double[scaled.Length];
        for (int i = 0; i < result.Length; i++) result[i] = Inverse(scaled[i]);
        return result;
    }

    /// <summary>A difference of scaled values in the data's units: a change Δz is Δz · <see cref="Scale"/> (the offset cancels).</summary>
    public double InverseChange(double scaledChange) => scaledChange * Scale;

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} scaler: z = (x - {Offset:G6}) / {Scale:G6}";
}
