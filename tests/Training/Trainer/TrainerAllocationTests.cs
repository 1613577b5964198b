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
    /// Bytes allocated from the first to the last batch of epoch 3 (epochs 1 and 2 warm up the JIT and its tiering) by the threads
    /// that train (the test host's own threads allocate now and then, so the process total would be noisy);
    /// and as a cross-check, by the whole process. Also returns the number of batches measured.
    /// </summary>
    private (long Bytes, int Batches) BatchLoopAllocations(ILstmModel model, SequenceDataset data, TrainingOptions options)
    {
        long start = 0, end = 0, processStart = 0, processEnd = 0;
        int batches = 0;
        var trainer = new Trainer((ITrainableModel)model, options);
        long Allocated() => trainer.TrainingThreadsAllocatedBytes;
        trainer.Fit(data, progress: new DivergenceTests.SynchronousProgress(p =>
        {
            if (p.Epoch != 3 || p.Phase != TrainingPhase.Batch) return;
            if (p.Batch == 1) (start, processStart) = (Allocated(), GC.GetTotalAllocatedBytes(precise: true));
            if (p.Batch == p.Batches) (end, processEnd) = (Allocated(), GC.GetTotalAllocatedBytes(precise: true));
            batches = p.Batches - 1;
        }));
        output.WriteLine($"{end - start} bytes over {batches} batches on {options.Threads} training thread(s); {processEnd - processStart} bytes in the whole process");
        return (end - start, batches);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TokenModelWithTruncationAllocatesNothingPerBatch(int threads)
    {
        var model = TrainerFixtures.Model(TrainerFixtures.TokenClassifier(HeadOn.EveryStep), 1);
        var options = new TrainingOptions { Epochs = 3, BatchSize = 8, Threads = threads, TruncateSteps = 5, Optimizer = new Adam(), ClipGradientNorm = 1 };
        AssertNothingPerBatch(threads, BatchLoopAllocations(model, TrainerFixtures.TokenStepData(400, 1, maxLength: 14), options));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void FloatModelAllocatesNothingPerBatch(int threads)
    {
        var model = TrainerFixtures.Model(TrainerFixtures.FloatRegressor(layers: 2), 1);
        var options = new TrainingOptions { Epochs = 3, BatchSize = 8, Threads = threads, Optimizer = new Adam() };
        AssertNothingPerBatch(threads, BatchLoopAllocations(model, TrainerFixtures.FloatData(400, 1), options));
    }

    private static void AssertNothingPerBatch(int threads, (long Bytes, int Batches) measured)
    {
        Assert.True(measured.Batches > 40);
        Assert.Equal(0, measured.Bytes);
    }
}
