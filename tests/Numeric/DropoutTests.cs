// Dropout (between layers and on the input): the masks themselves, the generated forward and backward against
// the double model by finite differences and against the reference model, and what inference must not do.
using System;
using System.Linq;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Tests.Reference;
using LstmGen.Training;
using Xunit;
using LstmGen.CompilerServices;

namespace LstmGen.Tests.Numeric;

public sealed class DropoutTests
{
    /// <summary>Unidirectional and bidirectional, LSTM (with and without peepholes) and GRU, token and float, unrolled and compact (a layer loop), every head kind.</summary>
    public static TheoryData<string> Forms() => new()
    {
        "Inputs = 3, Hidden = 20, Layers = 3, Outputs = 2, HeadOn = LstmGen.HeadOn.EveryStep, Dropout = 0.3, InputDropout = 0.2",
        "Vocabulary = 12, Embedding = 6, Hidden = 17, Layers = 2, Outputs = 4, Head = LstmGen.Head.Softmax, Dropout = 0.5, InputDropout = 0.25",
        "Inputs = 4, Hidden = 80, Layers = 4, Outputs = 3, HeadOn = LstmGen.HeadOn.EveryStep, Dropout = 0.4",
        "Inputs = 2, Hidden = 11, Layers = 2, Cell = LstmGen.RecurrentCell.Gru, Outputs = 1, Head = LstmGen.Head.Sigmoid, Dropout = 0.3",
        "Vocabulary = 10, Embedding = 5, Hidden = 12, Layers = 2, Bidirectional = true, Outputs = 3, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.FinalState, Dropout = 0.3, InputDropout = 0.2",
        "Inputs = 3, Hidden = 9, Layers = 3, Bidirectional = true, Cell = LstmGen.RecurrentCell.Gru, HeadOn = LstmGen.HeadOn.EveryStep, Dropout = 0.5, InputDropout = 0.1",
        "Inputs = 5, Hidden = 16, Layers = 1, Outputs = 2, InputDropout = 0.5",
        "Vocabulary = 9, Embedding = 4, Hidden = 10, Layers = 2, Peephole = true, Bidirectional = true, Outputs = 2, HeadOn = LstmGen.HeadOn.EveryStep, Dropout = 0.3, InputDropout = 0.2",
        "Inputs = 3, Hidden = 13, Layers = 3, Peephole = true, Outputs = 2, Dropout = 0.3",
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void GeneratedGradientsMatchFiniteDifferencesWithFixedMasks(string arguments) =>
        GeneratedGradientTests.Check(ModelCompiler.CreateModel(arguments).Shape, seed: arguments.Length, steps: 5, maxChecked: 200);

    [Theory]
    [MemberData(nameof(Forms))]
    public void GeneratedAndReferenceDrawTheSameMasksAndGradients(string arguments)
    {
        var generated = (ITrainableModel)ModelCompiler.CreateModel(arguments);
        ModelShape shape = generated.Shape;
        ReferenceLstm reference = RandomModels.Create(shape, seed: 5);
        reference.Parameters.CopyTo(generated.Parameters);
        generated.ParametersChanged();
        const int steps = 7;
        float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed: 6);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed: 6) : [];

        (float[] Outputs, float[] Gradients, float[] InputGradients) Run(ITrainableModel model, ulong seed)
        {
            TrainingTape tape = model.CreateTape(steps);
            tape.DropoutSeed = seed;
            var outputs = new float[shape.OutputLength(steps)];
            LstmState state = model.CreateState();
            if (shape.IsTokenModel) ((ITokenTrainableModel)model).Forward(tokens, outputs, state, tape);
            else ((IFloatTrainableModel)model).Forward(inputs, outputs, state, tape);
            var weights = new float[outputs.Length];
            for (int i = 0; i < weights.Length; i++) weights[i] = MathF.Sin(i * 1.7f + 0.3f);
            GradientBuffer buffer = model.CreateGradients();
            var inputGradients = new float[inputs.Length];
            model.Backward(tape, weights, buffer, inputGradients);
            var gradients = new float[shape.ParameterCount];
            model.CopyGradients(buffer, gradients);
            return (outputs, gradients, inputGradients);
        }

        var a = Run(generated, 12345);
        var b = Run(reference, 12345);
        GeneratedGradientTests.AssertClose(ToDouble(b.Outputs), ToDouble(a.Outputs), 2e-5, $"{shape}: outputs");
        GeneratedGradientTests.AssertClose(ToDouble(b.Gradients), ToDouble(a.Gradients), 2e-5, $"{shape}: parameter gradients");
        GeneratedGradientTests.AssertClose(ToDouble(b.InputGradients), ToDouble(a.InputGradients), 2e-5, $"{shape}: input gradients");

        // Another seed draws other masks: the outputs move (the dropout is really applied).
        var c = Run(generated, 999);
        Assert.NotEqual(a.Outputs, c.Outputs);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void InferenceNeverDrops(string arguments)
    {
        // Predict of a dropout model equals the double model without any mask.
        var model = ModelCompiler.CreateModel(arguments);
        ModelShape shape = model.Shape;
        RandomModels.Create(shape, seed: 8).Parameters.CopyTo(model.Parameters);
        model.ParametersChanged();
        const int steps = 6;
        var outputs = new float[shape.OutputLength(steps)];
        ScalarLstm scalar = ScalarLstm.For(shape, model.Parameters);
        double[] expected;
        if (shape.IsTokenModel)
        {
            int[] tokens = RandomModels.Tokens(shape, steps, seed: 9);
            ((ITokenSequenceModel)model).Predict(tokens, outputs, model.CreateState(), HeadOutput.Logits);
            expected = scalar.RunTokens(tokens, null, null, logits: true).Output;
        }
        else
        {
            float[] inputs = RandomModels.Inputs(shape, steps, seed: 9);
            ((IFloatSequenceModel)model).Predict(inputs, outputs, model.CreateState(), HeadOutput.Logits);
            expected = scalar.RunFloat(inputs, null, null, logits: true).Output;
        }
        GeneratedGradientTests.AssertClose(expected, ToDouble(outputs), 2e-5, $"{shape}: Predict");
    }

    [Fact]
    public void MasksDropTheRateAndScaleTheRest()
    {
        foreach (float rate in new[] { 0.1f, 0.3f, 0.5f, 0.8f })
        {
            var mask = new float[20000];
            DropoutMask.Fill(mask, rate, seed: 77, step: 3, site: 1);
            int dropped = mask.Count(v => v == 0);
            double fraction = dropped / (double)mask.Length;
            // Binomial standard deviation √(p(1−p)/n) ≤ 0.0036: 5σ.
            Assert.InRange(fraction, rate - 0.018, rate + 0.018);
            Assert.All(mask, v => Assert.True(v == 0 || v == 1f / (1f - rate), $"mask value {v}"));
        }
    }

    [Fact]
    public void MasksAreAFunctionOfSeedStepSiteAndFeature()
    {
        var a = new float[512];
        var b = new float[512];
        DropoutMask.Fill(a, 0.5f, seed: 1, step: 2, site: 3);
        DropoutMask.Fill(b, 0.5f, seed: 1, step: 2, site: 3);
        Assert.Equal(a, b);
        foreach ((ulong seed, int step, int site) in new[] { (2UL, 2, 3), (1UL, 3, 3), (1UL, 2, 4) })
        {
            DropoutMask.Fill(b, 0.5f, seed, step, site);
            int same = a.Zip(b).Count(p => p.First == p.Second);
            Assert.InRange(same, 256 - 60, 256 + 60); // independent: about half agree
        }
        // A slice starting at feature 100 is the same as features 100… of the whole.
        var part = new float[50];
        DropoutMask.Fill(part, 0.5f, seed: 1, step: 2, site: 3, firstFeature: 100);
        Assert.Equal(a.AsSpan(100, 50).ToArray(), part);
        Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMask.Fill(a, 1f, 1, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMask.Fill(a, -0.1f, 1, 0, 0));
    }

    [Fact]
    public void ShapesWithOtherRatesAreDifferentShapes()
    {
        var plain = new ModelShape(3, 0, 0, 8, 2, 1, Head.Linear, HeadOn.LastStep);
        var dropped = new ModelShape(3, 0, 0, 8, 2, 1, Head.Linear, HeadOn.LastStep) { Dropout = 0.25f };
        Assert.NotEqual(plain, dropped);
        Assert.Contains("Dropout=0.25", dropped.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelShape(3, 0, 0, 8, 2, 1, Head.Linear, HeadOn.LastStep) { InputDropout = 1f });
        // A tape of one is refused by the other (their records differ in size).
        var generated = (ITrainableModel)ModelCompiler.CreateModel("Inputs = 3, Hidden = 8, Layers = 2, Outputs = 1, Dropout = 0.25");
        var other = (IFloatTrainableModel)ModelCompiler.CreateModel("Inputs = 3, Hidden = 8, Layers = 2, Outputs = 1");
        Assert.Equal(dropped, generated.Shape);
        var error = Assert.Throws<ArgumentException>(() => other.Forward(new float[6], new float[1], other.CreateState(), generated.CreateTape(2)));
        Assert.Contains("Dropout=0.25", error.Message);
    }

    [Fact]
    public void DropoutModelsTrainSampleBySample()
    {
        Assert.IsNotAssignableFrom<ILaneTrainableModel>(ModelCompiler.CreateModel("Inputs = 3, Hidden = 8, Layers = 2, Outputs = 1, Dropout = 0.25"));
        Assert.IsAssignableFrom<ILaneTrainableModel>(ModelCompiler.CreateModel("Inputs = 3, Hidden = 8, Layers = 2, Outputs = 1"));
    }

    private static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);
}
