// The counting task a…aXb…b: after n a's and the separator, an LSTM must predict exactly n b's and
// then the end — it has to count. Every n from 1 to 10 must come out 100 % right.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Training.Learning;

public class CountingLearningTests(ITestOutputHelper output)
{
    private const int A = 0, X = 1, B = 2, End = 3;

    /// <summary>
    /// aⁿ X bⁿ one-hot over {a, X, b} (2n + 1 steps); the target of each step is the next character, or End
    /// after the last b. Where the next character is not determined (after an a: another a or X) the
    /// target is ignored; from X on, every step is determined by n.
    /// </summary>
    public static (float[] Inputs, int[] Targets) Sequence(int n)
    {
        int steps = 2 * n + 1;
        float[] inputs = new float[steps * 3];
        int[] targets = new int[steps];
        for (int t = 0; t < steps; t++)
        {
            int symbol = t < n ? A : t == n ? X : B;
            inputs[t * 3 + symbol] = 1;
            targets[t] = t < n ? SequenceDataset.IgnoreClass : t < 2 * n ? B : End;
        }
        return (inputs, targets);
    }

    [Fact]
    public void CountsUpToTen()
    {
        var clock = Stopwatch.StartNew();
        var sequences = new List<float[]>();
        var targets = new List<int[]>();
        for (int n = 1; n <= 10; n++)
        {
            var (x, y) = Sequence(n);
            sequences.Add(x);
            targets.Add(y);
        }
        var data = SequenceDataset.FromFloats(sequences, 3, targets);

        var shape = new ModelShape(3, 0, 0, 8, 1, 4, Head.Softmax, HeadOn.EveryStep);
        var model = LearningModels.Create(shape, seed: 1, output, new ParameterInitOptions { ForgetGateBias = 1f });
        var training = Stopwatch.StartNew();
        var trainer = new LstmGen.Training.Trainer(model, new TrainingOptions
        {
            Epochs = 150, BatchSize = 2, Seed = 1, Threads = 2, Optimizer = new Adam(0.02), ClipGradientNorm = 1,
        });
        trainer.Fit(data);
        output.WriteLine($"training {training.Elapsed.TotalSeconds:F2} s, whole test {clock.Elapsed.TotalSeconds:F1} s; {trainer.Evaluate(data)}");

        var floatModel = (IFloatSequenceModel)model;
        for (int n = 1; n <= 14; n++)
        {
            var (x, y) = Sequence(n);
            float[] probabilities = new float[shape.OutputLength(2 * n + 1)];
            floatModel.Predict(x, probabilities);
            int wrong = 0;
            for (int t = n; t <= 2 * n; t++)
                if (Metrics.ArgMax(probabilities.AsSpan(t * 4, 4)) != y[t]) wrong++;
            output.WriteLine($"n = {n,2}: {wrong} wrong of {n + 1}{(n > 10 ? " (not trained)" : "")}");
            if (n <= 10) Assert.True(wrong == 0, $"n = {n}: {wrong} of {n + 1} predictions wrong");
        }
    }
}
