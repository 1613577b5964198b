// Prints the size of each generated file of the benchmark's 20 models, largest first, so the README can say how
// big a file an IDE user may open.
using System;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace LstmGen.Bench.Generator;

internal static class GeneratedSizes
{
    public static void Print()
    {
        GeneratorDriver driver = Workspace.Driver().RunGenerators(Workspace.Compilation(Workspace.Trees()));
        var files = driver.GetRunResult().GeneratedTrees
            .Select(t => (Name: System.IO.Path.GetFileName(t.FilePath), Text: t.GetText().ToString()))
            .Select(f => (f.Name, Bytes: System.Text.Encoding.UTF8.GetByteCount(f.Text), Lines: f.Text.Count(c => c == '\n')))
            .OrderByDescending(f => f.Bytes)
            .ToList();
        Console.WriteLine($"{"file",-32} {"bytes",9} {"lines",7}  model");
        foreach (var (name, bytes, lines) in files)
        {
            int index = int.Parse(name.Substring("Bench.Models.Model".Length, 2), System.Globalization.CultureInfo.InvariantCulture);
            Console.WriteLine($"{name,-32} {bytes,9:N0} {lines,7:N0}  {Workspace.Models[index]}");
        }
        Console.WriteLine($"total: {files.Count} files, {files.Sum(f => f.Bytes):N0} bytes, {files.Sum(f => f.Lines):N0} lines");
    }
}
