// One model instance shared by many threads, as a web app's singleton is: every inference entry point must give each
// caller exactly the single-threaded result, and a change of the weights must never be observed half-done.
using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LstmGen.CompilerServices;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Threading;

public sealed class SharedModelTests
{
    private const int Threads = 4;
    private const int CallsPerThread = 2_600; // 4 × 2,600 > 10⁴ calls of each entry point

    public static TheoryData<string> Models() => new()
    {
        "Inputs = 1, Hidden = 32, Outputs = 1",
        "Inputs = 3, Hidden = 20, Layers = 2, Outputs = 2, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep",
        "Vocabulary = 40, Embedding = 6, Hidden = 24, Outputs = 3, Head = LstmGen.Head.Softmax",
        "Vocabulary = 40, Embedding = 6, Hidden = 12, Bidirectional = true, Outputs = 1, Head = LstmGen.Head.Sigmoid, HeadOn = LstmGen.HeadOn.FinalState",
        "Inputs = 2, Hidden = 16, Cell = LstmGen.RecurrentCell.Gru, Outputs = 1",
    };

    /// <summary>Sequences of 1 to 24 steps, fixed by the seed, each with the single-threaded answer of every entry point.</summary>
    private sealed record Case(float[] Inputs, int[] Tokens, float[] Stateless, float[] WithState, float[] Stepped, float[] FinalHidden);

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryInferenceEntryPointGivesEachThreadTheSingleThreadedResult(string arguments)
    {
        ILstmModel model = ModelCompiler.CreateModel(arguments);
        model.Initialize(seed: 11);
        Case[] cases = MakeCases(model, count: 64, seed: 5);

        int differences = 0, calls = 0;
        var errors = new ConcurrentQueue<Exception>();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                LstmState state = model.CreateState();
                var random = new Random(100 + t);
                start.SignalAndWait();
                for (int i = 0; i < CallsPerThread; i++)
                {
                    Case c = cases[random.Next(cases.Length)];
                    if (!Run(model, c, state)) Interlocked.Increment(ref differences);
                    Interlocked.Increment(ref calls);
                }
            }
            catch (Exception e) { errors.Enqueue(e); }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();

        Assert.Empty(errors);
        Assert.Equal(Threads * CallsPerThread, calls);
        Assert.Equal(0, differences);
    }

    /// <summary>Many threads run PredictBatch and StepBatch on one instance (lanes for the LSTM, one by one for the GRU).</summary>
    [Theory]
    [InlineData("Inputs = 3, Hidden = 20, Layers = 2, Outputs = 2, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep")]
    [InlineData("Vocabulary = 40, Embedding = 6, Hidden = 24, Outputs = 3, Head = LstmGen.Head.Softmax")]
    [InlineData("Inputs = 2, Hidden = 16, Cell = LstmGen.RecurrentCell.Gru, Outputs = 1")]
    public void BatchCallsGiveEachThreadTheSingleThreadedResult(string arguments)
    {
        ILstmModel model = ModelCompiler.CreateModel(arguments);
        model.Initialize(seed: 12);
        Case[] cases = MakeCases(model, count: 9, seed: 6);
        int[] lengths = cases.Select(c => c.Tokens.Length + c.Inputs.Length / Math.Max(1, model.Shape.InputSize)).ToArray();
        float[] expected = cases.SelectMany(c => c.Stateless).ToArray();
        float[] inputs = cases.SelectMany(c => c.Inputs).ToArray();
        int[] tokens = cases.SelectMany(c => c.Tokens).ToArray();
        // Every open stream of a batch fed the first step of each case: the stateless first-step answer.
        int width = model.Shape.StepOutputSize, size = model.Shape.IsTokenModel ? 1 : model.Shape.InputSize;
        float[] firstInputs = cases.SelectMany(c => c.Inputs.Take(size)).ToArray();
        int[] firstTokens = cases.SelectMany(c => c.Tokens.Take(1)).ToArray();
        float[] firstSteps = cases.SelectMany(c =>
        {
            var one = new float[width];
            if (model is ITokenSequenceModel t) t.Step(c.Tokens[0], one, model.CreateState());
            else ((IFloatSequenceModel)model).Step(c.Inputs.AsSpan(0, size), one, model.CreateState());
            return one;
        }).ToArray();

        int differences = 0;
        var errors = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                var outputs = new float[expected.Length];
                var stepOutputs = new float[firstSteps.Length];
                StreamBatch streams = model.CreateStreamBatch(cases.Length);
                for (int i = 0; i < 300; i++)
                {
                    if (model is ITokenSequenceModel tokenModel) tokenModel.PredictBatch(tokens, lengths, outputs);
                    else ((IFloatSequenceModel)model).PredictBatch(inputs, lengths, outputs);
                    if (!outputs.AsSpan().SequenceEqual(expected)) Interlocked.Increment(ref differences);
                    for (int s = 0; s < cases.Length; s++) { if (streams.IsOpen(s)) streams.Close(s); streams.Open(); }
                    if (model is ITokenSequenceModel tokenStreams) tokenStreams.StepBatch(streams, firstTokens, stepOutputs);
                    else ((IFloatSequenceModel)model).StepBatch(streams, firstInputs, stepOutputs);
                    if (!stepOutputs.AsSpan().SequenceEqual(firstSteps)) Interlocked.Increment(ref differences);
                }
            }
            catch (Exception e) { errors.Enqueue(e); }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        Assert.Empty(errors);
        Assert.Equal(0, differences);
    }

    [Fact]
    public void TheReferenceModelIsSafeToShareToo()
    {
        var model = new ReferenceLstm(new ModelShape(inputSize: 2, vocabularySize: 0, embeddingSize: 0, hiddenSize: 8, layerCount: 2, outputSize: 1, Head.Linear, HeadOn.LastStep));
        model.Initialize(seed: 3);
        Case[] cases = MakeCases(model, count: 16, seed: 9);
        int differences = 0;
        Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = Threads }, i =>
        {
            Case c = cases[i % cases.Length];
            var output = new float[c.Stateless.Length];
            model.Predict(c.Inputs, output);
            if (!output.AsSpan().SequenceEqual(c.Stateless)) Interlocked.Increment(ref differences);
        });
        Assert.Equal(0, differences);
    }

    /// <summary>
    /// One thread keeps replacing the weights (two sets, in turn) while another runs inference: every call either throws
    /// InvalidOperationException or returns exactly one of the two sets' answers — never a mix of old and new weights.
    /// </summary>
    [Theory]
    [InlineData("Inputs = 4, Hidden = 48, Outputs = 2")]
    [InlineData("Vocabulary = 30, Embedding = 5, Hidden = 32, Bidirectional = true, Outputs = 1, Head = LstmGen.Head.Sigmoid, HeadOn = LstmGen.HeadOn.FinalState")]
    public void InferenceOverlappingAWeightChangeThrowsInsteadOfMixingWeights(string arguments)
    {
        ILstmModel model = ModelCompiler.CreateModel(arguments);
        byte[][] weights = new byte[2][];
        float[][] expected = new float[2][];
        Case probe = MakeCases(model, count: 1, seed: 21, minSteps: 300, maxSteps: 300)[0];
        for (int k = 0; k < 2; k++)
        {
            model.Initialize(seed: (ulong)(40 + k));
            using var bytes = new System.IO.MemoryStream();
            model.Save(bytes);
            weights[k] = bytes.ToArray();
            expected[k] = new float[probe.Stateless.Length];
            Predict(model, probe, expected[k]);
        }
        Assert.False(expected[0].AsSpan().SequenceEqual(expected[1]));

        int mixed = 0, refused = 0, clean = 0;
        using var stop = new CancellationTokenSource();
        var writer = new Thread(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++) model.Load(weights[i & 1]);
        });
        writer.Start();
        var output = new float[probe.Stateless.Length];
        for (int i = 0; i < 3_000; i++)
        {
            try
            {
                Predict(model, probe, output);
                if (output.AsSpan().SequenceEqual(expected[0]) || output.AsSpan().SequenceEqual(expected[1])) clean++;
                else mixed++;
            }
            catch (InvalidOperationException) { refused++; }
        }
        // The same through PredictBatch (lanes for the LSTM): three copies of the probe in one call, all from one set of weights.
        int per = probe.Stateless.Length;
        var batchOutputs = new float[3 * per];
        int[] lengths = Enumerable.Repeat(probe.Tokens.Length + probe.Inputs.Length / Math.Max(1, model.Shape.InputSize), 3).ToArray();
        float[] inputs = [.. probe.Inputs, .. probe.Inputs, .. probe.Inputs];
        int[] tokens = [.. probe.Tokens, .. probe.Tokens, .. probe.Tokens];
        for (int i = 0; i < 300; i++)
        {
            try
            {
                if (model is ITokenSequenceModel tokenModel) tokenModel.PredictBatch(tokens, lengths, batchOutputs);
                else ((IFloatSequenceModel)model).PredictBatch(inputs, lengths, batchOutputs);
                bool allFirst = true, allSecond = true;
                for (int copy = 0; copy < 3; copy++)
                {
                    allFirst &= batchOutputs.AsSpan(copy * per, per).SequenceEqual(expected[0]);
                    allSecond &= batchOutputs.AsSpan(copy * per, per).SequenceEqual(expected[1]);
                }
                if (allFirst || allSecond) clean++;
                else mixed++;
            }
            catch (InvalidOperationException) { refused++; }
        }
        stop.Cancel();
        writer.Join();
        Assert.Equal(0, mixed);
        Assert.Equal(3_300, clean + refused);
    }

    [Fact]
    public void InferenceDuringAWeightChangeOnAnotherThreadThrows()
    {
        ILstmModel model = ModelCompiler.CreateModel("Inputs = 1, Hidden = 32, Outputs = 1");
        ModelGuard guard = ((IGuardedModel)model).Guard;
        guard.BeginWrite();
        try
        {
            Exception? seen = null;
            var thread = new Thread(() =>
            {
                try { ((IFloatSequenceModel)model).Predict(new float[5], new float[1]); }
                catch (Exception e) { seen = e; }
            });
            thread.Start();
            thread.Join();
            var e = Assert.IsType<InvalidOperationException>(seen);
            Assert.Contains("being changed", e.Message);
        }
        finally { guard.EndWrite(); }
        ((IFloatSequenceModel)model).Predict(new float[5], new float[1]); // fine again afterwards
    }

    [Fact]
    public void ASecondTrainerOnTheSameModelIsRefused()
    {
        var model = (ITrainableModel)ModelCompiler.CreateModel("Inputs = 1, Hidden = 32, Outputs = 1");
        var data = SequenceDataset.FromFloats([new float[] { 1, 2, 3 }, new float[] { 3, 2, 1 }], inputs: 1, [new float[] { 1 }, new float[] { 0 }], HeadOn.LastStep);
        ModelGuard guard = ((IGuardedModel)model).Guard;
        guard.BeginTraining(); // as a running Fit holds it
        try
        {
            using var trainer = new Trainer(model, new TrainingOptions { Epochs = 1, BatchSize = 2, Threads = 1 });
            var e = Assert.Throws<InvalidOperationException>(() => trainer.Fit(data));
            Assert.Contains("already being trained", e.Message);
        }
        finally { guard.EndTraining(); }
        using (var trainer = new Trainer(model, new TrainingOptions { Epochs = 1, BatchSize = 2, Threads = 1 }))
            trainer.Fit(data); // the claim was released
    }

    private static Case[] MakeCases(ILstmModel model, int count, int seed, int minSteps = 1, int maxSteps = 24)
    {
        var random = new Random(seed);
        ModelShape shape = model.Shape;
        var cases = new Case[count];
        for (int i = 0; i < count; i++)
        {
            int steps = random.Next(minSteps, maxSteps + 1);
            float[] inputs = shape.IsTokenModel ? [] : Enumerable.Range(0, steps * shape.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            int[] tokens = shape.IsTokenModel ? Enumerable.Range(0, steps).Select(_ => random.Next(shape.VocabularySize)).ToArray() : [];
            int outputs = shape.OutputLength(steps);
            var c = new Case(inputs, tokens, new float[outputs], new float[outputs], shape.Bidirectional ? [] : new float[shape.StepOutputSize], new float[shape.HiddenStateSize]);
            Predict(model, c, c.Stateless);
            LstmState state = model.CreateState();
            PredictWithState(model, c, c.WithState, state);
            state.Hidden(shape.StateSlotCount - 1).CopyTo(c.FinalHidden);
            if (!shape.Bidirectional) StepThrough(model, c, c.Stepped, model.CreateState());
            cases[i] = c;
        }
        return cases;
    }

    /// <summary>Runs every entry point on <paramref name="c"/>; true when each equals the single-threaded answer bitwise.</summary>
    private static bool Run(ILstmModel model, Case c, LstmState state)
    {
        var output = new float[c.Stateless.Length];
        Predict(model, c, output);
        bool same = output.AsSpan().SequenceEqual(c.Stateless);
        state.Reset();
        PredictWithState(model, c, output, state);
        same &= output.AsSpan().SequenceEqual(c.WithState) && state.Hidden(model.Shape.StateSlotCount - 1).SequenceEqual(c.FinalHidden);
        if (!model.Shape.Bidirectional)
        {
            var stepped = new float[c.Stepped.Length];
            state.Reset();
            StepThrough(model, c, stepped, state);
            same &= stepped.AsSpan().SequenceEqual(c.Stepped);
        }
        return same;
    }

    private static void Predict(ILstmModel model, Case c, float[] output)
    {
        if (model.Shape.IsTokenModel) ((ITokenSequenceModel)model).Predict(c.Tokens, output);
        else ((IFloatSequenceModel)model).Predict(c.Inputs, output);
    }

    private static void PredictWithState(ILstmModel model, Case c, float[] output, LstmState state)
    {
        if (model.Shape.IsTokenModel) ((ITokenSequenceModel)model).Predict(c.Tokens, output, state);
        else ((IFloatSequenceModel)model).Predict(c.Inputs, output, state);
    }

    /// <summary>Steps through the sequence; leaves the last step's output in <paramref name="output"/>.</summary>
    private static void StepThrough(ILstmModel model, Case c, float[] output, LstmState state)
    {
        ModelShape shape = model.Shape;
        int steps = shape.IsTokenModel ? c.Tokens.Length : c.Inputs.Length / shape.InputSize;
        for (int t = 0; t < steps; t++)
        {
            if (shape.IsTokenModel) ((ITokenSequenceModel)model).Step(c.Tokens[t], output, state);
            else ((IFloatSequenceModel)model).Step(c.Inputs.AsSpan(t * shape.InputSize, shape.InputSize), output, state);
        }
    }
}
