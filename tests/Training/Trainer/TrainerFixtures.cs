// Small seeded models, datasets and a recording optimizer shared by the trainer tests.
using System;
using System.Collections.Generic;
using LstmGen.Reference;
using LstmGen.Training.Optimizers;

namespace LstmGen.Tests.Training.Trainer;

using LstmGen.Training;

internal static class TrainerFixtures
{
    /// <summary>A reference model with weights U(−1/√H, 1/√H) from <paramref name="seed"/> (System.Random: stable across runs).</summary>
    public static ReferenceLstm Model(ModelShape shape, int seed = 1)
    {
        var model = new ReferenceLstm(shape);
        var random = new Random(seed);
        float bound = 1f / MathF.Sqrt(shape.HiddenSize);
        Span<float> p = model.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] = (float)(random.NextDouble() * 2 - 1) * bound;
        return model;
    }

    public static ModelShape TokenClassifier(HeadOn on = HeadOn.LastStep) => new(0, 11, 5, 7, 1, 3, Head.Softmax, on);

    public static ModelShape FloatRegressor(int layers = 1) => new(3, 0, 0, 6, layers, 2, Head.Linear, HeadOn.LastStep);

    /// <summary>Token sequences of length 1 … maxLength with the label (sum of tokens) mod 3.</summary>
    public static SequenceDataset TokenData(int count, int seed, int maxLength = 9, int vocabulary = 11)
    {
        var random = new Random(seed);
        var sequences = new List<int[]>();
        var labels = new List<int>();
        for (int i = 0; i < count; i++)
        {
            int[] tokens = new int[random.Next(1, maxLength + 1)];
            int sum = 0;
            for (int t = 0; t < tokens.Length; t++) sum += tokens[t] = random.Next(vocabulary);
            sequences.Add(tokens);
            labels.Add(sum % 3);
        }
        return SequenceDataset.FromTokens(sequences, labels);
    }

    /// <summary>Per-step labels (running sum mod 3, or the token mod 3) for token sequences of length 1 … maxLength; step 0 ignored.</summary>
    public static SequenceDataset TokenStepData(int count, int seed, int maxLength = 12, bool runningSum = true)
    {
        var random = new Random(seed);
        var sequences = new List<int[]>();
        var labels = new List<int[]>();
        for (int i = 0; i < count; i++)
        {
            int length = random.Next(1, maxLength + 1);
            int[] tokens = new int[length];
            int[] ids = new int[length];
            int sum = 0;
            for (int t = 0; t < length; t++)
            {
                sum += tokens[t] = random.Next(11);
                ids[t] = t == 0 ? SequenceDataset.IgnoreClass : (runningSum ? sum : tokens[t]) % 3;
            }
            sequences.Add(tokens);
            labels.Add(ids);
        }
        return SequenceDataset.FromTokens(sequences, labels);
    }

    /// <summary>Float sequences (3 inputs per step) of length 1 … maxLength, with two target values each.</summary>
    public static SequenceDataset FloatData(int count, int seed, int maxLength = 8)
    {
        var random = new Random(seed);
        var sequences = new List<float[]>();
        var targets = new List<float[]>();
        for (int i = 0; i < count; i++)
        {
            int length = random.Next(1, maxLength + 1);
            float[] x = new float[length * 3];
            double sum = 0;
            for (int j = 0; j < x.Length; j++) sum += x[j] = (float)(random.NextDouble() * 2 - 1);
            sequences.Add(x);
            targets.Add(new[] { (float)Math.Tanh(sum / 4), x[^1] });
        }
        return SequenceDataset.FromFloats(sequences, 3, targets, HeadOn.LastStep);
    }

    public static IOptimizer Sgd(double learningRate = 0.1, double momentum = 0.9) => new MomentumSgd(learningRate, momentum);

    /// <summary>A schedule from a function, for tests that need odd rates.</summary>
    public sealed class Schedule(Func<long, int, double> rate) : ILearningRateSchedule
    {
        public double RateAt(long step, int epoch) => rate(step, epoch);
    }

    public static bool BitwiseEqual(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++) if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i])) return false;
        return true;
    }

    /// <summary>Index of the first difference, for failure messages.</summary>
    public static string FirstDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i])) return $"index {i}: {a[i]:R} vs {b[i]:R}";
        return a.Length == b.Length ? "none" : $"lengths {a.Length} vs {b.Length}";
    }
}

/// <summary>SGD with momentum (PyTorch's rule), written here so trainer tests have an optimizer with state.</summary>
internal sealed class MomentumSgd : IOptimizer
{
    private readonly double _momentum;
    private float[]? _buffer;

    public MomentumSgd(double learningRate, double momentum)
    {
        LearningRate = learningRate;
        _momentum = momentum;
    }

    public string Name => "test-sgd";
    public double LearningRate { get; set; }
    public long StepCount { get; private set; }

    /// <summary>Every gradient passed to <see cref="Step"/>, when recording.</summary>
    public List<float[]>? Recorded { get; set; }

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        Recorded?.Add(gradients.ToArray());
        _buffer ??= new float[parameters.Length];
        float lr = (float)LearningRate, mu = (float)_momentum;
        for (int i = 0; i < parameters.Length; i++)
        {
            _buffer[i] = StepCount == 0 ? gradients[i] : mu * _buffer[i] + gradients[i];
            parameters[i] -= lr * _buffer[i];
        }
        StepCount++;
    }

    public void SaveState(IDictionary<string, float[]> tensors, IDictionary<string, string> metadata)
    {
        if (_buffer is not null) tensors["momentum_buffer"] = (float[])_buffer.Clone();
        metadata["step"] = StepCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public void LoadState(IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        StepCount = long.Parse(metadata["step"], System.Globalization.CultureInfo.InvariantCulture);
        _buffer = tensors.TryGetValue("momentum_buffer", out var b) ? (float[])b.Clone() : null;
    }
}
