// Variable lengths, masks and truncated BPTT: a sample's gradient must not depend on its batch mates,
// masked steps must contribute nothing, and truncation must cut gradients exactly at window borders.
using System;
using System.Collections.Generic;
using LstmGen.Reference;
using Xunit;

namespace LstmGen.Tests.Training.Trainer;

using LstmGen.Training;

public class MaskingTests
{
    /// <summary>The gradients of the one step a trainer takes on <paramref name="data"/> as a single batch, without changing the model.</summary>
    private static float[] BatchGradient(ReferenceLstm model, SequenceDataset data, int truncate = 0, int samplesPerChunk = 1)
    {
        var optimizer = new MomentumSgd(0, 0) { Recorded = new List<float[]>() };
        new Trainer(model, new TrainingOptions
        {
            Epochs = 1, BatchSize = data.Count, Shuffle = false, Threads = 2, SamplesPerChunk = samplesPerChunk,
            TruncateSteps = truncate, Optimizer = optimizer,
        }).Fit(data);
        return Assert.Single(optimizer.Recorded);
    }

    /// <summary>dLoss/dparameters of one token sample whose every step has a target, by hand: Forward, the loss, Backward.</summary>
    private static float[] SampleGradient(ReferenceLstm model, int[] tokens, int[] labels, float weight)
    {
        var tape = model.CreateTape(tokens.Length);
        var state = model.CreateState();
        int k = model.Shape.OutputSize;
        float[] outputs = new float[model.Shape.OutputLength(tokens.Length)];
        float[] dOutputs = new float[outputs.Length];
        model.Forward(tokens, outputs, state, tape);
        int counted = 0;
        foreach (int label in labels) if (label != SequenceDataset.IgnoreClass) counted++;
        for (int t = 0; t < tokens.Length; t++)
        {
            if (labels[t] == SequenceDataset.IgnoreClass) continue;
            LossFunctions.SoftmaxCrossEntropy(outputs.AsSpan(t * k, k), labels[t], dOutputs.AsSpan(t * k, k), (float)(1.0 / counted) * weight);
        }
        var gradients = model.CreateGradients();
        model.Backward(tape, dOutputs, gradients);
        float[] result = new float[model.Shape.ParameterCount];
        model.CopyGradients(gradients, result);
        return result;
    }

    private static float[] Sum(float[] a, float[] b)
    {
        float[] sum = new float[a.Length];
        for (int i = 0; i < a.Length; i++) sum[i] = a[i] + b[i];
        return sum;
    }

    [Fact]
    public void ASamplesGradientDoesNotDependOnTheLengthOfItsBatchMates()
    {
        var model = TrainerFixtures.Model(TrainerFixtures.TokenClassifier(HeadOn.EveryStep), 21);
        int[] a = { 1, 4, 2, 8, 5 }, aLabels = { 0, 2, 1, 1, 0 };
        int[] b = { 3, 3 }, bLabels = { 1, 2 };
        int[] c = { 9, 1, 6, 2, 7, 7, 0, 10, 4, 3, 5 }, cLabels = { 2, 0, 0, 1, 1, 2, 2, 0, 1, 0, 2 };

        float[] withShort = BatchGradient(model, SequenceDataset.FromTokens(new[] { a, b }, new[] { aLabels, bLabels }));
        float[] withLong = BatchGradient(model, SequenceDataset.FromTokens(new[] { a, c }, new[] { aLabels, cLabels }));

        // Batch gradient = (sample a's gradient) + (its mate's), each computed alone with weight 1/N.
        float[] gradientA = SampleGradient(model, a, aLabels, 0.5f);
        float[] expectedShort = Sum(gradientA, SampleGradient(model, b, bLabels, 0.5f));
        float[] expectedLong = Sum(gradientA, SampleGradient(model, c, cLabels, 0.5f));
        Assert.True(TrainerFixtures.BitwiseEqual(expectedShort, withShort), TrainerFixtures.FirstDifference(expectedShort, withShort));
        Assert.True(TrainerFixtures.BitwiseEqual(expectedLong, withLong), TrainerFixtures.FirstDifference(expectedLong, withLong));
    }

    [Fact]
    public void MaskedAndIgnoredTailStepsContributeNothing()
    {
        var model = TrainerFixtures.Model(TrainerFixtures.TokenClassifier(HeadOn.EveryStep), 22);
        int[] tokens = { 2, 7, 1, 1, 8, 3, 10, 6, 0, 5 };
        int[] labels = { 1, 0, 2, 2, 1, 0, 1, 2, 0, 1 };
        int[] shortTokens = tokens[..6], shortLabels = labels[..6];
        int[] other = { 4, 9, 9 }, otherLabels = { 0, 1, 2 };

        float[] unpadded = BatchGradient(model, SequenceDataset.FromTokens(new[] { shortTokens, other }, new[] { shortLabels, otherLabels }));

        // The same sample with 4 more steps whose targets are masked out …
        float[] mask = { 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 };
        float[] masked = BatchGradient(model, SequenceDataset.FromTokens(new[] { tokens, other }, new[] { labels, otherLabels },
            stepMasks: new[] { mask, new float[] { 1, 1, 1 } }));
        Assert.True(TrainerFixtures.BitwiseEqual(unpadded, masked), TrainerFixtures.FirstDifference(unpadded, masked));

        // … or ignored by class id.
        int[] ignored = { 1, 0, 2, 2, 1, 0, SequenceDataset.IgnoreClass, SequenceDataset.IgnoreClass, SequenceDataset.IgnoreClass, SequenceDataset.IgnoreClass };
        float[] withIgnored = BatchGradient(model, SequenceDataset.FromTokens(new[] { tokens, other }, new[] { ignored, otherLabels }));
        Assert.True(TrainerFixtures.BitwiseEqual(unpadded, withIgnored), TrainerFixtures.FirstDifference(unpadded, withIgnored));
    }

    [Fact]
    public void AZeroWeightSampleContributesNothing()
    {
        var model = TrainerFixtures.Model(TrainerFixtures.FloatRegressor(), 23);
        var data = TrainerFixtures.FloatData(5, 3);
        var subset = data.Subset(new[] { 0, 1, 2, 3 });
        float[] four = BatchGradient(model, subset, samplesPerChunk: 4);

        // Same four samples plus a fifth of weight 0; the mean is over N = 5 samples, so scale 5/4.
        var sequences = new List<float[]>();
        var targets = new List<float[]>();
        for (int i = 0; i < 5; i++)
        {
            sequences.Add(data.Inputs(i).ToArray());
            targets.Add(data.Values(i).ToArray());
        }
        float[] five = BatchGradient(model, SequenceDataset.FromFloats(sequences, 3, targets, HeadOn.LastStep, weights: new[] { 1f, 1f, 1f, 1f, 0f }), samplesPerChunk: 5);
        for (int i = 0; i < four.Length; i++) Assert.Equal(four[i], five[i] * 5 / 4, 1e-6);
    }

    [Fact]
    public void TruncatedBpttCutsGradientsAtWindowBordersAndCarriesTheState()
    {
        var model = TrainerFixtures.Model(TrainerFixtures.TokenClassifier(HeadOn.EveryStep), 24);
        int[] tokens = { 2, 7, 1, 1, 8, 3, 10, 6, 0, 5, 4 };
        int[] labels = { 1, 0, 2, 2, 1, 0, 1, 2, 0, 1, 1 };
        const int Window = 4;
        float[] trainer = BatchGradient(model, SequenceDataset.FromTokens(new[] { tokens }, new[] { labels }), truncate: Window);

        // By hand: windows [0,4) [4,8) [8,11), the state carried, each window backpropagated alone.
        int k = model.Shape.OutputSize;
        var state = model.CreateState();
        var tape = model.CreateTape(Window);
        var gradients = model.CreateGradients();
        for (int start = 0; start < tokens.Length; start += Window)
        {
            int steps = Math.Min(Window, tokens.Length - start);
            float[] outputs = new float[steps * k];
            float[] dOutputs = new float[steps * k];
            model.Forward(tokens.AsSpan(start, steps), outputs, state, tape);
            for (int t = 0; t < steps; t++)
                LossFunctions.SoftmaxCrossEntropy(outputs.AsSpan(t * k, k), labels[start + t], dOutputs.AsSpan(t * k, k), 1f / tokens.Length);
            model.Backward(tape, dOutputs, gradients);
        }
        float[] expected = new float[model.Shape.ParameterCount];
        model.CopyGradients(gradients, expected);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], trainer[i], 1e-6);

        // Truncation differs from full BPTT, and a window as long as the sample is full BPTT exactly.
        float[] full = BatchGradient(model, SequenceDataset.FromTokens(new[] { tokens }, new[] { labels }));
        Assert.False(TrainerFixtures.BitwiseEqual(full, trainer));
        float[] wide = BatchGradient(model, SequenceDataset.FromTokens(new[] { tokens }, new[] { labels }), truncate: tokens.Length);
        Assert.True(TrainerFixtures.BitwiseEqual(full, wide));
    }

    [Fact]
    public void TruncationWithALastStepTargetBackpropagatesOnlyTheLastWindow()
    {
        var shape = TrainerFixtures.TokenClassifier();
        var model = TrainerFixtures.Model(shape, 25);
        int[] tokens = { 2, 7, 1, 1, 8, 3, 10, 6, 0, 5 };
        float[] trainer = BatchGradient(model, SequenceDataset.FromTokens(new[] { tokens }, new[] { 2 }), truncate: 3);

        var state = model.CreateState();
        float[] outputs = new float[shape.OutputSize];
        model.Predict(tokens.AsSpan(0, 9), outputs, state, HeadOutput.Logits); // windows [0,3) [3,6) [6,9) only carry the state
        var tape = model.CreateTape(1);
        model.Forward(tokens.AsSpan(9, 1), outputs, state, tape);
        float[] dOutputs = new float[shape.OutputSize];
        LossFunctions.SoftmaxCrossEntropy(outputs, 2, dOutputs);
        var gradients = model.CreateGradients();
        model.Backward(tape, dOutputs, gradients);
        float[] expected = new float[shape.ParameterCount];
        model.CopyGradients(gradients, expected);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], trainer[i], 1e-6);
    }
}
