// The evaluation metrics the trainer and ModelEvaluation report, public so users score their own predictions the same way.
using System;

namespace LstmGen.Training;

/// <summary>Classification, regression and language-model metrics.</summary>
public static class Metrics
{
    /// <summary>Index of the largest value (the first on ties; a NaN is never the largest). -1 for an empty span.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return -1;
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best] || (float.IsNaN(values[best]) && !float.IsNaN(values[i]))) best = i;
        }
        return best;
    }

    /// <summary>Fraction of <paramref name="predicted"/> equal to <paramref name="actual"/> (same length, not empty).</summary>
    public static double Accuracy(ReadOnlySpan<int> predicted, ReadOnlySpan<int> actual)
    {
        if (predicted.Length != actual.Length)
            throw new ArgumentException($"Expected as many predictions as labels ({actual.Length}), got {predicted.Length}.", nameof(predicted));
        if (predicted.IsEmpty) throw new ArgumentException("Accuracy needs at least one prediction.", nameof(predicted));
        int correct = 0;
        for (int i = 0; i < predicted.Length; i++) if (predicted[i] == actual[i]) correct++;
        return (double)correct / predicted.Length;
    }

    /// <summary>
    /// Area under the ROC curve: the probability that a random positive scores higher than a random
    /// negative, a tie counting one half. Computed as the Mann–Whitney U statistic with average ranks
    /// for tied scores: <c>AUC = (Σ ranks of positives − P(P+1)/2) / (P·N)</c>. Scores may be
    /// probabilities or logits (any increasing map gives the same AUC).
    /// </summary>
    /// <returns>The AUC, or NaN when all labels are equal (the AUC is undefined) or a score is NaN.</returns>
    public static double RocAuc(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException($"Expected one label per score ({scores.Length}), got {labels.Length}.", nameof(labels));
        int positives = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            if (float.IsNaN(scores[i])) return double.NaN;
            if (labels[i]) positives++;
        }
        int negatives = scores.Length - positives;
        if (positives == 0 || negatives == 0) return double.NaN;

        float[] sorted = scores.ToArray();
        bool[] sortedLabels = labels.ToArray();
        Array.Sort(sorted, sortedLabels);

        // Walk groups of equal scores; each member of a group of ranks [i+1, j] gets the average (i+1+j)/2.
        double positiveRankSum = 0;
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            int groupPositives = 0;
            while (j < sorted.Length && sorted[j] == sorted[i])
            {
                if (sortedLabels[j]) groupPositives++;
                j++;
            }
            double averageRank = (i + 1 + j) / 2.0;
            positiveRankSum += groupPositives * averageRank;
            i = j;
        }
        return (positiveRankSum - positives * (positives + 1.0) / 2) / ((double)positives * negatives);
    }

    /// <summary>As <see cref="RocAuc(ReadOnlySpan{float}, ReadOnlySpan{bool})"/> with 0/1 float labels (≥ ½ is positive).</summary>
    public static double RocAuc(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException($"Expected one label per score ({scores.Length}), got {labels.Length}.", nameof(labels));
        bool[] binary = new bool[labels.Length];
        for (int i = 0; i < labels.Length; i++) binary[i] = labels[i] >= 0.5f;
        return RocAuc(scores, binary);
    }

    /// <summary>Root mean squared error of <paramref name="predicted"/> against <paramref name="actual"/> (same length, not empty).</summary>
    public static double RootMeanSquaredError(ReadOnlySpan<float> predicted, ReadOnlySpan<float> actual)
    {
        CheckPairs(predicted.Length, actual.Length);
        double sum = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            double d = (double)predicted[i] - actual[i];
            sum += d * d;
        }
        return Math.Sqrt(sum / predicted.Length);
    }

    /// <summary>Mean absolute error of <paramref name="predicted"/> against <paramref name="actual"/> (same length, not empty).</summary>
    public static double MeanAbsoluteError(ReadOnlySpan<float> predicted, ReadOnlySpan<float> actual)
    {
        CheckPairs(predicted.Length, actual.Length);
        double sum = 0;
        for (int i = 0; i < predicted.Length; i++) sum += Math.Abs((double)predicted[i] - actual[i]);
        return sum / predicted.Length;
    }

    /// <summary>Perplexity from a mean cross-entropy in nats per token: <c>e^crossEntropy</c>.</summary>
    public static double Perplexity(double crossEntropyNats) => Math.Exp(crossEntropyNats);

    /// <summary>Bits per token (per character, for a character model) from a mean cross-entropy in nats: <c>crossEntropy / ln 2</c>.</summary>
    public static double BitsPerToken(double crossEntropyNats) => crossEntropyNats / Math.Log(2);

    private static void CheckPairs(int predicted, int actual)
    {
        if (predicted != actual) throw new ArgumentException($"Expected as many predictions as targets ({actual}), got {predicted}.", nameof(predicted));
        if (predicted == 0) throw new ArgumentException("Expected at least one prediction.", nameof(predicted));
    }
}
