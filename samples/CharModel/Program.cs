// A two-layer character-level LSTM trained on Jane Austen within a wall-time budget: truncated BPTT over random
// stretches of the text on every core, validation bits per character (model.Evaluate) and sampled text at every report,
// a checkpoint that the next run resumes from, and --eval / --generate on a trained model.
using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using LstmGen;
using LstmGen.IO;
using LstmGen.Samples;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace CharModel;

/// <summary>Character ids in (embedding 32), two layers of 256 units, next-character logits out at every step.</summary>
[LstmModel(Vocabulary = CharacterSet.Size, Embedding = 32, Hidden = 256, Layers = 2, Outputs = CharacterSet.Size,
    Head = Head.Softmax, HeadOn = HeadOn.EveryStep)]
public partial class AustenModel;

public static class Program
{
    private const int BatchSize = 16, SequenceLength = 200, TruncateSteps = 100, ValidationCharacters = 20_000;

    /// <summary>Scoring reads the text in windows of this many characters, side by side, each led by <see cref="ScoringContext"/> characters before it.</summary>
    private const int ScoringWindow = 1000, ScoringContext = 250;

    public static int Main(string[] args)
    {
        var texts = SampleOptions.DataFiles("training text, one or more files (default: the bundled Pride and Prejudice and Persuasion)");
        var minutes = new Option<double?>("--minutes") { Description = "wall-time training budget (default 3). Without it, --eval and --generate use the saved model as it is", HelpName = "M" };
        minutes.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is < 0) r.AddError("--minutes must not be negative."); });
        var steps = new Option<int?>("--steps") { Description = "train until the run has taken N optimizer steps in all (counting those of a resumed checkpoint) instead of a wall-time budget: the same result on any machine", HelpName = "N" };
        steps.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--steps must be at least 1."); });
        var output = SampleOptions.Out("charmodel.checkpoint.safetensors", "the checkpoint training saves at every report and resumes from (weights, Adam state, step)");
        var model = SampleOptions.Model("a saved model or checkpoint for --eval and --generate without training (default: the --out file)");
        var fresh = new Option<bool>("--fresh") { Description = "start from new weights even if the --out checkpoint exists (it is overwritten)" };
        var report = SampleOptions.Between("--report", 1, 1e6, 30, "seconds between reports: validation bits per character, sampled text, checkpoint");
        var eval = new Option<string?>("--eval") { Description = "bits per character of the model on FILE and of a character n-gram fitted on the training text; the last line is bits_per_char=… ngram_bits_per_char=…", HelpName = "FILE" };
        var ngramOrder = SampleOptions.AtLeast("--ngram-order", 1, 5, "order of the Kneser-Ney character n-gram baseline (1 to 8)");
        ngramOrder.Validators.Add(r => { if (r.GetValueOrDefault<int>() > 8) r.AddError("--ngram-order must be at most 8."); });
        var generate = new Option<int?>("--generate") { Description = "print N generated characters (default at each report: 300)", HelpName = "N" };
        generate.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 0) r.AddError("--generate must not be negative."); });
        var temperature = SampleOptions.Between("--temperature", 0.01, 100, 0.7, "sampling temperature (lower is safer, higher is wilder)");
        var prime = new Option<string>("--prime") { Description = "text that starts each generated sample", DefaultValueFactory = _ => "Elizabeth ", HelpName = "TEXT" };
        var learningRate = SampleOptions.LearningRate(3e-3);
        var threads = SampleOptions.Threads("threads for training and scoring (default: all cores)");
        var seed = SampleOptions.Seed("seed of the weights, the batches and the sampling");

        var root = new RootCommand("A two-layer character LSTM on Jane Austen: trains within a wall-time budget (resuming from its checkpoint), reports bits per character against a Kneser-Ney character n-gram, generates text.")
        {
            texts, minutes, steps, output, model, fresh, report, eval, ngramOrder, generate, temperature, prime, learningRate, threads, seed,
        };
        return SampleOptions.Run(root, args, r =>
        {
            List<string> files = r.GetValue(texts) is { Length: > 0 } given ? given.ToList()
                : new[] { "pride_and_prejudice.txt", "persuasion.txt" }.Select(SampleOutput.Bundled).ToList();
            string? evalPath = r.GetValue(eval);
            int? generated = r.GetValue(generate);
            // --eval / --generate alone use the saved model; training runs by default or when --minutes is given.
            int? stepBudget = r.GetValue(steps);
            double budget = stepBudget is not null ? double.PositiveInfinity : r.GetValue(minutes) ?? (evalPath is null && generated is null ? 3 : 0);
            string? modelPath = r.GetValue(model);
            if (budget > 0 && modelPath is not null)
                throw new ArgumentException("--model uses a saved model; --minutes and --steps train (resuming from the --out checkpoint). Choose one.");
            var settings = new Settings(files, r.GetValue(output)!, r.GetValue(fresh), r.GetValue(report), r.GetValue(learningRate), r.GetValue(threads), r.GetValue(seed),
                r.GetValue(temperature), r.GetValue(prime)!, r.GetValue(ngramOrder));

            var austen = new AustenModel();
            if (budget > 0)
                Train(austen, budget, stepBudget, generated ?? 300, settings);
            else
            {
                string path = modelPath ?? settings.Checkpoint;
                if (!File.Exists(path)) throw new FileNotFoundException($"No trained model at '{path}': train first (e.g. --minutes 3) or pass --model FILE.");
                austen.Load(path, new WeightLoadOptions { IgnoreExtraTensors = true }); // a checkpoint also holds the optimizer state
            }

            if (generated is { } n && n > 0)
            {
                Console.WriteLine(SampleOutput.Invariant($"--- {n} characters at temperature {settings.Temperature}, after \"{settings.Prime}\":"));
                Console.WriteLine(settings.Prime + CharacterSampling.Generate(austen, settings.Prime, n, settings.Temperature, new SeededRandom(settings.Seed)));
                Console.WriteLine("---");
            }
            if (evalPath is not null)
            {
                int[] ids = CharacterSet.Encode(File.ReadAllText(evalPath));
                int unknown = ids.Count(id => id == CharacterSet.Unknown);
                var clock = Stopwatch.StartNew();
                double bpc = BitsPerCharacter(austen, ids, settings.Threads);
                Console.WriteLine(SampleOutput.Invariant(
                    $"{evalPath}: {ids.Length:N0} characters ({unknown:N0} unknown), scored at {ids.Length / clock.Elapsed.TotalSeconds:N0} characters/s on {settings.Threads} thread(s)"));
                CharacterNgram ngram = new(Split(files).Train, CharacterSet.Size, settings.NgramOrder);
                SampleOutput.KeyValues($"bits_per_char={bpc:F3} ngram_bits_per_char={ngram.BitsPerCharacter(ids):F3}");
            }
            return 0;
        });
    }

    private sealed record Settings(List<string> Files, string Checkpoint, bool Fresh, double ReportSeconds, double LearningRate, int Threads, ulong Seed,
        double Temperature, string Prime, int NgramOrder);

    /// <summary>
    /// Bits per character of the model on <paramref name="ids"/>: every character after the first given all before it, read in
    /// windows on every thread (<see cref="TextWindows"/>) and scored by the library's evaluation (cross-entropy / ln 2).
    /// </summary>
    private static double BitsPerCharacter(AustenModel model, int[] ids, int threads) =>
        model.Evaluate(TextWindows.ForEvaluation(ids, ScoringWindow, ScoringContext), LossKind.SoftmaxCrossEntropy, threads).BitsPerToken!.Value;

    /// <summary>The text of <paramref name="files"/> as ids, split into the training part and the held-out tail (the last 20,000 characters, at most 5 %).</summary>
    private static (int[] Train, int[] Validation) Split(List<string> files)
    {
        int[] all = CharacterSet.Encode(string.Join("\n\n", files.Select(File.ReadAllText)));
        int held = Math.Min(ValidationCharacters, all.Length / 20);
        if (all.Length - held < 10 * SequenceLength) throw new InvalidDataException($"{all.Length:N0} characters are too few to train on; give more --data.");
        return (all[..^held], all[^held..]);
    }

    /// <summary>
    /// Trains for <paramref name="minutes"/> of wall time (or until <paramref name="stepBudget"/> steps are done) in steps of <see cref="BatchSize"/> random stretches of
    /// <see cref="SequenceLength"/> characters (truncated BPTT every <see cref="TruncateSteps"/>); at every report and at
    /// the end it scores the held-out text, samples <paramref name="sampleLength"/> characters and saves the checkpoint.
    /// </summary>
    private static void Train(AustenModel model, double minutes, int? stepBudget, int sampleLength, Settings settings)
    {
        (List<string> files, string checkpoint, int threads, ulong seed) = (settings.Files, settings.Checkpoint, settings.Threads, settings.Seed);
        (int[] train, int[] validation) = Split(files);
        Console.WriteLine(SampleOutput.Invariant(
            $"{train.Length:N0} training characters from {files.Count} file(s), the last {validation.Length:N0} held out; {CharacterSet.Size} symbols ({train.Count(id => id == CharacterSet.Unknown) + validation.Count(id => id == CharacterSet.Unknown):N0} unknown characters)."));
        var ngram = new CharacterNgram(train, CharacterSet.Size, settings.NgramOrder);
        double ngramBpc = ngram.BitsPerCharacter(validation);
        Console.WriteLine(SampleOutput.Invariant(
            $"Baselines on the held-out text: uniform {Math.Log2(CharacterSet.Size):F3} bpc, unigram {CharacterNgram.UnigramBitsPerCharacter(train, validation, CharacterSet.Size):F3} bpc, Kneser-Ney {settings.NgramOrder}-gram {ngramBpc:F3} bpc."));

        using var trainer = new Trainer(model, new TrainingOptions
        {
            BatchSize = BatchSize,
            Seed = seed,
            Threads = threads,
            SamplesPerChunk = Math.Max(1, BatchSize / threads),
            TruncateSteps = TruncateSteps,
            LossKind = LossKind.SoftmaxCrossEntropy,
            Optimizer = new Adam(settings.LearningRate),
            ClipGradientNorm = 5,
        });
        if (!settings.Fresh && File.Exists(checkpoint))
        {
            trainer.LoadCheckpoint(checkpoint);
            Console.WriteLine($"Resuming from {checkpoint} (step {trainer.CompletedSteps}); --fresh starts over.");
        }
        else
        {
            model.Initialize(seed, new ParameterInitOptions { ForgetGateBias = 1f });
        }
        Console.WriteLine(SampleOutput.Invariant(
            $"Training {(stepBudget is int n ? $"to step {n}" : $"for {minutes:0.##} min")}: batches of {BatchSize} × {SequenceLength} characters, truncated BPTT every {TruncateSteps}, Adam {settings.LearningRate}, {threads} thread(s)."));

        var inputs = new int[BatchSize][];
        var targets = new int[BatchSize][];
        for (int b = 0; b < BatchSize; b++) { inputs[b] = new int[SequenceLength]; targets[b] = new int[SequenceLength]; }
        var clock = Stopwatch.StartNew();
        var trainingClock = Stopwatch.StartNew(); // stopped during reports, for the training rate
        TimeSpan budget = double.IsFinite(minutes) ? TimeSpan.FromMinutes(minutes) : TimeSpan.MaxValue, nextReport = TimeSpan.FromSeconds(settings.ReportSeconds);
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

            bool done = stepBudget is int limit ? trainer.CompletedSteps >= limit : clock.Elapsed >= budget;
            if (!done && clock.Elapsed < nextReport) continue;
            trainingClock.Stop();
            double trainingSeconds = trainingClock.Elapsed.TotalSeconds;
            var evaluation = Stopwatch.StartNew();
            double bpc = BitsPerCharacter(model, validation, threads);
            Console.WriteLine(SampleOutput.Invariant(
                $"step {trainer.CompletedSteps,5}  {clock.Elapsed.TotalMinutes,5:F1} min  train {lossSum / batches / Math.Log(2):F3} bpc  validation {bpc:F3} bpc  {characters / trainingSeconds:N0} chars/s  (validation took {evaluation.Elapsed.TotalSeconds:F1} s)"));
            trainer.SaveCheckpoint(checkpoint);
            if (sampleLength > 0 && !done)
            {
                string sample = CharacterSampling.Generate(model, settings.Prime, Math.Min(sampleLength, 300), settings.Temperature, new SeededRandom(seed));
                Console.WriteLine("  | " + (settings.Prime + sample).Replace("\n", "\n  | ", StringComparison.Ordinal));
            }
            lossSum = 0;
            batches = 0;
            if (done)
            {
                Console.WriteLine($"Checkpoint: {Path.GetFullPath(checkpoint)} (run again to continue training)");
                SampleOutput.KeyValues($"validation_bits_per_char={bpc:F3} ngram_bits_per_char={ngramBpc:F3}");
                return;
            }
            nextReport = clock.Elapsed + TimeSpan.FromSeconds(settings.ReportSeconds);
            trainingClock.Start();
        }
    }
}
