// The PNG chart: the whole series, the split, and the LSTM's, the AR's and the seasonal naive forecasts over the
// test part, on a time axis with labels and a legend (ScottPlot).
using System;
using System.IO;
using System.Linq;
using LstmGen.TimeSeries;
using ScottPlot;

namespace Forecast;

internal static class ForecastChart
{
    /// <summary>
    /// Writes the chart to <paramref name="path"/> (atomically). For H &gt; 1 the forecast lines are the H-step paths
    /// from every H-th origin, so each stretch of H values is one multi-step forecast.
    /// </summary>
    public static void Write(string path, SeriesFile series, Forecasts test, int horizon, string lstmLabel, int period)
    {
        double[] x = series.Time is { } time ? time.Times.Select(t => t.ToOADate()).ToArray() : Enumerable.Range(0, series.Values.Length).Select(i => (double)i).ToArray();
        var plot = new Plot();
        var actual = plot.Add.ScatterLine(x, series.Values, Colors.Black);
        actual.LegendText = "actual";
        actual.LineWidth = 1.2f;

        int[] shown = Enumerable.Range(0, test.Origins.Length).Where(i => i % horizon == 0).ToArray();
        double[] Xs() => shown.SelectMany(i => Enumerable.Range(1, horizon).Select(k => x[test.Origins[i] + k])).ToArray();
        double[] Ys(double[][] f) => shown.SelectMany(i => f[i]).ToArray();
        void Line(double[][] forecast, Color color, string label, LinePattern pattern)
        {
            var line = plot.Add.ScatterLine(Xs(), Ys(forecast), color);
            line.LegendText = label;
            line.LineWidth = 1.6f;
            line.LinePattern = pattern;
        }
        if (period > 1) Line(test.SeasonalNaive, Colors.Gray, $"seasonal naive ({period})", LinePattern.Dotted);
        Line(test.Ar, Colors.DarkOrange, "AR, same inputs", LinePattern.Dashed);
        Line(test.Lstm, Colors.RoyalBlue, lstmLabel, LinePattern.Solid);

        var split = plot.Add.VerticalLine(x[test.Origins[0]], 1, Colors.Gray);
        split.LinePattern = LinePattern.Dashed;
        split.LegendText = "start of the test part";
        if (series.Time is not null) plot.Axes.DateTimeTicksBottom();
        plot.Title($"{Path.GetFileName(series.Path)}: {series.Column}, {(horizon == 1 ? "one step ahead" : $"{horizon} steps ahead from every {horizon}th origin")}");
        plot.XLabel(series.Time is null ? "step" : "time");
        plot.YLabel(series.Column);
        plot.ShowLegend(Alignment.UpperLeft);

        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".tmp.png");
        plot.SavePng(temporary, 1200, 500);
        File.Move(temporary, full, overwrite: true);
    }
}
