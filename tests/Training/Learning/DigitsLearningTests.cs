// The 8×8 digit images (scikit-learn's copy of the UCI set), each fed as 8 steps of 8 pixels: an LSTM
// classifier must reach 90 % accuracy on a stratified held-out 20 %.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Training.Learning;

public class DigitsLearningTests(ITestOutputHelper output)
{
    /// <summary>Rows of tests/data/sklearn_digits_8x8.csv: 64 pixels (0–16, scaled to [0, 1]) and the label.</summary>
    public static (List<float[]> Images, List<int> Labels) Load()
    {
        var images = new List<float[]>();
        var labels = new List<int>();
        string[] lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "tests", "data", "sklearn_digits_8x8.csv"));
        for (int row = 1; row < lines.Length; row++)
        {
            string[] fields = lines[row].Split(',');
            float[] pixels = new float[64];
            for (int i = 0; i < 64; i++) pixels[i] = float.Parse(fields[i], CultureInfo.InvariantCulture) / 16f;
            images.Add(pixels);
            labels.Add(int.Parse(fields[64], CultureInfo.InvariantCulture));
        }
        return (images, labels);
    }

    [Fact]
    public void ClassifiesHeldOutDigits()
    {
        var clock = Stopwatch.StartNew();
        var (images, labels) = Load();
        Assert.Equal(1797, images.Count);
        var (train, test) = SequenceDataset.FromFloats(images, 8, labels).Split(0.2, seed: 12345, stratify: true);
        output.WriteLine($"{train.Count} training and {test.Count} test images");

        var shape = new ModelShape(8, 0, 0, 32, 1, 10, Head.Softmax, HeadOn.LastStep);
        var model = LearningModels.Create(shape, seed: 1, output);
        var training = Stopwatch.StartNew();
        var trainer = new LstmGen.Training.Trainer(model, new TrainingOptions { Epochs = 15, BatchSize = 32, Seed = 1, Threads = 2, Optimizer = new Adam(0.01) });
        trainer.Fit(train, test, new LearningModels.Log(output));

        // Accuracy from the model's own predictions.
        int correct = 0;
        float[] probabilities = new float[10];
        var floatModel = (IFloatSequenceModel)model;
        for (int i = 0; i < test.Count; i++)
        {
            floatModel.Predict(test.Inputs(i), probabilities);
            if (Metrics.ArgMax(probabilities) == test.ClassIds(i)[0]) correct++;
        }
        double accuracy = (double)correct / test.Count;
        output.WriteLine($"held-out accuracy {accuracy:P2} ({correct}/{test.Count}); training {training.Elapsed.TotalSeconds:F2} s, whole test {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(accuracy >= 0.9, $"held-out accuracy {accuracy:P2}");
    }
}
