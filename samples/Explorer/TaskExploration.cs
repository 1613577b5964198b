// One task from start to finish: train its model, score it on the trained lengths and beyond, find the
// neuron that tracks the task's quantity, and record the example sequences the page draws.
using System;
using System.Collections.Generic;
using LstmGen;
using LstmGen.Training;

namespace Explorer;

/// <summary>An example as the model handled it: what it wrote after the prompt, and the trace of prompt + that answer.</summary>
public sealed record ExampleView(Example Example, string Written, bool Right, CellTrace Trace, double[] Signal);

/// <summary>Everything the report and the page show about one task.</summary>
public sealed record TaskOutcome(
    ExplorerTask Task, ModelShape Shape, TrainingReport Training, TaskScore Score,
    PickedNeuron Picked, IReadOnlyList<ExampleView> Examples, double MaxDeviation)
{
    /// <summary>The same task trained from other seeds (filled in after all tasks ran), for the spread of the results.</summary>
    public List<SeedResult> OtherSeeds { get; } = new();
}

/// <summary>A model of a task trained from another seed, scored on the same test sequences.</summary>
public sealed record SeedResult(ulong Seed, double Accuracy, int Reach, double TrainSeconds);

public static class TaskExploration
{
    /// <summary>Sequences per trained length used to find the tracking neuron (all of them where there are fewer).</summary>
    private const int PickExamplesPerLength = 20;

    public static TaskOutcome Run(ExplorerTask task, int steps, double learningRate, ulong seed, int threads, DateTime deadline)
    {
        ITokenTrainableModel model = task.CreateModel();
        TrainingReport training = TaskTrainer.Train(task, model, steps, learningRate, seed, threads, deadline);

        TaskScore score = AnswerCheck.Score(task, model, seed);

        // The neuron is picked on right answers of the trained lengths (prompt + answer, the model reading it):
        // that is where the task's quantity is well defined.
        var traces = new List<CellTrace>();
        var signals = new List<double[]>();
        double deviation = 0;
        for (int n = task.MinTrained; n <= task.MaxTrained; n++)
        {
            IReadOnlyList<Example> examples = task.TestSet(n, new SeededRandom(seed * 31 + (ulong)n));
            for (int k = 0; k < Math.Min(examples.Count, PickExamplesPerLength); k++)
            {
                string characters = examples[k].Prompt + examples[k].Answer;
                CellTrace trace = CellTrace.Record(model, characters);
                deviation = Math.Max(deviation, trace.MaxDeviation);
                traces.Add(trace);
                signals.Add(task.Signal(characters));
            }
        }
        PickedNeuron picked = NeuronPicker.Pick(traces, signals);

        // The page's examples show what the model itself writes after the prompt, right or wrong.
        var views = new List<ExampleView>();
        foreach (Example example in task.PageExamples(new SeededRandom(seed)))
        {
            bool right = AnswerCheck.IsRight(model, example, out string written);
            string characters = example.Prompt + written;
            CellTrace trace = CellTrace.Record(model, characters);
            deviation = Math.Max(deviation, trace.MaxDeviation);
            views.Add(new ExampleView(example, written, right, trace, task.Signal(characters)));
        }
        return new TaskOutcome(task, model.Shape, training, score, picked, views, deviation);
    }

    /// <summary>
    /// Trains a model of <paramref name="task"/> from <paramref name="seed"/> and scores it on the test sequences of
    /// <paramref name="testSeed"/> (the main run's), so models of different seeds are compared on the same tests.
    /// </summary>
    public static SeedResult TrainAndScore(ExplorerTask task, int steps, double learningRate, ulong seed, ulong testSeed, int threads, DateTime deadline)
    {
        ITokenTrainableModel model = task.CreateModel();
        TrainingReport training = TaskTrainer.Train(task, model, steps, learningRate, seed, threads, deadline);
        TaskScore score = AnswerCheck.Score(task, model, testSeed);
        return new SeedResult(seed, score.TrainedAccuracy, score.Reach, training.Seconds);
    }
}
