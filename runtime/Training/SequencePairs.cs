// Training data for an encoder–decoder: each sample is a source sequence (token ids or float vectors) and a
// target sequence of token ids, of unrelated lengths, which SequenceDataset (one target per input step) cannot hold.
using System;
using System.Collections.Generic;

namespace LstmGen.Training;

/// <summary>
/// (source, target) pairs for an <see cref="EncoderDecoder"/>: a source of token ids or of float vectors
/// (<see cref="InputWidth"/> floats per step) and a target of token ids, each pair with its own lengths.
/// The arrays are copied; nothing is padded.
/// </summary>
public sealed class SequencePairs
{
    private readonly int[][]? _sourceTokens;
    private readonly float[][]? _sourceInputs;
    private readonly int[][] _targets;

    private SequencePairs(int[][]? sourceTokens, float[][]? sourceInputs, int inputWidth, int[][] targets)
    {
        _sourceTokens = sourceTokens;
        _sourceInputs = sourceInputs;
        _targets = targets;
        InputWidth = inputWidth;
        for (int i = 0; i < targets.Length; i++)
        {
            MaxSourceLength = Math.Max(MaxSourceLength, SourceLength(i));
            MaxTargetLength = Math.Max(MaxTargetLength, targets[i].Length);
        }
    }

    /// <summary>Pairs of token-id sources and token-id targets (same count).</summary>
    /// <exception cref="ArgumentException">The counts differ, or a source or target is empty (an <see cref="InvalidSampleException"/> names the sample).</exception>
    public static SequencePairs FromTokens(IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targets)
    {
        ArgumentNullException.ThrowIfNull(sources);
        int[][] targetCopies = CopyTargets(sources.Count, targets);
        var sourceCopies = new int[sources.Count][];
        for (int i = 0; i < sources.Count; i++)
        {
            if (sources[i] is not { Length: > 0 } source) throw new InvalidSampleException(i, "The source is empty (or null); an encoder needs at least one step.", nameof(sources));
            sourceCopies[i] = (int[])source.Clone();
        }
        return new SequencePairs(sourceCopies, null, 0, targetCopies);
    }

    /// <summary>Pairs of float sources (T × <paramref name="inputWidth"/> floats each) and token-id targets.</summary>
    /// <exception cref="ArgumentException">The counts differ, a source is empty or not a whole number of steps, or holds a non-finite value, or a target is empty (an <see cref="InvalidSampleException"/> names the sample).</exception>
    public static SequencePairs FromFloats(IReadOnlyList<float[]> sources, int inputWidth, IReadOnlyList<int[]> targets)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputWidth);
        int[][] targetCopies = CopyTargets(sources.Count, targets);
        var sourceCopies = new float[sources.Count][];
        for (int i = 0; i < sources.Count; i++)
        {
            if (sources[i] is not { Length: > 0 } source) throw new InvalidSampleException(i, "The source is empty (or null); an encoder needs at least one step.", nameof(sources));
            if (source.Length % inputWidth != 0)
                throw new InvalidSampleException(i, $"The source has {source.Length} floats, not a whole number of steps of {inputWidth}.", nameof(sources));
            int bad = Array.FindIndex(source, v => !float.IsFinite(v));
            if (bad >= 0) throw new InvalidSampleException(i, $"The source holds {source[bad]} at float {bad}.", nameof(sources));
            sourceCopies[i] = (float[])source.Clone();
        }
        return new SequencePairs(null, sourceCopies, inputWidth, targetCopies);
    }

    private static int[][] CopyTargets(int count, IReadOnlyList<int[]> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count != count)
            throw new ArgumentException($"Expected {count} targets (one per source), got {targets.Count}.", nameof(targets));
        var copies = new int[count][];
        for (int i = 0; i < count; i++)
        {
            if (targets[i] is not { Length: > 0 } target) throw new InvalidSampleException(i, "The target is empty (or null); include at least the end token.", nameof(targets));
            copies[i] = (int[])target.Clone();
        }
        return copies;
    }

    /// <summary>Number of pairs.</summary>
    public int Count => _targets.Length;

    /// <summary>True when the sources are token ids; false for float vectors.</summary>
    public bool IsTokenSource => _sourceTokens is not null;

    /// <summary>Floats per source step (float sources); 0 for token sources.</summary>
    public int InputWidth { get; }

    /// <summary>The longest source, in steps.</summary>
    public int MaxSourceLength { get; }

    /// <summary>The longest target, in tokens.</summary>
    public int MaxTargetLength { get; }

    /// <summary>Steps in the source of pair <paramref name="index"/>.</summary>
    public int SourceLength(int index) => _sourceTokens is not null ? _sourceTokens[index].Length : _sourceInputs![index].Length / InputWidth;

    /// <summary>The token-id source of pair <paramref name="index"/>.</summary>
    /// <exception cref="InvalidOperationException">The sources are float vectors.</exception>
    public ReadOnlySpan<int> SourceTokens(int index) =>
        _sourceTokens is not null ? _sourceTokens[index] : throw new InvalidOperationException("These pairs have float sources; use SourceInputs.");

    /// <summary>The float source of pair <paramref name="index"/> (steps × <see cref="InputWidth"/>).</summary>
    /// <exception cref="InvalidOperationException">The sources are token ids.</exception>
    public ReadOnlySpan<float> SourceInputs(int index) =>
        _sourceInputs is not null ? _sourceInputs[index] : throw new InvalidOperationException("These pairs have token-id sources; use SourceTokens.");

    /// <summary>The target of pair <paramref name="index"/>.</summary>
    public ReadOnlySpan<int> Target(int index) => _targets[index];
}
