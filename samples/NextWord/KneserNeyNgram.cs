// The baseline a neural language model has to beat: an interpolated Kneser–Ney trigram (or bigram) (Chen & Goodman
// 1998) over the same token ids, fitted on the same training text. Discounts per order from the counts of counts.
using System;
using System.Collections.Generic;

namespace NextWord;

/// <summary>
/// P(w | u v) = max(c(uvw) − D₃, 0) / c(uv·) + D₃ · N₁₊(uv·) / c(uv·) · P₂(w | v), with lower orders on continuation
/// counts: P₂(w | v) = max(N₁₊(·vw) − D₂, 0) / N₁₊(·v·) + D₂ · N₁₊(v·) / N₁₊(·v·) · P₁(w), and P₁(w) = max(N₁₊(·w) − D₁, 0) / N₁₊(··)
/// + D₁ · (words with N₁₊(·w) &gt; 0) / N₁₊(··) / V, so every id of the vocabulary has a probability. An unseen context falls
/// back to the next lower order. D = n₁ / (n₁ + 2 n₂) of each order's counts (Ney, Essen and Kneser 1994).
/// A bigram model is the same with u always the start symbol: its top level then holds the raw bigram counts.
/// </summary>
public sealed class KneserNeyNgram
{
    private readonly int _vocabulary;
    private readonly Dictionary<long, int> _trigrams = new();          // c(uvw)
    private readonly Dictionary<long, (int Count, int Types)> _contexts2 = new(); // c(uv·), N₁₊(uv·)
    private readonly Dictionary<long, int> _bigramContinuations = new(); // N₁₊(·vw)
    private readonly int[] _context1Total, _context1Types;              // N₁₊(·v·), N₁₊(v·) over continuations
    private readonly int[] _unigramContinuations;                       // N₁₊(·w)
    private readonly int _bigramTypes, _unigramTypes;
    private readonly double _d1, _d2, _d3;
    private readonly int _start;

    /// <summary>3 for a trigram, 2 for a bigram.</summary>
    public int Order { get; }

    /// <summary>Counts every trigram (<paramref name="order"/> 3) or bigram (2) of <paramref name="ids"/>, the text preceded by the start symbol <paramref name="start"/>.</summary>
    public KneserNeyNgram(ReadOnlySpan<int> ids, int vocabulary, int order = 3, int start = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, 3);
        _vocabulary = vocabulary;
        _start = start;
        Order = order;
        int u = start, v = start;
        foreach (int w in ids)
        {
            CollectionsMarshalAdd(_trigrams, Key(order == 3 ? u : start, v, w));
            u = v;
            v = w;
        }
        var countOfCounts3 = new int[3];
        foreach (var (key, count) in _trigrams)
        {
            long context = key / vocabulary;
            _contexts2[context] = _contexts2.TryGetValue(context, out var c) ? (c.Count + count, c.Types + 1) : (count, 1);
            CollectionsMarshalAdd(_bigramContinuations, key % ((long)vocabulary * vocabulary));
            if (count <= 2) countOfCounts3[count]++;
        }
        _context1Total = new int[vocabulary];
        _context1Types = new int[vocabulary];
        _unigramContinuations = new int[vocabulary];
        var countOfCounts2 = new int[3];
        foreach (var (key, count) in _bigramContinuations)
        {
            int first = (int)(key / vocabulary), second = (int)(key % vocabulary);
            _context1Total[first] += count;
            _context1Types[first]++;
            _unigramContinuations[second]++;
            _bigramTypes++;
            if (count <= 2) countOfCounts2[count]++;
        }
        var countOfCounts1 = new int[3];
        foreach (int count in _unigramContinuations)
        {
            if (count > 0) _unigramTypes++;
            if (count is > 0 and <= 2) countOfCounts1[count]++;
        }
        _d3 = Discount(countOfCounts3);
        _d2 = Discount(countOfCounts2);
        _d1 = Discount(countOfCounts1);
    }

    /// <summary>P(<paramref name="w"/> | <paramref name="u"/> <paramref name="v"/>) (a bigram ignores <paramref name="u"/>).</summary>
    public double Probability(int u, int v, int w)
    {
        if (Order == 2) u = _start;
        double p1 = Math.Max(_unigramContinuations[w] - _d1, 0) / _bigramTypes + _d1 * _unigramTypes / _bigramTypes / _vocabulary;
        double p2 = p1;
        if (_context1Total[v] > 0)
        {
            double continuation = _bigramContinuations.GetValueOrDefault((long)v * _vocabulary + w);
            p2 = Math.Max(continuation - _d2, 0) / _context1Total[v] + _d2 * _context1Types[v] / _context1Total[v] * p1;
        }
        if (!_contexts2.TryGetValue((long)u * _vocabulary + v, out var context)) return p2;
        double count = _trigrams.GetValueOrDefault(Key(u, v, w));
        return Math.Max(count - _d3, 0) / context.Count + _d3 * context.Types / context.Count * p2;
    }

    /// <summary>exp of the mean −ln P over every token of <paramref name="ids"/> after the first, each given the two before it (the start symbol before the text).</summary>
    public double Perplexity(ReadOnlySpan<int> ids)
    {
        double nats = 0;
        for (int t = 1; t < ids.Length; t++) nats -= Math.Log(Probability(t >= 2 ? ids[t - 2] : _start, ids[t - 1], ids[t]));
        return Math.Exp(nats / (ids.Length - 1));
    }

    private long Key(int u, int v, int w) => ((long)u * _vocabulary + v) * _vocabulary + w;

    /// <summary>Perplexity of add-one smoothed word frequencies of <paramref name="train"/> on <paramref name="ids"/> (every token after the first).</summary>
    public static double UnigramPerplexity(ReadOnlySpan<int> train, ReadOnlySpan<int> ids, int vocabulary)
    {
        var counts = new double[vocabulary];
        foreach (int id in train) counts[id]++;
        double nats = 0;
        for (int t = 1; t < ids.Length; t++) nats -= Math.Log((counts[ids[t]] + 1) / (train.Length + vocabulary));
        return Math.Exp(nats / (ids.Length - 1));
    }

    private static double Discount(int[] countOfCounts) =>
        countOfCounts[1] > 0 ? Math.Clamp(countOfCounts[1] / (countOfCounts[1] + 2.0 * countOfCounts[2]), 0.1, 0.95) : 0.5;

    private static void CollectionsMarshalAdd(Dictionary<long, int> counts, long key) =>
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _)++;
}
