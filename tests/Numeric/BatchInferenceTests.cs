// Many sequences and many streams per call give exactly the one-at-a-time results, on every model form.
using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Tests.Generator;
using Xunit;

namespace LstmGen.Tests.Numeric;

public sealed class BatchInferenceTests
{
    public static TheoryData<string> Forms() => new()
    {
        "Inputs = 3, Hidden = 20, Outputs = 2",
        "Inputs = 2, Hidden = 17, Layers = 2, Outputs = 5, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep",
        "Vocabulary = 30, Embedding = 6, Hidden = 24, Outputs = 1, Head = LstmGen.Head.Sigmoid",
        "Vocabulary = 30, Embedding = 5, Hidden = 9, Bidirectional = true, Outputs = 1, Head = LstmGen.Head.Sigmoid, HeadOn = LstmGen.HeadOn.FinalState",
        "Vocabulary = 30, Embedding = 5, Hidden = 9, Layers = 2, Bidirectional = true, HeadOn = LstmGen.HeadOn.EveryStep",
        "Inputs = 4, Hidden = 12, Cell = LstmGen.RecurrentCell.Gru, Outputs = 3, Head = LstmGen.Head.Softmax",
        "Inputs = 3, Hidden = 20, Projection = 6, Layers = 2, Outputs = 2",
        "Inputs = 2, Hidden = 10, Peephole = true",
        "Vocabulary = 40, Embedding = 7, Hidden = 33, Layers = 2, Outputs = 4, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep",
        "Inputs = 3, Hidden = 16, HeadOn = LstmGen.HeadOn.FinalState",
        "Inputs = 3, Hidden = 20, Outputs = 2, InferenceWeights = LstmGen.WeightPrecision.BFloat16",
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void PredictBatchEqualsPredictPerSequence(string arguments)
    {
        ILstmModel model = ModelCompiler.CreateModel(arguments);
        model.Initialize(seed: 3);
        var random = new Random(arguments.Length);
        // 1 sequence; 7 (one set of lanes); 33 short ones; 20 long ones (lanes run in segments and leave as they finish).
        foreach ((int count, int longest) in new[] { (1, 25), (7, 25), (33, 25), (20, 90) })
        {
            int[] lengths = Enumerable.Range(0, count).Select(_ => random.Next(1, longest)).ToArray();
            (float[] inputs, int[] tokens) = Sequences(model.Shape, lengths, random);
            float[] expected = OneAtATime(model, inputs, tokens, lengths, HeadOutput.Activated, states: null);
            foreach (bool allCores in new[] { false, true })
            {
                var outputs = new float[model.BatchOutputLength(lengths)];
                PredictBatch(model, inputs, tokens, lengths, outputs, new BatchOptions { UseAllCores = allCores });
                Assert.Equal(expected, outputs);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void PredictBatchCarriesEachSequencesStateAndGivesLogits(string arguments)
    {
        ILstmModel model = ModelCompiler.CreateModel(arguments);
        model.Initialize(seed: 5);
        var random = new Random(7);
        int[] lengths = Enumerable.Range(0, 12).Select(_ => random.Next(1, 15)).ToArray();
        (float[] inputs, int[] tokens) = Sequences(model.Shape, lengths, random);
        LstmState[] initial = lengths.Select(_ => RandomState(model, random)).ToArray();

        LstmState[] one = initial.Select(s => s.Clone()).ToArray(), batch = initial.Select(s => s.Clone()).ToArray();
        float[] expected = OneAtATime(model, inputs, tokens, lengths, HeadOutput.Logits, one);
        var outputs = new float[model.BatchOutputLength(lengths)];
        PredictBatch(model, inputs, tokens, lengths, outputs, new BatchOptions { Kind = HeadOutput.Logits, States = batch, UseAllCores = true });
        Assert.Equal(expected, outputs);
        for (int i = 0; i < lengths.Length; i++)
            for (int slot = 0; slot < model.Shape.StateSlotCount; slot++)
            {
                Assert.Equal(one[i].Hidden(slot).ToArray(), batch[i].Hidden(slot).ToArray());
                Assert.Equal(one[i].Cell(slot).ToArray(), batch[i].Cell(slot).ToArray());
            }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void StepBatchEqualsStepPerStreamAsStreamsComeAndGo(string arguments)
    {
        ILstmModel model = ModelCompiler.CreateModel(arguments);
        if (model.Shape.Bidirectional)
        {
            Assert.Throws<NotSupportedException>(() => model.CreateStreamBatch(4));
            return;
        }
        model.Initialize(seed: 9);
        ModelShape shape = model.Shape;
        var random = new Random(11);
        const int Capacity = 9;
        StreamBatch streams = model.CreateStreamBatch(Capacity);
        var alone = new LstmState?[Capacity];
        int width = shape.StepOutputSize, size = shape.IsTokenModel ? 1 : shape.InputSize;
        var outputs = new float[Capacity * width];
        var expected = new float[width];
        for (int tick = 0; tick < 60; tick++)
        {
            // Streams join and leave at random; a stream's state is its own.
            for (int s = 0; s < Capacity; s++)
            {
                if (alone[s] is null && random.NextDouble() < 0.3) { Assert.Equal(s, OpenAt(streams, s)); alone[s] = model.CreateState(); }
                else if (alone[s] is not null && random.NextDouble() < 0.1) { streams.Close(s); alone[s] = null; }
            }
            float[] inputs = Enumerable.Range(0, Capacity * size).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
            int[] tokens = Enumerable.Range(0, Capacity).Select(_ => random.Next(Math.Max(1, shape.VocabularySize))).ToArray();
            Array.Fill(outputs, float.NaN);
            if (shape.IsTokenModel) ((ITokenSequenceModel)model).StepBatch(streams, tokens, outputs);
            else ((IFloatSequenceModel)model).StepBatch(streams, inputs, outputs);
            for (int s = 0; s < Capacity; s++)
            {
                if (alone[s] is null)
                {
                    Assert.True(outputs.AsSpan(s * width, width).ToArray().All(float.IsNaN)); // closed slots are not written
                    continue;
                }
                if (shape.IsTokenModel) ((ITokenSequenceModel)model).Step(tokens[s], expected, alone[s]!);
                else ((IFloatSequenceModel)model).Step(inputs.AsSpan(s * size, size), expected, alone[s]!);
                Assert.Equal(expected, outputs.AsSpan(s * width, width).ToArray());
            }
        }
        // One stream's state reads and writes without the others.
        int open = Enumerable.Range(0, Capacity).First(s => alone[s] is not null);
        LstmState copy = model.CreateState();
        streams.GetState(open, copy);
        Assert.Equal(alone[open]!.Hidden(0).ToArray(), copy.Hidden(0).ToArray());
        streams.Reset(open);
        streams.GetState(open, copy);
        Assert.All(copy.Hidden(0).ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData("Inputs = 3, Hidden = 20, Outputs = 2")]
    [InlineData("Vocabulary = 40, Embedding = 7, Hidden = 33, Layers = 2, Outputs = 4, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep")]
    [InlineData("Inputs = 4, Hidden = 12, Cell = LstmGen.RecurrentCell.Gru, Outputs = 3, Head = LstmGen.Head.Softmax")]
    public void BatchCallsAllocateNothingOnceWarm(string arguments)
    {
        ILstmModel model = ModelCompiler.CreateModel(arguments);
        model.Initialize(seed: 13);
        ModelShape shape = model.Shape;
        var random = new Random(17);
        int[] lengths = Enumerable.Range(0, 19).Select(_ => random.Next(1, 60)).ToArray();
        (float[] inputs, int[] tokens) = Sequences(shape, lengths, random);
        var outputs = new float[model.BatchOutputLength(lengths)];
        var withStates = new BatchOptions { States = lengths.Select(_ => model.CreateState()).ToArray(), Kind = HeadOutput.Logits };
        StreamBatch streams = model.CreateStreamBatch(13);
        for (int s = 0; s < 11; s++) streams.Open();
        var stepOutputs = new float[13 * shape.StepOutputSize];
        float[] stepInputs = inputs.AsSpan(0, 13 * shape.InputSize).ToArray();
        int[] stepTokens = shape.IsTokenModel ? tokens.AsSpan(0, 13).ToArray() : [];
        void Calls()
        {
            PredictBatch(model, inputs, tokens, lengths, outputs, s_sameThread);
            PredictBatch(model, inputs, tokens, lengths, outputs, withStates);
            if (shape.IsTokenModel) ((ITokenSequenceModel)model).StepBatch(streams, stepTokens, stepOutputs);
            else ((IFloatSequenceModel)model).StepBatch(streams, stepInputs, stepOutputs);
        }
        long allocated = AllocationProbe.SteadyStateBytes(Calls, calls: 20);
        Assert.True(allocated == 0, $"{shape}: {allocated} bytes allocated in 20 rounds of batch calls");
    }

    private static readonly BatchOptions s_sameThread = new();

    [Fact]
    public void BadBatchesNameTheProblem()
    {
        var model = (ITokenSequenceModel)ModelCompiler.CreateModel("Vocabulary = 30, Embedding = 6, Hidden = 24, Outputs = 1, Head = LstmGen.Head.Sigmoid");
        int[] tokens = [1, 2, 3, 4, 5];
        Assert.Contains("add up to 4 steps", Assert.Throws<ArgumentException>(() => model.PredictBatch(tokens, new[] { 2, 2 }, new float[2])).Message);
        Assert.Contains("Expected 2 outputs", Assert.Throws<ArgumentException>(() => model.PredictBatch(tokens, new[] { 2, 3 }, new float[3])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictBatch(tokens, new[] { 5, 0 }, new float[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictBatch(new[] { 1, 99 }, new[] { 2 }, new float[1]));
        Assert.Contains("Token 0 of sequence 2 is 30", Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictBatch(new[] { 1, 2, 3, 4, 30 }, new[] { 2, 2, 1 }, new float[3])).Message);
        Assert.Contains("one state per sequence", Assert.Throws<ArgumentException>(() => model.PredictBatch(tokens, new[] { 2, 3 }, new float[2], new BatchOptions { States = [model.CreateState()] })).Message);
        StreamBatch streams = model.CreateStreamBatch(2);
        Assert.Contains("Expected 2 inputs", Assert.Throws<ArgumentException>(() => model.StepBatch(streams, new[] { 1 }, default)).Message);
        streams.Open();
        Assert.Contains("slot 0 is -1", Assert.Throws<ArgumentOutOfRangeException>(() => model.StepBatch(streams, new[] { -1, 2 }, default)).Message);
        streams.Close(0);
        Assert.Throws<InvalidOperationException>(() => streams.Close(0));
        streams.Open();
        streams.Open();
        Assert.Throws<InvalidOperationException>(() => streams.Open());
        Assert.Throws<ArgumentOutOfRangeException>(() => streams.IsOpen(2));
        var other = (ITokenSequenceModel)ModelCompiler.CreateModel("Vocabulary = 30, Embedding = 6, Hidden = 25, Outputs = 1, Head = LstmGen.Head.Sigmoid");
        Assert.Contains("CreateStreamBatch", Assert.Throws<ArgumentException>(() => other.StepBatch(streams, new[] { 1, 2 }, default)).Message);
    }

    private static int OpenAt(StreamBatch streams, int slot)
    {
        // Open() takes the lowest free slot: open and close the ones below until it lands on slot.
        var parked = new List<int>();
        int got;
        while ((got = streams.Open()) != slot) parked.Add(got);
        foreach (int p in parked) streams.Close(p);
        return got;
    }

    private static void PredictBatch(ILstmModel model, float[] inputs, int[] tokens, int[] lengths, float[] outputs, BatchOptions options)
    {
        if (model.Shape.IsTokenModel) ((ITokenSequenceModel)model).PredictBatch(tokens, lengths, outputs, options);
        else ((IFloatSequenceModel)model).PredictBatch(inputs, lengths, outputs, options);
    }

    private static float[] OneAtATime(ILstmModel model, float[] inputs, int[] tokens, int[] lengths, HeadOutput kind, LstmState[]? states)
    {
        ModelShape shape = model.Shape;
        var outputs = new List<float>();
        int at = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            var output = new float[shape.OutputLength(lengths[i])];
            LstmState state = states?[i] ?? model.CreateState();
            if (shape.IsTokenModel) ((ITokenSequenceModel)model).Predict(tokens.AsSpan(at, lengths[i]), output, state, kind);
            else ((IFloatSequenceModel)model).Predict(inputs.AsSpan(at * shape.InputSize, lengths[i] * shape.InputSize), output, state, kind);
            outputs.AddRange(output);
            at += lengths[i];
        }
        return outputs.ToArray();
    }

    private static (float[] Inputs, int[] Tokens) Sequences(ModelShape shape, int[] lengths, Random random)
    {
        int steps = lengths.Sum();
        return shape.IsTokenModel
            ? ([], Enumerable.Range(0, steps).Select(_ => random.Next(shape.VocabularySize)).ToArray())
            : (Enumerable.Range(0, steps * shape.InputSize).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray(), []);
    }

    private static LstmState RandomState(ILstmModel model, Random random)
    {
        LstmState state = model.CreateState();
        for (int slot = 0; slot < model.Shape.StateSlotCount; slot++)
        {
            foreach (ref float v in state.Hidden(slot)) v = (float)random.NextDouble() - 0.5f;
            if (model.Shape.HasCellState) foreach (ref float v in state.Cell(slot)) v = (float)random.NextDouble() - 0.5f;
        }
        return state;
    }
}
