// Reviews as the model reads them: a CSV with text and label columns, words from the library's tokenizer, word ids from
// a vocabulary built on the training part, the last N words of each review, and a seeded stratified split.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using LstmGen.Text;
using LstmGen.Training;

namespace Sentiment;

/// <summary>One review: its words and its label (1 = five stars).</summary>
public sealed record Review(List<string> Words, int Label);

public static class Reviews
{
    /// <summary>Sentences to try a model on: short, mixed and hard ones (the fourth says "great" and means the opposite).</summary>
    public static readonly string[] Examples =
    [
        "Beyond comprehension",
        "I rate it so-so",
        "Unbelievable service",
        "I wish I could say the movie was great but I can't",
        "Absolutely delicious, my kids love these and I will buy them again!",
        "Stale, tasteless and overpriced. Never again.",
    ];

    /// <summary>Reads a CSV with a <c>text</c> and a <c>label</c> column (0 or 1).</summary>
    public static List<Review> Load(string path)
    {
        CsvTable table = CsvTable.Load(path);
        string[] texts = table.GetColumn("text");
        double[] labels = table.GetNumbers("label");
        var reviews = new List<Review>(texts.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            if (labels[i] is not (0 or 1)) throw new InvalidDataException($"{path}: row {i + 1}: label must be 0 or 1, not {labels[i].ToString(CultureInfo.InvariantCulture)}.");
            reviews.Add(new Review(WordTokenizer.Tokenize(texts[i]), (int)labels[i]));
        }
        return reviews;
    }

    /// <summary>
    /// The word ids of <paramref name="words"/>, the last <paramref name="maxLength"/> of them. A text without a word becomes
    /// one unknown word, since every sequence needs at least one step.
    /// </summary>
    public static int[] Encode(IReadOnlyList<string> words, Vocabulary vocabulary, int maxLength)
    {
        int[] ids = SequencePadding.Truncate(vocabulary.Encode(words), maxLength);
        return ids.Length > 0 ? ids : [Vocabulary.Unknown];
    }

    /// <summary>The word ids of <paramref name="text"/> (see <see cref="Encode(IReadOnlyList{string}, Vocabulary, int)"/>).</summary>
    public static int[] Encode(string text, Vocabulary vocabulary, int maxLength) => Encode(WordTokenizer.Tokenize(text), vocabulary, maxLength);

    /// <summary>Every review's word ids and the labels, in order.</summary>
    public static (int[][] Ids, int[] Labels) Encode(IReadOnlyList<Review> reviews, Vocabulary vocabulary, int maxLength) =>
        (reviews.Select(r => Encode(r.Words, vocabulary, maxLength)).ToArray(), reviews.Select(r => r.Label).ToArray());

    /// <summary>
    /// Sequences laid back to back, as <c>PredictBatch</c> reads them: all ids in one array, and each sequence's length.
    /// </summary>
    public static (int[] Tokens, int[] Lengths) Pack(IReadOnlyList<int[]> sequences)
    {
        var tokens = new int[sequences.Sum(s => s.Length)];
        var lengths = new int[sequences.Count];
        int at = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            sequences[i].CopyTo(tokens, at);
            at += lengths[i] = sequences[i].Length;
        }
        return (tokens, lengths);
    }

    /// <summary>Indices of a seeded split that keeps each label's share: <paramref name="fraction"/> of each label held out.</summary>
    public static (List<int> Train, List<int> HeldOut) StratifiedSplit(IReadOnlyList<int> labels, double fraction, ulong seed)
    {
        var random = new SeededRandom(seed);
        var train = new List<int>();
        var heldOut = new List<int>();
        foreach (int label in labels.Distinct().Order())
        {
            int[] members = Enumerable.Range(0, labels.Count).Where(i => labels[i] == label).ToArray();
            random.Shuffle(members.AsSpan());
            int held = (int)Math.Round(members.Length * fraction);
            heldOut.AddRange(members.Take(held));
            train.AddRange(members.Skip(held));
        }
        train.Sort();
        heldOut.Sort();
        return (train, heldOut);
    }
}
