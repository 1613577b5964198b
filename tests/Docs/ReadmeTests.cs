// Every C# block in README.md and docs/ must compile as written, with the generator, without warnings;
// a diagnostic page's "Example" must report that page's diagnostic (and its other blocks must not).
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using LstmGen.Tests.Generator;
using Microsoft.CodeAnalysis;
using Xunit;

namespace LstmGen.Tests.Docs;

public sealed class ReadmeTests
{
    /// <summary>
    /// Names a page's prose takes for granted, declared for its blocks (a static class Givens is imported with
    /// <c>using static</c>). Keep this short: a guide should rather declare what it uses.
    /// </summary>
    private static readonly Dictionary<string, string> s_givens = new()
    {
        // "Loading in C#" / "Saving from C#" talk about any model's shape and parameter block (the page declares SentimentNet).
        ["docs/weights.md"] = """
            public static class Givens
            {
                public static ModelShape shape => new SentimentNet().Shape;
                public static float[] parameters => new float[SentimentNet.ParameterCount];
            }
            """,
    };

    public static TheoryData<string> FilesWithCSharp()
    {
        var data = new TheoryData<string>();
        foreach (string file in DocSnippets.FilesWithSnippets()) data.Add(file);
        return data;
    }

    [Fact]
    public void ExampleCompiles()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        Match example = Regex.Match(readme, @"## Example\s+```csharp\n(?<code>.*?)```", RegexOptions.Singleline);
        Assert.True(example.Success, "README.md has no '## Example' C# block");
        GeneratorOutput output = ModelCompiler.Run(example.Groups["code"].Value);
        var problems = output.GeneratorDiagnostics.Concat(output.CompilationDiagnostics).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(2 * ModelCompiler.FilesPerModel, output.Sources.Count());
    }

    [Fact]
    public void EveryGuideWithCodeIsChecked()
    {
        string[] files = DocSnippets.FilesWithSnippets().ToArray();
        foreach (string expected in new[] { "README.md", "docs/getting-started.md", "docs/training.md", "docs/weights.md", "docs/diagnostics/LSTM0001.md" })
            Assert.Contains(expected, files);
        Assert.All(s_givens.Keys, file => Assert.Contains(file, files));
    }

    [Theory]
    [MemberData(nameof(FilesWithCSharp))]
    public void CSharpBlocksCompile(string file)
    {
        IReadOnlyList<DocSnippet> snippets = DocSnippets.Read(file);
        // A diagnostic page's blocks stand alone: its example is wrong on purpose and must not leak into the fix.
        string? pageId = file.StartsWith("docs/diagnostics/", System.StringComparison.Ordinal) ? Path.GetFileNameWithoutExtension(file) : null;
        var failures = new List<string>();
        foreach (DocSnippet snippet in snippets)
        {
            SnippetResult result = DocSnippets.Compile(snippet, pageId is null ? snippets : [], s_givens.GetValueOrDefault(file));
            if (pageId is not null && snippet.Section == "Example")
            {
                if (!result.Diagnostics.Any(d => d.Id == pageId)) failures.Add($"{snippet}: the example does not report {pageId}");
                failures.AddRange(result.Problems(d => d.Id == pageId));
            }
            else
            {
                failures.AddRange(result.Problems());
                if (pageId is not null && result.Diagnostics.Any(d => d.Id == pageId)) failures.Add($"{snippet}: reports {pageId} outside the example");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
