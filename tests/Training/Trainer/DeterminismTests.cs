// The same seed must give bitwise-identical weights whatever the thread count: the trainer's promise for reproducible runs.
using System;
using LstmGen.Training.Optimizers;
using Xunit;

namespace LstmGen.Tests.Training.Trainer;

using LstmGen.Training;

public class DeterminismTests
{
    private static float[] Train(ModelShape shape, SequenceDataset data, int threads, int truncate = 0, int samplesPerChunk = 4)
    {
        var model = TrainerFixtures.Model(shape, seed: 7);
        var trainer = new Trainer(model, new TrainingOptions
        {
            Epochs = 3, BatchSize = 10, Seed = 42, Threads = threads, TruncateSteps = truncate,
            SamplesPerChunk = samplesPerChunk, Optimizer = new Adam(0.01), ClipGradientNorm = 0.5,
        });
        trainer.Fit(data);
        return model.Parameters.ToArray();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void TokenClassifierIsBitwiseIdenticalOnOneAndManyThreads(int threads)
    {
        var data = TrainerFixtures.TokenData(37, seed: 3);
        var shape = TrainerFixtures.TokenClassifier();
        float[] one = Train(shape, data, 1);
        float[] many = Train(shape, data, threads);
        Assert.True(TrainerFixtures.BitwiseEqual(one, many), TrainerFixtures.FirstDifference(one, many));
        Assert.False(TrainerFixtures.BitwiseEqual(one, TrainerFixtures.Model(shape, 7).Parameters), "training changed nothing");
    }

    [Fact]
    public void EveryStepLabelsWithTruncationAreBitwiseIdenticalOnOneAndTwoThreads()
    {
        var data = TrainerFixtures.TokenStepData(23, seed: 5, maxLength: 20);
        var shape = TrainerFixtures.TokenClassifier(HeadOn.EveryStep);
        float[] one = Train(shape, data, 1, truncate: 6);
        float[] two = Train(shape, data, 2, truncate: 6);
        Assert.True(TrainerFixtures.BitwiseEqual(one, two), TrainerFixtures.FirstDifference(one, two));
    }

    [Fact]
    public void FloatRegressionWithTwoLayersIsBitwiseIdenticalOnOneAndTwoThreads()
    {
        var data = TrainerFixtures.FloatData(31, seed: 9);
        var shape = TrainerFixtures.FloatRegressor(layers: 2);
        float[] one = Train(shape, data, 1, samplesPerChunk: 3);
        float[] two = Train(shape, data, 2, samplesPerChunk: 3);
        Assert.True(TrainerFixtures.BitwiseEqual(one, two), TrainerFixtures.FirstDifference(one, two));
    }

    [Fact]
    public void DifferentSeedsShuffleDifferently()
    {
        var data = TrainerFixtures.TokenData(37, seed: 3);
        var shape = TrainerFixtures.TokenClassifier();
        float[] a = Train(shape, data, 1);
        var model = TrainerFixtures.Model(shape, seed: 7);
        new Trainer(model, new TrainingOptions { Epochs = 3, BatchSize = 10, Seed = 43, Threads = 1, Optimizer = new Adam(0.01), ClipGradientNorm = 0.5 }).Fit(data);
        Assert.False(TrainerFixtures.BitwiseEqual(a, model.Parameters));
    }

    [Fact]
    public void DropoutMasksDependOnTheSeedNotOnThreadsOrResumes()
    {
        // A generated 2-layer model with dropout between the layers and on the embeddings, truncated BPTT.
        var shape = new ModelShape(0, 11, 5, 20, 2, 3, Head.Softmax, HeadOn.EveryStep) { Dropout = 0.3f, InputDropout = 0.2f };
        var data = TrainerFixtures.TokenStepData(30, seed: 8, maxLength: 15);
        float[] Run(int threads, int epochs, ulong seed, string? checkpoint, string? resumeFrom)
        {
            var model = (ITrainableModel)LstmGen.Tests.Generator.ModelCompiler.CreateModel(shape);
            ParameterInit.Initialize(shape, model.Parameters, seed: 3);
            model.ParametersChanged();
            var trainer = new Trainer(model, new TrainingOptions
            {
                Epochs = epochs, BatchSize = 7, Seed = seed, Threads = threads, TruncateSteps = 6,
                Optimizer = new Adam(0.01), ClipGradientNorm = 1, CheckpointPath = checkpoint,
            });
            if (resumeFrom is not null) trainer.LoadCheckpoint(resumeFrom);
            trainer.Fit(data);
            return model.Parameters.ToArray();
        }

        string checkpoint = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lstmgen-dropout-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            float[] one = Run(1, 3, 5, null, null);
            float[] two = Run(2, 3, 5, null, null);
            Assert.True(TrainerFixtures.BitwiseEqual(one, two), TrainerFixtures.FirstDifference(one, two));
            Run(2, 1, 5, checkpoint, null);
            float[] resumed = Run(2, 3, 5, null, checkpoint);
            Assert.True(TrainerFixtures.BitwiseEqual(one, resumed), TrainerFixtures.FirstDifference(one, resumed));
            Assert.False(TrainerFixtures.BitwiseEqual(one, Run(1, 3, 6, null, null)), "another seed must draw other masks (and shuffle differently)");
        }
        finally
        {
            System.IO.File.Delete(checkpoint);
        }
    }

    [Fact]
    public void GeneratedModelIsBitwiseIdenticalOnOneAndTwoThreadsAndResumesExactly()
    {
        var shape = new ModelShape(0, 11, 5, 20, 2, 3, Head.Softmax, HeadOn.EveryStep);
        var data = TrainerFixtures.TokenStepData(30, seed: 8, maxLength: 15);
        float[] Run(int threads, int epochs, string? checkpoint, string? resumeFrom)
        {
            var model = (ITrainableModel)LstmGen.Tests.Generator.ModelCompiler.CreateModel(shape);
            ParameterInit.Initialize(shape, model.Parameters, seed: 3);
            model.ParametersChanged();
            var trainer = new Trainer(model, new TrainingOptions
            {
                Epochs = epochs, BatchSize = 7, Seed = 5, Threads = threads, TruncateSteps = 6,
                Optimizer = new Adam(0.01), ClipGradientNorm = 1, CheckpointPath = checkpoint,
            });
            if (resumeFrom is not null) trainer.LoadCheckpoint(resumeFrom);
            trainer.Fit(data);
            return model.Parameters.ToArray();
        }

        string checkpoint = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lstmgen-generated-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            float[] one = Run(1, 3, null, null);
            float[] two = Run(2, 3, null, null);
            Assert.True(TrainerFixtures.BitwiseEqual(one, two), TrainerFixtures.FirstDifference(one, two));
            Run(2, 1, checkpoint, null);
            float[] resumed = Run(2, 3, null, checkpoint);
            Assert.True(TrainerFixtures.BitwiseEqual(one, resumed), TrainerFixtures.FirstDifference(one, resumed));
        }
        finally
        {
            System.IO.File.Delete(checkpoint);
        }
    }
}
