// The baseline a character LSTM has to beat: an interpolated Kneser–Ney character n-gram (Chen & Goodman 1998)
// fitted on the same training text, scored in bits per character on the same positions.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace CharModel;

/// <summary>
/// P_k(c | x) = max(n_k(xc) − D_k, 0) / n_k(x·) + D_k · T_k(x) / n_k(x·) · P_{k−1}(c | x without its first character), for
/// k = order … 1 with x the k − 1 characters before c; n_k is the raw count for the highest order and the continuation
/// count (distinct characters seen before the k-gram) below it; T_k(x) the characters seen after x; P_0 uniform. A
/// context never seen falls back to the next lower order. D_k = n₁ / (n₁ + 2 n₂) of order k's counts.
/// </summary>
public sealed class CharacterNgram
{
    private readonly int _order, _symbols;
    private readonly Dictionary<long, int>[] _counts;                       // per order k (index k − 1): k-gram → n_k
    private readonly Dictionary<long, (int Total, int Types)>[] _contexts;  // per order: (k − 1)-gram → n_k(x·), T_k(x)
    private readonly double[] _discounts;
    private readonly long[] _powers;

    /// <summary>Counts every n-gram of <paramref name="ids"/> (ids in 0 … <paramref name="symbols"/> − 1) up to <paramref name="order"/>.</summary>
    public CharacterNgram(ReadOnlySpan<int> ids, int symbols, int order)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, 8);
        _order = order;
        _symbols = symbols;
        _powers = new long[order + 1];
        _powers[0] = 1;
        for (int k = 1; k <= order; k++) _powers[k] = _powers[k - 1] * symbols;
        _counts = new Dictionary<long, int>[order];
        _contexts = new Dictionary<long, (int, int)>[order];
        _discounts = new double[order];

        // Highest order: raw counts of every n-gram.
        var top = new Dictionary<long, int>();
        for (int end = order - 1; end < ids.Length; end++)
        {
            long gram = 0;
            for (int i = end - order + 1; i <= end; i++) gram = gram * symbols + ids[i];
            CollectionsMarshal.GetValueRefOrAddDefault(top, gram, out _)++;
        }
        _counts[order - 1] = top;
        // Lower orders: how many distinct characters precede each k-gram (the (k + 1)-grams that end with it).
        for (int k = order - 1; k >= 1; k--)
        {
            var counts = new Dictionary<long, int>();
            foreach (long longer in _counts[k].Keys) CollectionsMarshal.GetValueRefOrAddDefault(counts, longer % _powers[k], out _)++;
            _counts[k - 1] = counts;
        }
        for (int k = 1; k <= order; k++)
        {
            var contexts = new Dictionary<long, (int Total, int Types)>();
            int once = 0, twice = 0;
            foreach (var (gram, count) in _counts[k - 1])
            {
                ref var context = ref CollectionsMarshal.GetValueRefOrAddDefault(contexts, gram / symbols, out _);
                context = (context.Total + count, context.Types + 1);
                if (count == 1) once++;
                else if (count == 2) twice++;
            }
            _contexts[k - 1] = contexts;
            _discounts[k - 1] = once > 0 ? Math.Clamp(once / (once + 2.0 * twice), 0.1, 0.95) : 0.5;
        }
    }

    /// <summary>The n-gram order.</summary>
    public int Order => _order;

    /// <summary>P(<paramref name="next"/> | the characters of <paramref name="history"/>, of which the last <see cref="Order"/> − 1 are used).</summary>
    public double Probability(ReadOnlySpan<int> history, int next)
    {
        double p = 1.0 / _symbols;
        for (int k = 1; k <= _order; k++)
        {
            if (k - 1 > history.Length) break;
            long context = 0;
            for (int i = history.Length - (k - 1); i < history.Length; i++) context = context * _symbols + history[i];
            if (!_contexts[k - 1].TryGetValue(context, out var stats)) break; // unseen: longer contexts are unseen too
            double count = _counts[k - 1].GetValueOrDefault(context * _symbols + next);
            double d = _discounts[k - 1];
            p = Math.Max(count - d, 0) / stats.Total + d * stats.Types / stats.Total * p;
        }
        return p;
    }

    /// <summary>Bits per character of a unigram model (character frequencies of <paramref name="train"/>, add-one smoothed) on <paramref name="text"/>.</summary>
    public static double UnigramBitsPerCharacter(ReadOnlySpan<int> train, ReadOnlySpan<int> text, int symbols)
    {
        var counts = new double[symbols];
        counts.AsSpan().Fill(1);
        foreach (int id in train) counts[id]++;
        double total = train.Length + symbols, bits = 0;
        for (int t = 1; t < text.Length; t++) bits -= Math.Log2(counts[text[t]] / total);
        return bits / (text.Length - 1);
    }

    /// <summary>Mean −log₂ P of every character after the first, each given the characters before it.</summary>
    public double BitsPerCharacter(ReadOnlySpan<int> ids)
    {
        if (ids.Length < 2) throw new ArgumentException($"Need at least 2 characters to score, got {ids.Length}.", nameof(ids));
        double bits = 0;
        for (int t = 1; t < ids.Length; t++) bits -= Math.Log2(Probability(ids[Math.Max(0, t - _order + 1)..t], ids[t]));
        return bits / (ids.Length - 1);
    }
}
