// Steady-state minibatches must allocate nothing: tapes, states and gradient buffers are made once per Fit.
using System;
using LstmGen.Training.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Training.Trainer;

using LstmGen.Training;

[CollectionDefinition(nameof(TrainerAllocationCollection), DisableParallelization = true)]
public sealed class TrainerAllocationCollection;

/// <summary>Runs alone (no other test allocating at the same time), since it counts every thread's allocations.</summary>
[Collection(nameof(TrainerAllocationCollection))]
public class TrainerAllocationTests(ITestOutputHelper output)
{
    /// <summary>
    /// Bytes allocated from the first to the last batch of each of epochs 3 to 6 (epochs 1 and 2 warm up the JIT
    /// and its tiering) by the threads that train (the test host's own threads allocate now and then, so the
    /// process total would be noisy). A per-batch allocation shows in every epoch; a one-off runtime allocation
    /// (a late tier-1 recompilation under load) in at most one, so the cleanest epoch is what is asserted.
    /// </summary>
    private (long Bytes, int Batches) BatchLoopAllocations(ILstmModel model, SequenceDataset data, TrainingOptions options)
    {
        var perEpoch = new System.Collections.Generic.List<long>();
        long start = 0;
        int batches = 0;
        var trainer = new Trainer((ITrainableModel)model, options);
        long Allocated() => trainer.TrainingThreadsAllocatedBytes;
        trainer.Fit(data, progress: new DivergenceTests.SynchronousProgress(p =>
        {
            if (p.Epoch < 3 || p.Phase != TrainingPhase.Batch) return;
            if (p.Batch == 1) start = Allocated();
            if (p.Batch == p.Batches) perEpoch.Add(Allocated() - start);
            batches = p.Batches - 1;
        }));
        output.WriteLine($"bytes over {batches} batches on {options.Threads} training thread(s), epochs 3 to {2 + perEpoch.Count}: {string.Join(", ", perEpoch)}");
        Assert.Equal(4, perEpoch.Count);
        return (System.Linq.Enumerable.Min(perEpoch), batches);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TokenModelWithTruncationAllocatesNothingPerBatch(int threads)
    {
        var model = TrainerFixtures.Model(TrainerFixtures.TokenClassifier(HeadOn.EveryStep), 1);
        var options = new TrainingOptions { Epochs = 6, BatchSize = 8, Threads = threads, TruncateSteps = 5, Optimizer = new Adam(), ClipGradientNorm = 1 };
        AssertNothingPerBatch(threads, BatchLoopAllocations(model, TrainerFixtures.TokenStepData(400, 1, maxLength: 14), options));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void FloatModelAllocatesNothingPerBatch(int threads)
    {
        var model = TrainerFixtures.Model(TrainerFixtures.FloatRegressor(layers: 2), 1);
        var options = new TrainingOptions { Epochs = 6, BatchSize = 8, Threads = threads, Optimizer = new Adam() };
        AssertNothingPerBatch(threads, BatchLoopAllocations(model, TrainerFixtures.FloatData(400, 1), options));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void GeneratedModelOnTheLanePathAllocatesNothingPerBatch(int threads)
    {
        var shape = new ModelShape(0, 11, 5, 20, 2, 11, Head.Softmax, HeadOn.EveryStep);
        var model = (ITrainableModel)LstmGen.Tests.Generator.ModelCompiler.CreateModel(shape);
        ParameterInit.Initialize(shape, model.Parameters, seed: 1);
        model.ParametersChanged();
        var options = new TrainingOptions { Epochs = 6, BatchSize = 8, Threads = threads, TruncateSteps = 5, Optimizer = new Adam(), ClipGradientNorm = 1 };
        AssertNothingPerBatch(threads, BatchLoopAllocations(model, LaneTrainerTests.EqualLengthStreams(400, 12, seed: 1), options));
    }

    private static void AssertNothingPerBatch(int threads, (long Bytes, int Batches) measured)
    {
        Assert.True(measured.Batches > 40);
        Assert.Equal(0, measured.Bytes);
    }
}
