// Placeholder shuffle generator until SeededRandom lands from the optim branch: xoshiro256** with a state that checkpoints save.
using System;

namespace LstmGen.Training;

/// <summary>xoshiro256** seeded through SplitMix64; its four state words round-trip through checkpoints.</summary>
internal sealed class TrainerRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public TrainerRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, <paramref name="exclusiveMax"/>), without modulo bias (Lemire's method).</summary>
    public int NextInt(int exclusiveMax)
    {
        ulong range = (ulong)exclusiveMax;
        UInt128 product = (UInt128)NextUInt64() * range;
        ulong low = (ulong)product;
        if (low < range)
        {
            ulong threshold = (0 - range) % range;
            while (low < threshold)
            {
                product = (UInt128)NextUInt64() * range;
                low = (ulong)product;
            }
        }
        return (int)(ulong)(product >> 64);
    }

    public ulong[] GetState() => new[] { _s0, _s1, _s2, _s3 };

    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4) throw new ArgumentException($"Expected 4 state words, got {state.Length}.", nameof(state));
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
