// A word-level LSTM language model of Jane Austen trained within a wall-time budget (truncated BPTT over random
// stretches of the novels), compared on text it never trained on with an interpolated Kneser–Ney trigram fitted on
// the same words; it suggests next words for a prompt and samples continuations.
using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using LstmGen;
using LstmGen.IO;
using LstmGen.Samples;
using LstmGen.Text;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace NextWord;

public static class Program
{
    private const int BatchSize = 32, SequenceLength = 70, TruncateSteps = 35, ReportTokens = 20_000;

    public static int Main(string[] args)
    {
        var text = SampleOptions.DataFiles("training text files (default: the bundled Pride and Prejudice, Sense and Sensibility, Emma and Mansfield Park)");
        var heldOut = new Option<string>("--held-out") { Description = "text never trained on, scored at every report (default: the bundled Persuasion)", DefaultValueFactory = _ => SampleOutput.Bundled("persuasion.txt"), HelpName = "FILE" };
        var minutes = new Option<double?>("--minutes") { Description = "wall-time training budget (default 4.5). Without it, --eval, --suggest and --generate use the saved model" };
        var steps = new Option<int?>("--steps") { Description = "train exactly this many optimizer steps instead of a wall-time budget (reproducible on any machine)" };
        steps.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--steps must be at least 1."); });
        var model = SampleOptions.Model("a saved model to use instead of training (and its vocabulary, FILE.vocab.txt; default: the --out file)");
        var output = SampleOptions.Out("nextword.safetensors", "where training saves the model (and its vocabulary, FILE.vocab.txt)");
        var eval = new Option<string?>("--eval") { Description = "perplexity of the model and of the trigram on a text file; the last line is perplexity=… ngram_perplexity=…" };
        var suggest = new Option<string[]>("--suggest") { Description = "print the most likely next words after this text (repeatable)" };
        var top = new Option<int>("--top") { Description = "suggestions per prompt", DefaultValueFactory = _ => 5 };
        var generate = new Option<int>("--generate") { Description = "sample this many words after --prime", DefaultValueFactory = _ => 0 };
        var prime = new Option<string>("--prime") { Description = "text that starts the sample", DefaultValueFactory = _ => "it is a truth universally acknowledged" };
        var temperature = new Option<double>("--temperature") { Description = "sampling temperature (lower is safer)", DefaultValueFactory = _ => 0.8 };
        var learningRate = SampleOptions.LearningRate(1e-2);
        var threads = SampleOptions.Threads("threads for training and scoring (default: all cores)");
        var report = new Option<double>("--report") { Description = "seconds between reports", DefaultValueFactory = _ => 60 };
        var init = new Option<string>("--init") { Description = "initialisation: pytorch (default: PyTorch's, with forget-gate bias 1) or keras (Keras' initialisers)", DefaultValueFactory = _ => "pytorch" };
        init.AcceptOnlyFromAmong("keras", "pytorch");
        var seed = SampleOptions.Seed("seed of the weights, the batches and the sampling");
        minutes.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is < 0) r.AddError("--minutes must not be negative."); });
        top.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 100) r.AddError("--top must be 1 to 100."); });
        generate.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--generate must not be negative."); });
        temperature.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--temperature must be positive."); });
        report.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--report must be positive."); });

        var root = new RootCommand("A word-level LSTM language model of Jane Austen: next-word suggestions, sampling, and perplexity against an interpolated Kneser-Ney trigram fitted on the same text.")
        {
            text, heldOut, minutes, steps, model, output, eval, suggest, top, generate, prime, temperature, learningRate, threads, report, init, seed,
        };
        return SampleOptions.Run(root, args, result =>
        {
            string[] files = result.GetValue(text) is { Length: > 0 } given ? given
                : new[] { "pride_and_prejudice.txt", "sense_and_sensibility.txt", "emma.txt", "mansfield_park.txt" }.Select(SampleOutput.Bundled).ToArray();
            string? evalPath = result.GetValue(eval);
            string[] prompts = result.GetValue(suggest) ?? [];
            int words = result.GetValue(generate);
            int? stepBudget = result.GetValue(steps);
            double budget = stepBudget is not null ? double.PositiveInfinity : result.GetValue(minutes) ?? (evalPath is null && prompts.Length == 0 && words == 0 ? 4.5 : 0);
            string? savedModel = result.GetValue(model);
            if (budget > 0 && savedModel is not null)
                throw new ArgumentException("--model uses a saved model; --minutes/--steps train a new one (saved to --out). Choose one.", "model");
            string modelPath = budget > 0 ? result.GetValue(output)! : savedModel ?? result.GetValue(output)!;
            return Run(files, result.GetValue(heldOut)!, budget, stepBudget, modelPath, evalPath, prompts, result.GetValue(top), words,
                result.GetValue(prime)!, result.GetValue(temperature), result.GetValue(learningRate), result.GetValue(threads), result.GetValue(report), result.GetValue(init) == "keras", result.GetValue(seed));
        });
    }

    private static int Run(string[] files, string heldOutPath, double minutes, int? stepBudget, string modelPath, string? evalPath, string[] prompts, int top,
        int generate, string prime, double temperature, double learningRate, int threads, double reportSeconds, bool keras, ulong seed)
    {
        var clock = Stopwatch.StartNew();
        List<string> trainingTokens = files.SelectMany(f => WordTokens.Split(File.ReadAllText(f))).ToList();
        string vocabularyPath = modelPath + ".vocab.txt";
        var model = new AustenWords();
        Vocabulary vocabulary;
        if (minutes > 0)
        {
            vocabulary = Vocabulary.Build([trainingTokens], WordModel.Size);
            if (vocabulary.Count != WordModel.Size)
                throw new InvalidDataException($"The training text has only {vocabulary.Count - 2} distinct tokens; the model needs {WordModel.Size - 2}. Give more --data.");
        }
        else
        {
            if (!File.Exists(modelPath)) throw new FileNotFoundException($"No trained model at '{modelPath}': train first (e.g. --minutes 4.5, saved to --out) or pass --model PATH.");
            vocabulary = Vocabulary.Load(vocabularyPath);
            if (vocabulary.Count != WordModel.Size) throw new InvalidDataException($"{vocabularyPath} has {vocabulary.Count} ids; the model has {WordModel.Size}.");
            model.Load(modelPath);
        }
        int[] train = vocabulary.Encode(trainingTokens);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{train.Length:N0} training tokens from {files.Length} file(s); vocabulary: the {WordModel.Size - 2:N0} most frequent tokens, {Share(train):P1} of the training tokens are outside it (<unk>)."));
        var ngram = new KneserNeyNgram(train, WordModel.Size);
        var bigram = new KneserNeyNgram(train, WordModel.Size, order: 2);
        string Baselines(int[] ids) => string.Create(CultureInfo.InvariantCulture,
            $"unigram {KneserNeyNgram.UnigramPerplexity(train, ids, WordModel.Size):F2}, bigram {bigram.Perplexity(ids):F2}, trigram {ngram.Perplexity(ids):F2}");
        int[] heldOut = vocabulary.Encode(WordTokens.Split(File.ReadAllText(heldOutPath)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Kneser-Ney trigram and bigram fitted on the same tokens ({clock.Elapsed.TotalSeconds:F1} s). Held-out text {Path.GetFileName(heldOutPath)}: {heldOut.Length:N0} tokens ({Share(heldOut):P1} <unk>); perplexity of the baselines: {Baselines(heldOut)}."));

        if (minutes > 0)
        {
            Train(model, train, heldOut, ngram, minutes, stepBudget, learningRate, threads, reportSeconds, keras, seed);
            model.Save(modelPath);
            vocabulary.Save(vocabularyPath);
            Console.WriteLine($"Saved {Path.GetFullPath(modelPath)} and its vocabulary.");
        }

        string[] shown = prompts.Length > 0 ? prompts : minutes > 0 ? ["she could not", "mr. darcy was", "it is a truth universally", "i am sure"] : [];
        foreach (string prompt in shown) Suggest(model, ngram, vocabulary, prompt, top);
        if (generate > 0 || (minutes > 0 && prompts.Length == 0))
        {
            int[] primeIds = vocabulary.Encode(WordTokens.Split(prime));
            if (primeIds.Length == 0) throw new ArgumentException("--prime has no words.", "prime");
            List<int> sampled = WordModel.Sample(model, primeIds, generate > 0 ? generate : 60, temperature, new SeededRandom(seed));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--- sampled at temperature {temperature}:"));
            Console.WriteLine(WordTokens.Join(WordTokens.Split(prime).Concat(sampled.Select(id => vocabulary[id]))));
            Console.WriteLine("---");
        }

        // The last line: the model and the trigram on --eval, or after training on the held-out text.
        string? scoredPath = evalPath ?? (minutes > 0 ? heldOutPath : null);
        if (scoredPath is not null)
        {
            int[] ids = scoredPath == heldOutPath ? heldOut : vocabulary.Encode(WordTokens.Split(File.ReadAllText(scoredPath)));
            var scoring = Stopwatch.StartNew();
            double perplexity = WordModel.Perplexity(model, ids, threads);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{scoredPath}: {ids.Length:N0} tokens ({Share(ids):P1} <unk>), scored at {ids.Length / scoring.Elapsed.TotalSeconds:N0} tokens/s."));
            Console.WriteLine($"baselines on it: {Baselines(ids)}");
            SampleOutput.KeyValues($"perplexity={perplexity:F2} ngram_perplexity={ngram.Perplexity(ids):F2}");
        }
        return 0;
    }

    private static double Share(int[] ids) => ids.Length == 0 ? 0 : (double)ids.Count(id => id == Vocabulary.Unknown) / ids.Length;

    private static void Suggest(AustenWords model, KneserNeyNgram ngram, Vocabulary vocabulary, string prompt, int top)
    {
        int[] ids = vocabulary.Encode(WordTokens.Split(prompt));
        if (ids.Length == 0) throw new ArgumentException($"--suggest '{prompt}' has no words.", "suggest");
        string Format((int Id, double P)[] best) => string.Join("  ", best.Select(b => string.Create(CultureInfo.InvariantCulture, $"{vocabulary[b.Id]} {b.P:P0}")));
        double[] lstm = WordModel.NextWord(model, ids);
        var trigram = new double[WordModel.Size];
        int u = ids.Length >= 2 ? ids[^2] : Vocabulary.Padding;
        for (int w = 2; w < WordModel.Size; w++) trigram[w] = ngram.Probability(u, ids[^1], w);
        trigram[Vocabulary.Unknown] = ngram.Probability(u, ids[^1], Vocabulary.Unknown);
        Console.WriteLine($"\"{prompt}\" →");
        Console.WriteLine($"  LSTM:    {Format(WordModel.Top(lstm, top))}");
        Console.WriteLine($"  trigram: {Format(WordModel.Top(trigram, top))}");
    }

    /// <summary>
    /// Batches of random stretches of the training tokens (each token's target is the next one), truncated BPTT
    /// every <see cref="TruncateSteps"/>; stretches are drawn from a generator seeded by the step, so runs repeat.
    /// </summary>
    private static void Train(AustenWords model, int[] train, int[] heldOut, KneserNeyNgram ngram, double minutes, int? stepBudget, double learningRate, int threads, double reportSeconds, bool keras, ulong seed)
    {
        model.Initialize(seed, keras ? ParameterInitOptions.Keras : new ParameterInitOptions { ForgetGateBias = 1f });
        using var trainer = new Trainer(model, new TrainingOptions
        {
            BatchSize = BatchSize, Seed = seed, Threads = threads, SamplesPerChunk = Math.Max(1, BatchSize / threads),
            TruncateSteps = TruncateSteps, LossKind = LossKind.SoftmaxCrossEntropy, Optimizer = new Adam(learningRate), ClipGradientNorm = 1,
        });
        int[] reportIds = heldOut.Length > ReportTokens ? heldOut[..ReportTokens] : heldOut;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training {(stepBudget is int n ? $"{n} steps" : $"{minutes:0.##} min")}: batches of {BatchSize} × {SequenceLength} tokens, truncated BPTT every {TruncateSteps}, Adam {learningRate}, {threads} thread(s). Reports score the first {reportIds.Length:N0} held-out tokens (trigram {ngram.Perplexity(reportIds):F1})."));
        var inputs = new int[BatchSize][];
        var targets = new int[BatchSize][];
        for (int b = 0; b < BatchSize; b++) { inputs[b] = new int[SequenceLength]; targets[b] = new int[SequenceLength]; }
        var clock = Stopwatch.StartNew();
        TimeSpan budget = double.IsFinite(minutes) ? TimeSpan.FromMinutes(minutes) : TimeSpan.MaxValue, nextReport = TimeSpan.FromSeconds(reportSeconds);
        double lossSum = 0, trainingSeconds = 0;
        long tokens = 0;
        int batches = 0;
        var sinceReport = Stopwatch.StartNew();
        while (true)
        {
            var random = new SeededRandom(seed * 1_000_003UL + (ulong)trainer.CompletedSteps);
            for (int b = 0; b < BatchSize; b++)
            {
                int start = random.Next(train.Length - SequenceLength);
                train.AsSpan(start, SequenceLength).CopyTo(inputs[b]);
                train.AsSpan(start + 1, SequenceLength).CopyTo(targets[b]);
            }
            lossSum += trainer.TrainStep(SequenceDataset.FromTokens(inputs, targets));
            batches++;
            tokens += BatchSize * SequenceLength;
            bool done = stepBudget is int limit ? trainer.CompletedSteps >= limit : clock.Elapsed >= budget;
            if (!done && clock.Elapsed < nextReport) continue;
            trainingSeconds += sinceReport.Elapsed.TotalSeconds;
            double validation = WordModel.Perplexity(model, reportIds, threads);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"step {trainer.CompletedSteps,5}  {clock.Elapsed.TotalMinutes,4:F1} min  {tokens / (double)train.Length,5:F2} epochs  train perplexity {Math.Exp(lossSum / batches),7:F1}  held-out {validation,7:F1}  {tokens / trainingSeconds:N0} tokens/s"));
            lossSum = 0;
            batches = 0;
            if (done) return;
            nextReport = clock.Elapsed + TimeSpan.FromSeconds(reportSeconds);
            sinceReport.Restart();
        }
    }
}
