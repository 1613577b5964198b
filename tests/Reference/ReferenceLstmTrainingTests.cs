// Checks the reference LSTM's training contract beyond the numbers: Forward agrees with Predict,
// Backward adds parameter gradients but writes input and state gradients, tapes are reusable, and
// vanishing carried gradients are flushed to zero.
using System;
using LstmGen.Reference;
using LstmGen.Tests.Golden;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Reference;

public sealed class ReferenceLstmTrainingTests
{
    public static TheoryData<string> Shapes() => RandomModels.AllNames();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardWritesTheLogitsAndFinalStateThatPredictDoes(string name)
    {
        ModelShape shape = RandomModels.Get(name);
        ReferenceLstm model = RandomModels.Create(shape, seed: 11);
        const int steps = 7;
        float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed: 12);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed: 13) : [];
        (LstmState forwardState, _, _) = RandomModels.State(model, seed: 14);
        LstmState predictState = forwardState.Clone();

        var forward = new float[shape.OutputLength(steps)];
        var predict = new float[shape.OutputLength(steps)];
        ReferenceLstmGradientTests.Forward(model, inputs, tokens, forward, forwardState, model.CreateTape(steps));
        RandomModels.Predict(model, inputs, tokens, predict, predictState, HeadOutput.Logits);

        Assert.Equal(predict, forward);
        for (int k = 0; k < shape.StateSlotCount; k++)
        {
            Assert.Equal(predictState.Hidden(k).ToArray(), forwardState.Hidden(k).ToArray());
            Assert.Equal(predictState.Cell(k).ToArray(), forwardState.Cell(k).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardAddsParameterGradientsButWritesInputAndStateGradients(string name)
    {
        ModelShape shape = RandomModels.Get(name);
        var run = new TrainingRun(shape, steps: 5, seed: 21);
        float[] parametersBefore = run.Model.Parameters.ToArray();

        run.Backward();
        float[] once = run.ParameterGradients();
        float[] inputOnce = (float[])run.InputGradients.Clone();
        float[] stateOnce = run.StateGradients();

        // The same tape again: parameter gradients double, the others are overwritten. The second call adds
        // step by step onto the first call's sums, so the rounding differs from 2·g by a few float ulps.
        run.Backward();
        float[] twice = run.ParameterGradients();
        var doubled = new double[once.Length];
        for (int i = 0; i < once.Length; i++) doubled[i] = 2.0 * once[i];
        Assert.InRange(NormalisedError.Of(twice, doubled).Error, 0, 1e-6);
        Assert.Equal(inputOnce, run.InputGradients);
        Assert.Equal(stateOnce, run.StateGradients());

        Assert.Equal(parametersBefore, run.Model.Parameters.ToArray());
        Assert.Contains(once, g => g != 0);
    }

    [Fact]
    public void ZeroOutputGradientsGiveZeroGradients()
    {
        var shape = new ModelShape(3, 0, 0, 5, 2, 4, Head.Softmax, HeadOn.EveryStep);
        var run = new TrainingRun(shape, steps: 6, seed: 31);
        Array.Clear(run.OutputGradients);
        run.Backward();
        Assert.All(run.ParameterGradients(), g => Assert.Equal(0f, g));
        Assert.All(run.InputGradients, g => Assert.Equal(0f, g));
        Assert.All(run.StateGradients(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void ATapeReusedForAShorterSequenceGivesWhatAFreshTapeGives()
    {
        var shape = new ModelShape(0, 9, 3, 6, 2, 2, Head.Sigmoid, HeadOn.EveryStep);
        ReferenceLstm model = RandomModels.Create(shape, seed: 41);
        TrainingTape reused = model.CreateTape(maxSteps: 12);
        var longOutputs = new float[shape.OutputLength(12)];
        ReferenceLstmGradientTests.Forward(model, [], RandomModels.Tokens(shape, 12, seed: 42), longOutputs, model.CreateState(), reused);
        model.Backward(reused, ReferenceLstmGradientTests.RandomVector(longOutputs.Length, seed: 43), model.CreateGradients());

        int[] tokens = RandomModels.Tokens(shape, 4, seed: 44);
        float[] dOutput = ReferenceLstmGradientTests.RandomVector(shape.OutputLength(4), seed: 45);
        float[] ViaTape(TrainingTape tape)
        {
            var outputs = new float[shape.OutputLength(4)];
            ReferenceLstmGradientTests.Forward(model, [], tokens, outputs, model.CreateState(), tape);
            GradientBuffer gradients = model.CreateGradients();
            model.Backward(tape, dOutput, gradients);
            return gradients.Values.ToArray();
        }

        float[] fresh = ViaTape(model.CreateTape(4));
        Assert.Equal(fresh, ViaTape(reused));
        Assert.Equal(4, reused.Steps);
    }

    [Fact]
    public void TokenModelsAccumulateTheEmbeddingRowOfEachUse()
    {
        // Token 2 at three steps, token 0 once, token 1 never: row 1 stays zero, row 2 gets three contributions.
        var shape = new ModelShape(0, 3, 2, 3, 1, 1, Head.Linear, HeadOn.EveryStep);
        ReferenceLstm model = RandomModels.Create(shape, seed: 51);
        int[] tokens = [2, 0, 2, 2];
        var outputs = new float[4];
        TrainingTape tape = model.CreateTape(4);
        ReferenceLstmGradientTests.Forward(model, [], tokens, outputs, model.CreateState(), tape);
        GradientBuffer gradients = model.CreateGradients();
        model.Backward(tape, [1f, 1f, 1f, 1f], gradients);
        ReadOnlySpan<float> embedding = gradients.Values.Slice(shape.GetTensor(ModelShape.EmbeddingWeightName).Offset, 6);
        Assert.Equal([0f, 0f], embedding.Slice(2, 2).ToArray());
        Assert.Contains(embedding.Slice(0, 2).ToArray(), g => g != 0);
        Assert.Contains(embedding.Slice(4, 2).ToArray(), g => g != 0);
    }

    [Fact]
    public void VanishingCarriedGradientsAreFlushedToZero()
    {
        // Small weights make dL/dh and dL/dc shrink ~geometrically going back in time. The gradient
        // reaching h0/c0 is the last carried value: either exactly zero, or at least the flush threshold.
        var shape = new ModelShape(2, 0, 0, 8, 1, 1, Head.Linear, HeadOn.LastStep);
        bool flushed = false;
        foreach (int steps in new[] { 5, 20, 50, 100, 200, 400 })
        {
            var run = new TrainingRun(shape, steps, seed: 61, weightScale: 0.5f);
            run.Backward();
            foreach (float g in run.StateGradients())
            {
                Assert.True(g == 0 || Math.Abs(g) >= ReferenceLstm.FlushThreshold, $"T={steps}: carried gradient {g:R} is below the flush threshold but not zero.");
            }
            if (steps == 5) Assert.Contains(run.StateGradients(), g => g != 0);
            if (steps == 400)
            {
                Assert.All(run.StateGradients(), g => Assert.Equal(0f, g));
                flushed = true;
            }
            Assert.All(run.ParameterGradients(), g => Assert.True(float.IsFinite(g)));
        }
        Assert.True(flushed);
    }

    /// <summary>A model, one recorded random sequence with a random h0/c0, and buffers for its gradients.</summary>
    private sealed class TrainingRun
    {
        public TrainingRun(ModelShape shape, int steps, int seed, float weightScale = 1f)
        {
            Model = RandomModels.Create(shape, seed, weightScale);
            float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed + 1);
            int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed + 2) : [];
            (LstmState state, _, _) = RandomModels.State(Model, seed + 3);
            Tape = Model.CreateTape(steps);
            ReferenceLstmGradientTests.Forward(Model, inputs, tokens, new float[shape.OutputLength(steps)], state, Tape);
            OutputGradients = ReferenceLstmGradientTests.RandomVector(shape.OutputLength(steps), seed + 4);
            Gradients = Model.CreateGradients();
            InputGradients = new float[steps * shape.InputSize];
            StateGradientBuffer = Model.CreateState();
        }

        public ReferenceLstm Model { get; }
        public TrainingTape Tape { get; }
        public float[] OutputGradients { get; }
        public GradientBuffer Gradients { get; }
        public float[] InputGradients { get; }
        public LstmState StateGradientBuffer { get; }

        public void Backward() => Model.Backward(Tape, OutputGradients, Gradients, InputGradients, StateGradientBuffer);

        public float[] ParameterGradients()
        {
            var g = new float[Model.Shape.ParameterCount];
            Model.CopyGradients(Gradients, g);
            return g;
        }

        /// <summary>dh0 and dc0 of every state slot, flattened.</summary>
        public float[] StateGradients()
        {
            int hidden = Model.Shape.HiddenSize;
            var g = new float[2 * Model.Shape.StateSlotCount * hidden];
            for (int k = 0; k < Model.Shape.StateSlotCount; k++)
            {
                StateGradientBuffer.Hidden(k).CopyTo(g.AsSpan(2 * k * hidden));
                StateGradientBuffer.Cell(k).CopyTo(g.AsSpan((2 * k + 1) * hidden));
            }
            return g;
        }
    }
}
