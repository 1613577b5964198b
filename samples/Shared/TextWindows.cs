// Scoring a language model on a long text with the library's evaluation: the text is cut into windows that run side
// by side on every core (model.Evaluate), each window led by the text before it so that its first scored positions
// have context, as they would when the whole text is read as one stream.
using System;
using System.Collections.Generic;
using LstmGen.Training;

namespace LstmGen.Samples;

internal static class TextWindows
{
    /// <summary>
    /// A dataset that scores every token of <paramref name="ids"/> after the first, given the tokens before it: windows of up
    /// to <paramref name="window"/> scored positions, each led by up to <paramref name="context"/> earlier tokens whose
    /// targets are <see cref="SequenceDataset.IgnoreClass"/> (read, not scored). Every position is scored exactly once, so
    /// <c>model.Evaluate(dataset).CrossEntropy</c> is the mean cross-entropy of the whole text, with at least
    /// <paramref name="context"/> tokens of history behind every position (or all of them, near the start).
    /// </summary>
    public static SequenceDataset ForEvaluation(ReadOnlySpan<int> ids, int window, int context)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ids.Length, 2, nameof(ids));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        ArgumentOutOfRangeException.ThrowIfNegative(context);
        var inputs = new List<int[]>();
        var targets = new List<int[]>();
        int positions = ids.Length - 1; // input t predicts token t + 1
        for (int start = 0; start < positions; start += window)
        {
            int lead = Math.Min(context, start), count = Math.Min(window, positions - start);
            var input = ids.Slice(start - lead, lead + count).ToArray();
            var target = ids.Slice(start - lead + 1, lead + count).ToArray();
            target.AsSpan(0, lead).Fill(SequenceDataset.IgnoreClass);
            inputs.Add(input);
            targets.Add(target);
        }
        return SequenceDataset.FromTokens(inputs, targets);
    }
}
