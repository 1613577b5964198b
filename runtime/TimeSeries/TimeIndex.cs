// The time stamps of a series: parsed from the usual CSV forms, their frequency (and so the seasonal period),
// and calendar features (the position within the season as sine and cosine) to feed as covariates.
using System;
using System.Collections.Generic;
using System.Globalization;

namespace LstmGen.TimeSeries;

/// <summary>How often a series is sampled, as read from its time stamps.</summary>
public enum SeriesFrequency
{
    /// <summary>Irregular, or a spacing not listed here: no seasonal period is implied.</summary>
    Unknown = 0,

    /// <summary>One value a year (seasonal period 1: no season).</summary>
    Yearly = 1,

    /// <summary>One value a quarter (period 4).</summary>
    Quarterly = 2,

    /// <summary>One value a month (period 12).</summary>
    Monthly = 3,

    /// <summary>One value a week (period 52).</summary>
    Weekly = 4,

    /// <summary>One value a day (period 7: the week).</summary>
    Daily = 5,

    /// <summary>One value an hour (period 24: the day).</summary>
    Hourly = 6,
}

/// <summary>Parsed time stamps of a series, its <see cref="Frequency"/> and <see cref="SeasonalPeriod"/>, and calendar covariates.</summary>
public sealed class TimeIndex
{
    private static readonly string[] s_formats =
    [
        "yyyy", "yyyy-MM", "yyyy/MM", "yyyy-MM-dd", "yyyy/MM/dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm",
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.fff",
    ];

    private readonly DateTime[] _times;

    private TimeIndex(DateTime[] times)
    {
        _times = times;
        Frequency = Detect(times);
        SeasonalPeriod = Frequency switch
        {
            SeriesFrequency.Quarterly => 4,
            SeriesFrequency.Monthly => 12,
            SeriesFrequency.Weekly => 52,
            SeriesFrequency.Daily => 7,
            SeriesFrequency.Hourly => 24,
            _ => 1,
        };
    }

    /// <summary>The time stamps, in the series' order.</summary>
    public IReadOnlyList<DateTime> Times => _times;

    /// <summary>The sampling frequency read from the median spacing of the stamps.</summary>
    public SeriesFrequency Frequency { get; }

    /// <summary>Steps per season implied by <see cref="Frequency"/>: 12 for monthly, 52 weekly, 4 quarterly, 7 daily, 24 hourly; 1 (none) otherwise.</summary>
    public int SeasonalPeriod { get; }

    /// <summary>
    /// Parses stamps such as <c>1700</c> (a year), <c>1950-01</c>, <c>1958-03-29</c> or <c>2001-06-01T13:00</c>
    /// (invariant culture); they must increase strictly.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 stamps, one that is not a date in these forms (named by index), or stamps that do not increase.</exception>
    public static TimeIndex Parse(IReadOnlyList<string> stamps)
    {
        ArgumentNullException.ThrowIfNull(stamps);
        if (stamps.Count < 2) throw new ArgumentException($"Expected at least 2 time stamps; got {stamps.Count}.", nameof(stamps));
        var times = new DateTime[stamps.Count];
        for (int i = 0; i < times.Length; i++)
        {
            string s = stamps[i]?.Trim() ?? "";
            if (!DateTime.TryParseExact(s, s_formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out times[i]))
                throw new ArgumentException($"Time stamp {i} ('{s}') is not a date; expected forms like 1700, 1950-01, 1958-03-29 or 2001-06-01T13:00.", nameof(stamps));
            if (i > 0 && times[i] <= times[i - 1])
                throw new ArgumentException($"Time stamps must increase; stamp {i} ('{s}') is not after stamp {i - 1} ('{stamps[i - 1]}').", nameof(stamps));
        }
        return new TimeIndex(times);
    }

    /// <summary>Like <see cref="Parse"/>, but returns false (and null) instead of throwing when the stamps are not dates.</summary>
    public static bool TryParse(IReadOnlyList<string> stamps, out TimeIndex? index)
    {
        try
        {
            index = Parse(stamps);
            return true;
        }
        catch (ArgumentException)
        {
            index = null;
            return false;
        }
    }

    /// <summary>
    /// Calendar covariates: for each harmonic k = 1 … <paramref name="harmonics"/>, the columns sin(2πk·φ) and
    /// cos(2πk·φ) of each stamp's phase φ ∈ [0, 1) within the season (month of year, week of year as day of year /
    /// 365.25, day of week, hour of day). None for a series without a season (yearly, unknown).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="harmonics"/> is not positive.</exception>
    public double[][] CalendarFeatures(int harmonics = 1)
    {
        SeriesChecks.RequirePositive(harmonics, nameof(harmonics));
        if (SeasonalPeriod == 1) return [];
        var columns = new double[2 * harmonics][];
        for (int c = 0; c < columns.Length; c++) columns[c] = new double[_times.Length];
        for (int i = 0; i < _times.Length; i++)
        {
            DateTime t = _times[i];
            double phase = Frequency switch
            {
                SeriesFrequency.Monthly or SeriesFrequency.Quarterly => (t.Month - 1) / 12.0,
                SeriesFrequency.Weekly => (t.DayOfYear - 1) / 365.25,
                SeriesFrequency.Daily => (int)t.DayOfWeek / 7.0,
                _ => t.Hour / 24.0,
            };
            for (int k = 1; k <= harmonics; k++)
            {
                columns[2 * (k - 1)][i] = Math.Sin(2 * Math.PI * k * phase);
                columns[2 * (k - 1) + 1][i] = Math.Cos(2 * Math.PI * k * phase);
            }
        }
        return columns;
    }

    private static SeriesFrequency Detect(DateTime[] times)
    {
        var gaps = new double[times.Length - 1];
        for (int i = 0; i < gaps.Length; i++) gaps[i] = (times[i + 1] - times[i]).TotalDays;
        Array.Sort(gaps);
        double days = gaps[gaps.Length / 2];
        return days switch
        {
            >= 360 and <= 370 => SeriesFrequency.Yearly,
            >= 88 and <= 93 => SeriesFrequency.Quarterly,
            >= 28 and <= 31 => SeriesFrequency.Monthly,
            >= 6.5 and <= 7.5 => SeriesFrequency.Weekly,
            >= 0.9 and <= 1.1 => SeriesFrequency.Daily,
            >= 0.9 / 24 and <= 1.1 / 24 => SeriesFrequency.Hourly,
            _ => SeriesFrequency.Unknown,
        };
    }
}
