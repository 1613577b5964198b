// The four tasks of "Exploring LSTMs" (Edwin Chen): counting, selective counting, remembering the first
// character across filler, and copying a short string. Each is a next-character task whose answer is
// fully determined once the prompt has been read.
using System;
using System.Collections.Generic;
using LstmGen.Training;

namespace Explorer;

/// <summary>aⁿ X → bⁿ: write as many b's as there were a's.</summary>
public sealed class CountingTask : ExplorerTask
{
    public override string Name => "counting";
    public override string Title => "Counting: aⁿ X bⁿ";
    public override string Description =>
        "After n a's and the separator X, write exactly n b's, then the end marker. Trained on n = 1–10, tested beyond.";
    public override string LengthMeaning => "a's";
    public override int MaxTrained => 10;
    public override int TestedUpTo => 100;
    public override string SignalMeaning => "a's read minus b's written (b's still owed)";
    public override int DefaultSteps => 5000;

    public override Example Draw(int n, SeededRandom random) => new(Repeat('a', n) + "X", Repeat('b', n));

    public override IReadOnlyList<Example> TestSet(int n, SeededRandom random) => new[] { Draw(n, random) };

    public override IReadOnlyList<Example> PageExamples(SeededRandom random) => new[] { Draw(6, random), Draw(MaxTrained + 5, random) };

    public override double[] Signal(string characters) => Owed(characters);

    public override ITokenTrainableModel CreateModel() => new CounterModel();

    /// <summary>After each character: a's read so far minus b's read so far.</summary>
    internal static double[] Owed(string characters)
    {
        var owed = new double[characters.Length];
        int count = 0;
        for (int t = 0; t < characters.Length; t++)
        {
            if (characters[t] == 'a') count++;
            else if (characters[t] == 'b') count--;
            owed[t] = count;
        }
        return owed;
    }
}

/// <summary>a's and X's mixed, then Y → as many b's as there were a's: count the a's, ignore the X's.</summary>
public sealed class SelectiveCountingTask : ExplorerTask
{
    private const int TestExamplesPerLength = 20;

    public override string Name => "selective";
    public override string Title => "Selective counting: count the a's, ignore the X's";
    public override string Description =>
        "n a's with up to n X's mixed in, then the separator Y: write n b's (the X's do not count), then the end marker. Trained on n = 1–10, tested beyond.";
    public override string LengthMeaning => "a's";
    public override int MaxTrained => 10;
    public override int TestedUpTo => 60;
    public override string SignalMeaning => "a's read minus b's written (X's ignored)";
    public override int DefaultSteps => 5000;

    /// <summary>n a's and a random number 0…n of X's in a random order, then Y; the answer is n b's.</summary>
    public override Example Draw(int n, SeededRandom random)
    {
        int xs = random.Next(n + 1);
        var prompt = new char[n + xs + 1];
        for (int i = 0; i < n + xs; i++) prompt[i] = i < n ? 'a' : 'X';
        random.Shuffle(prompt.AsSpan(0, n + xs));
        prompt[^1] = 'Y';
        return new Example(new string(prompt), Repeat('b', n));
    }

    public override IReadOnlyList<Example> TestSet(int n, SeededRandom random) => DrawMany(n, TestExamplesPerLength, random);

    /// <summary>The post's own example, aaXaXaaYbbbbb, and a longer one past the trained lengths.</summary>
    public override IReadOnlyList<Example> PageExamples(SeededRandom random) => new[] { FromPrompt("aaXaXaaY"), FromPrompt("aaXaaaXXaaaaaXaaaaXaY") };

    public override double[] Signal(string characters) => CountingTask.Owed(characters);

    public override ITokenTrainableModel CreateModel() => new CounterModel();

    private static Example FromPrompt(string prompt) => new(prompt, Repeat('b', CountOf(prompt, 'a')));
}

/// <summary>A or B, filler x's, then Y → a or b: remember the first character across the filler.</summary>
public sealed class RememberTask : ExplorerTask
{
    public override string Name => "remember";
    public override string Title => "Remembering: A or B across the filler";
    public override string Description =>
        "A or B, then n filler x's, then Y: write a if the sequence began with A, b if it began with B. Trained on n = 1–10 x's, tested beyond.";
    public override string LengthMeaning => "x's";
    public override int MaxTrained => 10;
    public override int TestedUpTo => 1000;
    public override string SignalMeaning => "+1 after an A, −1 after a B";

    /// <summary>Every filler length to 20, then ever longer ones: remembering one bit should not depend on n.</summary>
    public override IEnumerable<int> LengthsBeyond()
    {
        for (int n = MaxTrained + 1; n <= 20; n++) yield return n;
        foreach (int n in new[] { 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500, TestedUpTo }) yield return n;
    }
    public override int DefaultSteps => 2000;

    public override Example Draw(int n, SeededRandom random) => Make(random.Next(2) == 0 ? 'A' : 'B', n);

    public override IReadOnlyList<Example> TestSet(int n, SeededRandom random) => new[] { Make('A', n), Make('B', n) };

    public override IReadOnlyList<Example> PageExamples(SeededRandom random) => new[] { Make('A', 8), Make('B', 8) };

    public override double[] Signal(string characters)
    {
        var signal = new double[characters.Length];
        signal.AsSpan().Fill(characters[0] == 'A' ? 1 : -1);
        return signal;
    }

    public override ITokenTrainableModel CreateModel() => new CounterModel();

    private static Example Make(char first, int n) => new(first + Repeat('x', n) + "Y", first == 'A' ? "a" : "b");
}

/// <summary>A string of a, b, c, then X → the same string again.</summary>
public sealed class CopyTask : ExplorerTask
{
    private const string Letters = "abc";

    public override string Name => "copy";
    public override string Title => "Copying a short string";
    public override string Description =>
        "A string of n letters from a, b, c, then the separator X: write the string again, then the end marker. Trained on n = 1–6; every one of the 1,092 strings is tested, and all strings of 7 and 8 letters.";
    public override string LengthMeaning => "letters";
    public override int MaxTrained => 6;
    public override int TestedUpTo => 8;
    public override string SignalMeaning => "letters read before X minus letters written after it (letters still to copy)";
    public override int DefaultSteps => 8000;

    public override Example Draw(int n, SeededRandom random)
    {
        var text = new char[n];
        for (int i = 0; i < n; i++) text[i] = Letters[random.Next(Letters.Length)];
        return Make(new string(text));
    }

    /// <summary>Every string of length <paramref name="n"/> (3ⁿ of them).</summary>
    public override IReadOnlyList<Example> TestSet(int n, SeededRandom random)
    {
        int count = 1;
        for (int i = 0; i < n; i++) count *= Letters.Length;
        var examples = new List<Example>(count);
        var text = new char[n];
        for (int k = 0; k < count; k++)
        {
            for (int i = 0, rest = k; i < n; i++, rest /= Letters.Length) text[n - 1 - i] = Letters[rest % Letters.Length];
            examples.Add(Make(new string(text)));
        }
        return examples;
    }

    public override IReadOnlyList<Example> PageExamples(SeededRandom random) => new[] { Make("acbbca"), Make("cab") };

    public override double[] Signal(string characters)
    {
        var signal = new double[characters.Length];
        int separator = characters.IndexOf('X', StringComparison.Ordinal), count = 0;
        for (int t = 0; t < characters.Length; t++)
        {
            if (characters[t] != 'X') count += separator < 0 || t < separator ? 1 : -1;
            signal[t] = count;
        }
        return signal;
    }

    public override ITokenTrainableModel CreateModel() => new CopierModel();

    private static Example Make(string text) => new(text + "X", text);
}
