// Prints the size of the generated files, so the README can say how big a file an IDE user may open: for the
// benchmark's 20 models, the samples' models (their own source files, run through the generator) and the
// checked-in baselines (tests/Baselines, read as they are), the largest file of each model.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace LstmGen.Bench.Generator;

internal static class GeneratedSizes
{
    private sealed record GeneratedFile(string Model, string Name, int Bytes, int Lines);

    public static void Print()
    {
        GeneratorDriver driver = Workspace.Driver().RunGenerators(Workspace.Compilation(Workspace.Trees()));
        List<GeneratedFile> bench = Measure(driver, name => Workspace.Models[int.Parse(name.Substring("Bench.Models.Model".Length, 2), CultureInfo.InvariantCulture)]);
        Console.WriteLine("The generator benchmark's 20 models");
        PrintModels(bench);
        Console.WriteLine($"total: {bench.Count} files, {bench.Sum(f => f.Bytes):N0} bytes, {bench.Sum(f => f.Lines):N0} lines");

        string? root = RepositoryRoot();
        if (root is null)
        {
            Console.WriteLine("(the repository root was not found above the working directory: samples and baselines skipped)");
            return;
        }
        Console.WriteLine();
        Console.WriteLine("The samples' models (samples/*/)");
        var samples = new List<GeneratedFile>();
        foreach (string project in Directory.GetDirectories(Path.Combine(root, "samples")).OrderBy(d => d, StringComparer.Ordinal))
        {
            IEnumerable<SyntaxTree> trees = SourceFiles(project).Select(path => Workspace.Parse(File.ReadAllText(path), path));
            GeneratorDriver run = Workspace.Driver().RunGenerators(Workspace.Compilation(trees));
            samples.AddRange(Measure(run, name => Path.GetFileName(project) + ": " + ModelOf(name)));
        }
        PrintModels(samples);

        Console.WriteLine();
        Console.WriteLine("The baselines (tests/Baselines/*/)");
        var baselines = new List<GeneratedFile>();
        foreach (string folder in Directory.GetDirectories(Path.Combine(root, "tests", "Baselines")).OrderBy(d => d, StringComparer.Ordinal))
        {
            foreach (string path in Directory.GetFiles(folder, "*.cs.txt"))
                baselines.Add(Describe(Path.GetFileName(folder), Path.GetFileName(path), File.ReadAllText(path)));
        }
        PrintModels(baselines);
    }

    /// <summary>Every generated file of a run, under the model its hint name belongs to.</summary>
    private static List<GeneratedFile> Measure(GeneratorDriver driver, Func<string, string> model) =>
        driver.GetRunResult().GeneratedTrees
            .Select(t => (Name: Path.GetFileName(t.FilePath), Text: t.GetText().ToString()))
            .Select(f => Describe(model(f.Name), f.Name, f.Text))
            .ToList();

    private static GeneratedFile Describe(string model, string name, string text) =>
        new(model, name, System.Text.Encoding.UTF8.GetByteCount(text), text.Count(c => c == '\n'));

    /// <summary>The model's type name in a hint name: <c>{Namespace}.{Type}[.{Part}].g.cs</c>, the part Kernels, Training or a width's tiles.</summary>
    private static string ModelOf(string hintName)
    {
        string[] parts = hintName.Substring(0, hintName.Length - ".g.cs".Length).Split('.');
        int last = parts.Length - 1;
        return parts[last] is "Kernels" or "Training" or "Vector512" or "Vector256" or "Vector128" ? parts[last - 1] : parts[last];
    }

    /// <summary>
    /// One line per model, largest file first: its largest file, its largest file without register tiles (the main file or
    /// a kernels file: what a reader of the model's code opens), its file count, and all its files' bytes.
    /// </summary>
    private static void PrintModels(List<GeneratedFile> files)
    {
        Console.WriteLine($"{"largest file",-58} {"bytes",9} {"lines",7} {"no tiles",9} {"lines",7} {"files",5} {"model bytes",11}  model");
        foreach (var model in files.GroupBy(f => f.Model).OrderByDescending(g => g.Max(f => f.Bytes)))
        {
            GeneratedFile largest = model.OrderByDescending(f => f.Bytes).First();
            GeneratedFile kernels = model.Where(f => !f.Name.Contains(".Vector", StringComparison.Ordinal)).OrderByDescending(f => f.Bytes).First();
            Console.WriteLine($"{largest.Name,-58} {largest.Bytes,9:N0} {largest.Lines,7:N0} {kernels.Bytes,9:N0} {kernels.Lines,7:N0} {model.Count(),5} {model.Sum(f => f.Bytes),11:N0}  {model.Key}");
        }
    }

    private static IEnumerable<string> SourceFiles(string project) =>
        Directory.GetFiles(project, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal);

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LstmGen.sln"))) return dir.FullName;
        }
        return null;
    }
}
