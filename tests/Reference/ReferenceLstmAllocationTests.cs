// Checks the reference LSTM allocates nothing per call once warmed up (scratch lives in the state, and
// for training in the tape).
using System;
using LstmGen.Reference;
using LstmGen.Training;
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

    [Fact]
    public void FloatForwardAndBackwardAllocateNothingAfterWarmUp()
    {
        var shape = new ModelShape(5, 0, 0, 9, 3, 4, Head.Softmax, HeadOn.EveryStep);
        ReferenceLstm model = RandomModels.Create(shape, seed: 7);
        float[] inputs = RandomModels.Inputs(shape, 10, seed: 8);
        var outputs = new float[shape.OutputLength(10)];
        var outputGradients = new float[outputs.Length];
        outputGradients.AsSpan().Fill(0.1f);
        var inputGradients = new float[inputs.Length];
        TrainingTape tape = model.CreateTape(16);
        GradientBuffer gradients = model.CreateGradients();
        LstmState state = model.CreateState();
        LstmState stateGradients = model.CreateState();
        var pytorch = new float[shape.ParameterCount];

        void Calls()
        {
            model.Forward(inputs, outputs, state, tape);
            model.Backward(tape, outputGradients, gradients, inputGradients, stateGradients);
            model.Forward(inputs.AsSpan(0, 15), outputs.AsSpan(0, shape.OutputLength(3)), state, tape);
            model.Backward(tape, outputGradients.AsSpan(0, shape.OutputLength(3)), gradients);
            model.CopyGradients(gradients, pytorch);
        }

        Assert.Equal(0, AllocatedBy(Calls));
    }

    [Fact]
    public void TokenForwardAndBackwardAllocateNothingAfterWarmUp()
    {
        var shape = new ModelShape(0, 13, 3, 7, 2, 2, Head.Sigmoid, HeadOn.LastStep);
        ReferenceLstm model = RandomModels.Create(shape, seed: 9);
        int[] tokens = RandomModels.Tokens(shape, 12, seed: 10);
        var outputs = new float[shape.OutputLength(12)];
        float[] outputGradients = [0.5f, -0.25f];
        TrainingTape tape = model.CreateTape(12);
        GradientBuffer gradients = model.CreateGradients();
        LstmState state = model.CreateState();
        LstmState stateGradients = model.CreateState();

        void Calls()
        {
            state.Reset();
            model.Forward(tokens, outputs, state, tape);
            model.Backward(tape, outputGradients, gradients, default, stateGradients);
            gradients.Clear();
        }

        Assert.Equal(0, AllocatedBy(Calls));
    }

    /// <summary>Bytes allocated on this thread by 100 runs of <paramref name="calls"/>, after three warm-up runs.</summary>
    private static long AllocatedBy(Action calls) => AllocationProbe.SteadyStateBytes(calls);
}
