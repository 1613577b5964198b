// Checks every argument error of the reference LSTM: the exception type, the argument it names, and
// that its message gives the expected and the actual value.
using System;
using LstmGen.Reference;
using Xunit;

namespace LstmGen.Tests.Reference;

public sealed class ReferenceLstmValidationTests
{
    private static readonly ModelShape FloatShape = new(3, 0, 0, 5, 2, 4, Head.Softmax, HeadOn.EveryStep);
    private static readonly ModelShape TokenShape = new(0, 11, 4, 5, 1, 2, Head.Sigmoid, HeadOn.LastStep);

    private static ReferenceLstm FloatModel() => RandomModels.Create(FloatShape, seed: 1);
    private static ReferenceLstm TokenModel() => RandomModels.Create(TokenShape, seed: 2);

    [Fact]
    public void ConstructorRejectsNullShape() =>
        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => new ReferenceLstm(null!)).ParamName);

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(7)]
    public void FloatPredictRejectsInputsNotAPositiveMultipleOfInputs(int length)
    {
        ReferenceLstm model = FloatModel();
        var inputs = new float[length];
        var output = new float[FloatShape.OutputLength(Math.Max(1, length / 3))];
        var e = Assert.Throws<ArgumentException>(() => model.Predict(inputs, output));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("multiple of 3", e.Message);
        Assert.Contains($"got {length}", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Predict(inputs, output, model.CreateState()));
        Assert.Equal("inputs", e.ParamName);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(0)]
    public void FloatPredictRejectsWrongOutputLength(int length)
    {
        ReferenceLstm model = FloatModel();
        var inputs = new float[6]; // 2 steps × 4 outputs at every step = 8
        var output = new float[length];
        var e = Assert.Throws<ArgumentException>(() => model.Predict(inputs, output));
        Assert.Equal("output", e.ParamName);
        Assert.Contains("8 floats", e.Message);
        Assert.Contains($"got {length}", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Predict(inputs, output, model.CreateState(), HeadOutput.Logits));
        Assert.Equal("output", e.ParamName);
    }

    [Fact]
    public void LastStepOutputLengthIsOneStep()
    {
        ReferenceLstm model = TokenModel();
        var e = Assert.Throws<ArgumentException>(() => model.Predict([1, 2, 3], new float[6]));
        Assert.Equal("output", e.ParamName);
        Assert.Contains("Expected an output span of 2 floats, got 6", e.Message);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void FloatStepRejectsWrongInputLength(int length)
    {
        ReferenceLstm model = FloatModel();
        var e = Assert.Throws<ArgumentException>(() => model.Step(new float[length], new float[4], model.CreateState()));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("Expected 3 input floats", e.Message);
        Assert.Contains($"got {length}", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void StepRejectsOutputThatIsNeitherEmptyNorOneStep(int length)
    {
        ReferenceLstm model = FloatModel();
        var e = Assert.Throws<ArgumentException>(() => model.Step(new float[3], new float[length], model.CreateState()));
        Assert.Equal("output", e.ParamName);
        Assert.Contains("4 floats", e.Message);
        Assert.Contains($"got {length}", e.Message);

        ReferenceLstm tokens = TokenModel();
        e = Assert.Throws<ArgumentException>(() => tokens.Step(1, new float[length + 2], tokens.CreateState()));
        Assert.Equal("output", e.ParamName);
    }

    [Fact]
    public void TokenPredictRejectsEmptySequence()
    {
        ReferenceLstm model = TokenModel();
        var e = Assert.Throws<ArgumentException>(() => model.Predict(ReadOnlySpan<int>.Empty, new float[2]));
        Assert.Equal("tokens", e.ParamName);
        Assert.Contains("got 0", e.Message);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void TokenPredictRejectsIdsOutsideTheVocabularyNamingPositionAndValue(int bad)
    {
        ReferenceLstm model = TokenModel();
        LstmState state = model.CreateState();
        int[] tokens = [3, 10, 0, bad, 4];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(tokens, new float[2], state));
        Assert.Equal("tokens", e.ParamName);
        Assert.Equal(bad, e.ActualValue);
        Assert.Contains($"tokens[3] = {bad}", e.Message);
        Assert.Contains("[0, 11)", e.Message);
        // Checked before anything ran: the state is untouched.
        Assert.Equal(new float[5], state.Hidden(0).ToArray());

        e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(tokens, new float[2]));
        Assert.Equal("tokens", e.ParamName);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(-1)]
    public void TokenStepRejectsIdOutsideTheVocabulary(int bad)
    {
        ReferenceLstm model = TokenModel();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(bad, new float[2], model.CreateState()));
        Assert.Equal("token", e.ParamName);
        Assert.Equal(bad, e.ActualValue);
        Assert.Contains("[0, 11)", e.Message);
    }

    [Fact]
    public void NullStateIsRejected()
    {
        ReferenceLstm model = FloatModel();
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => model.Predict(new float[3], new float[4], null!)).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => model.Step(new float[3], new float[4], null!)).ParamName);
        ReferenceLstm tokens = TokenModel();
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => tokens.Predict([1], new float[2], null!)).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => tokens.Step(1, new float[2], null!)).ParamName);
    }

    [Theory]
    [InlineData(1, 5, 20)]  // too few layers
    [InlineData(2, 6, 20)]  // wrong hidden size
    [InlineData(2, 5, 19)]  // too little scratch
    public void StateOfAnotherShapeIsRejected(int layers, int hidden, int scratch)
    {
        ReferenceLstm model = FloatModel();
        var state = new LstmState(layers, hidden, scratch);
        var e = Assert.Throws<ArgumentException>(() => model.Predict(new float[3], new float[4], state));
        Assert.Equal("state", e.ParamName);
        Assert.Contains($"The state has {layers} slot(s) of {hidden} units and {scratch} scratch floats", e.Message);
        Assert.Contains("needs 2 slot(s) of 5 units and 20 scratch floats", e.Message);
        Assert.Equal("state", Assert.Throws<ArgumentException>(() => model.Step(new float[3], default, state)).ParamName);
        ReferenceLstm tokens = TokenModel();
        Assert.Equal("state", Assert.Throws<ArgumentException>(() => tokens.Step(1, default, new LstmState(1, 4, 20))).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentException>(() => tokens.Predict([1], new float[2], new LstmState(2, 5, 20))).ParamName);
    }

    [Fact]
    public void StateWithMoreScratchIsAccepted()
    {
        ReferenceLstm model = FloatModel();
        model.Predict(new float[3], new float[4], new LstmState(2, 5, 100));
    }

    [Fact]
    public void UndefinedHeadOutputIsRejected()
    {
        ReferenceLstm model = FloatModel();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(new float[3], new float[4], model.CreateState(), (HeadOutput)7));
        Assert.Equal("kind", e.ParamName);
        Assert.Equal((HeadOutput)7, e.ActualValue);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(new float[3], new float[4], model.CreateState(), (HeadOutput)(-1)));
        Assert.Equal("kind", e.ParamName);
    }

    [Fact]
    public void TokenCallsOnAFloatModelSayWhichFormTheModelHas()
    {
        ILstmModel model = FloatModel();
        var tokens = (ITokenSequenceModel)model;
        foreach (Action call in new Action[]
        {
            () => tokens.Predict([1], new float[4]),
            () => tokens.Predict([1], new float[4], model.CreateState()),
            () => tokens.Step(1, new float[4], model.CreateState()),
        })
        {
            var e = Assert.Throws<InvalidOperationException>(call);
            Assert.Contains("reads 3 float input(s) per step", e.Message);
            Assert.Contains("IFloatSequenceModel", e.Message);
        }
    }

    [Fact]
    public void FloatCallsOnATokenModelSayWhichFormTheModelHas()
    {
        ILstmModel model = TokenModel();
        var floats = (IFloatSequenceModel)model;
        foreach (Action call in new Action[]
        {
            () => floats.Predict(new float[4], new float[2]),
            () => floats.Predict(new float[4], new float[2], model.CreateState()),
            () => floats.Step(new float[4], new float[2], model.CreateState()),
        })
        {
            var e = Assert.Throws<InvalidOperationException>(call);
            Assert.Contains("reads token ids (Vocabulary=11", e.Message);
            Assert.Contains("ITokenSequenceModel", e.Message);
        }
    }
}
