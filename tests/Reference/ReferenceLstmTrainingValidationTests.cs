// Checks every argument error of the reference LSTM's training members: the exception type, the
// argument it names, and that the message gives the expected and the actual value.
using System;
using LstmGen.Reference;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Reference;

public sealed class ReferenceLstmTrainingValidationTests
{
    private static readonly ModelShape FloatShape = new(3, 0, 0, 5, 2, 4, Head.Softmax, HeadOn.EveryStep);
    private static readonly ModelShape TokenShape = new(0, 11, 4, 5, 1, 2, Head.Sigmoid, HeadOn.LastStep);

    private static ReferenceLstm FloatModel() => RandomModels.Create(FloatShape, seed: 1);
    private static ReferenceLstm TokenModel() => RandomModels.Create(TokenShape, seed: 2);

    /// <summary>A float model with a recorded two-step Forward (8 outputs).</summary>
    private static (ReferenceLstm Model, TrainingTape Tape) Recorded()
    {
        ReferenceLstm model = FloatModel();
        TrainingTape tape = model.CreateTape(4);
        model.Forward(new float[6], new float[8], model.CreateState(), tape);
        return (model, tape);
    }

    // ---- Forward -------------------------------------------------------------------------------

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void ForwardRejectsInputsNotAPositiveMultipleOfInputs(int length)
    {
        ReferenceLstm model = FloatModel();
        var e = Assert.Throws<ArgumentException>(() => model.Forward(new float[length], new float[8], model.CreateState(), model.CreateTape(4)));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("multiple of 3", e.Message);
        Assert.Contains($"got {length}", e.Message);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(0)]
    public void ForwardRejectsWrongOutputLength(int length)
    {
        ReferenceLstm model = FloatModel();
        var e = Assert.Throws<ArgumentException>(() => model.Forward(new float[6], new float[length], model.CreateState(), model.CreateTape(4)));
        Assert.Equal("outputs", e.ParamName);
        Assert.Contains($"Expected an output span of 8 floats, got {length}", e.Message);

        ReferenceLstm tokens = TokenModel();
        e = Assert.Throws<ArgumentException>(() => tokens.Forward([1, 2, 3], new float[6], tokens.CreateState(), tokens.CreateTape(4)));
        Assert.Equal("outputs", e.ParamName);
        Assert.Contains("Expected an output span of 2 floats, got 6", e.Message);
    }

    [Fact]
    public void ForwardRejectsTokensOutsideTheVocabulary()
    {
        ReferenceLstm model = TokenModel();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward([3, 11], new float[2], model.CreateState(), model.CreateTape(4)));
        Assert.Equal("tokens", e.ParamName);
        Assert.Contains("tokens[1] = 11", e.Message);
        Assert.Equal("tokens", Assert.Throws<ArgumentException>(() => model.Forward(ReadOnlySpan<int>.Empty, new float[2], model.CreateState(), model.CreateTape(4))).ParamName);
    }

    [Fact]
    public void ForwardRejectsANullOrMisshapenState()
    {
        ReferenceLstm model = FloatModel();
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => model.Forward(new float[3], new float[4], null!, model.CreateTape(1))).ParamName);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(new float[3], new float[4], new LstmState(1, 5, 20), model.CreateTape(1)));
        Assert.Equal("state", e.ParamName);
        Assert.Contains("needs 2 slot(s) of 5 units", e.Message);
    }

    [Fact]
    public void ForwardRejectsANullTape()
    {
        ReferenceLstm model = FloatModel();
        Assert.Equal("tape", Assert.Throws<ArgumentNullException>(() => model.Forward(new float[3], new float[4], model.CreateState(), null!)).ParamName);
        ReferenceLstm tokens = TokenModel();
        Assert.Equal("tape", Assert.Throws<ArgumentNullException>(() => tokens.Forward([1], new float[2], tokens.CreateState(), null!)).ParamName);
    }

    [Fact]
    public void ForwardRejectsATapeOfAnotherShape()
    {
        ReferenceLstm model = FloatModel();
        TrainingTape other = TokenModel().CreateTape(4);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(new float[3], new float[4], model.CreateState(), other));
        Assert.Equal("tape", e.ParamName);
        Assert.Contains($"created for a model of shape ({TokenShape})", e.Message);
        Assert.Contains($"not ({FloatShape})", e.Message);
    }

    [Fact]
    public void ForwardRejectsATapeTooShortForTheSequence()
    {
        ReferenceLstm model = FloatModel();
        var e = Assert.Throws<ArgumentException>(() => model.Forward(new float[9], new float[12], model.CreateState(), model.CreateTape(2)));
        Assert.Equal("tape", e.ParamName);
        Assert.Contains("3 steps", e.Message);
        Assert.Contains("at most 2", e.Message);
    }

    [Fact]
    public void ATapeWithAnotherImplementationsLayoutIsRejected()
    {
        // Same shape, different layout: what a generated model's tape looks like to the reference model.
        ReferenceLstm model = FloatModel();
        var foreign = new TrainingTape(FloatShape, "lstmgen-packed-v1", maxSteps: 4, floatsPerStep: 64, fixedFloats: 10);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(new float[3], new float[4], model.CreateState(), foreign));
        Assert.Equal("tape", e.ParamName);
        Assert.Contains("layout", e.Message);
        Assert.Equal("tape", Assert.Throws<ArgumentException>(() => model.Backward(foreign, new float[4], model.CreateGradients())).ParamName);
    }

    [Fact]
    public void ARejectedForwardLeavesTheTapesRecordingUsable()
    {
        (ReferenceLstm model, TrainingTape tape) = Recorded();
        Assert.Throws<ArgumentException>(() => model.Forward(new float[9], new float[11], model.CreateState(), tape));
        Assert.Equal(2, tape.Steps);
        model.Backward(tape, new float[8], model.CreateGradients());
    }

    [Fact]
    public void ForwardOnTheWrongInputFormSaysWhichFormTheModelHas()
    {
        var floats = (IFloatTrainableModel)TokenModel();
        var e = Assert.Throws<InvalidOperationException>(() => floats.Forward(new float[4], new float[2], floats.CreateState(), floats.CreateTape(1)));
        Assert.Contains("reads token ids", e.Message);
        var tokens = (ITokenTrainableModel)FloatModel();
        e = Assert.Throws<InvalidOperationException>(() => tokens.Forward([1], new float[4], tokens.CreateState(), tokens.CreateTape(1)));
        Assert.Contains("reads 3 float input(s)", e.Message);
    }

    // ---- Backward ------------------------------------------------------------------------------

    [Fact]
    public void BackwardRejectsANullTapeAndATapeWithNoForward()
    {
        ReferenceLstm model = FloatModel();
        Assert.Equal("tape", Assert.Throws<ArgumentNullException>(() => model.Backward(null!, new float[4], model.CreateGradients())).ParamName);
        var e = Assert.Throws<InvalidOperationException>(() => model.Backward(model.CreateTape(3), new float[4], model.CreateGradients()));
        Assert.Contains("call Forward before Backward", e.Message);
    }

    [Fact]
    public void BackwardRejectsATapeOfAnotherShape()
    {
        ReferenceLstm tokens = TokenModel();
        TrainingTape tape = tokens.CreateTape(2);
        tokens.Forward([1, 2], new float[2], tokens.CreateState(), tape);
        ReferenceLstm model = FloatModel();
        var e = Assert.Throws<ArgumentException>(() => model.Backward(tape, new float[2], model.CreateGradients()));
        Assert.Equal("tape", e.ParamName);
        Assert.Contains($"not ({FloatShape})", e.Message);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(4)]
    [InlineData(0)]
    public void BackwardRejectsOutputGradientsOfAnotherLength(int length)
    {
        (ReferenceLstm model, TrainingTape tape) = Recorded();
        var e = Assert.Throws<ArgumentException>(() => model.Backward(tape, new float[length], model.CreateGradients()));
        Assert.Equal("outputGradients", e.ParamName);
        Assert.Contains("Expected 8 output gradients", e.Message);
        Assert.Contains("2 step(s)", e.Message);
        Assert.Contains($"got {length}", e.Message);
    }

    [Fact]
    public void BackwardRejectsANullOrForeignGradientBuffer()
    {
        (ReferenceLstm model, TrainingTape tape) = Recorded();
        Assert.Equal("gradients", Assert.Throws<ArgumentNullException>(() => model.Backward(tape, new float[8], null!)).ParamName);

        var e = Assert.Throws<ArgumentException>(() => model.Backward(tape, new float[8], TokenModel().CreateGradients()));
        Assert.Equal("gradients", e.ParamName);
        Assert.Contains($"belongs to a model of shape ({TokenShape}), not ({FloatShape})", e.Message);

        e = Assert.Throws<ArgumentException>(() => model.Backward(tape, new float[8], new GradientBuffer(FloatShape, "lstmgen-reference-v2", 10)));
        Assert.Equal("gradients", e.ParamName);
        Assert.Contains($"{FloatShape.ParameterCount} floats (ParameterCount), got 10", e.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(12)]
    public void BackwardRejectsInputGradientsOfAnotherLength(int length)
    {
        (ReferenceLstm model, TrainingTape tape) = Recorded();
        var e = Assert.Throws<ArgumentException>(() => model.Backward(tape, new float[8], model.CreateGradients(), new float[length]));
        Assert.Equal("inputGradients", e.ParamName);
        Assert.Contains("Expected 6 input gradient floats (steps × Inputs = 2 × 3)", e.Message);
        Assert.Contains($"got {length}", e.Message);
    }

    [Fact]
    public void BackwardOfATokenModelRejectsInputGradients()
    {
        ReferenceLstm model = TokenModel();
        TrainingTape tape = model.CreateTape(2);
        model.Forward([1, 2], new float[2], model.CreateState(), tape);
        var e = Assert.Throws<ArgumentException>(() => model.Backward(tape, new float[2], model.CreateGradients(), new float[8]));
        Assert.Equal("inputGradients", e.ParamName);
        Assert.Contains("token ids", e.Message);
        Assert.Contains("not 8 floats", e.Message);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 4)]
    public void BackwardRejectsAnInitialStateGradientOfAnotherShape(int layers, int hidden)
    {
        (ReferenceLstm model, TrainingTape tape) = Recorded();
        var e = Assert.Throws<ArgumentException>(() => model.Backward(tape, new float[8], model.CreateGradients(), default, new LstmState(layers, hidden)));
        Assert.Equal("initialStateGradients", e.ParamName);
        Assert.Contains($"has {layers} slot(s) of {hidden} units; expected 2 of 5", e.Message);
    }

    [Fact]
    public void BackwardAcceptsAnInitialStateGradientWithoutScratch()
    {
        (ReferenceLstm model, TrainingTape tape) = Recorded();
        model.Backward(tape, new float[8], model.CreateGradients(), default, new LstmState(2, 5));
    }

    [Fact]
    public void ARejectedBackwardAddsNothing()
    {
        (ReferenceLstm model, TrainingTape tape) = Recorded();
        GradientBuffer gradients = model.CreateGradients();
        Assert.Throws<ArgumentException>(() => model.Backward(tape, new float[8], gradients, new float[5]));
        Assert.All(gradients.Values.ToArray(), g => Assert.Equal(0f, g));
    }

    // ---- CopyGradients -------------------------------------------------------------------------

    [Fact]
    public void CopyGradientsChecksItsArguments()
    {
        ReferenceLstm model = FloatModel();
        var destination = new float[FloatShape.ParameterCount];
        Assert.Equal("source", Assert.Throws<ArgumentNullException>(() => model.CopyGradients(null!, destination)).ParamName);
        var e = Assert.Throws<ArgumentException>(() => model.CopyGradients(TokenModel().CreateGradients(), destination));
        Assert.Equal("source", e.ParamName);
        Assert.Contains($"not ({FloatShape})", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.CopyGradients(model.CreateGradients(), new float[FloatShape.ParameterCount + 1]));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains($"Expected a destination of {FloatShape.ParameterCount} floats (ParameterCount), got {FloatShape.ParameterCount + 1}", e.Message);
    }
}
