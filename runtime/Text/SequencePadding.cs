// Cuts or pads id sequences to a fixed length, as Keras' pad_sequences does, for models fed fixed-length input.
using System;

namespace LstmGen.Text;

/// <summary>Which end of a sequence padding goes to, or is cut from.</summary>
public enum SequenceEnd
{
    /// <summary>The beginning (Keras "pre").</summary>
    Start,

    /// <summary>The end (Keras "post").</summary>
    End,
}

/// <summary>Fixed-length sequences from variable-length ones.</summary>
public static class SequencePadding
{
    /// <summary>
    /// A sequence of exactly <paramref name="length"/> ids: longer ones lose ids at <paramref name="truncate"/>,
    /// shorter ones get <paramref name="padValue"/> at <paramref name="pad"/>. The defaults (pad and cut at the
    /// start) keep the end of a text next to the last step, where a last-step head reads it.
    /// </summary>
    public static int[] PadOrTruncate(ReadOnlySpan<int> ids, int length, SequenceEnd pad = SequenceEnd.Start, SequenceEnd truncate = SequenceEnd.Start, int padValue = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var result = new int[length];
        if (ids.Length >= length)
        {
            (truncate == SequenceEnd.Start ? ids[(ids.Length - length)..] : ids[..length]).CopyTo(result);
            return result;
        }
        int padding = length - ids.Length;
        if (pad == SequenceEnd.Start)
        {
            result.AsSpan(0, padding).Fill(padValue);
            ids.CopyTo(result.AsSpan(padding));
        }
        else
        {
            ids.CopyTo(result);
            result.AsSpan(ids.Length).Fill(padValue);
        }
        return result;
    }

    /// <summary>At most the last (or first) <paramref name="maxLength"/> ids, without padding; empty sequences become one padding id.</summary>
    public static int[] Truncate(ReadOnlySpan<int> ids, int maxLength, SequenceEnd truncate = SequenceEnd.Start, int padValue = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        if (ids.IsEmpty) return new[] { padValue };
        if (ids.Length <= maxLength) return ids.ToArray();
        return (truncate == SequenceEnd.Start ? ids[(ids.Length - maxLength)..] : ids[..maxLength]).ToArray();
    }
}
