// Reads the series to forecast from a CSV file: the target column, optional covariate columns, and the time
// stamps (the first column, when it holds dates) that give the frequency, the seasonal period and the chart's axis.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.Text;
using LstmGen.TimeSeries;

namespace Forecast;

/// <summary>One series with its covariates, gaps filled, and its time index when the file has one.</summary>
internal sealed class SeriesFile
{
    public required string Path { get; init; }
    public required string Column { get; init; }
    public required double[] Values { get; init; }
    public required IReadOnlyList<string> CovariateNames { get; init; }
    public required double[][] Covariates { get; init; }
    public required TimeIndex? Time { get; init; }
    public required int Gaps { get; init; }

    /// <summary>
    /// Loads <paramref name="column"/> (default: the last column) and <paramref name="covariates"/> from
    /// <paramref name="path"/>; the first column is the time index when it parses as dates (or years).
    /// </summary>
    public static SeriesFile Load(string path, string? column, IReadOnlyList<string> covariates)
    {
        CsvTable table = CsvTable.Load(path);
        if (table.RowCount < 10) throw new InvalidDataException($"{path}: {table.RowCount} rows are too few to forecast.");
        column ??= table.Header[^1];
        double[] raw = table.GetNumbers(column);
        int gaps = MissingValues.Count(raw);
        TimeIndex.TryParse(table.GetColumn(table.Header[0]), out TimeIndex? time);
        if (time is null && table.Header.Count > 1 && table.HasColumn("year") && table.HasColumn("quarter"))
        {
            // Quarterly tables with separate year and quarter columns (e.g. macrodata).
            string[] years = table.GetColumn("year"), quarters = table.GetColumn("quarter");
            string[] stamps = years.Select((y, i) => $"{y.Trim().Split('.')[0]}-{(int.Parse(quarters[i].Trim().Split('.')[0], System.Globalization.CultureInfo.InvariantCulture) - 1) * 3 + 1:00}").ToArray();
            TimeIndex.TryParse(stamps, out time);
        }
        var covariateValues = new double[covariates.Count][];
        for (int c = 0; c < covariates.Count; c++)
        {
            if (string.Equals(covariates[c], column, StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--covariates names the target column '{column}'; its history is always an input.", "covariates");
            covariateValues[c] = MissingValues.FillLinear(table.GetNumbers(covariates[c]));
        }
        return new SeriesFile
        {
            Path = path, Column = column, Values = MissingValues.FillLinear(raw), CovariateNames = covariates.ToArray(),
            Covariates = covariateValues, Time = time, Gaps = gaps,
        };
    }
}
