// Handwritten digits as sequences: each 8×8 image is read as 8 time steps of 8 pixels (one row per step)
// by an LSTM whose last hidden state goes through a softmax over the 10 digits. Trains on a stratified
// 80 %, then prints the held-out accuracy and the confusion matrix. --data takes any CSV of the same form.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using LstmGen;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace Digits;

/// <summary>8 pixels in per step (one image row), 64 hidden units, 10 class probabilities after the last row.</summary>
[LstmModel(Inputs = 8, Hidden = 64, Outputs = 10, Head = Head.Softmax)]
public partial class DigitReader;

public static class Program
{
    private const string Usage = """
        usage: dotnet run --project samples/Digits -c Release -- [options]
          --data FILE      CSV with a header, 64 pixel columns (row by row) and a last column label 0–9
                           (default: the bundled 1,797 scikit-learn digits, pixels 0–16)
          --max-pixel V    the pixels' largest value, used to scale them to [0, 1] (default 16)
          --epochs N       training epochs (default 40)
          --test-size F    fraction held out, stratified by digit (default 0.2)
          --threads N      training threads (default: all cores)
          --seed N         seed for the split, initialisation and shuffling (default 1)
        """;

    public static int Main(string[] args)
    {
        string data = Path.Combine(AppContext.BaseDirectory, "data", "sklearn_digits_8x8.csv");
        int epochs = 40, threads = Environment.ProcessorCount;
        float maxPixel = 16;
        double testSize = 0.2;
        ulong seed = 1;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
                double Number(double min, double max) =>
                    double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= min && v <= max
                        ? v : throw new FormatException($"{args[i - 1]} needs a number in [{min}, {max}], not '{args[i]}'.");
                switch (args[i])
                {
                    case "--data": data = Value(); break;
                    case "--max-pixel": maxPixel = (float)Number(1e-6, 1e9); break;
                    case "--epochs": epochs = (int)Number(1, 100000); break;
                    case "--test-size": testSize = Number(0.01, 0.9); break;
                    case "--threads": threads = (int)Number(1, 1024); break;
                    case "--seed": seed = (ulong)Number(0, int.MaxValue); break;
                    default: throw new FormatException(args[i] is "-h" or "--help" ? "LstmGen digits sample." : $"Unknown option '{args[i]}'.");
                }
            }
            return Run(data, maxPixel, epochs, testSize, threads, seed);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or TrainingDivergedException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Run(string path, float maxPixel, int epochs, double testSize, int threads, ulong seed)
    {
        var (images, labels) = Load(path, maxPixel);
        var (train, test) = SequenceDataset.FromFloats(images, DigitReader.InputSize, labels).Split(testSize, seed, stratify: true);
        Console.WriteLine($"{images.Count} images from {path}: training on {train.Count}, testing on {test.Count} (stratified by digit).");

        var model = new DigitReader();
        ParameterInit.Initialize(model.Shape, model.Parameters, seed);
        model.ParametersChanged();
        var trainer = new Trainer(model, new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = 32,
            Seed = seed,
            Threads = threads,
            Optimizer = new Adam(5e-3),
            LearningRateSchedule = new CosineAnnealing(5e-3, epochs),
            ClipGradientNorm = 5,
        });
        TrainingResult result = trainer.Fit(train, progress: new ConsoleProgressBar());
        Console.WriteLine($"Trained {result.CompletedEpochs} epochs.");

        var confusion = new int[10, 10];
        var probabilities = new float[DigitReader.OutputSize];
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            model.Predict(test.Inputs(i), probabilities);
            int predicted = Metrics.ArgMax(probabilities), actual = test.ClassIds(i)[0];
            confusion[actual, predicted]++;
            if (predicted == actual) correct++;
        }
        Console.WriteLine();
        Console.WriteLine("Confusion matrix (rows: true digit, columns: predicted):");
        Console.WriteLine("       " + string.Concat(Digits(d => $"{d,5}")));
        for (int a = 0; a < 10; a++) Console.WriteLine($"  {a,3}  " + string.Concat(Digits(p => $"{confusion[a, p],5}")));
        double accuracy = (double)correct / test.Count;
        Console.WriteLine();
        Console.WriteLine($"accuracy={accuracy.ToString("0.000", CultureInfo.InvariantCulture)} ({correct} of {test.Count} held-out images)");
        return 0;
    }

    private static IEnumerable<string> Digits(Func<int, string> cell)
    {
        for (int d = 0; d < 10; d++) yield return cell(d);
    }

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
