// A task only a model that reads the future can solve: at step t, name the token at step T−1−t (the
// sequence reversed). For the first half of the steps the answer has not been seen yet, so a
// unidirectional model can do no better than chance there; a bidirectional model sees it from its
// reverse direction. Both are generated, trained by the Trainer the same way, and scored on held-out data.
using System;
using System.Collections.Generic;
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Training.Learning;

public class BidirectionalLearningTests(ITestOutputHelper output)
{
    private const int Vocabulary = 4, Steps = 6;

    private static (List<int[]> Tokens, List<int[]> Labels) Reversal(int count, int seed)
    {
        var random = new Random(seed);
        var tokens = new List<int[]>();
        var labels = new List<int[]>();
        for (int n = 0; n < count; n++)
        {
            var x = new int[Steps];
            for (int t = 0; t < Steps; t++) x[t] = random.Next(Vocabulary);
            var y = new int[Steps];
            for (int t = 0; t < Steps; t++) y[t] = x[Steps - 1 - t];
            tokens.Add(x);
            labels.Add(y);
        }
        return (tokens, labels);
    }

    private double Accuracy(RecurrentCell cell, bool bidirectional)
    {
        var (trainX, trainY) = Reversal(600, seed: 1);
        var (testX, testY) = Reversal(200, seed: 2);
        var shape = new ModelShape(0, Vocabulary, 4, 16, 1, Vocabulary, Head.Softmax, HeadOn.EveryStep, cell, bidirectional);
        ITrainableModel model = LearningModels.Create(shape, seed: 3, output);
        var trainer = new LstmGen.Training.Trainer(model, new TrainingOptions
        {
            Epochs = 60, BatchSize = 16, Seed = 4, Threads = 2, Optimizer = new Adam(0.02), ClipGradientNorm = 1,
        });
        trainer.Fit(SequenceDataset.FromTokens(trainX, trainY));
        EvaluationResult result = trainer.Evaluate(SequenceDataset.FromTokens(testX, testY));
        output.WriteLine($"{shape}: held-out {result}");
        return result.Accuracy ?? throw new InvalidOperationException("No accuracy for a softmax head.");
    }

    [Theory]
    [InlineData(RecurrentCell.Lstm)]
    [InlineData(RecurrentCell.Gru)]
    public void OnlyTheBidirectionalModelReversesASequence(RecurrentCell cell)
    {
        double bidirectional = Accuracy(cell, bidirectional: true);
        double forwardOnly = Accuracy(cell, bidirectional: false);
        // Reverse half of the steps at best, chance (1/4) on the other half: at most 5/8 for the forward-only model.
        Assert.True(bidirectional >= 0.97, $"bidirectional {cell}: held-out accuracy {bidirectional:F3}, expected ≥ 0.97");
        Assert.True(forwardOnly <= 0.70, $"unidirectional {cell}: held-out accuracy {forwardOnly:F3}, expected ≤ 0.70 (it cannot see the future)");
    }

    [Fact]
    public void TruncatedBpttIsRefusedForABidirectionalModel()
    {
        var shape = new ModelShape(0, Vocabulary, 4, 12, 1, Vocabulary, Head.Softmax, HeadOn.EveryStep, RecurrentCell.Lstm, bidirectional: true);
        ITrainableModel model = LearningModels.Create(shape, seed: 3, output);
        var ex = Assert.Throws<ArgumentException>(() => new LstmGen.Training.Trainer(model, new TrainingOptions { TruncateSteps = 3 }));
        Assert.Contains("TruncateSteps = 3 cannot train a bidirectional model", ex.Message);
    }
}
