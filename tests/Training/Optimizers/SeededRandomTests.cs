// SeededRandom: the published SplitMix64/xoshiro256** sequence, determinism, state round trips, ranges and distributions.
using System;
using System.Linq;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Training.Optimizers;

public sealed class SeededRandomTests
{
    [Fact]
    public void SeedingIsSplitMix64()
    {
        // SplitMix64 from 0: the reference values of Vigna's splitmix64.c.
        Assert.Equal(new SeededRandomState(0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F, 0xF88BB8A8724C81EC), new SeededRandom(0).GetState());
    }

    [Fact]
    public void SequenceIsXoshiro256StarStar()
    {
        // From an independent transcription of xoshiro256starstar.c (Python big integers).
        ulong[] seed0 = [0x99EC5F36CB75F2B4, 0xBF6E1F784956452A, 0x1A5F849D4933E6E0, 0x6AA594F1262D2D2C, 0xBBA5AD4A1F842E59];
        ulong[] seed42 = [0x15780B2E0C2EC716, 0x6104D9866D113A7E, 0xAE17533239E499A1, 0xECB8AD4703B360A1, 0xFDE6DC7FE2EC5E64];
        var a = new SeededRandom(0);
        var b = new SeededRandom(42);
        Assert.Equal(seed0, Enumerable.Range(0, 5).Select(_ => a.NextUInt64()).ToArray());
        Assert.Equal(seed42, Enumerable.Range(0, 5).Select(_ => b.NextUInt64()).ToArray());
    }

    [Fact]
    public void DerivedValuesUseTheTopBits()
    {
        var r = new SeededRandom(0);
        Assert.Equal((0x99EC5F36CB75F2B4UL >> 11) * Math.ScaleB(1.0, -53), r.NextDouble());
        Assert.Equal((0xBF6E1F784956452AUL >> 40) * MathF.ScaleB(1f, -24), r.NextFloat());
    }

    [Fact]
    public void StateRoundTripsThroughGetSetAndText()
    {
        var r = new SeededRandom(123);
        for (int i = 0; i < 17; i++) r.NextGaussian();
        SeededRandomState saved = r.GetState();
        double[] first = Draws(r);

        r.SetState(saved);
        Assert.Equal(first, Draws(r));

        string text = saved.ToString();
        Assert.StartsWith("xoshiro256**:", text);
        Assert.Equal(saved, SeededRandomState.Parse(text));
        Assert.Equal(first, Draws(new SeededRandom(SeededRandomState.Parse(text))));
    }

    [Fact]
    public void SameSeedSameSequence()
    {
        Assert.Equal(Draws(new SeededRandom(5)), Draws(new SeededRandom(5)));
        Assert.NotEqual(Draws(new SeededRandom(5)), Draws(new SeededRandom(6)));
    }

    [Fact]
    public void BadStatesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new SeededRandom(0).SetState(default));
        Assert.Throws<ArgumentException>(() => new SeededRandom(default(SeededRandomState)));
        Assert.Throws<FormatException>(() => SeededRandomState.Parse("mt19937:1,2,3,4"));
        Assert.Throws<FormatException>(() => SeededRandomState.Parse("xoshiro256**:0000000000000001,0000000000000002,0000000000000003"));
        Assert.Throws<FormatException>(() => SeededRandomState.Parse("xoshiro256**:000000000000000g,0000000000000002,0000000000000003,0000000000000004"));
    }

    [Fact]
    public void UniformsStayInTheirRanges()
    {
        var r = new SeededRandom(7);
        const int n = 200_000;
        double sumD = 0, sumF = 0;
        for (int i = 0; i < n; i++)
        {
            double d = r.NextDouble();
            float f = r.NextFloat();
            Assert.True(d >= 0 && d < 1);
            Assert.True(f >= 0 && f < 1);
            sumD += d;
            sumF += f;
        }
        double se = Math.Sqrt(1.0 / 12 / n);
        Assert.InRange(sumD / n, 0.5 - 5 * se, 0.5 + 5 * se);
        Assert.InRange(sumF / n, 0.5 - 5 * se, 0.5 + 5 * se);
    }

    [Fact]
    public void NextIsUnbiasedAndInRange()
    {
        var r = new SeededRandom(8);
        Assert.Equal(0, r.Next(1));
        const int k = 10, n = 100_000;
        var counts = new int[k];
        for (int i = 0; i < n; i++) counts[r.Next(k)]++;
        double chi2 = counts.Sum(c => Math.Pow(c - n / (double)k, 2) / (n / (double)k));
        Assert.True(chi2 < 27.9, $"χ² = {chi2} with 9 degrees of freedom (p = 0.001 at 27.9)");
        for (int i = 0; i < 1000; i++) Assert.InRange(r.Next(int.MaxValue), 0, int.MaxValue - 1);
        Assert.Equal("maxExclusive", Assert.Throws<ArgumentOutOfRangeException>(() => r.Next(0)).ParamName);
    }

    [Fact]
    public void ShuffleIsAUniformPermutation()
    {
        var r = new SeededRandom(9);
        int[] items = Enumerable.Range(0, 50).ToArray();
        r.Shuffle(items.AsSpan());
        Assert.Equal(Enumerable.Range(0, 50), items.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), items);

        const int n = 60_000;
        var counts = new int[6];
        for (int i = 0; i < n; i++)
        {
            Span<int> three = [0, 1, 2];
            r.Shuffle(three);
            counts[three[0] * 2 + (three[1] > three[2] ? 1 : 0)]++;
        }
        double chi2 = counts.Sum(c => Math.Pow(c - n / 6.0, 2) / (n / 6.0));
        Assert.True(chi2 < 20.5, $"χ² = {chi2} with 5 degrees of freedom (p = 0.001 at 20.5)");

        var a = new SeededRandom(10);
        var b = new SeededRandom(10);
        int[] x = Enumerable.Range(0, 20).ToArray(), y = Enumerable.Range(0, 20).ToArray();
        a.Shuffle(x.AsSpan());
        b.Shuffle(y.AsSpan());
        Assert.Equal(x, y);
    }

    [Fact]
    public void GaussianHasUnitMomentsAndTails()
    {
        var r = new SeededRandom(11);
        const int n = 200_000;
        double sum = 0, sumSq = 0;
        int beyond2 = 0;
        for (int i = 0; i < n; i++)
        {
            double g = r.NextGaussian();
            Assert.True(double.IsFinite(g));
            sum += g;
            sumSq += g * g;
            if (Math.Abs(g) > 2) beyond2++;
        }
        double mean = sum / n, variance = sumSq / n - mean * mean;
        Assert.InRange(mean, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        Assert.InRange(variance, 1 - 5 * Math.Sqrt(2.0 / n), 1 + 5 * Math.Sqrt(2.0 / n));
        double p = beyond2 / (double)n; // P(|Z| > 2) = 0.0455
        Assert.InRange(p, 0.0455 - 5 * Math.Sqrt(0.0455 * 0.9545 / n), 0.0455 + 5 * Math.Sqrt(0.0455 * 0.9545 / n));
    }

    private static double[] Draws(SeededRandom r) =>
        [r.NextDouble(), r.NextFloat(), r.NextGaussian(), r.Next(1000), r.NextUInt64(), r.NextGaussian()];
}
