// What a trained character model is for: bits per character on a text (how well it predicts each next
// character) and new text sampled one character at a time at a chosen temperature.
using System;
using System.Text;
using LstmGen;
using LstmGen.Training;

namespace CharModel;

public static class LanguageModelMath
{
    private const int Chunk = 4096;

    /// <summary>
    /// Mean cross-entropy of every character after the first, given all characters before it, in bits:
    /// −Σ log₂ softmax(logits)[next] / (n − 1). The text runs through the model in chunks with the state carried over.
    /// </summary>
    public static double BitsPerCharacter(AustenModel model, ReadOnlySpan<int> ids)
    {
        if (ids.Length < 2) throw new ArgumentException($"Need at least 2 characters to score, got {ids.Length}.", nameof(ids));
        LstmState state = model.CreateState();
        var logits = new float[Chunk * CharacterSet.Size];
        double nats = 0;
        int inputs = ids.Length - 1; // character t predicts character t + 1
        for (int start = 0; start < inputs; start += Chunk)
        {
            int count = Math.Min(Chunk, inputs - start);
            Span<float> output = logits.AsSpan(0, count * CharacterSet.Size);
            model.Predict(ids.Slice(start, count), output, state, HeadOutput.Logits);
            for (int t = 0; t < count; t++)
                nats -= LogSoftmax(output.Slice(t * CharacterSet.Size, CharacterSet.Size), ids[start + t + 1]);
        }
        return nats / inputs / Math.Log(2);
    }

    /// <summary>Bits per character of a unigram model (character frequencies of <paramref name="train"/>, add-one smoothed) on <paramref name="text"/>.</summary>
    public static double UnigramBitsPerCharacter(ReadOnlySpan<int> train, ReadOnlySpan<int> text)
    {
        var counts = new double[CharacterSet.Size];
        counts.AsSpan().Fill(1);
        foreach (int id in train) counts[id]++;
        double total = train.Length + CharacterSet.Size, bits = 0;
        for (int t = 1; t < text.Length; t++) bits -= Math.Log2(counts[text[t]] / total);
        return bits / (text.Length - 1);
    }

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

    /// <summary>log softmax(<paramref name="logits"/>)[<paramref name="target"/>], computed stably in double precision.</summary>
    private static double LogSoftmax(ReadOnlySpan<float> logits, int target)
    {
        double max = double.NegativeInfinity, sum = 0;
        foreach (float l in logits) max = Math.Max(max, l);
        foreach (float l in logits) sum += Math.Exp(l - max);
        return logits[target] - max - Math.Log(sum);
    }
}
