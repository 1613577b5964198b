// A run stopped at a checkpoint and resumed must end with exactly the weights and optimizer state of a run that never stopped.
using System;
using System.Collections.Generic;
using System.IO;
using Xunit;

namespace LstmGen.Tests.Training.Trainer;

using LstmGen.Training;
using LstmGen.Training.Optimizers;

public sealed class ResumeTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "lstmgen-resume-" + Guid.NewGuid().ToString("N"));

    public ResumeTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static TrainingOptions Options(int epochs, string? checkpoint, IOptimizer optimizer, int threads = 2) => new()
    {
        Epochs = epochs, BatchSize = 8, Seed = 1234, Threads = threads, Optimizer = optimizer, CheckpointPath = checkpoint,
        EarlyStoppingPatience = 10, LearningRateSchedule = new StepDecay(0.02, period: 1, factor: 0.7), ClipGradientNorm = 1,
    };

    private static (Dictionary<string, float[]> Tensors, Dictionary<string, string> Metadata) State(IOptimizer optimizer)
    {
        var tensors = new Dictionary<string, float[]>();
        var metadata = new Dictionary<string, string>();
        optimizer.SaveState(tensors, metadata);
        return (tensors, metadata);
    }

    [Fact]
    public void ResumedRunEndsWithTheWeightsAndOptimizerStateOfAnUninterruptedRun()
    {
        var shape = TrainerFixtures.TokenClassifier();
        var train = TrainerFixtures.TokenData(29, seed: 11);
        var validation = TrainerFixtures.TokenData(9, seed: 12);

        var straightModel = TrainerFixtures.Model(shape, 5);
        var straightOptimizer = new Adam();
        var straight = new Trainer(straightModel, Options(4, null, straightOptimizer));
        var straightResult = straight.Fit(train, validation);

        string checkpoint = Path.Combine(_folder, "run.ckpt.safetensors");
        var firstModel = TrainerFixtures.Model(shape, 5);
        new Trainer(firstModel, Options(2, checkpoint, new Adam(), threads: 1)).Fit(train, validation);

        var resumedModel = TrainerFixtures.Model(shape, 99); // different weights: the checkpoint must replace them
        var resumedOptimizer = new Adam();
        var resumed = new Trainer(resumedModel, Options(4, checkpoint, resumedOptimizer));
        resumed.LoadCheckpoint(checkpoint);
        Assert.Equal(2, resumed.CompletedEpochs);
        var resumedResult = resumed.Fit(train, validation);

        Assert.True(TrainerFixtures.BitwiseEqual(straightModel.Parameters, resumedModel.Parameters),
            TrainerFixtures.FirstDifference(straightModel.Parameters, resumedModel.Parameters));
        var (a, am) = State(straightOptimizer);
        var (b, bm) = State(resumedOptimizer);
        Assert.Equal(a.Keys, b.Keys);
        foreach (string key in a.Keys) Assert.True(TrainerFixtures.BitwiseEqual(a[key], b[key]), key);
        Assert.Equal(am, bm);
        Assert.Equal(straight.CompletedSteps, resumed.CompletedSteps);
        Assert.Equal(4, resumedResult.CompletedEpochs);
        Assert.Equal(2, resumedResult.History.Count);
        Assert.Equal(straightResult.BestEpoch, resumedResult.BestEpoch);
        Assert.Equal(straightResult.BestMetric, resumedResult.BestMetric);
        Assert.Equal(straightResult.History[3].Validation!.Loss, resumedResult.History[1].Validation!.Loss);
    }

    [Fact]
    public void CheckpointLoadsAsAPlainWeightFile()
    {
        var shape = TrainerFixtures.FloatRegressor();
        var model = TrainerFixtures.Model(shape, 1);
        string checkpoint = Path.Combine(_folder, "weights.safetensors");
        new Trainer(model, new TrainingOptions { Epochs = 1, BatchSize = 4, Optimizer = TrainerFixtures.Sgd(), CheckpointPath = checkpoint })
            .Fit(TrainerFixtures.FloatData(10, 2));
        var loaded = new LstmGen.Reference.ReferenceLstm(shape);
        loaded.Load(checkpoint, new LstmGen.IO.WeightLoadOptions { IgnoreExtraTensors = true });
        Assert.True(TrainerFixtures.BitwiseEqual(model.Parameters, loaded.Parameters));
    }

    [Fact]
    public void ResumeRejectsAnotherSeedOrBatchSizeAndLeavesTheModelAlone()
    {
        var shape = TrainerFixtures.TokenClassifier();
        string checkpoint = Path.Combine(_folder, "seed.safetensors");
        new Trainer(TrainerFixtures.Model(shape, 1), Options(1, checkpoint, TrainerFixtures.Sgd())).Fit(TrainerFixtures.TokenData(10, 1));

        var model = TrainerFixtures.Model(shape, 2);
        float[] before = model.Parameters.ToArray();
        var otherSeed = new Trainer(model, new TrainingOptions { Epochs = 2, BatchSize = 8, Seed = 1, Optimizer = TrainerFixtures.Sgd() });
        var e = Assert.Throws<ArgumentException>(() => otherSeed.LoadCheckpoint(checkpoint));
        Assert.Contains("seed", e.Message);
        var otherBatch = new Trainer(model, new TrainingOptions { Epochs = 2, BatchSize = 4, Seed = 1234, Optimizer = TrainerFixtures.Sgd() });
        e = Assert.Throws<ArgumentException>(() => otherBatch.LoadCheckpoint(checkpoint));
        Assert.Contains("batch size", e.Message);
        Assert.True(TrainerFixtures.BitwiseEqual(before, model.Parameters));
        Assert.Equal(0, otherSeed.CompletedEpochs);
    }

    [Fact]
    public void ResumeRejectsAPlainWeightFile()
    {
        var shape = TrainerFixtures.TokenClassifier();
        var model = TrainerFixtures.Model(shape, 1);
        string weights = Path.Combine(_folder, "plain.safetensors");
        model.Save(weights);
        var trainer = new Trainer(model, new TrainingOptions { Optimizer = TrainerFixtures.Sgd() });
        var e = Assert.Throws<ArgumentException>(() => trainer.LoadCheckpoint(weights));
        Assert.Contains("not a training checkpoint", e.Message);
    }
}
