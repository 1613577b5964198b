// Forecasting a time series with an LSTM, honestly compared: the preprocessing (levels, differences or seasonal
// differences) and the window are picked by rolling-origin validation on the training part only; the chosen model
// is then trained on the whole training part and scored on the test tail against persistence, seasonal naive and
// a least-squares AR model that reads exactly the same inputs.
using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using LstmGen.Samples;
using LstmGen.TimeSeries;
using LstmGen.Training;

namespace Forecast;

public static class Program
{
    public static int Main(string[] args)
    {
        var data = SampleOptions.Data("CSV file with a header row; the first column may hold time stamps (default: the bundled yearly sunspot numbers, 1700-2008)");
        var column = new Option<string?>("--column") { Description = "the column to forecast (default: the last column)" };
        var covariates = new Option<string?>("--covariates") { Description = "other columns fed as inputs beside the target's history, comma-separated (e.g. realcons,realinv)" };
        var calendar = new Option<bool>("--calendar") { Description = "also feed the sine and cosine of the position within the season (month, week, day of week) as inputs" };
        var horizon = new Option<int>("--horizon") { Description = $"forecast steps per origin, 1 to {ForecastNetwork.MaxHorizon} (direct multi-output; errors are the mean over the steps)", DefaultValueFactory = _ => 1 };
        var period = new Option<int?>("--period") { Description = "seasonal period in steps (default: from the time stamps' frequency, else the autocorrelation's strongest cycle)" };
        var window = new Option<int?>("--window") { Description = "past steps per forecast (default: chosen by validation)" };
        var mode = new Option<string>("--mode") { Description = "auto (default: chosen by validation), level, differenced or seasonal", DefaultValueFactory = _ => "auto" };
        mode.AcceptOnlyFromAmong("auto", "level", "differenced", "seasonal");
        var transform = new Option<string>("--transform") { Description = "none (default), log, or box-cox (lambda fitted on the training part); for positive series", DefaultValueFactory = _ => "none" };
        transform.AcceptOnlyFromAmong("none", "log", "box-cox");
        var testSize = new Option<double>("--test-size") { Description = "forecast the last N values (a fraction below 1 means that share)", DefaultValueFactory = _ => 0.2 };
        var folds = new Option<int>("--folds") { Description = "rolling-origin folds for the model selection", DefaultValueFactory = _ => 3 };
        var epochs = SampleOptions.Epochs(300, "most training epochs (early stopping on the last 15 % of the training windows)");
        var learningRate = SampleOptions.LearningRate(3e-3);
        var ensemble = new Option<int>("--ensemble") { Description = "networks trained from successive seeds whose forecasts are averaged, for the final model (the selection trains one per candidate and fold)", DefaultValueFactory = _ => 5 };
        ensemble.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--ensemble must be at least 1."); });
        var seed = SampleOptions.Seed("seed of the weights and the shuffling");
        var chart = new Option<string>("--out", "--chart") { Description = "where to write the PNG chart", DefaultValueFactory = _ => "forecast.png", HelpName = "FILE" };
        horizon.Validators.Add(r => { int h = r.GetValueOrDefault<int>(); if (h < 1 || h > ForecastNetwork.MaxHorizon) r.AddError($"--horizon must be 1 to {ForecastNetwork.MaxHorizon}, not {h}."); });
        period.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--period must be at least 1."); });
        window.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--window must be at least 1."); });
        testSize.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--test-size must be positive."); });
        folds.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--folds must be at least 1."); });

        var root = new RootCommand("Forecasts a time series with an LSTM against persistence, seasonal naive and AR baselines. The last line is rmse=… naive_rmse=… seasonal_naive_rmse=… ar_rmse=… in the data's units.")
        {
            data, column, covariates, calendar, horizon, period, window, mode, transform, testSize, folds, epochs, learningRate, ensemble, seed, chart,
        };
        return SampleOptions.Run(root, args, result =>
        {
            var options = new RunOptions
            {
                Data = result.GetValue(data) ?? SampleOutput.Bundled("sunspots_yearly.csv"),
                Column = result.GetValue(column),
                Covariates = (result.GetValue(covariates) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Calendar = result.GetValue(calendar),
                Horizon = result.GetValue(horizon),
                Period = result.GetValue(period),
                Window = result.GetValue(window),
                Mode = result.GetValue(mode)!,
                Transform = result.GetValue(transform)!,
                TestSize = result.GetValue(testSize),
                Folds = result.GetValue(folds),
                Ensemble = result.GetValue(ensemble),
                Settings = new TrainingSettings(result.GetValue(epochs), result.GetValue(learningRate), result.GetValue(seed), Patience: 40),
                Chart = result.GetValue(chart)!,
            };
            return Run(options);
        });
    }

    private sealed class RunOptions
    {
        public required string Data { get; init; }
        public string? Column { get; init; }
        public required string[] Covariates { get; init; }
        public bool Calendar { get; init; }
        public int Horizon { get; init; }
        public int? Period { get; init; }
        public int? Window { get; init; }
        public required string Mode { get; init; }
        public required string Transform { get; init; }
        public double TestSize { get; init; }
        public int Folds { get; init; }
        public int Ensemble { get; init; }
        public required TrainingSettings Settings { get; init; }
        public required string Chart { get; init; }
    }

    private static int Run(RunOptions o)
    {
        var clock = Stopwatch.StartNew();
        SeriesFile series = SeriesFile.Load(o.Data, o.Column, o.Covariates);
        double[] raw = series.Values;
        int n = raw.Length, h = o.Horizon;
        int test = o.TestSize < 1 ? (int)Math.Round(o.TestSize * n) : (int)o.TestSize;
        if (test < h || n - test < 3 * Backtest.MinimumWindows)
            throw new ArgumentException($"{n} values leave too little: {test} test values for horizon {h}, {n - test} to train on.", "test-size");
        int split = n - test;

        // Value transform (fitted on the training part), then the covariates.
        ValueTransform valueTransform = o.Transform switch
        {
            "log" => new ValueTransform("log", 0),
            "box-cox" => new ValueTransform("Box-Cox", Math.Round(BoxCox.EstimateLambda(raw.AsSpan(0, split)), 3)),
            _ => ValueTransform.None,
        };
        double[] y = valueTransform.Apply(raw);
        var covariateNames = new List<string>(series.CovariateNames);
        var covariates = new List<double[]>(series.Covariates);
        if (o.Calendar)
        {
            if (series.Time is not { SeasonalPeriod: > 1 } time)
                throw new ArgumentException("--calendar needs time stamps of a seasonal frequency (monthly, weekly, quarterly, daily or hourly) in the first column.", "calendar");
            covariates.AddRange(time.CalendarFeatures());
            covariateNames.AddRange(["season sin", "season cos"]);
        }
        if (covariates.Count + 1 > ForecastNetwork.MaxColumns)
            throw new ArgumentException($"At most {ForecastNetwork.MaxColumns - 1} covariates fit the declared model; got {covariates.Count}.", "covariates");

        // Seasonal period: the option, the time stamps' frequency, or the strongest cycle in the training part.
        string periodSource;
        int seasonalPeriod;
        if (o.Period is int given) (seasonalPeriod, periodSource) = (given, "--period");
        else if (series.Time is { SeasonalPeriod: > 1 } t) (seasonalPeriod, periodSource) = (t.SeasonalPeriod, $"{t.Frequency.ToString().ToLowerInvariant()} time stamps");
        else
        {
            seasonalPeriod = Autocorrelation.DominantPeriod(y.AsSpan(0, split), Math.Min(split / 3, 60));
            periodSource = seasonalPeriod > 1 ? "the autocorrelation's strongest cycle" : "no season found";
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{n} values of '{series.Column}' from {series.Path}{(series.Gaps > 0 ? $" ({series.Gaps} gaps filled)" : "")}{(series.Time is { } ti ? $", {ti.Frequency.ToString().ToLowerInvariant()} {ti.Times[0]:yyyy-MM-dd} … {ti.Times[^1]:yyyy-MM-dd}" : "")}."));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training part: the first {split}; test: the last {test}, {(h == 1 ? "one step ahead" : $"{h} steps ahead")} from every origin. Seasonal period {seasonalPeriod} ({periodSource}). Transform: {valueTransform.Name}{(valueTransform.Name == "Box-Cox" ? $" (λ = {valueTransform.Lambda})" : "")}."));
        if (covariateNames.Count > 0) Console.WriteLine($"Covariates: {string.Join(", ", covariateNames)}.");
        Console.WriteLine($"Model: {ForecastNetwork.ModelName(covariates.Count + 1, h)}, 32 LSTM units; Adam {o.Settings.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch 16, up to {o.Settings.Epochs} epochs (early stopping, patience {o.Settings.Patience}).");
        double[][] covariateArray = covariates.ToArray();

        // Candidates, then rolling-origin validation on the training part only.
        List<Candidate> candidates = Candidates(o, seasonalPeriod, split, h);
        Candidate chosen = candidates.Count == 1 ? candidates[0] : Select(candidates, raw, y, valueTransform, covariateArray, split, test, h, seasonalPeriod, o);

        // The chosen candidate on the whole training part, scored on the test tail.
        Forecasts result = Backtest.Run(raw, y, valueTransform, covariateArray, chosen, split, split, n, h, seasonalPeriod, o.Settings, o.Ensemble);
        Console.WriteLine();
        Console.WriteLine($"Test: {result.Origins.Length} origins; the LSTM on {chosen}, {o.Ensemble} network(s) averaged ({result.Epochs} epochs each on average).");
        var rows = new (string Name, double[][] Forecast)[]
        {
            ($"LSTM ({chosen})", result.Lstm),
            ($"AR({chosen.Window}{(covariates.Count > 0 ? $" × {covariates.Count + 1} columns" : "")}), same inputs", result.Ar),
            ("persistence (same as last)", result.Naive),
            ($"seasonal naive (period {seasonalPeriod})", result.SeasonalNaive),
        };
        int nameWidth = rows.Max(r => r.Name.Length);
        Console.WriteLine($"  {"method".PadRight(nameWidth)}  {(h == 1 ? "RMSE" : "mean RMSE"),10}  {"MAE",10}{(h > 1 ? $"  {"RMSE step 1",12}  {$"RMSE step {h}",12}" : "")}");
        foreach ((string name, double[][] forecast) in rows)
        {
            string steps = h > 1 ? string.Create(CultureInfo.InvariantCulture, $"  {StepRmse(forecast, result.Actual, 0),12:F3}  {StepRmse(forecast, result.Actual, h - 1),12:F3}") : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name.PadRight(nameWidth)}  {Forecasts.MeanRmse(forecast, result.Actual),10:F3}  {Forecasts.Mae(forecast, result.Actual),10:F3}{steps}"));
        }
        ForecastChart.Write(o.Chart, series, result, h, $"LSTM ({chosen.Mode.ToString().ToLowerInvariant()}, window {chosen.Window})", seasonalPeriod);
        Console.WriteLine($"Chart: {Path.GetFullPath(o.Chart)} ({clock.Elapsed.TotalSeconds:F0} s in all)");
        SampleOutput.KeyValues(
            $"rmse={Forecasts.MeanRmse(result.Lstm, result.Actual):F3} naive_rmse={Forecasts.MeanRmse(result.Naive, result.Actual):F3} seasonal_naive_rmse={Forecasts.MeanRmse(result.SeasonalNaive, result.Actual):F3} ar_rmse={Forecasts.MeanRmse(result.Ar, result.Actual):F3}");
        return 0;
    }

    private static double StepRmse(double[][] forecast, double[][] actual, int step) =>
        ForecastErrors.Rmse(actual.Select(a => a[step]).ToArray(), forecast.Select(f => f[step]).ToArray());

    /// <summary>
    /// The representations (levels and first differences; seasonal differences when there is a season) times the
    /// windows (one and two seasons, or for long seasons a quarter and a whole one), those that leave enough windows.
    /// </summary>
    private static List<Candidate> Candidates(RunOptions o, int period, int split, int horizon)
    {
        var modes = o.Mode switch
        {
            "level" => new[] { SeriesMode.Level },
            "differenced" => new[] { SeriesMode.Differenced },
            "seasonal" => new[] { SeriesMode.SeasonallyDifferenced },
            _ => period > 1 ? new[] { SeriesMode.Level, SeriesMode.Differenced, SeriesMode.SeasonallyDifferenced } : new[] { SeriesMode.Level, SeriesMode.Differenced },
        };
        if (modes.Contains(SeriesMode.SeasonallyDifferenced) && period < 2)
            throw new ArgumentException("--mode seasonal needs a seasonal period above 1 (--period).", "mode");
        int[] windows = o.Window is int w ? [w] : period <= 1 ? [6, 12] : period <= 26 ? [period, 2 * period] : [period / 4, period];
        // Judged on the earliest fold's training part, which is the shortest.
        int earliest = split - o.Folds * ValidationBlock(split, split, horizon, o.Folds);
        var list = modes.SelectMany(m => windows.Select(win => new Candidate(m, win, period)))
            .Where(c => Backtest.TrainingWindows(c, o.Folds > 0 && modes.Length * windows.Length > 1 ? earliest : split, horizon) >= Backtest.MinimumWindows).ToList();
        if (list.Count == 0)
            throw new ArgumentException($"No window fits: the training part ({split} values) is too short for windows {string.Join("/", windows)} with horizon {horizon}; give --window or a smaller --test-size.", "window");
        return list;
    }

    /// <summary>Values per validation block: as many as the test part, at most a fifth of the training part, at least H.</summary>
    private static int ValidationBlock(int split, int test, int horizon, int folds) => Math.Max(horizon, Math.Min(test, split / (folds + 2)));

    /// <summary>Trains every candidate on every fold (in parallel, one thread per training) and returns the one with the lowest mean LSTM RMSE.</summary>
    private static Candidate Select(List<Candidate> candidates, double[] raw, double[] y, ValueTransform transform, double[][] covariates,
        int split, int test, int horizon, int period, RunOptions o)
    {
        int block = ValidationBlock(split, test, horizon, o.Folds);
        RollingOriginSplit[] splits = RollingOrigin.Create(split, o.Folds, block);
        Console.WriteLine();
        Console.WriteLine($"Model selection: {candidates.Count} candidates × {splits.Length} rolling-origin folds on the training part (validation blocks of {block} values ending at {string.Join(", ", splits.Select(s => s.TestEnd))}).");
        var jobs = candidates.SelectMany((c, ci) => splits.Select((s, fi) => (Candidate: ci, Fold: fi, Split: s))).ToArray();
        var lstm = new double[candidates.Count, splits.Length];
        var ar = new double[candidates.Count, splits.Length];
        var clock = Stopwatch.StartNew();
        Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
        {
            Forecasts f = Backtest.Run(raw, y, transform, covariates, candidates[job.Candidate], job.Split.TrainLength, job.Split.TestStart, job.Split.TestEnd, horizon, period, o.Settings);
            lstm[job.Candidate, job.Fold] = Forecasts.MeanRmse(f.Lstm, f.Actual);
            ar[job.Candidate, job.Fold] = Forecasts.MeanRmse(f.Ar, f.Actual);
        });
        int nameWidth = candidates.Max(c => c.ToString().Length);
        Console.WriteLine($"  {"candidate".PadRight(nameWidth)}  {"LSTM RMSE per fold",-30}  {"mean",8}  {"AR mean",8}");
        int best = 0;
        double Mean(double[,] values, int c) => Enumerable.Range(0, splits.Length).Average(f => values[c, f]);
        for (int c = 0; c < candidates.Count; c++)
        {
            string perFold = string.Join(" ", Enumerable.Range(0, splits.Length).Select(f => lstm[c, f].ToString("F3", CultureInfo.InvariantCulture)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {candidates[c].ToString().PadRight(nameWidth)}  {perFold,-30}  {Mean(lstm, c),8:F3}  {Mean(ar, c),8:F3}"));
            if (Mean(lstm, c) < Mean(lstm, best)) best = c;
        }
        Console.WriteLine($"Chosen: {candidates[best]} ({clock.Elapsed.TotalSeconds:F0} s).");
        return candidates[best];
    }
}
