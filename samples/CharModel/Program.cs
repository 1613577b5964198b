// A two-layer character-level LSTM trained on Jane Austen within a wall-time budget: truncated BPTT over
// random stretches of the text, validation bits per character and sampled text at every report, a
// checkpoint that the next run resumes from, and --eval / --generate on a trained model.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using LstmGen;
using LstmGen.IO;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace CharModel;

/// <summary>Character ids in (embedding 32), two layers of 256 units, next-character logits out at every step.</summary>
[LstmModel(Vocabulary = CharacterSet.Size, Embedding = 32, Hidden = 256, Layers = 2, Outputs = CharacterSet.Size,
    Head = Head.Softmax, HeadOn = HeadOn.EveryStep)]
public partial class AustenModel;

public static class Program
{
    private const string Usage = """
        usage: dotnet run --project samples/CharModel -c Release -- [options]
          --text FILE…         training text, one or more files (default: the bundled Pride and Prejudice and Persuasion)
          --minutes N          wall-time training budget (default 3; 0 = no training). Without it, --eval and
                               --generate use the saved model as it is
          --checkpoint FILE    checkpoint to resume from and save to (default charmodel.checkpoint.safetensors)
          --fresh              start from new weights even if the checkpoint exists (it is overwritten)
          --report N           seconds between reports: validation bpc, sampled text, checkpoint (default 30)
          --eval FILE          bits per character of the model on FILE and of a character n-gram fitted on the
                               training text; the last line is bits_per_char=… ngram_bits_per_char=…
          --ngram-order N      order of that Kneser-Ney n-gram baseline (default 5)
          --generate N         print N generated characters (default at each report: 300)
          --temperature T      sampling temperature (default 0.7; lower is safer, higher is wilder)
          --prime TEXT         text that starts each generated sample (default "Elizabeth ")
          --threads N          training threads (default 1)
          --seed N             seed of the weights, batches and sampling (default 1)
        """;

    private const int BatchSize = 16, SequenceLength = 200, TruncateSteps = 100, ValidationCharacters = 20_000;

    public static int Main(string[] args)
    {
        var texts = new List<string>();
        string checkpoint = "charmodel.checkpoint.safetensors", prime = "Elizabeth ";
        string? eval = null;
        double? minutes = null;
        double temperature = 0.7, report = 30;
        int? generate = null;
        int threads = 1, ngramOrder = 5;
        bool fresh = false;
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
                    case "--text":
                        texts.Add(Value());
                        while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) texts.Add(args[++i]);
                        break;
                    case "--minutes": minutes = Number(0, 100000); break;
                    case "--checkpoint": checkpoint = Value(); break;
                    case "--fresh": fresh = true; break;
                    case "--report": report = Number(1, 1e6); break;
                    case "--eval": eval = Value(); break;
                    case "--generate": generate = (int)Number(0, 10_000_000); break;
                    case "--temperature": temperature = Number(0.01, 100); break;
                    case "--prime": prime = Value(); break;
                    case "--threads": threads = (int)Number(1, 256); break;
                    case "--ngram-order": ngramOrder = (int)Number(1, 8); break;
                    case "--seed": seed = (ulong)Number(0, int.MaxValue); break;
                    default: throw new FormatException(args[i] is "-h" or "--help" ? "LstmGen character-level language model sample." : $"Unknown option '{args[i]}'.");
                }
            }
            if (texts.Count == 0)
            {
                string data = Path.Combine(AppContext.BaseDirectory, "data");
                texts.AddRange(new[] { "pride_and_prejudice.txt", "persuasion.txt" }.Select(f => Path.Combine(data, f)));
            }
            // --eval / --generate alone use the saved model; training runs by default or when --minutes is given.
            double budget = minutes ?? (eval is null && generate is null ? 3 : 0);

            var model = new AustenModel();
            if (budget > 0)
                Train(model, texts, budget, checkpoint, fresh, report, threads, seed, generate ?? 300, temperature, prime, ngramOrder);
            else if (File.Exists(checkpoint))
                model.Load(checkpoint, new WeightLoadOptions { IgnoreExtraTensors = true }); // a checkpoint also holds the optimizer state
            else
                throw new FileNotFoundException($"No trained model at '{checkpoint}': train first (e.g. --minutes 3) or pass --checkpoint FILE.");

            if (generate is { } n && n > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--- {n} characters at temperature {temperature}, after \"{prime}\":"));
                Console.WriteLine(prime + LanguageModelMath.Generate(model, prime, n, temperature, new SeededRandom(seed)));
                Console.WriteLine("---");
            }
            if (eval is not null)
            {
                int[] ids = CharacterSet.Encode(File.ReadAllText(eval));
                int unknown = ids.Count(id => id == CharacterSet.Unknown);
                var clock = Stopwatch.StartNew();
                double bpc = LanguageModelMath.BitsPerCharacter(model, ids);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{eval}: {ids.Length:N0} characters ({unknown:N0} unknown), scored at {ids.Length / clock.Elapsed.TotalSeconds:N0} characters/s"));
                CharacterNgram ngram = FitNgram(texts, ngramOrder);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bits_per_char={bpc:F3} ngram_bits_per_char={ngram.BitsPerCharacter(ids):F3}"));
            }
            return 0;
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or TrainingDivergedException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>The text of <paramref name="files"/> as ids, split into the training part and the held-out tail (the last 20,000 characters, at most 5 %).</summary>
    private static (int[] Train, int[] Validation) Split(List<string> files)
    {
        int[] all = CharacterSet.Encode(string.Join("\n\n", files.Select(File.ReadAllText)));
        int held = Math.Min(ValidationCharacters, all.Length / 20);
        if (all.Length - held < 10 * SequenceLength) throw new InvalidDataException($"{all.Length:N0} characters are too few to train on; give more --text.");
        return (all[..^held], all[^held..]);
    }

    /// <summary>The Kneser-Ney character n-gram of the given order, fitted on the training part of <paramref name="files"/> (the text the LSTM trains on).</summary>
    private static CharacterNgram FitNgram(List<string> files, int order) => new(Split(files).Train, CharacterSet.Size, order);

    /// <summary>
    /// Trains for <paramref name="minutes"/> of wall time in steps of <see cref="BatchSize"/> random stretches of
    /// <see cref="SequenceLength"/> characters (truncated BPTT every <see cref="TruncateSteps"/>); every
    /// <paramref name="reportSeconds"/> and at the end it reports, samples text and saves the checkpoint.
    /// </summary>
    private static void Train(AustenModel model, List<string> files, double minutes, string checkpoint, bool fresh, double reportSeconds,
        int threads, ulong seed, int sampleLength, double temperature, string prime, int ngramOrder)
    {
        (int[] train, int[] validation) = Split(files);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{train.Length:N0} training characters from {files.Count} file(s), the last {validation.Length:N0} held out; {CharacterSet.Size} symbols ({train.Count(id => id == CharacterSet.Unknown) + validation.Count(id => id == CharacterSet.Unknown):N0} unknown characters)."));
        var ngram = new CharacterNgram(train, CharacterSet.Size, ngramOrder);
        double ngramBpc = ngram.BitsPerCharacter(validation);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Baselines on the held-out text: uniform {Math.Log2(CharacterSet.Size):F3} bpc, unigram {LanguageModelMath.UnigramBitsPerCharacter(train, validation):F3} bpc, Kneser-Ney {ngramOrder}-gram {ngramBpc:F3} bpc."));

        using var trainer = new Trainer(model, new TrainingOptions
        {
            BatchSize = BatchSize,
            Seed = seed,
            Threads = threads,
            SamplesPerChunk = Math.Max(1, BatchSize / threads),
            TruncateSteps = TruncateSteps,
            LossKind = LossKind.SoftmaxCrossEntropy,
            Optimizer = new Adam(3e-3),
            ClipGradientNorm = 5,
        });
        if (!fresh && File.Exists(checkpoint))
        {
            trainer.LoadCheckpoint(checkpoint);
            Console.WriteLine($"Resuming from {checkpoint} (step {trainer.CompletedSteps}); --fresh starts over.");
        }
        else
        {
            ParameterInit.Initialize(model.Shape, model.Parameters, seed, new ParameterInitOptions { ForgetGateBias = 1f });
            model.ParametersChanged();
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training for {minutes:0.##} min: batches of {BatchSize} × {SequenceLength} characters, truncated BPTT every {TruncateSteps}, Adam 3e-3, {threads} thread(s)."));

        var inputs = new int[BatchSize][];
        var targets = new int[BatchSize][];
        for (int b = 0; b < BatchSize; b++) { inputs[b] = new int[SequenceLength]; targets[b] = new int[SequenceLength]; }
        var clock = Stopwatch.StartNew();
        var trainingClock = Stopwatch.StartNew(); // stopped during reports, for the training rate
        TimeSpan budget = TimeSpan.FromMinutes(minutes), nextReport = TimeSpan.FromSeconds(reportSeconds);
        long characters = 0;
        double lossSum = 0;
        int batches = 0;
        while (true)
        {
            // Stretches are drawn from a generator seeded by the step, so a resumed run sees the batches an uninterrupted one would.
            var random = new SeededRandom(seed * 1_000_003UL + (ulong)trainer.CompletedSteps);
            for (int b = 0; b < BatchSize; b++)
            {
                int start = random.Next(train.Length - SequenceLength);
                train.AsSpan(start, SequenceLength).CopyTo(inputs[b]);
                train.AsSpan(start + 1, SequenceLength).CopyTo(targets[b]);
            }
            lossSum += trainer.TrainStep(SequenceDataset.FromTokens(inputs, targets));
            batches++;
            characters += BatchSize * SequenceLength;

            bool done = clock.Elapsed >= budget;
            if (!done && clock.Elapsed < nextReport) continue;
            trainingClock.Stop();
            double trainingSeconds = trainingClock.Elapsed.TotalSeconds;
            var evaluation = Stopwatch.StartNew();
            double bpc = LanguageModelMath.BitsPerCharacter(model, validation);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"step {trainer.CompletedSteps,5}  {clock.Elapsed.TotalMinutes,5:F1} min  train {lossSum / batches / Math.Log(2):F3} bpc  validation {bpc:F3} bpc  {characters / trainingSeconds:N0} chars/s  (validation took {evaluation.Elapsed.TotalSeconds:F1} s)"));
            trainer.SaveCheckpoint(checkpoint);
            if (sampleLength > 0 && !done)
            {
                string sample = LanguageModelMath.Generate(model, prime, Math.Min(sampleLength, 300), temperature, new SeededRandom(seed));
                Console.WriteLine("  | " + (prime + sample).Replace("\n", "\n  | ", StringComparison.Ordinal));
            }
            lossSum = 0;
            batches = 0;
            if (done)
            {
                Console.WriteLine($"Checkpoint: {Path.GetFullPath(checkpoint)} (run again to continue training)");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"validation bpc={bpc:F3}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"validation bits_per_char={bpc:F3} ngram_bits_per_char={ngramBpc:F3}"));
                return;
            }
            nextReport = clock.Elapsed + TimeSpan.FromSeconds(reportSeconds);
            trainingClock.Start();
        }
    }
}
