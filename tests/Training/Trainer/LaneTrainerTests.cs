// The Trainer on its lane path (generated models, chunks of equal-length samples): bitwise the same on
// one and two threads, a resumed run ends exactly where an uninterrupted one does, and the weights agree
// with the per-sample path (LaneTraining = false) to float rounding.
using System;
using System.Collections.Generic;
using LstmGen.Tests.Generator;
using LstmGen.Training.Optimizers;
using Xunit;

namespace LstmGen.Tests.Training.Trainer;

using LstmGen.Training;

public class LaneTrainerTests
{
    private static readonly ModelShape Sentiment = new(0, 40, 6, 24, 1, 1, Head.Sigmoid, HeadOn.LastStep);
    private static readonly ModelShape CharLike = new(0, 11, 5, 20, 2, 11, Head.Softmax, HeadOn.EveryStep);
    private static readonly ModelShape FloatTwoLayers = new(3, 0, 0, 9, 2, 2, Head.Linear, HeadOn.LastStep);

    /// <summary>Token sequences of one length (or, with <paramref name="mixed"/>, of two lengths), labelled 0/1 by their token sum.</summary>
    internal static SequenceDataset EqualLengthReviews(int count, int length, int seed, bool mixed = false)
    {
        var random = new Random(seed);
        var sequences = new List<int[]>();
        var labels = new List<int>();
        for (int i = 0; i < count; i++)
        {
            int[] tokens = new int[mixed && i % 5 == 0 ? length - 3 : length];
            int sum = 0;
            for (int t = 0; t < tokens.Length; t++) sum += tokens[t] = random.Next(40);
            sequences.Add(tokens);
            labels.Add(sum * 2 / tokens.Length > 40 ? 1 : 0);
        }
        return SequenceDataset.FromTokens(sequences, labels);
    }

    /// <summary>Character-like streams of one length with a label at every step (the next token mod 11, step 0 ignored).</summary>
    internal static SequenceDataset EqualLengthStreams(int count, int length, int seed)
    {
        var random = new Random(seed);
        var sequences = new List<int[]>();
        var labels = new List<int[]>();
        for (int i = 0; i < count; i++)
        {
            int[] tokens = new int[length];
            int[] ids = new int[length];
            for (int t = 0; t < length; t++)
            {
                tokens[t] = (t == 0 ? random.Next(11) : tokens[t - 1] * 3 + random.Next(2)) % 11;
                ids[t] = t == 0 ? SequenceDataset.IgnoreClass : (tokens[t] + tokens[t - 1]) % 11;
            }
            sequences.Add(tokens);
            labels.Add(ids);
        }
        return SequenceDataset.FromTokens(sequences, labels);
    }

    private static SequenceDataset EqualLengthFloats(int count, int length, int seed)
    {
        var random = new Random(seed);
        var sequences = new List<float[]>();
        var targets = new List<float[]>();
        for (int i = 0; i < count; i++)
        {
            float[] x = new float[length * 3];
            double sum = 0;
            for (int j = 0; j < x.Length; j++) sum += x[j] = (float)(random.NextDouble() * 2 - 1);
            sequences.Add(x);
            targets.Add(new[] { (float)Math.Tanh(sum / 4), x[^1] });
        }
        return SequenceDataset.FromFloats(sequences, 3, targets, HeadOn.LastStep);
    }

    private static ITrainableModel Generated(ModelShape shape)
    {
        var model = (ITrainableModel)ModelCompiler.CreateModel(shape);
        ParameterInit.Initialize(shape, model.Parameters, seed: 3);
        model.ParametersChanged();
        return model;
    }

    private static float[] Train(ModelShape shape, SequenceDataset data, int threads, bool lanes = true, int truncate = 0, int chunk = 4, int epochs = 3,
        string? checkpoint = null, string? resumeFrom = null)
    {
        ITrainableModel model = Generated(shape);
        var trainer = new Trainer(model, new TrainingOptions
        {
            Epochs = epochs, BatchSize = 10, Seed = 5, Threads = threads, TruncateSteps = truncate, SamplesPerChunk = chunk,
            LaneTraining = lanes, Optimizer = new Adam(0.01), ClipGradientNorm = 1, CheckpointPath = checkpoint,
        });
        if (resumeFrom is not null) trainer.LoadCheckpoint(resumeFrom);
        trainer.Fit(data);
        return model.Parameters.ToArray();
    }

    public static TheoryData<string> Cases() => new() { "sentiment", "sentiment-mixed-lengths", "char-truncated", "float-odd-chunk" };

    private static (ModelShape Shape, SequenceDataset Data, int Truncate, int Chunk) Case(string name) => name switch
    {
        "sentiment" => (Sentiment, EqualLengthReviews(34, 12, seed: 1), 0, 4),
        "sentiment-mixed-lengths" => (Sentiment, EqualLengthReviews(34, 12, seed: 2, mixed: true), 0, 4),
        "char-truncated" => (CharLike, EqualLengthStreams(26, 17, seed: 3), 5, 8),
        _ => (FloatTwoLayers, EqualLengthFloats(29, 6, seed: 4), 0, 3),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LanePathIsBitwiseIdenticalOnOneAndTwoThreads(string name)
    {
        var (shape, data, truncate, chunk) = Case(name);
        float[] one = Train(shape, data, 1, truncate: truncate, chunk: chunk);
        float[] two = Train(shape, data, 2, truncate: truncate, chunk: chunk);
        Assert.True(TrainerFixtures.BitwiseEqual(one, two), TrainerFixtures.FirstDifference(one, two));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LanePathAgreesWithPerSamplePath(string name)
    {
        var (shape, data, truncate, chunk) = Case(name);
        float[] lanes = Train(shape, data, 2, lanes: true, truncate: truncate, chunk: chunk, epochs: 1);
        float[] perSample = Train(shape, data, 2, lanes: false, truncate: truncate, chunk: chunk, epochs: 1);
        Assert.False(TrainerFixtures.BitwiseEqual(lanes, Generated(shape).Parameters), "training changed nothing");
        Assert.False(TrainerFixtures.BitwiseEqual(lanes, perSample), "the lane path was not taken (its sums round differently)");
        // Adam steps of ±lr per weight amplify rounding differences of near-zero gradients; the weights still agree closely.
        double worst = 0;
        for (int i = 0; i < lanes.Length; i++) worst = Math.Max(worst, Math.Abs(lanes[i] - perSample[i]));
        Assert.True(worst < 2e-3, $"{name}: weights differ by up to {worst:E2} after one epoch");
    }

    [Fact]
    public void LanePathResumesExactly()
    {
        var (shape, data, truncate, chunk) = Case("char-truncated");
        string checkpoint = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lstmgen-lanes-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            float[] uninterrupted = Train(shape, data, 2, truncate: truncate, chunk: chunk);
            Train(shape, data, 2, truncate: truncate, chunk: chunk, epochs: 1, checkpoint: checkpoint);
            float[] resumed = Train(shape, data, 1, truncate: truncate, chunk: chunk, resumeFrom: checkpoint);
            Assert.True(TrainerFixtures.BitwiseEqual(uninterrupted, resumed), TrainerFixtures.FirstDifference(uninterrupted, resumed));
        }
        finally
        {
            System.IO.File.Delete(checkpoint);
        }
    }

    [Fact]
    public void LanePathLearns()
    {
        var data = EqualLengthStreams(64, 16, seed: 9);
        ITrainableModel model = Generated(CharLike);
        var trainer = new Trainer(model, new TrainingOptions { Epochs = 12, BatchSize = 16, Seed = 1, Threads = 2, SamplesPerChunk = 8, Optimizer = new Adam(0.02) });
        double before = trainer.Evaluate(data).Loss;
        trainer.Fit(data);
        double after = trainer.Evaluate(data).Loss;
        Assert.True(after < 0.6 * before, $"loss {before:F3} → {after:F3}");
    }
}
