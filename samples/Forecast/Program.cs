// One-step-ahead forecasting of a time series: sliding windows of the scaled series train an LSTM to
// predict the next value; the last part of the series is forecast one step at a time and compared with
// "same as last" and a least-squares linear autoregression of the same window, in the data's units.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using LstmGen;
using LstmGen.Text;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace Forecast;

/// <summary>One value in per step, 32 hidden units, the next value out after the window's last step.</summary>
[LstmModel(Inputs = 1, Hidden = 32, Outputs = 1)]
public partial class NextValue;

public static class Program
{
    private const string Usage = """
        usage: dotnet run --project samples/Forecast -c Release -- [options]
          --data FILE       CSV with a header row (default: the bundled yearly sunspot numbers, 1700–2008)
          --column NAME     the column to forecast (default: the last column)
          --log             model log(1 + x) instead of x (for positive, skewed series)
          --window N        past values per forecast (default 20)
          --test-size N     forecast the last N values (a fraction < 1 means that share; default 0.2)
          --epochs N        most training epochs (default 300; early stopping on the last 15 % of training windows)
          --chart FILE      where to write the SVG chart (default forecast.svg)
          --seed N          seed (default 1)
        """;

    public static int Main(string[] args)
    {
        string data = Path.Combine(AppContext.BaseDirectory, "data", "sunspots_yearly.csv"), chart = "forecast.svg";
        string? column = null;
        bool log = false;
        int window = 20, epochs = 300;
        double testSize = 0.2;
        ulong seed = 1;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
                double Number(double min, double max) =>
                    double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= min && v <= max
                        ? v : throw new FormatException($"{args[i - 1]} needs a number in [{min}, {max}], not '{args[i]}'.");
                switch (args[i])
                {
                    case "--data": data = Value(); break;
                    case "--column": column = Value(); break;
                    case "--log": log = true; break;
                    case "--window": window = (int)Number(1, 10000); break;
                    case "--test-size": testSize = Number(0.001, 1e9); break;
                    case "--epochs": epochs = (int)Number(1, 100000); break;
                    case "--chart": chart = Value(); break;
                    case "--seed": seed = (ulong)Number(0, int.MaxValue); break;
                    default: throw new FormatException(args[i] is "-h" or "--help" ? "LstmGen forecasting sample." : $"Unknown option '{args[i]}'.");
                }
            }
            return Run(data, column, log, window, testSize, epochs, chart, seed);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or KeyNotFoundException or TrainingDivergedException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Run(string path, string? column, bool log, int window, double testSize, int epochs, string chartPath, ulong seed)
    {
        CsvTable table = CsvTable.Load(path);
        column ??= table.Header[^1];
        double[] raw = FillGaps(table.GetNumbers(column), column);
        int n = raw.Length;
        int test = testSize < 1 ? (int)Math.Round(testSize * n) : (int)testSize;
        if (test < 1 || n - test < window + 10)
            throw new InvalidDataException($"{n} values leave too little to train on with --window {window} and {test} test values.");
        if (log && raw.Any(v => v < 0)) throw new InvalidDataException($"--log needs values ≥ 0; column '{column}' has negative ones.");
        int split = n - test; // values [split, n) are forecast; training targets all lie before it

        // Transform and standardise with statistics of the training part only.
        double[] t = raw.Select(v => log ? Math.Log(1 + v) : v).ToArray();
        double mean = t.Take(split).Average(), std = Math.Sqrt(t.Take(split).Select(v => (v - mean) * (v - mean)).Average());
        if (std == 0) std = 1;
        float[] z = t.Select(v => (float)((v - mean) / std)).ToArray();
        double Back(double scaled) { double v = scaled * std + mean; return log ? Math.Exp(v) - 1 : v; }

        // Windows: values [i, i + window) → value i + window.
        var trainInputs = new List<float[]>();
        var trainTargets = new List<float[]>();
        for (int i = 0; i + window < split; i++)
        {
            trainInputs.Add(z[i..(i + window)]);
            trainTargets.Add(new[] { z[i + window] });
        }
        int validation = Math.Max(1, trainInputs.Count * 15 / 100);
        var fit = SequenceDataset.FromFloats(trainInputs.Take(trainInputs.Count - validation).ToList(), 1, trainTargets.Take(trainInputs.Count - validation).ToList(), HeadOn.LastStep);
        var check = SequenceDataset.FromFloats(trainInputs.Skip(trainInputs.Count - validation).ToList(), 1, trainTargets.Skip(trainInputs.Count - validation).ToList(), HeadOn.LastStep);
        Console.WriteLine($"{n} values of '{column}' from {path}{(log ? " (log(1 + x))" : "")}: {fit.Count} training and {check.Count} validation windows of {window}; forecasting the last {test} values one step ahead.");

        var model = new NextValue();
        ParameterInit.Initialize(model.Shape, model.Parameters, seed);
        model.ParametersChanged();
        using var trainer = new Trainer(model, new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = 16,
            Seed = seed,
            Optimizer = new Adam(3e-3),
            ClipGradientNorm = 1,
            EarlyStoppingPatience = 40,
        });
        TrainingResult result = trainer.Fit(fit, check, new ConsoleProgressBar());
        Console.WriteLine($"Trained {result.CompletedEpochs} epochs (best {result.BestEpoch}, validation MSE {result.BestMetric:F4} in standard units).");

        // One-step-ahead forecasts of every test value from the true values before it.
        double[] ar = FitAutoregression(z, window, split);
        var lstm = new double[test];
        var linear = new double[test];
        var naive = new double[test];
        var output = new float[1];
        for (int k = 0; k < test; k++)
        {
            int target = split + k;
            model.Predict(z.AsSpan(target - window, window), output);
            lstm[k] = Back(output[0]);
            double a = ar[window];
            for (int j = 0; j < window; j++) a += ar[j] * z[target - window + j];
            linear[k] = Back(a);
            naive[k] = raw[target - 1];
        }
        double[] actual = raw[split..];
        double Rmse(double[] p) => Math.Sqrt(p.Zip(actual, (x, y) => (x - y) * (x - y)).Average());
        WriteChart(chartPath, column, raw, split, lstm, linear);
        Console.WriteLine($"Chart: {Path.GetFullPath(chartPath)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rmse={Rmse(lstm):F2} naive_rmse={Rmse(naive):F2} ar_rmse={Rmse(linear):F2}"));
        return 0;
    }

    /// <summary>Missing values (NaN) filled by linear interpolation between their neighbours (or the nearest one at the ends).</summary>
    private static double[] FillGaps(double[] values, string column)
    {
        var known = Enumerable.Range(0, values.Length).Where(i => !double.IsNaN(values[i])).ToArray();
        if (known.Length < 2) throw new InvalidDataException($"Column '{column}' has fewer than two numbers.");
        var filled = (double[])values.Clone();
        for (int i = 0; i < filled.Length; i++)
        {
            if (!double.IsNaN(filled[i])) continue;
            int next = Array.FindIndex(known, k => k > i);
            if (next <= 0) { filled[i] = values[known[next < 0 ? ^1 : 0]]; continue; }
            int a = known[next - 1], b = known[next];
            filled[i] = values[a] + (values[b] - values[a]) * (i - a) / (b - a);
        }
        return filled;
    }

    /// <summary>Least-squares AR(window) with an intercept on the training targets: coefficients for lags oldest … newest, then the intercept.</summary>
    private static double[] FitAutoregression(float[] z, int window, int split)
    {
        int p = window + 1;
        var normal = new double[p, p];
        var right = new double[p];
        var row = new double[p];
        for (int target = window; target < split; target++)
        {
            for (int j = 0; j < window; j++) row[j] = z[target - window + j];
            row[window] = 1;
            for (int a = 0; a < p; a++)
            {
                right[a] += row[a] * z[target];
                for (int b = 0; b < p; b++) normal[a, b] += row[a] * row[b];
            }
        }
        for (int a = 0; a < p; a++) normal[a, a] += 1e-9; // keeps a constant series solvable
        // Gaussian elimination with partial pivoting.
        for (int col = 0; col < p; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < p; r++) if (Math.Abs(normal[r, col]) > Math.Abs(normal[pivot, col])) pivot = r;
            for (int c = 0; c < p; c++) (normal[col, c], normal[pivot, c]) = (normal[pivot, c], normal[col, c]);
            (right[col], right[pivot]) = (right[pivot], right[col]);
            for (int r = col + 1; r < p; r++)
            {
                double f = normal[r, col] / normal[col, col];
                for (int c = col; c < p; c++) normal[r, c] -= f * normal[col, c];
                right[r] -= f * right[col];
            }
        }
        var coefficients = new double[p];
        for (int r = p - 1; r >= 0; r--)
        {
            double s = right[r];
            for (int c = r + 1; c < p; c++) s -= normal[r, c] * coefficients[c];
            coefficients[r] = s / normal[r, r];
        }
        return coefficients;
    }

    /// <summary>An SVG line chart: the whole series, and the LSTM and AR forecasts over the test part.</summary>
    private static void WriteChart(string path, string column, double[] actual, int split, double[] lstm, double[] linear)
    {
        const double width = 900, height = 360, left = 50, right = 10, top = 30, bottom = 30;
        double min = Math.Min(actual.Min(), Math.Min(lstm.Min(), linear.Min())), max = Math.Max(actual.Max(), Math.Max(lstm.Max(), linear.Max()));
        if (max == min) max = min + 1;
        string X(int i) => (left + (width - left - right) * i / (actual.Length - 1)).ToString("F1", CultureInfo.InvariantCulture);
        string Y(double v) => (top + (height - top - bottom) * (max - v) / (max - min)).ToString("F1", CultureInfo.InvariantCulture);
        string Line(IEnumerable<(int I, double V)> points, string color, string extra = "") =>
            $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"{extra} points=\"{string.Join(" ", points.Select(p => X(p.I) + "," + Y(p.V)))}\"/>";
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{X(split)}\" y1=\"{top}\" x2=\"{X(split)}\" y2=\"{height - bottom}\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"18\">{System.Security.SecurityElement.Escape(column)}: actual (black), LSTM forecast (blue), AR forecast (orange), one step ahead after the dashed line</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{Y(max)}\">{max:G4}</text><text x=\"4\" y=\"{Y(min)}\">{min:G4}</text>");
        svg.AppendLine(Line(actual.Select((v, i) => (i, v)), "black"));
        svg.AppendLine(Line(linear.Select((v, k) => (split + k, v)), "#e67e22"));
        svg.AppendLine(Line(lstm.Select((v, k) => (split + k, v)), "#1f77b4"));
        svg.AppendLine("</svg>");
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, svg.ToString());
        File.Move(temporary, path, overwrite: true);
    }
}
