// Sampling from a trained character model: new text one character at a time at a chosen temperature, each sampled
// character fed back with Step and an LstmState.
using System;
using System.Text;
using LstmGen;
using LstmGen.Training;

namespace CharModel;

public static class CharacterSampling
{
    /// <summary>
    /// Runs <paramref name="prime"/> through a fresh state, then samples <paramref name="length"/> characters,
    /// each from softmax(logits / <paramref name="temperature"/>) and fed back as the next input.
    /// </summary>
    public static string Generate(AustenModel model, string prime, int length, double temperature, SeededRandom random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        LstmState state = model.CreateState();
        var logits = new float[CharacterSet.Size];
        var probabilities = new double[CharacterSet.Size];
        int[] primeIds = CharacterSet.Encode(prime.Length > 0 ? prime : "\n");
        foreach (int id in primeIds) model.Step(id, logits, state, HeadOutput.Logits);
        var text = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            double max = double.NegativeInfinity, sum = 0;
            foreach (float l in logits) max = Math.Max(max, l / temperature);
            for (int k = 0; k < logits.Length; k++) sum += probabilities[k] = Math.Exp(logits[k] / temperature - max);
            double u = random.NextDouble() * sum;
            int next = logits.Length - 1;
            for (int k = 0; k < logits.Length; k++)
            {
                u -= probabilities[k];
                if (u < 0) { next = k; break; }
            }
            text.Append(CharacterSet.Character(next));
            model.Step(next, logits, state, HeadOutput.Logits);
        }
        return text.ToString();
    }
}
