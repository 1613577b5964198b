// The README's example and the guides' C# blocks must compile as written, with the generator, without warnings.
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using LstmGen.Tests.Generator;
using Microsoft.CodeAnalysis;
using Xunit;

namespace LstmGen.Tests.Docs;

public sealed class ReadmeTests
{
    [Fact]
    public void ExampleCompiles()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        Match example = Regex.Match(readme, @"## Example\s+```csharp\n(?<code>.*?)```", RegexOptions.Singleline);
        Assert.True(example.Success, "README.md has no '## Example' C# block");
        GeneratorOutput output = ModelCompiler.Run(example.Groups["code"].Value);
        var problems = output.GeneratorDiagnostics.Concat(output.CompilationDiagnostics).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(2, output.Sources.Count());
    }

    [Theory]
    [InlineData("docs/training.md")]
    public void GuideExamplesCompile(string relativePath)
    {
        string text = File.ReadAllText(Path.Combine(RepoPaths.Root, relativePath));
        MatchCollection blocks = Regex.Matches(text, @"```csharp\n(?<code>.*?)```", RegexOptions.Singleline);
        Assert.NotEmpty(blocks);
        foreach (Match block in blocks)
        {
            GeneratorOutput output = ModelCompiler.Run(block.Groups["code"].Value);
            var problems = output.GeneratorDiagnostics.Concat(output.CompilationDiagnostics).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
            Assert.True(problems.Count == 0, $"{relativePath}: " + string.Join("\n", problems));
        }
    }
}
