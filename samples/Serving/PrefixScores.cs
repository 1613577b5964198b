// How P(five stars) moves word by word: every prefix of a review (its first word, first two words, …, all of them)
// is a sequence of its own, and all of them are scored in one many-sequence call.
using System;
using System.Collections.Generic;
using LstmGen;
using LstmGen.Text;
using Sentiment;

namespace Serving;

/// <summary>The words of a text and P(five stars) after each of them (the last is the score of the whole text).</summary>
public sealed record WordByWord(string[] Words, float[] Probabilities);

public static class PrefixScores
{
    /// <summary>Longest text the page scores word by word (its prefixes hold n(n+1)/2 words in all).</summary>
    public const int MaxWords = 300;

    /// <summary>
    /// Scores every prefix of <paramref name="text"/>'s first <see cref="MaxWords"/> words in one <c>PredictBatch</c> call. Each
    /// prefix reads at most <paramref name="maxLength"/> words, its last ones, as a whole review does.
    /// </summary>
    public static WordByWord Score(SentimentModel model, Vocabulary vocabulary, string text, int maxLength)
    {
        List<string> words = WordTokenizer.Tokenize(text);
        if (words.Count > MaxWords) words.RemoveRange(MaxWords, words.Count - MaxWords);
        if (words.Count == 0) return new WordByWord([], []);
        int[] ids = vocabulary.Encode(words);

        // Prefix k (1 … n) is ids[max(0, k − maxLength) .. k), laid back to back.
        var lengths = new int[words.Count];
        int total = 0;
        for (int k = 1; k <= words.Count; k++) total += lengths[k - 1] = Math.Min(k, maxLength);
        var tokens = new int[total];
        int at = 0;
        for (int k = 1; k <= words.Count; k++)
        {
            ids.AsSpan(k - lengths[k - 1], lengths[k - 1]).CopyTo(tokens.AsSpan(at));
            at += lengths[k - 1];
        }
        var probabilities = new float[model.BatchOutputLength(lengths)];
        model.PredictBatch(tokens, lengths, probabilities, new BatchOptions { UseAllCores = true });
        return new WordByWord(words.ToArray(), probabilities);
    }
}
