// ROC AUC and accuracy against examples worked out by hand, ties included.
using System;
using Xunit;

namespace LstmGen.Tests.Training.Trainer;

using LstmGen.Training;

public class MetricsTests
{
    [Fact]
    public void PerfectAndReversedRankings()
    {
        Assert.Equal(1.0, Metrics.RocAuc(new float[] { 0.1f, 0.4f, 0.35f, 0.8f }, new[] { false, true, false, true }), 12);
        Assert.Equal(0.0, Metrics.RocAuc(new float[] { 0.9f, 0.1f }, new[] { false, true }), 12);
    }

    [Fact]
    public void ClassicExampleWithoutTies()
    {
        // scikit-learn's roc_auc_score doc example: y = [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8] → 0.75.
        Assert.Equal(0.75, Metrics.RocAuc(new float[] { 0.1f, 0.4f, 0.35f, 0.8f }, new[] { false, false, true, true }), 12);
    }

    [Fact]
    public void TiesCountOneHalf()
    {
        // Pairs (positive, negative): P = {0.5, 0.7}, N = {0.5, 0.2, 0.7}.
        // 0.5 vs 0.5 tie ½, vs 0.2 win, vs 0.7 loss → 1.5; 0.7 vs 0.5 win, vs 0.2 win, vs 0.7 tie ½ → 2.5. AUC = 4 / 6.
        float[] scores = { 0.5f, 0.5f, 0.2f, 0.7f, 0.7f };
        bool[] labels = { true, false, false, true, false };
        Assert.Equal(4.0 / 6, Metrics.RocAuc(scores, labels), 12);

        // Everything tied: ½.
        Assert.Equal(0.5, Metrics.RocAuc(new float[] { 3, 3, 3, 3 }, new[] { true, false, false, true }), 12);
    }

    [Fact]
    public void MatchesBruteForcePairCountingOnRandomScoresWithManyTies()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = random.Next(2, 60);
            float[] scores = new float[n];
            bool[] labels = new bool[n];
            for (int i = 0; i < n; i++)
            {
                scores[i] = random.Next(0, 6) * 0.25f - 0.5f; // few distinct values: many ties, some negative, some -0 vs 0
                labels[i] = random.Next(2) == 1;
            }
            labels[0] = true;
            labels[1] = false;
            double wins = 0;
            int pairs = 0;
            for (int p = 0; p < n; p++)
            {
                if (!labels[p]) continue;
                for (int q = 0; q < n; q++)
                {
                    if (labels[q]) continue;
                    pairs++;
                    wins += scores[p] > scores[q] ? 1 : scores[p] == scores[q] ? 0.5 : 0;
                }
            }
            Assert.Equal(wins / pairs, Metrics.RocAuc(scores, labels), 12);
        }
    }

    [Fact]
    public void UndefinedWhenOneClassIsMissingOrAScoreIsNaN()
    {
        Assert.True(double.IsNaN(Metrics.RocAuc(new float[] { 0.1f, 0.2f }, new[] { true, true })));
        Assert.True(double.IsNaN(Metrics.RocAuc(new float[] { float.NaN, 0.2f }, new[] { true, false })));
    }

    [Fact]
    public void FloatLabelsUseOneHalfAsTheThreshold()
    {
        Assert.Equal(0.75, Metrics.RocAuc(new float[] { 0.1f, 0.4f, 0.35f, 0.8f }, new float[] { 0, 0, 1, 1 }), 12);
        Assert.Throws<ArgumentException>(() => Metrics.RocAuc(new float[] { 1, 2 }, new float[] { 1 }));
    }

    [Fact]
    public void ArgMaxTakesTheFirstOfTiesAndSkipsNaN()
    {
        Assert.Equal(1, Metrics.ArgMax(new float[] { 1, 3, 3 }));
        Assert.Equal(2, Metrics.ArgMax(new float[] { float.NaN, -1, 2 }));
        Assert.Equal(-1, Metrics.ArgMax(ReadOnlySpan<float>.Empty));
        Assert.Equal(0.5, Metrics.Accuracy(new[] { 1, 2, 3, 4 }, new[] { 1, 0, 3, 0 }));
    }
}
