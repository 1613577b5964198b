// Compares generated source for representative shapes with checked-in baselines; LSTMGEN_UPDATE_BASELINES=1 rewrites them.
using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace LstmGen.Tests.Generator;

public class BaselineTests
{
    public static TheoryData<string, string> Shapes => new()
    {
        // name, attribute arguments
        { "Tiny", "Inputs = 1, Hidden = 1" },
        { "Odd7TwoLayers", "Inputs = 3, Hidden = 7, Layers = 2" },
        { "Odd37Tokens", "Vocabulary = 100, Embedding = 5, Hidden = 37, Outputs = 2, Head = LstmGen.Head.Sigmoid" },
        { "Exact16EveryStep", "Inputs = 16, Hidden = 16, Outputs = 4, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep" },
        { "BFloat16Weights", "Inputs = 3, Hidden = 20, Outputs = 2, InferenceWeights = LstmGen.WeightPrecision.BFloat16" },
        { "Exact64", "Inputs = 8, Hidden = 64, Outputs = 1" },
        { "Gru2Layers", "Inputs = 3, Hidden = 7, Layers = 2, Outputs = 2, Cell = LstmGen.RecurrentCell.Gru" },
        { "Bidirectional2Layers", "Vocabulary = 11, Embedding = 4, Hidden = 6, Layers = 2, Bidirectional = true, Outputs = 3, Head = LstmGen.Head.Softmax" },
        { "BidirectionalGru", "Inputs = 3, Hidden = 7, Cell = LstmGen.RecurrentCell.Gru, Bidirectional = true, HeadOn = LstmGen.HeadOn.EveryStep" },
        { "Peephole2Layers", "Inputs = 3, Hidden = 7, Layers = 2, Outputs = 2, Peephole = true" },
        { "Projection2Layers", "Inputs = 3, Hidden = 20, Layers = 2, Projection = 5, Outputs = 2" },
        { "OverBudget", "Vocabulary = 65, Embedding = 32, Hidden = 256, Layers = 2, Outputs = 65, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GeneratedSourceMatchesBaseline(string name, string arguments)
    {
        GeneratorOutput output = ModelCompiler.Run(ModelCompiler.ModelSource(arguments, name, "Baselines"));
        Assert.Empty(output.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        // The main file, and an inference and a training file per vector width, each with its own baseline.
        GeneratedSourceResult[] sources = output.Sources.ToArray();
        Assert.Equal(ModelCompiler.FilesPerModel, sources.Length);
        string folder = Path.Combine(RepoPaths.Root, "tests", "Baselines", name);
        bool update = Environment.GetEnvironmentVariable("LSTMGEN_UPDATE_BASELINES") == "1";

        if (update)
        {
            // Baselines of files no longer generated go too.
            Directory.CreateDirectory(folder);
            foreach (string stale in Directory.GetFiles(folder, "*.cs.txt").Except(sources.Select(s => Path.Combine(folder, s.HintName + ".txt"))))
                File.Delete(stale);
        }
        else
        {
            string[] expectedFiles = sources.Select(s => s.HintName + ".txt").OrderBy(f => f, StringComparer.Ordinal).ToArray();
            string[] baselineFiles = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.cs.txt").Select(f => Path.GetFileName(f)!).OrderBy(f => f, StringComparer.Ordinal).ToArray() : Array.Empty<string>();
            Assert.True(baselineFiles.Except(expectedFiles).ToArray() is { Length: 0 } stale, $"Baselines of files no longer generated in {folder}: {string.Join(", ", baselineFiles.Except(expectedFiles))}; run with LSTMGEN_UPDATE_BASELINES=1 to remove them.");
        }
        foreach (GeneratedSourceResult source in sources)
            AssertMatches(Path.Combine(folder, source.HintName + ".txt"), source.SourceText.ToString(), update);
    }

    private static void AssertMatches(string path, string actual, bool update)
    {
        if (update)
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"Missing baseline {path}; run the tests with LSTMGEN_UPDATE_BASELINES=1 to create it, then review it.");
        string expected = File.ReadAllText(path).Replace("\r\n", "\n");
        if (expected != actual)
        {
            string[] e = expected.Split('\n'), a = actual.Split('\n');
            int line = Enumerable.Range(0, Math.Min(e.Length, a.Length)).FirstOrDefault(i => e[i] != a[i], Math.Min(e.Length, a.Length));
            Assert.Fail($"{path} differs at line {line + 1}:\n  baseline:  {(line < e.Length ? e[line] : "<end>")}\n  generated: {(line < a.Length ? a[line] : "<end>")}\nRun with LSTMGEN_UPDATE_BASELINES=1 to accept the new output after reviewing it.");
        }
    }
}
