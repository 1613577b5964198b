// What the network sees: the series as levels, first differences or seasonal differences (of its optionally
// log / Box-Cox transformed values), standardised with statistics of the training part, and how a forecast in
// that space goes back to the data's units.
using System;
using LstmGen.TimeSeries;

namespace Forecast;

/// <summary>The representation of the target the network reads and predicts.</summary>
internal enum SeriesMode
{
    Level,
    Differenced,
    SeasonallyDifferenced,
}

/// <summary>A representation and a window length: one candidate of the model selection.</summary>
internal sealed record Candidate(SeriesMode Mode, int Window, int Period)
{
    /// <summary>The differencing lag: 0 for levels, 1, or the seasonal period.</summary>
    public int Lag => Mode switch { SeriesMode.Level => 0, SeriesMode.Differenced => 1, _ => Period };

    public override string ToString() => Mode switch
    {
        SeriesMode.Level => $"levels, window {Window}",
        SeriesMode.Differenced => $"differenced, window {Window}",
        _ => $"seasonally differenced (lag {Period}), window {Window}",
    };
}

/// <summary>The value transform applied before everything else (and undone last).</summary>
internal sealed record ValueTransform(string Name, double? Lambda)
{
    public static readonly ValueTransform None = new("none", null);

    public double[] Apply(double[] values) => Lambda is double l ? BoxCox.Transform(values, l) : values;

    public double Undo(double value) => Lambda is double l ? BoxCox.Inverse(value, l) : value;
}

/// <summary>
/// The model-space series of one candidate on one training part: s[j] = y[j + lag] − y[j] (or y itself for levels),
/// scaled with the mean and deviation of the training part; covariates standardised the same way.
/// </summary>
internal sealed class PreparedSeries
{
    public PreparedSeries(double[] y, double[][] covariates, Candidate candidate, int trainEnd, int horizon)
    {
        Candidate = candidate;
        Lag = candidate.Lag;
        double[] s = Lag == 0 ? (double[])y.Clone() : Differencing.Difference(y, Lag);
        // Model index j is original index j + Lag.
        Scaler = SeriesScaler.FitStandard(s.AsSpan(0, trainEnd - Lag));
        double[] scaled = Scaler.Transform(s);
        var columns = new double[1 + covariates.Length][];
        columns[0] = scaled;
        for (int c = 0; c < covariates.Length; c++)
        {
            var covariateScaler = SeriesScaler.FitStandard(covariates[c].AsSpan(0, trainEnd));
            columns[1 + c] = covariateScaler.Transform(covariates[c].AsSpan(Lag));
        }
        Windows = new ForecastWindows(columns, scaled, candidate.Window, horizon);
    }

    public Candidate Candidate { get; }
    public int Lag { get; }
    public SeriesScaler Scaler { get; }
    public ForecastWindows Windows { get; }

    /// <summary>The model-space origin of original index <paramref name="t"/>.</summary>
    public int Origin(int t) => t - Lag;

    /// <summary>Forecasts in model units (scaled s) from origin t → transformed levels y[t + 1 … t + H].</summary>
    public double[] ToLevels(ReadOnlySpan<double> y, int t, ReadOnlySpan<double> scaledForecast)
    {
        var s = new double[scaledForecast.Length];
        for (int k = 0; k < s.Length; k++) s[k] = Scaler.Inverse(scaledForecast[k]);
        return Lag == 0 ? s : Differencing.Integrate(y[..(t + 1)], s, Lag);
    }
}
