// The command line the samples share (System.CommandLine): options that mean the same in every sample, with the same
// names, checks and wording, and one way to run a sample's action. Each sample links this file (see its .csproj) and
// declares its own options next to these in Program.cs.
//
// Conventions: --help prints to stdout and exits 0; a bad flag or value prints the error and the usage to stderr and
// exits 1; a failure the user can fix (a missing file, bad data, a diverged run) prints "error: …" to stderr and exits 1;
// a sample's last line of output is key=value pairs with invariant number formatting, for scripts.
using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using LstmGen.IO;
using LstmGen.Training;

namespace LstmGen.Samples;

internal static class SampleOptions
{
    /// <summary><c>--data FILE</c> (also <c>--train</c>): the data to train on; null means the sample's bundled data.</summary>
    public static Option<string?> Data(string description) => new("--data", "--train") { Description = description, HelpName = "FILE" };

    /// <summary><c>--data FILE…</c> (also <c>--train</c>): one or more files to train on; empty means the sample's bundled data.</summary>
    public static Option<string[]> DataFiles(string description) =>
        new("--data", "--train") { Description = description, HelpName = "FILE", AllowMultipleArgumentsPerToken = true };

    /// <summary><c>--test FILE</c>: a held-out file to score (never trained on).</summary>
    public static Option<string?> Test(string description) => new("--test") { Description = description, HelpName = "FILE" };

    /// <summary><c>--model FILE</c>: a saved model to load instead of training one.</summary>
    public static Option<string?> Model(string description) => new("--model") { Description = description, HelpName = "FILE" };

    /// <summary><c>--out FILE</c>: where the sample saves what it makes.</summary>
    public static Option<string> Out(string defaultPath, string description) =>
        new("--out") { Description = description, HelpName = "FILE", DefaultValueFactory = _ => defaultPath };

    /// <summary><c>--epochs N</c> (at least 1).</summary>
    public static Option<int> Epochs(int defaultValue, string description = "training epochs") => AtLeast("--epochs", 1, defaultValue, description);

    /// <summary><c>--learning-rate R</c> (positive): the optimizer's base learning rate.</summary>
    public static Option<double> LearningRate(double defaultValue, string description = "Adam's learning rate")
    {
        var option = new Option<double>("--learning-rate") { Description = description, HelpName = "R", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--learning-rate must be positive."); });
        return option;
    }

    /// <summary><c>--seed N</c> (a whole number ≥ 0).</summary>
    public static Option<ulong> Seed(string description, ulong defaultValue = 1) =>
        new("--seed") { Description = description, HelpName = "N", DefaultValueFactory = _ => defaultValue };

    /// <summary><c>--threads N</c> (at least 1; default all cores).</summary>
    public static Option<int> Threads(string description = "threads to train on (default: all cores)", int? defaultValue = null) =>
        AtLeast("--threads", 1, defaultValue ?? Environment.ProcessorCount, description);

    /// <summary>An integer option <paramref name="name"/> that must be at least <paramref name="minimum"/>.</summary>
    public static Option<int> AtLeast(string name, int minimum, int defaultValue, string description)
    {
        var option = new Option<int>(name) { Description = description, HelpName = "N", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            int value = r.GetValueOrDefault<int>();
            if (value < minimum) r.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be at least {minimum}, not {value}."));
        });
        return option;
    }

    /// <summary>A number option <paramref name="name"/> that must lie in [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    public static Option<double> Between(string name, double minimum, double maximum, double defaultValue, string description)
    {
        var option = new Option<double>(name) { Description = description, HelpName = "X", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            double value = r.GetValueOrDefault<double>();
            if (!(value >= minimum && value <= maximum))
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be in [{minimum}, {maximum}], not {value}."));
        });
        return option;
    }

    /// <summary>
    /// Sets <paramref name="action"/> as <paramref name="command"/>'s action, parses <paramref name="args"/> and runs it. A failure
    /// the user can fix prints <c>error: message</c> to stderr and returns 1; anything else is a bug and surfaces as one.
    /// </summary>
    public static int Run(RootCommand command, string[] args, Func<ParseResult, int> action)
    {
        SetAction(command, action);
        return command.Parse(args).Invoke();
    }

    /// <summary>Sets <paramref name="action"/> on a command (a subcommand too) with the same error handling as <see cref="Run"/>.</summary>
    public static void SetAction(Command command, Func<ParseResult, int> action) => command.SetAction(result =>
    {
        try
        {
            return action(result);
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    });

    /// <summary>Exceptions that report a problem with the input (files, data, arguments) or a diverged training run.</summary>
    private static bool IsUserError(Exception e) => e is IOException or UnauthorizedAccessException or InvalidDataException or KeyNotFoundException
        or ArgumentException or FormatException or TrainingDivergedException or WeightFileException or SafetensorsFormatException;
}

/// <summary>Lines for scripts: key=value pairs separated by spaces, numbers in the invariant culture.</summary>
internal static class SampleOutput
{
    /// <summary>Writes <paramref name="line"/> (e.g. <c>$"accuracy={a:F3} auc={b:F3}"</c>) with invariant number formatting.</summary>
    public static void KeyValues(FormattableString line) => Console.WriteLine(FormattableString.Invariant(line));

    /// <summary>Formats <paramref name="line"/> with invariant number formatting (for human-readable lines).</summary>
    public static string Invariant(FormattableString line) => FormattableString.Invariant(line);

    /// <summary>The path of a file bundled next to the sample's binary, under <c>data/</c>.</summary>
    public static string Bundled(string fileName) => Path.Combine(AppContext.BaseDirectory, "data", fileName);
}
