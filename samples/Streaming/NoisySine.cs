// The signal of the sample: a unit sine plus Gaussian noise. Training uses short pieces of one period each;
// the stream's period drifts slowly across the same range, so it is never exactly a training sequence.
using System;

namespace Streaming;

public static class NoisySine
{
    /// <summary>Shortest and longest period, in steps, of the sines the model is trained and run on.</summary>
    public const double ShortestPeriod = 20, LongestPeriod = 60;

    /// <summary>The stream: a sine whose period swings between the shortest and longest every 10,000 steps.</summary>
    public static (float[] Clean, float[] Noisy) Make(int steps, double noise, ulong seed)
    {
        var clean = new float[steps];
        double phase = 0;
        for (int i = 0; i < steps; i++)
        {
            double period = ShortestPeriod + (LongestPeriod - ShortestPeriod) * (0.5 - 0.5 * Math.Cos(2 * Math.PI * i / 10_000));
            clean[i] = (float)Math.Sin(phase);
            phase += 2 * Math.PI / period;
        }
        return (clean, AddNoise(clean, noise, seed));
    }

    /// <summary>A sine of one <paramref name="period"/> (in steps) starting at <paramref name="phase"/>.</summary>
    public static (float[] Clean, float[] Noisy) Make(int steps, double noise, ulong seed, double period, double phase)
    {
        var clean = new float[steps];
        for (int i = 0; i < steps; i++) clean[i] = (float)Math.Sin(phase + 2 * Math.PI * i / period);
        return (clean, AddNoise(clean, noise, seed));
    }

    /// <summary>The signal plus independent normal noise of standard deviation <paramref name="noise"/> (Box–Muller).</summary>
    private static float[] AddNoise(float[] clean, double noise, ulong seed)
    {
        var random = new Random((int)(seed % int.MaxValue));
        var noisy = new float[clean.Length];
        for (int i = 0; i < clean.Length; i++)
        {
            double gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            noisy[i] = (float)(clean[i] + noise * gaussian);
        }
        return noisy;
    }
}
