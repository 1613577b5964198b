// W8's data: the Sentiment sample's bundled reviews, tokenized, encoded and truncated exactly as the sample does it
// (words, a 5,000-entry vocabulary with min count 2, the last 200 words), so the timed training sees the real
// length distribution. Found by walking up from the bench's folder to the repository's samples/.
using System;
using System.Collections.Generic;
using System.IO;
using LstmGen.Text;
using LstmGen.Training;

namespace LstmGen.Bench;

public static class SentimentData
{
    private const string RelativePath = "samples/Sentiment/data/fine_foods_train.csv";
    private const int MaxLength = 200;

    /// <summary>The reviews' token ids and 0/1 labels in file order.</summary>
    public static (List<int[]> Reviews, List<int> Labels) Load()
    {
        string path = Find() ?? throw new FileNotFoundException($"W8 reads the Sentiment sample's reviews ({RelativePath}); no folder above {AppContext.BaseDirectory} has them.");
        CsvTable table = CsvTable.Load(path);
        string[] texts = table.GetColumn("text");
        double[] labels = table.GetNumbers("label");
        var words = new List<List<string>>(texts.Length);
        foreach (string text in texts) words.Add(WordTokenizer.Tokenize(text));
        Vocabulary vocabulary = Vocabulary.Build(words, SentimentModel.VocabularySize, minCount: 2);
        var reviews = new List<int[]>(words.Count);
        var classes = new List<int>(words.Count);
        for (int i = 0; i < words.Count; i++)
        {
            int[] ids = SequencePadding.Truncate(vocabulary.Encode(words[i]), MaxLength);
            reviews.Add(ids.Length > 0 ? ids : new[] { 1 }); // an empty review reads as one unknown word
            classes.Add((int)labels[i]);
        }
        return (reviews, classes);
    }

    /// <summary>The first <paramref name="count"/> reviews of a seeded shuffle: a sample of the file's lengths and labels.</summary>
    public static (List<int[]> Reviews, List<int> Labels) Sample(int count, ulong seed)
    {
        var (reviews, labels) = Load();
        int[] order = new int[reviews.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        new SeededRandom(seed).Shuffle(order.AsSpan());
        var pickedReviews = new List<int[]>(count);
        var pickedLabels = new List<int>(count);
        for (int i = 0; i < count; i++)
        {
            pickedReviews.Add(reviews[order[i]]);
            pickedLabels.Add(labels[order[i]]);
        }
        return (pickedReviews, pickedLabels);
    }

    /// <summary>The mean length of W8's timed reviews, for its floor.</summary>
    public static bool TryMeanLength(out double mean, out string source)
    {
        mean = 0;
        if (Find() is null)
        {
            source = $"{RelativePath} not found";
            return false;
        }
        var (reviews, _) = Sample(SentimentTraining.Reviews, SentimentTraining.DataSeed);
        long total = 0;
        foreach (int[] review in reviews) total += review.Length;
        mean = (double)total / reviews.Count;
        source = $"W8's {reviews.Count} reviews from {RelativePath}";
        return true;
    }

    private static string? Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, RelativePath);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
