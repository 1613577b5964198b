// One evaluation of a candidate: fit on values before trainEnd, forecast every origin whose H targets lie in
// [evalStart, evalEnd), and return the LSTM's, the AR's and the naive forecasts in the data's units. The model
// selection runs it on rolling-origin folds of the training part; the final report on the test tail.
using System;
using System.Linq;
using LstmGen.TimeSeries;

namespace Forecast;

/// <summary>Per origin, H forecasts of each method and the actual values, all in the data's units.</summary>
internal sealed record Forecasts(int[] Origins, double[][] Lstm, double[][] Ar, double[][] Naive, double[][] SeasonalNaive, double[][] Actual, int Epochs)
{
    /// <summary>The RMSE of each horizon step over the origins, averaged over the steps (the one-step RMSE for H = 1).</summary>
    public static double MeanRmse(double[][] forecast, double[][] actual) =>
        Enumerable.Range(0, actual[0].Length).Average(k => ForecastErrors.Rmse(actual.Select(a => a[k]).ToArray(), forecast.Select(f => f[k]).ToArray()));

    /// <summary>The MAE over every origin and step.</summary>
    public static double Mae(double[][] forecast, double[][] actual) =>
        ForecastErrors.Mae(actual.SelectMany(a => a).ToArray(), forecast.SelectMany(f => f).ToArray());
}

internal static class Backtest
{
    /// <summary>Training windows a candidate needs at least (below this it is not tried).</summary>
    public const int MinimumWindows = 24;

    /// <summary>Training windows <paramref name="candidate"/> gets from values before <paramref name="trainEnd"/>.</summary>
    public static int TrainingWindows(Candidate candidate, int trainEnd, int horizon) =>
        (trainEnd - 1 - horizon - candidate.Lag) - (candidate.Window - 1) + 1;

    public static Forecasts Run(double[] raw, double[] y, ValueTransform transform, double[][] covariates, Candidate candidate,
        int trainEnd, int evalStart, int evalEnd, int horizon, int period, TrainingSettings settings, int members = 1)
    {
        var prepared = new PreparedSeries(y, covariates, candidate, trainEnd, horizon);
        ForecastWindows windows = prepared.Windows;
        int first = windows.FirstOrigin, last = prepared.Origin(trainEnd - 1 - horizon);
        if (last - first + 1 < MinimumWindows)
            throw new ArgumentException($"{candidate} leaves {last - first + 1} training windows; at least {MinimumWindows} are needed.");
        // An ensemble: members trained from seeds seed, seed + 1, … (in parallel), their forecasts averaged.
        var networks = new ForecastNetwork[members];
        System.Threading.Tasks.Parallel.For(0, members, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            m => networks[m] = ForecastNetwork.Train(windows, first, last, settings with { Seed = settings.Seed + (ulong)m }));
        LinearAutoregression ar = LinearAutoregression.Fit(windows, first, last);

        int[] origins = Enumerable.Range(evalStart - 1, evalEnd - horizon - evalStart + 1).ToArray();
        var lstm = new double[origins.Length][];
        var linear = new double[origins.Length][];
        var naive = new double[origins.Length][];
        var seasonal = new double[origins.Length][];
        var actual = new double[origins.Length][];
        var arForecast = new double[horizon];
        int[] windowOrigins = origins.Select(prepared.Origin).ToArray();
        double[][][] perNetwork = networks.Select(network => network.Forecast(windows, windowOrigins)).ToArray(); // one call per network
        for (int i = 0; i < origins.Length; i++)
        {
            int t = origins[i], origin = windowOrigins[i];
            ReadOnlySpan<double> history = y.AsSpan(0, t + 1);
            var mean = new double[horizon];
            foreach (double[][] forecasts in perNetwork)
            {
                for (int k = 0; k < horizon; k++) mean[k] += forecasts[i][k] / members;
            }
            lstm[i] = Back(prepared.ToLevels(y, t, mean), transform);
            ar.Predict(windows.Predict(origin), arForecast);
            linear[i] = Back(prepared.ToLevels(y, t, arForecast), transform);
            naive[i] = Back(NaiveForecasts.Persistence(history, horizon), transform);
            seasonal[i] = Back(NaiveForecasts.SeasonalNaive(history, period, horizon), transform);
            actual[i] = raw[(t + 1)..(t + 1 + horizon)];
        }
        return new Forecasts(origins, lstm, linear, naive, seasonal, actual, networks.Sum(m => m.Epochs) / members);
    }

    private static double[] Back(double[] transformed, ValueTransform transform) => transformed.Select(transform.Undo).ToArray();

    /// <summary>The inputs of one origin as doubles (for the AR model).</summary>
    private static double[] Predict(this ForecastWindows windows, int origin)
    {
        var inputs = new double[windows.Window * windows.Width];
        windows.CopyInputs(origin, inputs);
        return inputs;
    }
}
