// Wrong inputs must fail at once with a message that names the sample, not deep inside a training run.
using System;
using Xunit;

namespace LstmGen.Tests.Training.Trainer;

using LstmGen.Training;

public class DatasetTests
{
    private static InvalidSampleException Invalid(Func<object> create, int sample, string text)
    {
        var e = Assert.Throws<InvalidSampleException>(create);
        Assert.Equal(sample, e.SampleIndex);
        Assert.Contains($"Sample {sample}: ", e.Message);
        Assert.Contains(text, e.Message);
        return e;
    }

    [Fact]
    public void StoresVariableLengthSamples()
    {
        var data = SequenceDataset.FromFloats(new[] { new float[] { 1, 2, 3, 4 }, new float[] { 5, 6 } }, 2, new[] { 1, 0 }, new[] { 0.5f, 2f });
        Assert.Equal(2, data.Count);
        Assert.Equal(2, data.Length(0));
        Assert.Equal(1, data.Length(1));
        Assert.Equal(2, data.MaxLength);
        Assert.Equal(new float[] { 5, 6 }, data.Inputs(1).ToArray());
        Assert.Equal(1, data.ClassIds(0)[0]);
        Assert.Equal(2f, data.Weight(1));
        Assert.False(data.IsTokenData);
        Assert.Equal(HeadOn.LastStep, data.TargetsOn);

        var steps = SequenceDataset.FromTokens(new[] { new[] { 1, 2, 3 } }, new[] { new[] { 0, SequenceDataset.IgnoreClass, 2 } });
        Assert.Equal(new[] { 0, SequenceDataset.IgnoreClass, 2 }, steps.ClassIds(0).ToArray());
        Assert.Equal(1f, steps.Weight(0));
        Assert.True(steps.StepMask(0).IsEmpty);

        var subset = steps.Subset(new[] { 0, 0 });
        Assert.Equal(2, subset.Count);
        Assert.Equal(new[] { 1, 2, 3 }, subset.Tokens(1).ToArray());
    }

    [Fact]
    public void StratifiedSplitKeepsClassProportionsAndIsSeeded()
    {
        var sequences = new int[100][];
        var labels = new int[100];
        for (int i = 0; i < 100; i++)
        {
            sequences[i] = new[] { i % 7, i % 5 };
            labels[i] = i < 70 ? 0 : i < 90 ? 1 : 2; // 70 / 20 / 10
        }
        var data = SequenceDataset.FromTokens(sequences, labels);
        var (train, test) = data.Split(0.2, seed: 3, stratify: true);
        Assert.Equal((80, 20), (train.Count, test.Count));
        int[] perClass = new int[3];
        for (int i = 0; i < test.Count; i++) perClass[test.ClassIds(i)[0]]++;
        Assert.Equal(new[] { 14, 4, 2 }, perClass);

        var (_, again) = data.Split(0.2, seed: 3, stratify: true);
        var (_, other) = data.Split(0.2, seed: 4, stratify: true);
        Assert.Equal(Tokens(test), Tokens(again));
        Assert.NotEqual(Tokens(test), Tokens(other));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(1.0, 1));
        Assert.Throws<ArgumentException>(() => TrainerFixtures.FloatData(10, 1).Split(0.5, 1, stratify: true));

        static string Tokens(SequenceDataset d)
        {
            var text = new System.Text.StringBuilder();
            for (int i = 0; i < d.Count; i++) text.Append(string.Join(",", d.Tokens(i).ToArray())).Append(';');
            return text.ToString();
        }
    }

    [Fact]
    public void BadSamplesNameTheirIndex()
    {
        int[][] tokens = { new[] { 1 }, new[] { 2, 3 }, new[] { 4 } };
        Invalid(() => SequenceDataset.FromTokens(new[] { new[] { 1 }, Array.Empty<int>() }, new[] { 0, 1 }), 1, "empty");
        Invalid(() => SequenceDataset.FromTokens(new[] { new[] { 1 }, new[] { 2, -3 } }, new[] { 0, 1 }), 1, "token -3 at step 1 is negative");
        Invalid(() => SequenceDataset.FromTokens(tokens, new[] { 0, 1, -2 }), 2, "class id -2 is negative");
        Invalid(() => SequenceDataset.FromTokens(tokens, new[] { new[] { 0 }, new[] { 1 }, new[] { 0 } }), 1, "2 steps but 1 step labels");
        Invalid(() => SequenceDataset.FromFloats(new[] { new float[] { 1, 2 }, new float[] { 1, 2, 3 } }, 2, new[] { 0, 1 }), 1, "3 floats, not a whole number of steps of 2");
        Invalid(() => SequenceDataset.FromFloats(new[] { new float[] { 1, 2 }, new float[] { 1, float.NaN } }, 2, new[] { 0, 1 }), 1, "NaN at step 0, column 1");
        Invalid(() => SequenceDataset.FromFloats(new[] { new float[] { 1 }, new float[] { 2 } }, 1, new[] { new float[] { 0 }, new float[] { 1, 2 } }, HeadOn.LastStep), 1, "expected 1 target values");
        Invalid(() => SequenceDataset.FromTokens(tokens, new[] { 0, 1, 1 }, new[] { 1f, 1f, -1f }), 2, "weight -1");
        Invalid(() => SequenceDataset.FromTokens(tokens, new[] { new[] { 0 }, new[] { 1, 1 }, new[] { 0 } }, stepMasks: new[] { new float[] { 1 }, new float[] { 1 }, new float[] { 1 } }), 1, "mask has 1 entries");

        var e = Assert.Throws<ArgumentException>(() => SequenceDataset.FromTokens(tokens, new[] { 0, 1 }));
        Assert.Equal("labels", e.ParamName);
        Assert.Contains("one entry per sequence (3), got 2", e.Message);
        Assert.Throws<ArgumentException>(() => SequenceDataset.FromTokens(Array.Empty<int[]>(), Array.Empty<int>()));
    }

    [Fact]
    public void SamplesThatDoNotFitTheModelNameTheirIndex()
    {
        var shape = new ModelShape(0, 5, 3, 4, 1, 3, Head.Softmax, HeadOn.LastStep);
        var outOfVocabulary = SequenceDataset.FromTokens(new[] { new[] { 1, 2 }, new[] { 4, 5 } }, new[] { 0, 1 });
        Invalid(() => { outOfVocabulary.EnsureFits(shape, LossKind.SoftmaxCrossEntropy); return 0; }, 1, "token 5 at step 1 is outside the model's vocabulary [0, 5)");
        var badLabel = SequenceDataset.FromTokens(new[] { new[] { 1 }, new[] { 2 }, new[] { 3 } }, new[] { 0, 2, 3 });
        Invalid(() => { badLabel.EnsureFits(shape, LossKind.SoftmaxCrossEntropy); return 0; }, 2, "class id 3 must be in [0, 3)");

        // Through the trainer, with the argument's name.
        var model = TrainerFixtures.Model(shape);
        var trainer = new Trainer(model, new TrainingOptions { Optimizer = TrainerFixtures.Sgd() });
        var e = Invalid(() => trainer.Fit(badLabel), 2, "class id 3");
        Assert.Equal("train", e.ParamName);
        Assert.Throws<ArgumentException>(() => trainer.Fit(SequenceDataset.FromFloats(new[] { new float[] { 1 } }, 1, new[] { 0 })));
        var binary = new ModelShape(0, 5, 3, 4, 1, 1, Head.Sigmoid, HeadOn.LastStep);
        Invalid(() => { badLabel.EnsureFits(binary, LossKind.BinaryCrossEntropy); return 0; }, 1, "must be 0 or 1");
        var perStep = SequenceDataset.FromTokens(new[] { new[] { 1 } }, new[] { new[] { 0 } });
        var stepError = Assert.Throws<ArgumentException>(() => perStep.EnsureFits(shape, LossKind.SoftmaxCrossEntropy));
        Assert.Contains("target per step", stepError.Message);
    }

    [Fact]
    public void OptionsOutOfRangeNameTheSetting()
    {
        var model = TrainerFixtures.Model(TrainerFixtures.TokenClassifier());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(model, new TrainingOptions { BatchSize = 0, Optimizer = TrainerFixtures.Sgd() }));
        Assert.Equal("BatchSize", e.ParamName);
        var loss = Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainingOptions { LossKind = LossKind.MeanSquaredError, Optimizer = TrainerFixtures.Sgd() }));
        Assert.Contains("softmax head", loss.Message);
    }
}
