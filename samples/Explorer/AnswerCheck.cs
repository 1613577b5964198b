// Whether a trained model does the task: it reads the prompt, then writes its answer one character at a
// time (greedy: the most likely next character, fed back as the next input) until it writes the end
// marker. An answer counts only if it is exactly right, end marker included.
using System;
using System.Collections.Generic;
using System.Text;
using LstmGen;
using LstmGen.Training;

namespace Explorer;

/// <summary>Right or wrong at one value of the length parameter n.</summary>
/// <param name="N">The length parameter.</param>
/// <param name="Right">Examples answered exactly.</param>
/// <param name="Total">Examples tried.</param>
/// <param name="FirstWrong">The first wrong example and what the model wrote instead (null when all were right).</param>
public sealed record LengthResult(int N, int Right, int Total, (Example Example, string Written)? FirstWrong)
{
    public bool AllRight => Right == Total;
}

/// <summary>A task's results on the trained lengths and beyond.</summary>
public sealed record TaskScore(IReadOnlyList<LengthResult> Trained, IReadOnlyList<LengthResult> Beyond)
{
    /// <summary>Fraction of the trained-length examples answered exactly.</summary>
    public double TrainedAccuracy
    {
        get
        {
            int right = 0, total = 0;
            foreach (var r in Trained) { right += r.Right; total += r.Total; }
            return (double)right / total;
        }
    }

    /// <summary>The largest n up to which every length, trained or not, is answered exactly (0 if even n = 1 fails).</summary>
    public int Reach
    {
        get
        {
            int reach = 0;
            foreach (var r in Trained) { if (!r.AllRight) return reach; reach = r.N; }
            foreach (var r in Beyond) { if (!r.AllRight) return reach; reach = r.N; }
            return reach;
        }
    }
}

public static class AnswerCheck
{
    /// <summary>
    /// What <paramref name="model"/> writes after reading <paramref name="prompt"/>: greedy decoding until the end
    /// marker (not included) or <paramref name="maxLength"/> characters, whichever comes first.
    /// </summary>
    public static string Write(ITokenSequenceModel model, string prompt, int maxLength, out bool ended)
    {
        LstmState state = model.CreateState();
        var probabilities = new float[Alphabet.Size];
        foreach (char c in prompt) model.Step(Alphabet.Id(c), probabilities, state);
        var written = new StringBuilder();
        ended = false;
        while (written.Length < maxLength)
        {
            int next = Metrics.ArgMax(probabilities);
            if (next == Alphabet.Id(Alphabet.End)) { ended = true; break; }
            written.Append(Alphabet.Character(next));
            model.Step(next, probabilities, state);
        }
        return written.ToString();
    }

    /// <summary>True when the model writes exactly the answer and then the end marker; <paramref name="written"/> is what it wrote.</summary>
    public static bool IsRight(ITokenSequenceModel model, Example example, out string written)
    {
        // A little room past the right length, so a model that overshoots is seen overshooting.
        written = Write(model, example.Prompt, example.Answer.Length + 5, out bool ended);
        return ended && written == example.Answer;
    }

    /// <summary>Scores the model on every trained length and on the lengths past them (<see cref="ExplorerTask.LengthsBeyond"/>).</summary>
    public static TaskScore Score(ExplorerTask task, ITokenSequenceModel model, ulong seed)
    {
        var trained = new List<LengthResult>();
        var beyond = new List<LengthResult>();
        var lengths = new List<int>();
        for (int n = task.MinTrained; n <= task.MaxTrained; n++) lengths.Add(n);
        lengths.AddRange(task.LengthsBeyond());
        foreach (int n in lengths)
        {
            // Test examples depend on the seed and n only, so every model of a run sees the same ones.
            var examples = task.TestSet(n, new SeededRandom(seed * 1_000_003 + (ulong)n));
            int right = 0;
            (Example, string)? firstWrong = null;
            foreach (Example example in examples)
            {
                if (IsRight(model, example, out string written)) right++;
                else firstWrong ??= (example, written);
            }
            (n <= task.MaxTrained ? trained : beyond).Add(new LengthResult(n, right, examples.Count, firstWrong));
        }
        return new TaskScore(trained, beyond);
    }
}
