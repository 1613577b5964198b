// The metrics users read next to the loss: a confusion matrix with precision/recall/F1, RMSE/MAE, perplexity and bits
// per token — checked by hand on small cases, and through ModelEvaluation.Evaluate against the model's own predictions.
using System;
using System.Linq;
using LstmGen.Reference;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Training.Evaluation;

public sealed class MetricsTests
{
    [Fact]
    public void ConfusionMatrixCountsAndScoresByHand()
    {
        // actual:    0 0 0 1 1 2 2 2 2
        // predicted: 0 1 0 1 1 2 0 2 1
        var m = ConfusionMatrix.From([0, 0, 0, 1, 1, 2, 2, 2, 2], [0, 1, 0, 1, 1, 2, 0, 2, 1], classes: 3);
        Assert.Equal(9, m.Total);
        Assert.Equal(2, m[0, 0]);
        Assert.Equal(1, m[0, 1]);
        Assert.Equal(1, m[2, 0]);
        Assert.Equal(6.0 / 9, m.Accuracy, 12);
        Assert.Equal(2.0 / 3, m.Precision(0), 12); // predicted 0: three times, two right
        Assert.Equal(2.0 / 3, m.Recall(0), 12);
        Assert.Equal(2.0 / 4, m.Precision(1), 12); // predicted 1: four times, two right
        Assert.Equal(1.0, m.Recall(1), 12);
        Assert.Equal(1.0, m.Precision(2), 12);
        Assert.Equal(0.5, m.Recall(2), 12);
        double f1 = 2 * 0.5 * 1.0 / 1.5, f2 = 2 * 1.0 * 0.5 / 1.5, f0 = 2.0 / 3;
        Assert.Equal(f1, m.F1(1), 12);
        Assert.Equal((f0 + f1 + f2) / 3, m.MacroF1, 12);
        Assert.Contains("actual \\ predicted", m.ToString());
        // A table: every row as long as the header, so the counts stand under their class names.
        string[] rows = m.ToString(k => k == 1 ? "five stars" : "c" + k).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, rows.Length);
        Assert.All(rows, row => Assert.Equal(rows[0].Length, row.Length));
        Assert.StartsWith("c2 ", rows[3]);
        Assert.EndsWith(" 2", rows[3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Add(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(1));
        Assert.Throws<ArgumentException>(() => ConfusionMatrix.From([0, 1], [0], 2));
    }

    [Fact]
    public void RegressionAndLanguageModelMetricsByHand()
    {
        Assert.Equal(Math.Sqrt((1 + 4 + 0) / 3.0), Metrics.RootMeanSquaredError([1f, 2f, 3f], [0f, 4f, 3f]), 12);
        Assert.Equal((1 + 2 + 0) / 3.0, Metrics.MeanAbsoluteError([1f, 2f, 3f], [0f, 4f, 3f]), 12);
        Assert.Equal(Math.E, Metrics.Perplexity(1), 12);
        Assert.Equal(1.0, Metrics.BitsPerToken(Math.Log(2)), 12);
        Assert.Throws<ArgumentException>(() => Metrics.MeanAbsoluteError([1f], [1f, 2f]));
        Assert.Throws<ArgumentException>(() => Metrics.RootMeanSquaredError([], []));
    }

    [Fact]
    public void ModelEvaluationOfAClassifierMatchesItsOwnPredictions()
    {
        var model = new ReferenceLstm(new ModelShape(0, 12, 4, 6, 1, 3, Head.Softmax, HeadOn.LastStep));
        model.Initialize(seed: 2);
        var random = new Random(3);
        int[][] tokens = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, random.Next(2, 9)).Select(_ => random.Next(12)).ToArray()).ToArray();
        int[] labels = Enumerable.Range(0, 40).Select(_ => random.Next(3)).ToArray();
        var data = SequenceDataset.FromTokens(tokens, labels);

        EvaluationResult one = model.Evaluate(data, threads: 1), two = model.Evaluate(data, threads: 2);
        Assert.Equal(one.Loss, two.Loss);
        Assert.Equal(one.CrossEntropy, two.CrossEntropy);

        var predicted = new int[40];
        var output = new float[3];
        double nats = 0;
        for (int i = 0; i < 40; i++)
        {
            model.Predict(tokens[i], output);
            predicted[i] = Metrics.ArgMax(output);
            nats -= Math.Log(output[labels[i]]);
        }
        var expected = ConfusionMatrix.From(labels, predicted, 3);
        Assert.NotNull(one.Confusion);
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 3; p++) Assert.Equal(expected[a, p], one.Confusion![a, p]);
        Assert.Equal(expected.Accuracy, one.Accuracy!.Value, 12);
        Assert.Equal(expected.MacroF1, one.F1!.Value, 12);
        Assert.Equal(nats / 40, one.CrossEntropy!.Value, 5);
        Assert.Equal(one.Loss, one.CrossEntropy!.Value, 5); // unweighted, one position per sample: the same mean
        Assert.Equal(Math.Exp(one.CrossEntropy!.Value), one.Perplexity!.Value, 12);
        Assert.Null(one.Rmse);
        Assert.Null(one.RocAuc);
    }

    [Fact]
    public void ModelEvaluationOfARegressionReportsRmseAndMae()
    {
        var model = new ReferenceLstm(new ModelShape(2, 0, 0, 5, 1, 1, Head.Linear, HeadOn.LastStep));
        model.Initialize(seed: 4);
        var random = new Random(5);
        float[][] inputs = Enumerable.Range(0, 30).Select(_ => Enumerable.Range(0, 2 * random.Next(1, 6)).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        float[][] targets = Enumerable.Range(0, 30).Select(_ => new[] { (float)random.NextDouble() }).ToArray();
        EvaluationResult result = model.Evaluate(SequenceDataset.FromFloats(inputs, 2, targets, HeadOn.LastStep));

        var predictions = new float[30];
        var output = new float[1];
        for (int i = 0; i < 30; i++)
        {
            model.Predict(inputs[i], output);
            predictions[i] = output[0];
        }
        float[] actual = targets.Select(t => t[0]).ToArray();
        Assert.Equal(Metrics.RootMeanSquaredError(predictions, actual), result.Rmse!.Value, 6);
        Assert.Equal(Metrics.MeanAbsoluteError(predictions, actual), result.Mae!.Value, 6);
        Assert.Null(result.Accuracy);
        Assert.Null(result.Confusion);
        Assert.Contains("RMSE", result.ToString());
    }

    [Fact]
    public void ABinaryClassifierReportsThePositiveClass()
    {
        var model = new ReferenceLstm(new ModelShape(0, 10, 3, 4, 1, 1, Head.Sigmoid, HeadOn.LastStep));
        model.Initialize(seed: 7);
        var random = new Random(8);
        int[][] tokens = Enumerable.Range(0, 50).Select(_ => Enumerable.Range(0, random.Next(1, 7)).Select(_ => random.Next(10)).ToArray()).ToArray();
        int[] labels = Enumerable.Range(0, 50).Select(_ => random.Next(2)).ToArray();
        EvaluationResult result = model.Evaluate(SequenceDataset.FromTokens(tokens, labels));
        Assert.Equal(2, result.Confusion!.Classes);
        Assert.Equal(result.Confusion.Precision(1), result.Precision);
        Assert.Equal(result.Confusion.Recall(1), result.Recall);
        Assert.NotNull(result.RocAuc);
        Assert.Throws<ArgumentException>(() => model.Evaluate(SequenceDataset.FromTokens(tokens, labels), LossKind.MeanSquaredError));
    }
}
