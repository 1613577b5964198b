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
    /// <summary>Bytes allocated by all threads from the first to the last batch of epoch 2 (epoch 1 warms up the JIT).</summary>
    private long BatchLoopAllocations(ILstmModel model, SequenceDataset data, TrainingOptions options)
    {
        long start = 0, end = 0;
        var trainer = new Trainer((ITrainableModel)model, options);
        int batches = 0;
        trainer.Fit(data, progress: new DivergenceTests.SynchronousProgress(p =>
        {
            if (p.Epoch != 2 || p.Phase != TrainingPhase.Batch) return;
            if (p.Batch == 1) start = GC.GetTotalAllocatedBytes(precise: true);
            if (p.Batch == p.Batches) end = GC.GetTotalAllocatedBytes(precise: true);
            batches = p.Batches;
        }));
        output.WriteLine($"{end - start} bytes over {batches - 1} batches");
        return end - start;
    }

    [Fact]
    public void TokenModelWithTruncationAllocatesNothingPerBatch()
    {
        var model = TrainerFixtures.Model(TrainerFixtures.TokenClassifier(HeadOn.EveryStep), 1);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 8, Threads = 2, TruncateSteps = 5, Optimizer = new Adam(), ClipGradientNorm = 1 };
        Assert.Equal(0, BatchLoopAllocations(model, TrainerFixtures.TokenStepData(400, 1, maxLength: 14), options));
    }

    [Fact]
    public void FloatModelAllocatesNothingPerBatch()
    {
        var model = TrainerFixtures.Model(TrainerFixtures.FloatRegressor(layers: 2), 1);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 8, Threads = 2, Optimizer = new Adam() };
        Assert.Equal(0, BatchLoopAllocations(model, TrainerFixtures.FloatData(400, 1), options));
    }
}
