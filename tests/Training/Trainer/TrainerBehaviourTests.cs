// The trainer's observable behaviour: progress reports, validation metrics, early stopping, losses, cancellation.
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Xunit;

namespace LstmGen.Tests.Training.Trainer;

using LstmGen.Training;

public class TrainerBehaviourTests
{
    [Fact]
    public void ProgressArrivesAfterEveryBatchAndEpoch()
    {
        var reports = new List<TrainingProgress>();
        var model = TrainerFixtures.Model(TrainerFixtures.TokenClassifier());
        var trainer = new Trainer(model, new TrainingOptions { Epochs = 2, BatchSize = 4, Optimizer = TrainerFixtures.Sgd() });
        trainer.Fit(TrainerFixtures.TokenData(10, 1), TrainerFixtures.TokenData(5, 2), new DivergenceTests.SynchronousProgress(reports.Add));

        Assert.Equal(2 * (3 + 1), reports.Count);
        var first = reports[0];
        Assert.Equal((TrainingPhase.Batch, 1, 2, 1, 3, 1L, 4, 10), (first.Phase, first.Epoch, first.Epochs, first.Batch, first.Batches, first.Step, first.Samples, first.SamplesPerEpoch));
        Assert.True(first.Loss > 0 && first.SamplesPerSecond > 0 && first.GradientNorm > 0);
        Assert.True(first.Remaining > TimeSpan.Zero);
        Assert.Equal(0.1, first.LearningRate);
        var third = reports[2];
        Assert.Equal((3, 10), (third.Batch, third.Samples));
        var end = reports[3];
        Assert.Equal(TrainingPhase.EpochEnd, end.Phase);
        Assert.NotNull(end.Validation);
        Assert.NotNull(end.Validation!.Accuracy);
        var last = reports[^1];
        Assert.Equal((2, 6L, TimeSpan.Zero), (last.Epoch, last.Step, last.Remaining));
    }

    [Fact]
    public void ConsoleProgressBarRedrawsOneLineOnATerminalAndWritesPlainLinesOtherwise()
    {
        var model = TrainerFixtures.Model(TrainerFixtures.TokenClassifier());
        var terminal = new StringWriter();
        new Trainer(model, new TrainingOptions { Epochs = 2, BatchSize = 2, Optimizer = TrainerFixtures.Sgd() })
            .Fit(TrainerFixtures.TokenData(20, 1), null, new ConsoleProgressBar(terminal, redraw: true) { RedrawInterval = TimeSpan.Zero });
        string text = terminal.ToString();
        Assert.Contains("\repoch 1/2 [###", text);
        Assert.Contains("] 20/20 loss", text);
        Assert.Contains("samples/s", text);
        Assert.Equal(2, text.Split(Environment.NewLine).Length - 1); // one finished line per epoch

        var log = new StringWriter();
        new Trainer(model, new TrainingOptions { Epochs = 1, BatchSize = 2, Optimizer = TrainerFixtures.Sgd() })
            .Fit(TrainerFixtures.TokenData(20, 1), TrainerFixtures.TokenData(4, 2), new ConsoleProgressBar(log, redraw: false));
        string[] lines = log.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain('\r', log.ToString());
        Assert.Equal(9 + 1, lines.Length); // a line at each tenth of the epoch (1 … 9), then the epoch line
        Assert.StartsWith("epoch 1/1 2/20 loss", lines[0]);
        Assert.Contains("validation loss", lines[^1]);
        Assert.Contains("accuracy", lines[^1]);
    }

    [Fact]
    public void EvaluateComputesLossAndAccuracyFromTheModelsPredictions()
    {
        var shape = TrainerFixtures.TokenClassifier();
        var model = TrainerFixtures.Model(shape, 8);
        var data = TrainerFixtures.TokenData(25, 4);
        var result = new Trainer(model, new TrainingOptions { Threads = 2, Optimizer = TrainerFixtures.Sgd() }).Evaluate(data);

        double loss = 0;
        int correct = 0;
        float[] logits = new float[3];
        float[] scratch = new float[3];
        for (int i = 0; i < data.Count; i++)
        {
            model.Predict(data.Tokens(i), logits, model.CreateState(), HeadOutput.Logits);
            loss += LossFunctions.SoftmaxCrossEntropy(logits, data.ClassIds(i)[0], scratch);
            if (Metrics.ArgMax(logits) == data.ClassIds(i)[0]) correct++;
        }
        Assert.Equal(loss / data.Count, result.Loss, 1e-6);
        Assert.Equal((double)correct / data.Count, result.Accuracy);
        Assert.Null(result.RocAuc);
        Assert.Equal(25, result.Samples);
    }

    [Fact]
    public void BinaryHeadReportsRocAucAndAcceptsClassIdsOrValues()
    {
        var shape = new ModelShape(2, 0, 0, 5, 1, 1, Head.Sigmoid, HeadOn.LastStep);
        var model = TrainerFixtures.Model(shape, 3);
        var random = new Random(3);
        var sequences = new List<float[]>();
        var labels = new List<int>();
        var values = new List<float[]>();
        for (int i = 0; i < 40; i++)
        {
            float[] x = new float[2 * random.Next(1, 6)];
            for (int j = 0; j < x.Length; j++) x[j] = (float)random.NextDouble();
            sequences.Add(x);
            labels.Add(x[0] > 0.5f ? 1 : 0);
            values.Add(new float[] { labels[^1] });
        }
        var byClass = SequenceDataset.FromFloats(sequences, 2, labels);
        var byValue = SequenceDataset.FromFloats(sequences, 2, values, HeadOn.LastStep);
        var trainer = new Trainer(model, new TrainingOptions { Optimizer = TrainerFixtures.Sgd() });
        Assert.Equal(LossKind.BinaryCrossEntropy, trainer.LossKind);
        var a = trainer.Evaluate(byClass);
        var b = trainer.Evaluate(byValue);
        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(a.Accuracy, b.Accuracy);
        Assert.NotNull(a.RocAuc);

        float[] scores = new float[40];
        float[] one = new float[1];
        for (int i = 0; i < 40; i++)
        {
            model.Predict(sequences[i], one, model.CreateState(), HeadOutput.Logits);
            scores[i] = one[0];
        }
        Assert.Equal(Metrics.RocAuc(scores, labels.ConvertAll(l => (float)l).ToArray()), a.RocAuc!.Value, 12);

        var fit = trainer.Fit(byClass, byClass);
        Assert.NotNull(fit.History[^1].Validation!.RocAuc);
    }

    [Fact]
    public void EarlyStoppingStopsAfterPatienceAndRestoresTheBestWeights()
    {
        var shape = TrainerFixtures.TokenClassifier();
        var data = TrainerFixtures.TokenData(12, 6);
        var validation = TrainerFixtures.TokenData(6, 7);

        // A min-delta nothing can beat: epoch 1 is best, epochs 2 and 3 use up the patience.
        var model = TrainerFixtures.Model(shape, 4);
        var result = new Trainer(model, new TrainingOptions
        {
            Epochs = 10, BatchSize = 4, Seed = 3, Optimizer = TrainerFixtures.Sgd(), EarlyStoppingPatience = 2, EarlyStoppingMinDelta = 1e9,
        }).Fit(data, validation);
        Assert.Equal(TrainingStopReason.EarlyStopped, result.StopReason);
        Assert.Equal(3, result.CompletedEpochs);
        Assert.Equal(1, result.BestEpoch);
        Assert.Equal(result.History[0].Validation!.Loss, result.BestMetric);
        Assert.Equal(new[] { true, false, false }, System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(result.History, h => h.Improved)));

        var oneEpoch = TrainerFixtures.Model(shape, 4);
        new Trainer(oneEpoch, new TrainingOptions { Epochs = 1, BatchSize = 4, Seed = 3, Optimizer = TrainerFixtures.Sgd() }).Fit(data, validation);
        Assert.True(TrainerFixtures.BitwiseEqual(oneEpoch.Parameters, model.Parameters));
    }

    [Fact]
    public void EarlyStoppingOnAccuracyNeedsAValidationSet()
    {
        var trainer = new Trainer(TrainerFixtures.Model(TrainerFixtures.TokenClassifier()), new TrainingOptions
        {
            Optimizer = TrainerFixtures.Sgd(), EarlyStoppingPatience = 1, EarlyStoppingMetric = EarlyStoppingMetric.Accuracy,
        });
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(TrainerFixtures.TokenData(4, 1)));
        Assert.Contains("validation set", e.Message);
    }

    [Fact]
    public void TrainingReducesTheLossForEveryLossKind()
    {
        // MSE on a float model (last step).
        var regressor = TrainerFixtures.Model(TrainerFixtures.FloatRegressor(), 2);
        var floatData = TrainerFixtures.FloatData(40, 3);
        var mse = new Trainer(regressor, new TrainingOptions { Epochs = 15, BatchSize = 8, Optimizer = TrainerFixtures.Sgd(0.05) });
        double before = mse.Evaluate(floatData).Loss;
        var result = mse.Fit(floatData);
        Assert.Equal(LossKind.MeanSquaredError, mse.LossKind);
        Assert.True(result.History[^1].TrainLoss < 0.7 * before, $"MSE {before} → {result.History[^1].TrainLoss}");

        // Cross-entropy every step.
        var tagger = TrainerFixtures.Model(TrainerFixtures.TokenClassifier(HeadOn.EveryStep), 2);
        var stepData = TrainerFixtures.TokenStepData(40, 3, runningSum: false);
        var ce = new Trainer(tagger, new TrainingOptions { Epochs = 15, BatchSize = 8, Optimizer = TrainerFixtures.Sgd(0.1) });
        before = ce.Evaluate(stepData).Loss;
        result = ce.Fit(stepData);
        Assert.True(result.History[^1].TrainLoss < 0.9 * before, $"CE {before} → {result.History[^1].TrainLoss}");
    }

    [Fact]
    public void CancellationStopsBeforeTheNextBatch()
    {
        using var cancel = new CancellationTokenSource();
        var trainer = new Trainer(TrainerFixtures.Model(TrainerFixtures.TokenClassifier()), new TrainingOptions { Epochs = 3, BatchSize = 2, Optimizer = TrainerFixtures.Sgd() });
        var progress = new DivergenceTests.SynchronousProgress(p => { if (p.Step == 3) cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => trainer.Fit(TrainerFixtures.TokenData(10, 1), null, progress, cancel.Token));
        Assert.Equal(3, trainer.CompletedSteps);
        Assert.Equal(0, trainer.CompletedEpochs);
    }
}
