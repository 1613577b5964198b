// Sequence to sequence with two generated LSTMs: an encoder reads a digit string ("123+45", or "48213"), its final
// state becomes the decoder's initial state, and the decoder writes the answer ("168", or "31284") one character
// at a time. Generated problems (fixed seed), a held-out set that shares no problem with training, progress per
// epoch, and at the end held-out exact-match and per-character accuracy from greedy decoding.
using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LstmGen;
using LstmGen.Samples;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace Seq2Seq;

/// <summary>Reads the source characters (ids 0–12, see <see cref="Alphabet"/>); its final h and c are all that is used.</summary>
[LstmModel(Vocabulary = Alphabet.Size, Embedding = 16, Hidden = 128)]
public partial class Encoder;

/// <summary>Reads the previous answer character (the start token first) and scores the next one, every step.</summary>
[LstmModel(Vocabulary = Alphabet.Size, Embedding = 16, Hidden = 128, Outputs = Alphabet.Size, Head = Head.Softmax, HeadOn = HeadOn.EveryStep)]
public partial class Decoder;

/// <summary>Characters as token ids: digits 0–9 are themselves, then '+', the start token and the end token.</summary>
public static class Alphabet
{
    public const int Plus = 10, Start = 11, End = 12, Size = 13;

    public static int Id(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        '+' => Plus,
        _ => throw new ArgumentException($"'{c}' is not in the alphabet (digits and '+').", nameof(c)),
    };

    public static char Char(int id) => id switch { < 10 => (char)('0' + id), Plus => '+', Start => '^', _ => '$' };
}

public static class Program
{
    public static int Main(string[] args)
    {
        var defaults = new Settings();
        var task = new Option<string>("--task") { Description = "addition of two numbers (\"123+45\" → \"168\") or reversal (\"48213\" → \"31284\")", DefaultValueFactory = _ => defaults.Task };
        task.AcceptOnlyFromAmong("add", "reverse");
        var digits = SampleOptions.AtLeast("--digits", 1, defaults.Digits, "up to N digits per number (at most 9)");
        digits.Validators.Add(r => { if (r.GetValueOrDefault<int>() > 9) r.AddError("--digits must be at most 9."); });
        var trainSize = SampleOptions.AtLeast("--train-size", 1, defaults.Train, "training problems");
        var testSize = SampleOptions.AtLeast("--test-size", 1, defaults.Test, "held-out problems, none of them (nor, for addition, its commuted twin) in training");
        var epochs = SampleOptions.Epochs(defaults.Epochs);
        var seconds = new Option<double?>("--seconds") { Description = "stop after the epoch that passes S seconds of training (default: no limit)", HelpName = "S" };
        seconds.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is <= 0) r.AddError("--seconds must be positive."); });
        var batch = SampleOptions.AtLeast("--batch", 1, defaults.Batch, "pairs per optimizer step");
        var learningRate = SampleOptions.LearningRate(defaults.LearningRate, "Adam's learning rate, cosine-annealed to 1 % of it over the epochs");
        var plainSource = new Option<bool>("--plain-source") { Description = "feed the source in reading order (default: reversed, which shortens the dependencies)" };
        var threads = SampleOptions.Threads();
        var seed = SampleOptions.Seed("seed of the problems, the initialisation and the shuffling");
        var smoke = new Option<bool>("--smoke") { Description = "the CI budget: reversal of up to 5 digits read in order, 20,000 training problems, 3 epochs (about 25 s); overrides the options above" };
        var root = new RootCommand("An encoder-decoder of two generated LSTMs that learns 3-digit addition (or reversal): held-out exact-match and per-character accuracy. The last line is exact=… char=…")
        {
            task, digits, trainSize, testSize, epochs, seconds, batch, learningRate, plainSource, threads, seed, smoke,
        };
        return SampleOptions.Run(root, args, r =>
        {
            var o = new Settings
            {
                Task = r.GetValue(task)!, Digits = r.GetValue(digits), Train = r.GetValue(trainSize), Test = r.GetValue(testSize), Epochs = r.GetValue(epochs),
                Seconds = r.GetValue(seconds) ?? double.PositiveInfinity, Batch = r.GetValue(batch), LearningRate = r.GetValue(learningRate),
                ReverseSource = !r.GetValue(plainSource), Threads = r.GetValue(threads), Seed = checked((int)r.GetValue(seed)),
            };
            if (r.GetValue(smoke)) o = o with { Task = "reverse", Digits = 5, ReverseSource = false, Train = 20000, Test = 1000, Epochs = 3 };
            Run(o);
            return 0;
        });
    }

    private sealed record Settings
    {
        public string Task { get; init; } = "add";
        public int Digits { get; init; } = 3;
        public int Train { get; init; } = 50000;
        public int Test { get; init; } = 2000;
        public int Epochs { get; init; } = 15;
        public int Batch { get; init; } = 64;
        public int Threads { get; init; } = Environment.ProcessorCount;
        public int Seed { get; init; } = 1;
        public double Seconds { get; init; } = double.PositiveInfinity;
        public double LearningRate { get; init; } = 2e-3;
        public bool ReverseSource { get; init; } = true;
    }

    private static void Run(Settings o)
    {
        var (trainText, testText) = Problems.Generate(o.Task, o.Digits, o.Train, o.Test, o.Seed);
        SequencePairs train = Encode(trainText, o.ReverseSource), test = Encode(testText, o.ReverseSource);
        Console.WriteLine($"task {o.Task}, up to {o.Digits} digits: {train.Count} training and {test.Count} held-out problems (no problem in both), e.g. {trainText[0].Source} → {trainText[0].Answer}");
        Console.WriteLine($"encoder {Alphabet.Size}×16 → LSTM(128), decoder {Alphabet.Size}×16 → LSTM(128) → softmax {Alphabet.Size}; source {(o.ReverseSource ? "reversed" : "in reading order")}");

        var encoder = new Encoder();
        var decoder = new Decoder();
        encoder.Initialize(seed: (ulong)o.Seed, new ParameterInitOptions { ForgetGateBias = 1f });
        decoder.Initialize(seed: (ulong)o.Seed + 1, new ParameterInitOptions { ForgetGateBias = 1f });
        var model = new EncoderDecoder(encoder, decoder, Alphabet.Start, Alphabet.End);
        int batches = (train.Count + o.Batch - 1) / o.Batch;
        using var trainer = new EncoderDecoderTrainer(model, new TrainingOptions
        {
            Epochs = o.Epochs, BatchSize = o.Batch, Seed = (ulong)o.Seed, Threads = o.Threads,
            Optimizer = new Adam(learningRate: o.LearningRate), ClipGradientNorm = 1,
            LearningRateSchedule = new CosineAnnealing(baseRate: o.LearningRate, period: (long)o.Epochs * batches, minRate: o.LearningRate / 100, clock: ScheduleClock.Steps),
        });

        var clock = Stopwatch.StartNew();
        SequencePairEvaluation score = trainer.Evaluate(test);
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            double loss = trainer.TrainEpoch(train);
            score = trainer.Evaluate(test);
            Console.WriteLine(FormattableString.Invariant(
                $"epoch {epoch,3}  train loss {loss:F4}  held-out loss {score.Loss:F4}  exact {score.ExactMatch:F3}  char {score.TokenAccuracy:F3}  {clock.Elapsed.TotalSeconds,5:F0} s"));
            if (clock.Elapsed.TotalSeconds >= o.Seconds) break;
        }

        Console.WriteLine("examples (held out):");
        EncoderDecoderScratch scratch = model.CreateScratch(train.MaxSourceLength, train.MaxTargetLength);
        var decoded = new int[o.Digits + 2];
        for (int i = 0; i < Math.Min(8, testText.Count); i++)
        {
            int length = model.Decode(test.SourceTokens(i), decoded, scratch);
            string answer = Text(decoded.AsSpan(0, length));
            Console.WriteLine($"  {testText[i].Source,-20} → {answer,-10} {(answer == testText[i].Answer ? "right" : "wrong, expected " + testText[i].Answer)}");
        }
        Console.WriteLine(FormattableString.Invariant($"wall time {clock.Elapsed.TotalSeconds:F0} s"));
        SampleOutput.KeyValues($"exact={score.ExactMatch:F3} char={score.TokenAccuracy:F3}");
    }

    /// <summary>Source ids (reversed when <paramref name="reverseSource"/>) and answer ids followed by the end token.</summary>
    private static SequencePairs Encode(IReadOnlyList<Problem> problems, bool reverseSource)
    {
        var sources = new int[problems.Count][];
        var targets = new int[problems.Count][];
        for (int i = 0; i < problems.Count; i++)
        {
            string s = problems[i].Source, a = problems[i].Answer;
            sources[i] = new int[s.Length];
            for (int j = 0; j < s.Length; j++) sources[i][j] = Alphabet.Id(s[reverseSource ? s.Length - 1 - j : j]);
            targets[i] = new int[a.Length + 1];
            for (int j = 0; j < a.Length; j++) targets[i][j] = Alphabet.Id(a[j]);
            targets[i][a.Length] = Alphabet.End;
        }
        return SequencePairs.FromTokens(sources, targets);
    }

    private static string Text(ReadOnlySpan<int> ids)
    {
        var chars = new char[ids.Length];
        for (int i = 0; i < ids.Length; i++) chars[i] = Alphabet.Char(ids[i]);
        return new string(chars);
    }
}

/// <summary>One problem as text: "123+45" → "168", or "48213" → "31284".</summary>
public sealed record Problem(string Source, string Answer);

/// <summary>Generates distinct problems with a fixed seed and splits them so no problem is in both sets.</summary>
public static class Problems
{
    public static (List<Problem> Train, List<Problem> Test) Generate(string task, int digits, int trainCount, int testCount, int seed)
    {
        var random = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var all = new List<Problem>();
        long distinct = Distinct(task, digits);
        if (trainCount + testCount > distinct * 9 / 10)
            throw new ArgumentException($"{trainCount + testCount} problems asked, but {task} with up to {digits} digits has only about {distinct} distinct ones; ask for fewer.");
        while (all.Count < trainCount + testCount)
        {
            Problem p;
            string key;
            if (task == "add")
            {
                long a = Number(random, digits), b = Number(random, digits);
                p = new Problem(FormattableString.Invariant($"{a}+{b}"), (a + b).ToString(CultureInfo.InvariantCulture));
                key = FormattableString.Invariant($"{Math.Min(a, b)}+{Math.Max(a, b)}"); // a+b and b+a are one problem
            }
            else
            {
                int length = random.Next(1, digits + 1);
                var chars = new char[length];
                for (int j = 0; j < length; j++) chars[j] = (char)('0' + random.Next(10));
                string s = new(chars);
                Array.Reverse(chars);
                p = new Problem(s, new string(chars));
                key = s;
            }
            if (seen.Add(key)) all.Add(p);
        }
        // Every key was added once, so the first testCount and the rest share no problem.
        return (all.GetRange(testCount, trainCount), all.GetRange(0, testCount));
    }

    /// <summary>A number whose digit count is uniform in 1 … digits (so short and long numbers are equally common).</summary>
    private static long Number(Random random, int digits)
    {
        int n = random.Next(1, digits + 1);
        long low = n == 1 ? 0 : (long)Math.Pow(10, n - 1), high = (long)Math.Pow(10, n);
        return random.NextInt64(low, high);
    }

    private static long Distinct(string task, int digits)
    {
        double n = Math.Pow(10, digits);
        return task == "add" ? (long)(n * (n + 1) / 2) : (long)(n * 10 / 9);
    }
}
