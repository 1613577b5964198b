// The word LSTM and what it is for: perplexity on a text (model.Evaluate over windows, on every core), the next-word distribution after a
// prompt (top-k suggestions), and sampled continuations.
using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen;
using LstmGen.Samples;
using LstmGen.Text;
using LstmGen.Training;

namespace NextWord;

/// <summary>Word ids in (the <see cref="Size"/> − 2 most frequent tokens, padding and unknown), 64-wide embedding, 128 LSTM units, next-word logits at every step.</summary>
[LstmModel(Vocabulary = WordModel.Size, Embedding = 64, Hidden = 128, Outputs = WordModel.Size, Head = Head.Softmax, HeadOn = HeadOn.EveryStep)]
public partial class AustenWords;

public static class WordModel
{
    /// <summary>Ids in the vocabulary, padding and unknown included: a compile-time constant of the model.</summary>
    public const int Size = 3000;

    /// <summary>Scoring reads the text in windows of this many tokens, side by side, each led by <see cref="ScoringContext"/> tokens before it.</summary>
    private const int ScoringWindow = 500, ScoringContext = 100;

    /// <summary>
    /// The model's perplexity on <paramref name="ids"/>: e to the mean cross-entropy of every token after the first given the
    /// tokens before it, read in windows on <paramref name="threads"/> threads (<see cref="TextWindows"/>) by the library's evaluation.
    /// </summary>
    public static double Perplexity(AustenWords model, int[] ids, int threads) =>
        model.Evaluate(TextWindows.ForEvaluation(ids, ScoringWindow, ScoringContext), LossKind.SoftmaxCrossEntropy, threads).Perplexity!.Value;

    /// <summary>The next-word probabilities after <paramref name="prompt"/> (run from a fresh state); padding gets 0.</summary>
    public static double[] NextWord(AustenWords model, ReadOnlySpan<int> prompt)
    {
        LstmState state = model.CreateState();
        var probabilities = new float[Size];
        foreach (int id in prompt) model.Step(id, probabilities, state);
        var p = probabilities.Select(v => (double)v).ToArray();
        p[Vocabulary.Padding] = 0;
        return p;
    }

    /// <summary>The <paramref name="k"/> most probable ids of <paramref name="probabilities"/>, with their probabilities, best first.</summary>
    public static (int Id, double Probability)[] Top(double[] probabilities, int k) =>
        probabilities.Select((p, id) => (id, p)).OrderByDescending(x => x.p).ThenBy(x => x.id).Take(k).ToArray();

    /// <summary>Continues <paramref name="prompt"/> by <paramref name="count"/> tokens, each drawn from softmax(logits / T) (never padding or unknown).</summary>
    public static List<int> Sample(AustenWords model, ReadOnlySpan<int> prompt, int count, double temperature, SeededRandom random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        LstmState state = model.CreateState();
        var logits = new float[Size];
        var weights = new double[Size];
        foreach (int id in prompt) model.Step(id, logits, state, HeadOutput.Logits);
        var words = new List<int>(count);
        for (int i = 0; i < count; i++)
        {
            double max = logits.Max() / temperature, sum = 0;
            for (int k = 0; k < Size; k++) sum += weights[k] = k is Vocabulary.Padding or Vocabulary.Unknown ? 0 : Math.Exp(logits[k] / temperature - max);
            double u = random.NextDouble() * sum;
            int next = Size - 1;
            for (int k = 0; k < Size; k++)
            {
                u -= weights[k];
                if (u < 0) { next = k; break; }
            }
            words.Add(next);
            model.Step(next, logits, state, HeadOutput.Logits);
        }
        return words;
    }
}
