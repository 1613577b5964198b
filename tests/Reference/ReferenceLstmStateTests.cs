// Checks the reference model keeps the state contract of ILstmModel: Predict is a sequence of Steps,
// a carried state splits a run exactly, the model-owned state starts at zero every call (streamable
// models: LSTM and GRU; bidirectional models cannot Step, see ReferenceBidirectionalTests).
using System;
using LstmGen.Reference;
using Xunit;

namespace LstmGen.Tests.Reference;

public sealed class ReferenceLstmStateTests
{
    public static TheoryData<string> Shapes() => RandomModels.StreamableNames();

    public static TheoryData<string> AllShapes() => RandomModels.AllNames();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void PredictEqualsSequenceOfSteps(string name)
    {
        ModelShape shape = RandomModels.Get(name);
        const int steps = 6;
        ReferenceLstm model = RandomModels.Create(shape, seed: 21);
        float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed: 22);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed: 23) : [];
        foreach (HeadOutput kind in new[] { HeadOutput.Activated, HeadOutput.Logits })
        {
            var (predictState, _, _) = RandomModels.State(model, seed: 24);
            LstmState stepState = predictState.Clone();
            var predicted = new float[shape.OutputLength(steps)];
            RandomModels.Predict(model, inputs, tokens, predicted, predictState, kind);

            int size = shape.StepOutputSize;
            var stepped = new float[steps * size];
            for (int t = 0; t < steps; t++) RandomModels.Step(model, inputs, tokens, t, stepped.AsSpan(t * size, size), stepState, kind);

            float[] expected = shape.HeadOn == HeadOn.EveryStep ? stepped : stepped.AsSpan((steps - 1) * size).ToArray();
            Assert.Equal(expected, predicted);
            AssertSameState(stepState, predictState);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void StepWithEmptyOutputOnlyAdvancesTheState(string name)
    {
        ModelShape shape = RandomModels.Get(name);
        ReferenceLstm model = RandomModels.Create(shape, seed: 31);
        float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, 3, seed: 32);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, 3, seed: 33) : [];
        LstmState silent = model.CreateState();
        LstmState loud = model.CreateState();
        var output = new float[shape.StepOutputSize];
        for (int t = 0; t < 3; t++)
        {
            RandomModels.Step(model, inputs, tokens, t, Span<float>.Empty, silent, HeadOutput.Activated);
            RandomModels.Step(model, inputs, tokens, t, output, loud, HeadOutput.Activated);
            AssertSameState(loud, silent);
        }
        Assert.NotEqual(0f, MaxAbs(silent.Hidden(shape.LayerCount - 1)));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TwoHalvesWithCarriedStateEqualOneWholeRun(string name)
    {
        ModelShape shape = RandomModels.Get(name);
        const int steps = 8, first = 3;
        ReferenceLstm model = RandomModels.Create(shape, seed: 41);
        float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed: 42);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed: 43) : [];
        var (whole, _, _) = RandomModels.State(model, seed: 44);
        LstmState halves = whole.Clone();

        var wholeOutput = new float[shape.OutputLength(steps)];
        RandomModels.Predict(model, inputs, tokens, wholeOutput, whole, HeadOutput.Activated);

        int size = shape.StepOutputSize, iw = shape.InputSize;
        var a = new float[shape.OutputLength(first)];
        var b = new float[shape.OutputLength(steps - first)];
        if (shape.IsTokenModel)
        {
            ((ITokenSequenceModel)model).Predict(tokens.AsSpan(0, first), a, halves);
            ((ITokenSequenceModel)model).Predict(tokens.AsSpan(first), b, halves);
        }
        else
        {
            ((IFloatSequenceModel)model).Predict(inputs.AsSpan(0, first * iw), a, halves);
            ((IFloatSequenceModel)model).Predict(inputs.AsSpan(first * iw), b, halves);
        }

        AssertSameState(whole, halves);
        if (shape.HeadOn == HeadOn.EveryStep)
        {
            Assert.Equal(wholeOutput.AsSpan(0, first * size).ToArray(), a);
            Assert.Equal(wholeOutput.AsSpan(first * size).ToArray(), b);
        }
        else
        {
            Assert.Equal(wholeOutput, b);
        }
    }

    [Theory]
    [MemberData(nameof(AllShapes))]
    public void ZeroStatePredictStartsFromZeroEveryCall(string name)
    {
        ModelShape shape = RandomModels.Get(name);
        ReferenceLstm model = RandomModels.Create(shape, seed: 51);
        float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, 5, seed: 52);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, 5, seed: 53) : [];
        var first = new float[shape.OutputLength(5)];
        var second = new float[first.Length];
        var explicitZero = new float[first.Length];
        if (shape.IsTokenModel)
        {
            ((ITokenSequenceModel)model).Predict(tokens, first);
            ((ITokenSequenceModel)model).Predict(tokens, second);
        }
        else
        {
            ((IFloatSequenceModel)model).Predict(inputs, first);
            ((IFloatSequenceModel)model).Predict(inputs, second);
        }
        RandomModels.Predict(model, inputs, tokens, explicitZero, model.CreateState(), HeadOutput.Activated);
        Assert.Equal(explicitZero, first);
        Assert.Equal(explicitZero, second);
    }

    [Fact]
    public void StatesOfOneModelAreIndependent()
    {
        var shape = new ModelShape(2, 0, 0, 5, 2, 0, Head.None, HeadOn.EveryStep);
        ReferenceLstm model = RandomModels.Create(shape, seed: 61);
        LstmState a = model.CreateState(), b = model.CreateState();
        var output = new float[5];
        model.Step([1f, -1f], output, a);
        Assert.Equal(0f, MaxAbs(b.Hidden(0)));
        Assert.Equal(0f, MaxAbs(b.Cell(1)));
        Assert.Equal(output, a.Hidden(1).ToArray());
    }

    [Fact]
    public void NoHeadOutputIsTheTopLayersHidden()
    {
        var shape = new ModelShape(3, 0, 0, 4, 3, 0, Head.None, HeadOn.LastStep);
        ReferenceLstm model = RandomModels.Create(shape, seed: 71);
        float[] inputs = RandomModels.Inputs(shape, 4, seed: 72);
        LstmState state = model.CreateState();
        var output = new float[4];
        model.Predict(inputs, output, state);
        Assert.Equal(state.Hidden(2).ToArray(), output);
    }

    [Fact]
    public void ParametersWrittenInPlaceAreUsedAtOnce()
    {
        var shape = new ModelShape(1, 0, 0, 3, 1, 2, Head.Linear, HeadOn.LastStep);
        ReferenceLstm model = RandomModels.Create(shape, seed: 81);
        var before = new float[2];
        var after = new float[2];
        model.Predict([0.5f, 1f], before);
        model.Parameters[shape.GetTensor(ModelShape.HeadBiasName).Offset] += 1f;
        model.ParametersChanged();
        model.Predict([0.5f, 1f], after);
        Assert.Equal(before[0] + 1f, after[0], 1e-6f);
        Assert.Equal(before[1], after[1]);
    }

    private static void AssertSameState(LstmState expected, LstmState actual)
    {
        for (int k = 0; k < expected.SlotCount; k++)
        {
            Assert.Equal(expected.Hidden(k).ToArray(), actual.Hidden(k).ToArray());
            Assert.Equal(expected.Cell(k).ToArray(), actual.Cell(k).ToArray());
        }
    }

    private static float MaxAbs(ReadOnlySpan<float> values)
    {
        float m = 0;
        foreach (float v in values) m = MathF.Max(m, MathF.Abs(v));
        return m;
    }
}
