// What a task of the explorer is: how its sequences are made (a prompt, then the answer the model must
// produce), which lengths it trains on and tests beyond, and the quantity one of its neurons should track.
using System;
using System.Collections.Generic;
using LstmGen.Training;

namespace Explorer;

/// <summary>One sequence: the model reads <see cref="Prompt"/>, then must write <see cref="Answer"/> and the end marker.</summary>
public sealed record Example(string Prompt, string Answer)
{
    /// <summary>The whole sequence the model is trained on: prompt, answer, end marker.</summary>
    public string Text => Prompt + Answer + Alphabet.End;
}

/// <summary>A task: the sequences, the length parameter n that is trained on a range and tested beyond it, and the model.</summary>
public abstract class ExplorerTask
{
    /// <summary>The name used on the command line and in the output (<c>counting</c>, …).</summary>
    public abstract string Name { get; }

    /// <summary>A title for the page.</summary>
    public abstract string Title { get; }

    /// <summary>One or two sentences on what the model has to do, for the page.</summary>
    public abstract string Description { get; }

    /// <summary>What the length parameter n counts, e.g. "a's".</summary>
    public abstract string LengthMeaning { get; }

    /// <summary>The smallest n trained on.</summary>
    public virtual int MinTrained => 1;

    /// <summary>The largest n trained on.</summary>
    public abstract int MaxTrained { get; }

    /// <summary>The largest n tested past <see cref="MaxTrained"/>.</summary>
    public abstract int TestedUpTo { get; }

    /// <summary>The lengths tested past the trained ones: by default every n up to <see cref="TestedUpTo"/>.</summary>
    public virtual IEnumerable<int> LengthsBeyond()
    {
        for (int n = MaxTrained + 1; n <= TestedUpTo; n++) yield return n;
    }

    /// <summary>The quantity the picked neuron is compared with, e.g. "a's read minus b's written".</summary>
    public abstract string SignalMeaning { get; }

    /// <summary>A random example with length parameter <paramref name="n"/>.</summary>
    public abstract Example Draw(int n, SeededRandom random);

    /// <summary>
    /// The examples that decide whether the model is right at length <paramref name="n"/>: every possible one
    /// where there are few, otherwise a fixed random sample.
    /// </summary>
    public abstract IReadOnlyList<Example> TestSet(int n, SeededRandom random);

    /// <summary>The examples drawn on the page (one or two).</summary>
    public abstract IReadOnlyList<Example> PageExamples(SeededRandom random);

    /// <summary>
    /// The value of the tracked quantity after reading each character of <paramref name="characters"/>
    /// (a prompt followed by an answer, without the end marker).
    /// </summary>
    public abstract double[] Signal(string characters);

    /// <summary>A new, untrained model for this task.</summary>
    public abstract ITokenTrainableModel CreateModel();

    /// <summary>Adam's learning rate for this task.</summary>
    public virtual double LearningRate => 0.01;

    /// <summary>Optimizer steps (batches of <see cref="TaskTrainer.BatchSize"/>) in a full run.</summary>
    public abstract int DefaultSteps { get; }

    /// <summary>All tasks, in the order they run and appear on the page.</summary>
    public static IReadOnlyList<ExplorerTask> All { get; } = new ExplorerTask[]
    {
        new CountingTask(), new SelectiveCountingTask(), new RememberTask(), new CopyTask(),
    };

    /// <summary>"aaaa" for ('a', 4).</summary>
    protected static string Repeat(char c, int n) => new(c, n);

    /// <summary>Counts <paramref name="c"/> in <paramref name="text"/>.</summary>
    protected static int CountOf(string text, char c)
    {
        int count = 0;
        foreach (char x in text) if (x == c) count++;
        return count;
    }

    /// <summary><paramref name="count"/> random examples of length <paramref name="n"/> (a repeat counts as often as it is drawn).</summary>
    protected List<Example> DrawMany(int n, int count, SeededRandom random)
    {
        var examples = new List<Example>(count);
        for (int i = 0; i < count; i++) examples.Add(Draw(n, random));
        return examples;
    }
}
