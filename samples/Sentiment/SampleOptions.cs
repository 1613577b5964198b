// The sample's command line: defaults that train on the bundled reviews, flags for the user's own files.
using System;
using System.Collections.Generic;
using System.Globalization;

namespace Sentiment;

internal sealed class SampleUsageException(string message) : Exception(message);

internal sealed class SampleOptions
{
    public const string Usage = """
        usage: dotnet run --project samples/Sentiment -c Release -- [options]
          --train FILE        train on a CSV with text,label columns (default: the bundled fine-food reviews)
          --test FILE         evaluate on a CSV with text,label columns; prints accuracy=… auc=…
          --model PATH        use a saved model (PATH and PATH's .vocab.txt) instead of training
          --out PATH          where to save the trained model (default: sentiment.safetensors)
          --predict TEXT      score a sentence (repeatable)
          --epochs N          training epochs (default 12; early stopping on validation AUC)
          --max-length N      words kept per review, the last N (default 200)
          --threads N         training threads (default: all cores)
          --seed N            seed for the split, initialisation and shuffling (default 1)
          --init SCHEME       initialisation: pytorch (default, with forget-gate bias 1) or keras
          --export-split DIR  also write the encoded training and validation reviews (train.tsv,
                              validation.tsv: label, then word ids) for pytorch/compare.py
        """;

    public string? TrainPath { get; private set; }
    public string? TestPath { get; private set; }
    public string? ModelPath { get; private set; }
    public string OutputPath { get; private set; } = "sentiment.safetensors";
    public List<string> Sentences { get; } = new();
    public int Epochs { get; private set; } = 12;
    public int MaxLength { get; private set; } = 200;
    public int Threads { get; private set; } = Environment.ProcessorCount;
    public ulong Seed { get; private set; } = 1;
    public double LearningRate { get; private set; } = 2e-3;
    public double ValidationFraction { get; private set; } = 0.2;
    public string? ExportSplitPath { get; private set; }
    public bool KerasInit { get; private set; }

    public static SampleOptions Parse(string[] args)
    {
        var o = new SampleOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new SampleUsageException($"{args[i]} needs a value.");
            int Int(int min) => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min
                ? v : throw new SampleUsageException($"{args[i - 1]} needs a whole number ≥ {min}, not '{args[i]}'.");
            switch (args[i])
            {
                case "--train": o.TrainPath = Value(); break;
                case "--test": o.TestPath = Value(); break;
                case "--model": o.ModelPath = Value(); break;
                case "--out": o.OutputPath = Value(); break;
                case "--predict": o.Sentences.Add(Value()); break;
                case "--epochs": o.Epochs = Int(1); break;
                case "--max-length": o.MaxLength = Int(1); break;
                case "--threads": o.Threads = Int(1); break;
                case "--seed": o.Seed = (ulong)Int(0); break;
                case "--export-split": o.ExportSplitPath = Value(); break;
                case "--init":
                    string scheme = Value();
                    o.KerasInit = scheme == "keras" ? true : scheme == "pytorch" ? false : throw new SampleUsageException($"--init needs pytorch or keras, not '{scheme}'.");
                    break;
                case "--learning-rate":
                    o.LearningRate = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double lr) && lr > 0
                        ? lr : throw new SampleUsageException($"--learning-rate needs a positive number, not '{args[i]}'.");
                    break;
                case "-h" or "--help": throw new SampleUsageException("LstmGen sentiment sample.");
                default: throw new SampleUsageException($"Unknown option '{args[i]}'.");
            }
        }
        if (o.ModelPath is not null && o.TrainPath is not null) throw new SampleUsageException("--model uses a saved model; --train trains a new one. Choose one.");
        return o;
    }
}
