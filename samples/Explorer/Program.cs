// The tasks of Edwin Chen's "Exploring LSTMs", trained with LstmGen and looked into: counting, selective
// counting, remembering the first character, copying. For each it prints exact-match accuracy on the
// trained lengths and how far counting carries past them, and it writes one HTML page with heatmaps of
// every neuron's h, c and gates over example sequences, with the neuron that counts picked out.
using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using LstmGen.Samples;

namespace Explorer;

public static class Program
{
    public static int Main(string[] args)
    {
        var tasks = new Option<string[]>("--task") { Description = "counting, selective, remember, copy or all (default all); repeatable", HelpName = "NAME" };
        var output = SampleOptions.Out("explorer.html", "the HTML page to write");
        var steps = new Option<int?>("--steps") { Description = "optimizer steps per task, batches of 32 (default: each task's own, 2,000-8,000)", HelpName = "N" };
        steps.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--steps must be at least 1."); });
        var minutes = SampleOptions.Between("--minutes", 0, 100_000, 0, "stop each task's training after M minutes even if steps remain (0: no limit)");
        var seeds = SampleOptions.AtLeast("--seeds", 1, 5, "models per task: the first (--seed) is drawn on the page, the others (--seed + 1, ...) are trained and tested too, for how much the results vary (1 = just one)");
        var learningRate = new Option<double?>("--learning-rate") { Description = "Adam's learning rate for every task, cosine-annealed to 1/20 of it (default: each task's own, 0.01)", HelpName = "R" };
        learningRate.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is { } v && !(v > 0)) r.AddError("--learning-rate must be positive."); });
        var threads = SampleOptions.Threads();
        var seed = SampleOptions.Seed("seed of the weights, the training examples and the test examples");
        var root = new RootCommand("The tasks of \"Exploring LSTMs\" (counting, selective counting, remembering, copying): exact-match accuracy, how far counting carries past the trained lengths, and an HTML page of every neuron's h, c and gates.")
        {
            tasks, output, steps, minutes, seeds, learningRate, threads, seed,
        };
        return SampleOptions.Run(root, args, r =>
        {
            if (Alphabet.Characters.Length != Alphabet.Size)
                throw new InvalidOperationException($"Alphabet.Size is {Alphabet.Size} but there are {Alphabet.Characters.Length} characters.");
            IReadOnlyList<ExplorerTask> selected = Select([.. r.GetValue(tasks) ?? []]);
            return Run(selected, r.GetValue(output)!, r.GetValue(steps), r.GetValue(minutes), r.GetValue(learningRate), r.GetValue(threads), r.GetValue(seed), r.GetValue(seeds));
        });
    }

    private static IReadOnlyList<ExplorerTask> Select(List<string> names)
    {
        if (names.Count == 0 || names.Contains("all")) return ExplorerTask.All;
        var selected = new List<ExplorerTask>();
        foreach (ExplorerTask task in ExplorerTask.All)
            if (names.Contains(task.Name)) selected.Add(task);
        foreach (string name in names)
            if (!ExplorerTask.All.Any(t => t.Name == name))
                throw new ArgumentException($"Unknown task '{name}': use {string.Join(", ", ExplorerTask.All.Select(t => t.Name))} or all.");
        return selected;
    }

    private static int Run(IReadOnlyList<ExplorerTask> tasks, string output, int? steps, double minutes, double? learningRate, int threads, ulong seed, int seeds)
    {
        var total = Stopwatch.StartNew();
        var outcomes = new List<TaskOutcome>();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{tasks.Count} task(s), seed {seed}, {threads} training thread(s); an answer counts only if the model writes it exactly, end marker included."));
        foreach (ExplorerTask task in tasks)
        {
            DateTime deadline = minutes > 0 ? DateTime.UtcNow.AddMinutes(minutes) : DateTime.MaxValue;
            TaskOutcome outcome = TaskExploration.Run(task, steps ?? task.DefaultSteps, learningRate ?? task.LearningRate, seed, threads, deadline);
            outcomes.Add(outcome);
            Report(outcome);
        }

        if (seeds > 1) TrainOtherSeeds(outcomes, steps, minutes, learningRate, threads, seed, seeds);

        double deviation = outcomes.Max(o => o.MaxDeviation);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Gates recomputed from the parameters reproduce the model's h and c after every step to within {deviation:0.0e+0} (limit {CellTrace.Tolerance:0e+0})."));
        ExplorerPage.Write(output, outcomes, seed, total.Elapsed.TotalSeconds);
        Console.WriteLine($"Page: {Path.GetFullPath(output)}");
        // Key=value lines for scripts: one per task, then the run.
        foreach (TaskOutcome o in outcomes)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"result task={o.Task.Name} accuracy={o.Score.TrainedAccuracy:0.000} reach={o.Score.Reach} neuron={o.Picked.Neuron} r={o.Picked.CellCorrelation:0.000} steps={o.Training.Steps} train_seconds={o.Training.Seconds:0.0} seed_reaches={string.Join(",", new[] { o.Score.Reach }.Concat(o.OtherSeeds.Select(r => r.Reach)))}"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"explorer tasks={outcomes.Count} max_deviation={deviation:0.0e+0} seconds={total.Elapsed.TotalSeconds:0.0} page={output}"));
        return 0;
    }

    /// <summary>
    /// Trains every task again from seeds seed + 1 … seed + seeds − 1 and prints how accuracy and reach vary. The
    /// models are independent, so they train side by side, one thread each (the Trainer gives the same weights on
    /// any number of threads, so this changes nothing but the time).
    /// </summary>
    private static void TrainOtherSeeds(List<TaskOutcome> outcomes, int? steps, double minutes, double? learningRate, int threads, ulong seed, int seeds)
    {
        var clock = Stopwatch.StartNew();
        var jobs = new List<(TaskOutcome Outcome, ulong Seed)>();
        foreach (TaskOutcome o in outcomes)
            for (int k = 1; k < seeds; k++) jobs.Add((o, seed + (ulong)k));
        var results = new SeedResult[jobs.Count];
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, j =>
        {
            DateTime deadline = minutes > 0 ? DateTime.UtcNow.AddMinutes(minutes) : DateTime.MaxValue;
            ExplorerTask task = jobs[j].Outcome.Task;
            results[j] = TaskExploration.TrainAndScore(task, steps ?? task.DefaultSteps, learningRate ?? task.LearningRate, jobs[j].Seed, seed, threads: 1, deadline);
        });
        for (int j = 0; j < jobs.Count; j++) jobs[j].Outcome.OtherSeeds.Add(results[j]);

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"== Over {seeds} seeds ({seed}–{seed + (ulong)seeds - 1}), each a model of its own, tested on the same sequences ({clock.Elapsed.TotalSeconds:F1} s for the other {seeds - 1}):"));
        Console.WriteLine("  task        exact on the trained lengths         right up to n =");
        foreach (TaskOutcome o in outcomes)
        {
            var accuracies = new[] { o.Score.TrainedAccuracy }.Concat(o.OtherSeeds.Select(r => r.Accuracy)).ToList();
            var reaches = new[] { o.Score.Reach }.Concat(o.OtherSeeds.Select(r => r.Reach)).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {o.Task.Name,-10}  {string.Join(" ", accuracies.Select(a => a.ToString("0.000", CultureInfo.InvariantCulture))),-35}  {string.Join(" ", reaches)} (median {Median(reaches)})"));
        }
    }

    /// <summary>The middle value (the lower middle of an even count).</summary>
    internal static int Median(IEnumerable<int> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[(sorted.Count - 1) / 2];
    }

    private static void Report(TaskOutcome o)
    {
        ExplorerTask task = o.Task;
        TrainingReport t = o.Training;
        Console.WriteLine();
        Console.WriteLine($"== {task.Title} (--task {task.Name}, {o.Shape.HiddenSize} units)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {t.Steps:N0} steps × {TaskTrainer.BatchSize} sequences in {t.Seconds:F1} s ({t.Characters / t.Seconds:N0} characters/s), final loss {t.FinalLoss:0.0000}"));
        int right = o.Score.Trained.Sum(r => r.Right), total = o.Score.Trained.Sum(r => r.Total);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"exactly right on the trained lengths (n = {task.MinTrained}–{task.MaxTrained} {task.LengthMeaning}): {right:N0} of {total:N0} ({100.0 * right / total:0.0} %)"));
        foreach (LengthResult r in o.Score.Trained)
            if (r.FirstWrong is { } w)
                Console.WriteLine($"  n = {r.N}: {r.Right} of {r.Total} right; e.g. {w.Example.Prompt} → wrote {ExplorerPage.Abbreviate(w.Written)}, not {w.Example.Answer}");

        if (o.Score.Beyond.Count > 0)
        {
            Console.WriteLine("past the trained lengths (✓ every test sequence of that length right, ✗ not):");
            IReadOnlyList<LengthResult> beyond = o.Score.Beyond;
            for (int start = 0; start < beyond.Count; start += 10)
            {
                var row = beyond.Skip(start).Take(10).ToList();
                bool consecutive = row[^1].N - row[0].N == row.Count - 1;
                string marks = consecutive
                    ? string.Concat(row.Select(r => r.AllRight ? "✓" : "✗"))
                    : string.Join("  ", row.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.N}{(r.AllRight ? "✓" : "✗")}")));
                Console.WriteLine(consecutive ? $"  n = {row[0].N,3}–{row[^1].N,-3}  {marks}" : $"  n = {marks}");
            }
            // Where a length has many test sequences, how many of them are still right says more than ✗.
            var partly = beyond.Where(r => !r.AllRight && r.Total > 1).Take(4).ToList();
            if (partly.Count > 0)
                Console.WriteLine("  right at the first wrong lengths: " + string.Join(", ",
                    partly.Select(r => string.Create(CultureInfo.InvariantCulture, $"n = {r.N}: {r.Right:N0} of {r.Total:N0}"))));
            LengthResult? miss = beyond.FirstOrDefault(r => !r.AllRight);
            Console.WriteLine(miss?.FirstWrong is { } w
                ? $"right up to n = {o.Score.Reach}; first miss at n = {miss.N}: {ExplorerPage.Abbreviate(w.Example.Prompt)} → wrote {ExplorerPage.Abbreviate(w.Written)}, not {ExplorerPage.Abbreviate(w.Example.Answer)}"
                : $"right up to n = {o.Score.Reach}, the longest tested");
        }
        PickedNeuron p = o.Picked;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"neuron {p.Neuron} tracks {task.SignalMeaning}: r = {p.CellCorrelation:0.000} for its c, {p.HiddenCorrelation:0.000} for its h ({p.Steps:N0} steps)"));
        Console.WriteLine("  mean change of its c per character read: " + string.Join(", ",
            p.Effects.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Character} {e.CellChange:+0.00;−0.00;0.00} (i {e.Input:0.00})"))));
    }
}
