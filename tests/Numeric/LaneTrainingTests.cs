// The lane-batched training path (ILaneTrainableModel) against the per-sample Forward and Backward it
// replaces: same outputs, final states and parameter gradients to float rounding, for every model form,
// lane counts that are and are not multiples of the lane group, and bitwise-repeatable results.
using System;
using LstmGen.Tests.Generator;
using LstmGen.Tests.Reference;
using LstmGen.Training;
using Xunit;
using LstmGen.CompilerServices;

namespace LstmGen.Tests.Numeric;

public sealed class LaneTrainingTests
{
    /// <summary>
    /// Max-normalised error bound between the two float32 paths: they sum the same products in another
    /// order (tiles, blocks of steps), so they differ by a few ulps of the largest terms per step,
    /// amplified a little by the recurrence over these short sequences.
    /// </summary>
    private const double Tolerance = 2e-5;

    public static TheoryData<string> RandomShapes() => RandomModels.Names();

    public static TheoryData<string, int, int> SizeClasses() => new()
    {
        { "Inputs = 5, Hidden = 37, Layers = 2, Outputs = 4, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep", 5, 9 },
        { "Vocabulary = 50, Embedding = 10, Hidden = 128, Outputs = 1, Head = LstmGen.Head.Sigmoid", 4, 70 },
        { "Vocabulary = 30, Embedding = 8, Hidden = 72, Layers = 3, Outputs = 30, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep", 8, 20 },
        { "Inputs = 3, Hidden = 300, Outputs = 20, HeadOn = LstmGen.HeadOn.EveryStep", 3, 5 },
        { "Vocabulary = 65, Embedding = 32, Hidden = 256, Layers = 2, Outputs = 65, HeadOn = LstmGen.HeadOn.EveryStep", 6, 12 },
    };

    [Theory]
    [MemberData(nameof(RandomShapes))]
    public void EveryFormAgreesWithPerSamplePath(string name) =>
        Compare(ModelCompiler.CreateModel(RandomModels.Shapes[name]), seed: name.Length * 17, lanes: 3 + name.Length % 4, steps: 7);

    [Theory]
    [MemberData(nameof(SizeClasses))]
    public void EverySizeClassAgreesWithPerSamplePath(string arguments, int lanes, int steps) =>
        Compare(ModelCompiler.CreateModel(arguments), seed: arguments.Length, lanes, steps);

    [Fact]
    public void WrongArgumentsAreRejected()
    {
        var model = (ILaneTrainableModel)ModelCompiler.CreateModel("Vocabulary = 20, Embedding = 4, Hidden = 8, Outputs = 2, Head = LstmGen.Head.Softmax");
        LaneTape tape = model.CreateLaneTape(3, 5);
        Assert.Equal(4, tape.Lanes);
        var states = new[] { model.CreateState(), model.CreateState() };
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardLanes(tape, 6, states, new float[4]));
        Assert.Throws<ArgumentException>(() => model.ForwardLanes(tape, 5, states, new float[3]));
        tape.Tokens(1)[2] = 20;
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardLanes(tape, 5, states, new float[4]));
        Assert.Throws<ArgumentException>(() => model.ForwardLanes(tape, 5, new LstmState[5], new float[10]));
        var other = (ILaneTrainableModel)ModelCompiler.CreateModel("Vocabulary = 20, Embedding = 4, Hidden = 9, Outputs = 2, Head = LstmGen.Head.Softmax");
        Assert.Throws<ArgumentException>(() => other.ForwardLanes(tape, 5, states, new float[4]));
    }

    private static void Compare(ILstmModel created, int seed, int lanes, int steps)
    {
        var model = (ITrainableModel)created;
        var laneModel = Assert.IsAssignableFrom<ILaneTrainableModel>(created);
        ModelShape shape = model.Shape;
        RandomModels.Create(shape, seed).Parameters.CopyTo(model.Parameters);
        model.ParametersChanged();
        int outputLength = shape.OutputLength(steps);
        var random = new Random(seed);

        var tokens = new int[lanes][];
        var inputs = new float[lanes][];
        var initial = new LstmState[lanes];
        var dOut = new float[lanes * outputLength];
        for (int l = 0; l < lanes; l++)
        {
            tokens[l] = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed + l) : Array.Empty<int>();
            inputs[l] = shape.IsTokenModel ? Array.Empty<float>() : RandomModels.Inputs(shape, steps, seed + l);
            initial[l] = model.CreateState();
            for (int k = 0; k < shape.LayerCount; k++)
            {
                for (int j = 0; j < shape.HiddenSize; j++)
                {
                    initial[l].Hidden(k)[j] = (float)(random.NextDouble() - 0.5);
                    initial[l].Cell(k)[j] = (float)(random.NextDouble() - 0.5);
                }
            }
        }
        for (int i = 0; i < dOut.Length; i++) dOut[i] = (float)(random.NextDouble() * 2 - 1);

        // The per-sample path, lane after lane into one buffer.
        TrainingTape tape = model.CreateTape(steps);
        GradientBuffer expectedBuffer = model.CreateGradients();
        var expectedOutputs = new float[lanes * outputLength];
        var expectedStates = new LstmState[lanes];
        for (int l = 0; l < lanes; l++)
        {
            expectedStates[l] = initial[l].Clone();
            Span<float> o = expectedOutputs.AsSpan(l * outputLength, outputLength);
            if (shape.IsTokenModel) ((ITokenTrainableModel)model).Forward(tokens[l], o, expectedStates[l], tape);
            else ((IFloatTrainableModel)model).Forward(inputs[l], o, expectedStates[l], tape);
            model.Backward(tape, dOut.AsSpan(l * outputLength, outputLength), expectedBuffer);
        }
        var expected = new float[shape.ParameterCount];
        model.CopyGradients(expectedBuffer, expected);

        // The lane path: twice from zero gradients (bitwise the same), then once more adding to them.
        LaneTape laneTape = laneModel.CreateLaneTape(lanes, steps + 2);
        Assert.Equal(0, laneTape.Lanes % laneModel.LaneGroup);
        GradientBuffer buffer = model.CreateGradients();
        var outputs = new float[lanes * outputLength];
        var states = new LstmState[lanes];
        float[]? first = null;
        for (int run = 0; run < 3; run++)
        {
            if (run < 2) buffer.Clear();
            for (int l = 0; l < lanes; l++)
            {
                states[l] = initial[l].Clone();
                tokens[l].CopyTo(laneTape.Tokens(l));
                inputs[l].CopyTo(laneTape.Inputs(l));
            }
            laneModel.ForwardLanes(laneTape, steps, states, outputs);
            laneModel.BackwardLanes(laneTape, dOut, buffer);
            if (run == 0) first = buffer.Values.ToArray();
            if (run == 1) Assert.Equal(first, buffer.Values.ToArray());
        }
        var doubled = new float[shape.ParameterCount];
        model.CopyGradients(buffer, doubled);
        for (int i = 0; i < doubled.Length; i++) doubled[i] *= 0.5f;
        var actual = new float[shape.ParameterCount];
        var firstBuffer = model.CreateGradients();
        first.CopyTo(firstBuffer.Values);
        model.CopyGradients(firstBuffer, actual);

        AssertClose(expectedOutputs, outputs, Tolerance, $"{shape}: lane outputs");
        for (int l = 0; l < lanes; l++)
        {
            for (int k = 0; k < shape.LayerCount; k++)
            {
                AssertClose(expectedStates[l].Hidden(k).ToArray(), states[l].Hidden(k).ToArray(), Tolerance, $"{shape}: lane {l} h of layer {k}");
                AssertClose(expectedStates[l].Cell(k).ToArray(), states[l].Cell(k).ToArray(), Tolerance, $"{shape}: lane {l} c of layer {k}");
            }
        }
        AssertClose(expected, actual, Tolerance, $"{shape}: lane gradients");
        AssertClose(expected, doubled, Tolerance, $"{shape}: lane gradients added to a buffer");
    }

    internal static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 1e-3, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i]));
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Abs((double)expected[i] - actual[i]);
            if (!(e <= worst)) { worst = e; at = i; }
        }
        if (!(worst / max <= tolerance))
            Assert.Fail($"{what}: err {worst / max:E2} (tolerance {tolerance:E1}) at {at}: lanes {actual[at]:R}, per sample {expected[at]:R}");
    }
}
