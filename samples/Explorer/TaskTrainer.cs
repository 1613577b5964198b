// Trains one task's model: every optimizer step takes a fresh batch of random examples of the trained
// lengths, so there is no fixed training set to memorise; the loss counts only the steps whose next
// character is determined (from the separator on).
using System;
using System.Diagnostics;
using System.Linq;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace Explorer;

/// <summary>How a task's training went.</summary>
public sealed record TrainingReport(int Steps, double Seconds, double FinalLoss, long Characters);

public static class TaskTrainer
{
    /// <summary>Examples per optimizer step.</summary>
    public const int BatchSize = 32;

    /// <summary>The reported final loss is the mean over this many last batches.</summary>
    private const int LossWindow = 50;

    /// <summary>
    /// Initialises <paramref name="model"/> (PyTorch's default, forget-gate bias 1) and trains it for <paramref name="steps"/>
    /// Adam steps with a rate cosine-annealed from <paramref name="learningRate"/> to a 20th of it, or until <paramref name="deadline"/>.
    /// </summary>
    public static TrainingReport Train(ExplorerTask task, ITokenTrainableModel model, int steps, double learningRate, ulong seed, int threads, DateTime deadline)
    {
        model.Initialize(seed, new ParameterInitOptions { ForgetGateBias = 1f });
        using var trainer = new Trainer(model, new TrainingOptions
        {
            BatchSize = BatchSize,
            Seed = seed,
            Threads = threads,
            LossKind = LossKind.SoftmaxCrossEntropy,
            Optimizer = new Adam(learningRate),
            LearningRateSchedule = new CosineAnnealing(learningRate, steps, learningRate / 20, ScheduleClock.Steps),
            ClipGradientNorm = 1,
        });

        var random = new SeededRandom(seed * 7919 + 17);
        var inputs = new int[BatchSize][];
        var targets = new int[BatchSize][];
        var clock = Stopwatch.StartNew();
        var recentLosses = new double[LossWindow]; // a ring of the last batches' losses
        int step = 0;
        long characters = 0;
        for (; step < steps && DateTime.UtcNow < deadline; step++)
        {
            for (int b = 0; b < BatchSize; b++)
            {
                Example example = task.Draw(task.MinTrained + random.Next(task.MaxTrained - task.MinTrained + 1), random);
                (inputs[b], targets[b]) = Encode(example);
                characters += inputs[b].Length;
            }
            recentLosses[step % LossWindow] = trainer.TrainStep(SequenceDataset.FromTokens(inputs, targets));
        }
        int recent = Math.Min(step, LossWindow);
        double finalLoss = recent == 0 ? double.NaN : recentLosses.Take(recent).Average();
        return new TrainingReport(step, clock.Elapsed.TotalSeconds, finalLoss, characters);
    }

    /// <summary>
    /// The model reads prompt and answer; the target at each step is the next character (the end marker after
    /// the last). Steps before the separator are not counted: what comes next there is chance, not the task.
    /// </summary>
    public static (int[] Inputs, int[] Targets) Encode(Example example)
    {
        string text = example.Text;
        var inputs = new int[text.Length - 1];
        var targets = new int[text.Length - 1];
        for (int t = 0; t < inputs.Length; t++)
        {
            inputs[t] = Alphabet.Id(text[t]);
            targets[t] = t < example.Prompt.Length - 1 ? SequenceDataset.IgnoreClass : Alphabet.Id(text[t + 1]);
        }
        return (inputs, targets);
    }
}
