// Time stamps: frequency and seasonal period from the usual CSV forms, calendar features, the autocorrelation's
// dominant cycle, and the argument checks.
using System;
using System.Linq;
using LstmGen.TimeSeries;
using Xunit;

namespace LstmGen.Tests.TimeSeries;

public sealed class TimeIndexTests
{
    [Fact]
    public void FrequencyAndPeriodComeFromTheSpacing()
    {
        TimeIndex monthly = TimeIndex.Parse(Enumerable.Range(0, 30).Select(i => $"{1950 + i / 12}-{i % 12 + 1:00}").ToArray());
        Assert.Equal(SeriesFrequency.Monthly, monthly.Frequency);
        Assert.Equal(12, monthly.SeasonalPeriod);
        TimeIndex weekly = TimeIndex.Parse(Enumerable.Range(0, 30).Select(i => new DateTime(1958, 3, 29).AddDays(7 * i).ToString("yyyy-MM-dd")).ToArray());
        Assert.Equal(SeriesFrequency.Weekly, weekly.Frequency);
        Assert.Equal(52, weekly.SeasonalPeriod);
        TimeIndex yearly = TimeIndex.Parse(new[] { "1700", "1701", "1702" });
        Assert.Equal(SeriesFrequency.Yearly, yearly.Frequency);
        Assert.Equal(1, yearly.SeasonalPeriod);
        Assert.Empty(yearly.CalendarFeatures());
        Assert.Equal(SeriesFrequency.Hourly, TimeIndex.Parse(new[] { "2001-06-01T13:00", "2001-06-01T14:00", "2001-06-01T15:00" }).Frequency);
    }

    [Fact]
    public void MonthlyCalendarFeaturesAreTheSineAndCosineOfTheMonth()
    {
        TimeIndex index = TimeIndex.Parse(new[] { "2000-01", "2000-02", "2000-03", "2000-04" });
        double[][] features = index.CalendarFeatures(harmonics: 2);
        Assert.Equal(4, features.Length);
        Assert.Equal(0, features[0][0], 12);                 // January: sin 0
        Assert.Equal(1, features[1][0], 12);                 //          cos 0
        Assert.Equal(1, features[0][3], 12);                 // April: sin(π/2)
        Assert.Equal(0, features[2][3], 12);                 // second harmonic: sin(π)
    }

    [Fact]
    public void StampsAreChecked()
    {
        var bad = Assert.Throws<ArgumentException>(() => TimeIndex.Parse(new[] { "2000-01", "soon" }));
        Assert.Equal("stamps", bad.ParamName);
        Assert.Contains("stamp 1 ('soon')", bad.Message);
        Assert.Contains("increase", Assert.Throws<ArgumentException>(() => TimeIndex.Parse(new[] { "2000", "1999" })).Message);
        Assert.False(TimeIndex.TryParse(new[] { "1", "x" }, out _));
    }

    [Fact]
    public void TheDominantCycleOfANoisySineIsItsPeriod()
    {
        var random = new Random(2);
        double[] x = Enumerable.Range(0, 300).Select(i => Math.Sin(2 * Math.PI * i / 11) + 0.3 * (random.NextDouble() - 0.5)).ToArray();
        Assert.Equal(11, Autocorrelation.DominantPeriod(x, 30));
        double[] r = Autocorrelation.Compute(x, 5);
        Assert.Equal(1, r[0], 12);
        // A persistent AR(1) series: its autocorrelation decays slowly, with bumps but no cycle.
        double level = 0;
        double[] persistent = Enumerable.Range(0, 300).Select(_ => level = 0.9 * level + random.NextDouble() - 0.5).ToArray();
        Assert.Equal(1, Autocorrelation.DominantPeriod(persistent, 30));
        double[] noise = Enumerable.Range(0, 300).Select(_ => random.NextDouble()).ToArray();
        Assert.Equal("maxLag", Assert.Throws<ArgumentOutOfRangeException>(() => Autocorrelation.Compute(noise, 300)).ParamName);
    }
}
