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

    [Theory]
    [InlineData(RecurrentCell.Gru, false)]
    [InlineData(RecurrentCell.Lstm, true)]
    [InlineData(RecurrentCell.Gru, true)]
    public void GruAndBidirectionalCallsAllocateNothingAfterWarmUp(RecurrentCell cell, bool bidirectional)
    {
        // The layer output sequences come from ArrayPool<float>.Shared: rented and returned every call.
        var floatShape = new ModelShape(5, 0, 0, 9, 2, 4, Head.Softmax, HeadOn.EveryStep, cell, bidirectional);
        var tokenShape = new ModelShape(0, 13, 3, 7, 2, 2, Head.Sigmoid, HeadOn.LastStep, cell, bidirectional);
        ReferenceLstm floats = RandomModels.Create(floatShape, seed: 11);
        ReferenceLstm tokens = RandomModels.Create(tokenShape, seed: 12);
        float[] inputs = RandomModels.Inputs(floatShape, 10, seed: 13);
        int[] ids = RandomModels.Tokens(tokenShape, 12, seed: 14);
        var floatOutput = new float[floatShape.OutputLength(10)];
        var tokenOutput = new float[tokenShape.OutputLength(12)];
        var floatGradients = new float[floatOutput.Length];
        floatGradients.AsSpan().Fill(0.1f);
        var inputGradients = new float[inputs.Length];
        TrainingTape floatTape = floats.CreateTape(10), tokenTape = tokens.CreateTape(12);
        GradientBuffer floatBuffer = floats.CreateGradients(), tokenBuffer = tokens.CreateGradients();
        LstmState floatState = floats.CreateState(), tokenState = tokens.CreateState();
        LstmState floatStateGradients = floats.CreateState(), tokenStateGradients = tokens.CreateState();
        var stepOutput = new float[floatShape.StepOutputSize];

        void Calls()
        {
            floats.Predict(inputs, floatOutput);
            floats.Predict(inputs, floatOutput, floatState, HeadOutput.Logits);
            tokens.Predict(ids, tokenOutput);
            tokens.Predict(ids, tokenOutput, tokenState);
            if (!bidirectional) floats.Step(inputs.AsSpan(0, 5), stepOutput, floatState);
            floatState.Reset();
            floats.Forward(inputs, floatOutput, floatState, floatTape);
            floats.Backward(floatTape, floatGradients, floatBuffer, inputGradients, floatStateGradients);
            tokenState.Reset();
            tokens.Forward(ids, tokenOutput, tokenState, tokenTape);
            tokens.Backward(tokenTape, [0.5f, -0.25f], tokenBuffer, default, tokenStateGradients);
            floatBuffer.Clear();
            tokenBuffer.Clear();
        }

        Assert.Equal(0, AllocatedBy(Calls));
    }

    /// <summary>Bytes allocated on this thread by 100 runs of <paramref name="calls"/>, after three warm-up runs.</summary>
    private static long AllocatedBy(Action calls) => AllocationProbe.SteadyStateBytes(calls);
}
