// Checks the reference LSTM allocates nothing per call once warmed up (scratch lives in the state).
using System;
using LstmGen.Reference;
using Xunit;

namespace LstmGen.Tests.Reference;

public sealed class ReferenceLstmAllocationTests
{
    [Fact]
    public void FloatCallsAllocateNothingAfterWarmUp()
    {
        var shape = new ModelShape(5, 0, 0, 9, 3, 4, Head.Softmax, HeadOn.EveryStep);
        ReferenceLstm model = RandomModels.Create(shape, seed: 1);
        float[] inputs = RandomModels.Inputs(shape, 10, seed: 2);
        var output = new float[shape.OutputLength(10)];
        var stepOutput = new float[shape.StepOutputSize];
        LstmState state = model.CreateState();

        void Calls()
        {
            model.Predict(inputs, output);
            model.Predict(inputs, output, state, HeadOutput.Logits);
            model.Predict(inputs, output, state);
            model.Step(inputs.AsSpan(0, 5), stepOutput, state);
            model.Step(inputs.AsSpan(0, 5), stepOutput, state, HeadOutput.Logits);
            model.Step(inputs.AsSpan(0, 5), Span<float>.Empty, state);
        }

        Assert.Equal(0, AllocatedBy(Calls));
    }

    [Fact]
    public void TokenCallsAllocateNothingAfterWarmUp()
    {
        var shape = new ModelShape(0, 13, 3, 7, 2, 2, Head.Sigmoid, HeadOn.LastStep);
        ReferenceLstm model = RandomModels.Create(shape, seed: 3);
        int[] tokens = RandomModels.Tokens(shape, 12, seed: 4);
        var output = new float[shape.OutputLength(12)];
        LstmState state = model.CreateState();

        void Calls()
        {
            model.Predict(tokens, output);
            model.Predict(tokens, output, state, HeadOutput.Logits);
            model.Step(tokens[0], output, state);
            model.Step(tokens[1], Span<float>.Empty, state);
        }

        Assert.Equal(0, AllocatedBy(Calls));
    }

    [Fact]
    public void NoHeadCallsAllocateNothingAfterWarmUp()
    {
        var shape = new ModelShape(2, 0, 0, 3, 1, 0, Head.None, HeadOn.LastStep);
        ReferenceLstm model = RandomModels.Create(shape, seed: 5);
        float[] inputs = RandomModels.Inputs(shape, 4, seed: 6);
        var output = new float[3];
        LstmState state = model.CreateState();

        void Calls()
        {
            model.Predict(inputs, output);
            model.Predict(inputs, output, state);
            model.Step(inputs.AsSpan(0, 2), output, state);
        }

        Assert.Equal(0, AllocatedBy(Calls));
    }

    /// <summary>Bytes allocated on this thread by 100 runs of <paramref name="calls"/>, after three warm-up runs.</summary>
    private static long AllocatedBy(Action calls)
    {
        for (int i = 0; i < 3; i++) calls();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) calls();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
