// A small seeded generator (xoshiro256** seeded by SplitMix64) whose whole state can be saved and
// restored, so initialisation and shuffling are reproducible across .NET versions and checkpoints.
using System;
using System.Globalization;
using System.Numerics;

namespace LstmGen.Training;

/// <summary>
/// xoshiro256** 1.0 (Blackman and Vigna, https://prng.di.unimi.it/), seeded by expanding a 64-bit
/// seed with SplitMix64. The sequence is fixed by this file alone (it does not depend on
/// <see cref="System.Random"/>'s algorithm), and <see cref="GetState"/> / <see cref="SetState"/>
/// capture and restore it exactly. Not thread-safe; not for cryptography.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator from <paramref name="seed"/>; equal seeds give equal sequences.</summary>
    public SeededRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>Creates a generator in a state saved by <see cref="GetState"/>.</summary>
    /// <exception cref="ArgumentException">The state is all zero (xoshiro's one invalid state).</exception>
    public SeededRandom(SeededRandomState state) => SetState(state);

    /// <summary>The generator's complete state; <see cref="SetState"/> continues the sequence from it.</summary>
    public SeededRandomState GetState() => new(_s0, _s1, _s2, _s3);

    /// <summary>Restores a state from <see cref="GetState"/>.</summary>
    /// <exception cref="ArgumentException">The state is all zero (xoshiro's one invalid state).</exception>
    public void SetState(SeededRandomState state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
            throw new ArgumentException("A xoshiro256** state must not be all zero.", nameof(state));
        (_s0, _s1, _s2, _s3) = (state.S0, state.S1, state.S2, state.S3);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [0, 1) with 24 random bits.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>
    /// A standard normal sample (mean 0, standard deviation 1) by the Box–Muller transform of two
    /// <see cref="NextDouble"/> draws; the second value of the pair is not kept, so the state stays four words.
    /// The bits drawn are exact on every machine; the value goes through <see cref="Math.Log(double)"/> and
    /// <see cref="Math.Cos"/>, whose last bit may differ between C runtimes.
    /// </summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]: the logarithm stays finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias (Lemire's multiply-and-reject).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxExclusive"/> is not positive.</exception>
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "maxExclusive must be positive.");
        ulong range = (ulong)maxExclusive;
        ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
        if (low < range)
        {
            ulong threshold = (0UL - range) % range;
            while (low < threshold) high = Math.BigMul(NextUInt64(), range, out low);
        }
        return (int)high;
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates, from the last element down).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>The four 64-bit words of a <see cref="SeededRandom"/>; <see cref="ToString"/> and <see cref="Parse"/> carry it through text metadata.</summary>
/// <param name="S0">Word 0.</param>
/// <param name="S1">Word 1.</param>
/// <param name="S2">Word 2.</param>
/// <param name="S3">Word 3.</param>
public readonly record struct SeededRandomState(ulong S0, ulong S1, ulong S2, ulong S3)
{
    private const string Prefix = "xoshiro256**:";

    /// <summary>The state as <c>xoshiro256**:</c> followed by four 16-digit hex words separated by commas.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{S0:x16},{S1:x16},{S2:x16},{S3:x16}");

    /// <summary>Reads the text of <see cref="ToString"/>.</summary>
    /// <exception cref="FormatException">The text is not in that form.</exception>
    public static SeededRandomState Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
            throw new FormatException($"A random state starts with '{Prefix}', found '{text}'.");
        string[] words = text[Prefix.Length..].Split(',');
        if (words.Length != 4)
            throw new FormatException($"A random state has 4 comma-separated words, found {words.Length} in '{text}'.");
        var values = new ulong[4];
        for (int i = 0; i < 4; i++)
        {
            if (words[i].Length != 16 || !ulong.TryParse(words[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out values[i]))
                throw new FormatException($"Word {i} of the random state must be 16 hex digits, found '{words[i]}'.");
        }
        return new SeededRandomState(values[0], values[1], values[2], values[3]);
    }
}
