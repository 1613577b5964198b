// Finds the golden case files (LSTMGEN_GOLDEN_DIR, else the repository's tests/golden) and offers
// them as theory data, one row per case, read in place (never copied into bin).
using System;
using System.Collections.Generic;
using System.IO;
using LstmGen.IO;
using Xunit;

namespace LstmGen.Tests.Golden;

/// <summary>The golden cases of this run, discovered once.</summary>
public static class GoldenCases
{
    /// <summary>Environment variable naming a folder of golden files to use instead of the repository copy.</summary>
    public const string DirectoryVariable = "LSTMGEN_GOLDEN_DIR";

    private static readonly Lazy<IReadOnlyDictionary<string, GoldenCase>> Discovered = new(() => Discover(Directory));

    /// <summary>The folder the cases come from.</summary>
    public static string Directory
    {
        get
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                if (!System.IO.Directory.Exists(fromEnvironment))
                    throw new DirectoryNotFoundException($"{DirectoryVariable} names '{fromEnvironment}', which is not a folder.");
                return Path.GetFullPath(fromEnvironment);
            }
            return Path.Combine(RepositoryRoot, "tests", "golden");
        }
    }

    /// <summary>True when the cases come from the repository copy (not from <see cref="DirectoryVariable"/>).</summary>
    public static bool IsRepositoryCopy => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(DirectoryVariable));

    /// <summary>The folder holding <c>LstmGen.sln</c>.</summary>
    public static string RepositoryRoot => RepoPaths.Root;

    /// <summary>Every case, by name.</summary>
    public static IReadOnlyDictionary<string, GoldenCase> All => Discovered.Value;

    /// <summary>The case called <paramref name="name"/>.</summary>
    public static GoldenCase Get(string name) =>
        All.TryGetValue(name, out GoldenCase? c) ? c : throw new KeyNotFoundException($"No golden case '{name}' in {Directory}.");

    /// <summary>A case from the repository's own copy, whatever <see cref="DirectoryVariable"/> says (for tests of the harness itself).</summary>
    public static GoldenCase FromRepository(string name)
    {
        string path = Path.Combine(RepositoryRoot, "tests", "golden", name + ".safetensors");
        using SafetensorsFile file = SafetensorsFile.Open(path);
        return GoldenCase.TryRead(file) ?? throw new InvalidDataException($"{path} is not a {GoldenCase.Format} file.");
    }

    /// <summary>Case names as theory data, in file-name order.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (string name in All.Keys) data.Add(name);
        return data;
    }

    /// <summary>
    /// Reads every <c>*.safetensors</c> file of the folder. A file that cannot be read, or whose <c>config</c> cannot be
    /// parsed, becomes a case of its own (named after the file) that fails with the reason, so one bad file costs one
    /// failing test and the other cases still run; files of another format (optimizer files, the self-test) are left out.
    /// </summary>
    internal static IReadOnlyDictionary<string, GoldenCase> Discover(string folder)
    {
        string[] files = System.IO.Directory.GetFiles(folder, "*.safetensors");
        Array.Sort(files, StringComparer.Ordinal);
        var cases = new SortedDictionary<string, GoldenCase>(StringComparer.Ordinal);
        foreach (string path in files)
        {
            GoldenCase? c;
            try
            {
                using SafetensorsFile file = SafetensorsFile.Open(path);
                c = GoldenCase.TryRead(file);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or SafetensorsFormatException or System.Text.Json.JsonException or InvalidOperationException or FormatException)
            {
                c = GoldenCase.Broken(Path.GetFileNameWithoutExtension(path), path, $"{e.GetType().Name}: {e.Message}");
            }
            if (c is null) continue; // optimizer files, the format self-test
            if (!cases.TryAdd(c.Name, c))
            {
                string name = Path.GetFileNameWithoutExtension(path);
                cases[name == c.Name ? name + " (duplicate)" : name] = GoldenCase.Broken(name, path, $"its case name '{c.Name}' is already the name of {cases[c.Name].Path}");
            }
        }
        return cases;
    }
}
