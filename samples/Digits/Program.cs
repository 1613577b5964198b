// Handwritten digits as sequences: each 8×8 image is read as 8 time steps of 8 pixels (one row per step)
// by an LSTM whose last hidden state goes through a softmax over the 10 digits. Trains on a stratified
// 80 % (or on --data, scoring a --test file), predicts the held-out images in one call and prints the accuracy and
// the confusion matrix. --data takes any CSV of the same form.
using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using LstmGen;
using LstmGen.Samples;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace Digits;

/// <summary>8 pixels in per step (one image row), 64 hidden units, 10 class probabilities after the last row.</summary>
[LstmModel(Inputs = 8, Hidden = 64, Outputs = 10, Head = Head.Softmax)]
public partial class DigitReader;

public static class Program
{
    public static int Main(string[] args)
    {
        var data = SampleOptions.Data("CSV with a header, 64 pixel columns (row by row) and a last column label 0-9 (default: the bundled 1,797 scikit-learn digits, pixels 0-16)");
        var test = SampleOptions.Test("a held-out CSV of the same form to score; without it a stratified --test-size share of --data is held out");
        var maxPixel = SampleOptions.Between("--max-pixel", 1e-6, 1e9, 16, "the pixels' largest value, used to scale them to [0, 1]");
        var epochs = SampleOptions.Epochs(40);
        var learningRate = SampleOptions.LearningRate(5e-3, "Adam's learning rate, cosine-annealed over the epochs");
        var testSize = SampleOptions.Between("--test-size", 0.01, 0.9, 0.2, "share of --data held out, stratified by digit, when there is no --test file");
        var threads = SampleOptions.Threads();
        var seed = SampleOptions.Seed("seed of the split, the initialisation and the shuffling");
        var root = new RootCommand("8x8 handwritten digits read row by row by an LSTM: held-out accuracy and confusion matrix. The last line is accuracy=... macro_f1=...")
        {
            data, test, maxPixel, epochs, learningRate, testSize, threads, seed,
        };
        return SampleOptions.Run(root, args, r => Run(r.GetValue(data) ?? SampleOutput.Bundled("sklearn_digits_8x8.csv"), r.GetValue(test), (float)r.GetValue(maxPixel),
            r.GetValue(epochs), r.GetValue(learningRate), r.GetValue(testSize), r.GetValue(threads), r.GetValue(seed)));
    }

    private static int Run(string path, string? testPath, float maxPixel, int epochs, double learningRate, double testSize, int threads, ulong seed)
    {
        SequenceDataset train, test;
        var (images, labels) = Load(path, maxPixel);
        if (testPath is null)
        {
            (train, test) = SequenceDataset.FromFloats(images, DigitReader.InputSize, labels).Split(testSize, seed, stratify: true);
            Console.WriteLine($"{images.Count} images from {path}: training on {train.Count}, testing on {test.Count} (stratified by digit).");
        }
        else
        {
            var (testImages, testLabels) = Load(testPath, maxPixel);
            train = SequenceDataset.FromFloats(images, DigitReader.InputSize, labels);
            test = SequenceDataset.FromFloats(testImages, DigitReader.InputSize, testLabels);
            Console.WriteLine($"Training on the {train.Count} images of {path}, testing on the {test.Count} of {testPath}.");
        }

        var model = new DigitReader();
        model.Initialize(seed);
        var trainer = new Trainer(model, new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = 32,
            Seed = seed,
            Threads = threads,
            Optimizer = new Adam(learningRate),
            LearningRateSchedule = new CosineAnnealing(learningRate, epochs),
            ClipGradientNorm = 5,
        });
        TrainingResult result = trainer.Fit(train, progress: new ConsoleProgressBar());
        Console.WriteLine($"Trained {result.CompletedEpochs} epochs.");

        // The whole test set in one call: 8 rows of 8 pixels per image, back to back; 10 probabilities per image back.
        var pixels = new float[test.Count * ImageSteps * DigitReader.InputSize];
        var lengths = new int[test.Count];
        var actual = new int[test.Count];
        for (int i = 0; i < test.Count; i++)
        {
            test.Inputs(i).CopyTo(pixels.AsSpan(i * ImageSteps * DigitReader.InputSize));
            lengths[i] = ImageSteps;
            actual[i] = test.ClassIds(i)[0];
        }
        var probabilities = new float[model.BatchOutputLength(lengths)];
        model.PredictBatch(pixels, lengths, probabilities, new BatchOptions { UseAllCores = true });
        var predicted = new int[test.Count];
        for (int i = 0; i < test.Count; i++) predicted[i] = Metrics.ArgMax(probabilities.AsSpan(i * DigitReader.OutputSize, DigitReader.OutputSize));

        ConfusionMatrix confusion = ConfusionMatrix.From(actual, predicted, classes: DigitReader.OutputSize);
        Console.WriteLine();
        Console.WriteLine("Confusion matrix (rows: true digit, columns: predicted):");
        Console.Write(confusion.ToString());
        Console.WriteLine();
        Console.WriteLine($"{predicted.Where((p, i) => p == actual[i]).Count()} of {test.Count} held-out images right.");
        SampleOutput.KeyValues($"accuracy={confusion.Accuracy:F3} macro_f1={confusion.MacroF1:F3}");
        return 0;
    }

    /// <summary>Steps per image: one per row.</summary>
    private const int ImageSteps = 8;

    /// <summary>Reads 64 pixels and a label per row; pixels are scaled by <paramref name="maxPixel"/>.</summary>
    private static (List<float[]> Images, List<int> Labels) Load(string path, float maxPixel)
    {
        var images = new List<float[]>();
        var labels = new List<int>();
        string[] lines = File.ReadAllLines(path);
        for (int row = 1; row < lines.Length; row++)
        {
            if (lines[row].Length == 0) continue;
            string[] fields = lines[row].Split(',');
            if (fields.Length != 65)
                throw new InvalidDataException($"{path}, line {row + 1}: expected 65 columns (64 pixels and a label), got {fields.Length}.");
            var pixels = new float[64];
            for (int i = 0; i < 64; i++)
            {
                if (!float.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out float p))
                    throw new InvalidDataException($"{path}, line {row + 1}, column {i + 1}: '{fields[i]}' is not a number.");
                pixels[i] = p / maxPixel;
            }
            if (!int.TryParse(fields[64], NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) || label is < 0 or > 9)
                throw new InvalidDataException($"{path}, line {row + 1}: the label '{fields[64]}' is not a digit 0–9.");
            images.Add(pixels);
            labels.Add(label);
        }
        if (images.Count == 0) throw new InvalidDataException($"{path} has no images.");
        return (images, labels);
    }
}
