// Proves the pipeline caches: unrelated edits and edits to another model reuse earlier output.
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace LstmGen.Tests.Generator;

public class IncrementalTests
{
    private const string ModelA = "namespace N; [LstmGen.LstmModel(Inputs = 2, Hidden = 5)] public partial class A;";
    private const string ModelB = "namespace N; [LstmGen.LstmModel(Vocabulary = 9, Embedding = 3, Hidden = 4, Outputs = 2)] public partial class B;";
    private const string Other = "namespace N; public class Unrelated { public int X => 1; }";

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        CSharpCompilation compilation = ModelCompiler.CreateCompilation(ModelA, ModelB, Other);
        GeneratorDriver driver = ModelCompiler.CreateDriver(trackSteps: true).RunGenerators(compilation);
        return (driver, compilation);
    }

    private static IncrementalStepRunReason[] SpecReasons(GeneratorDriver driver) =>
        driver.GetRunResult().Results[0].TrackedSteps[LstmGen.Generator.LstmGenerator.TrackingNames.Specs]
            .SelectMany(step => step.Outputs).Select(o => o.Reason).ToArray();

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string text)
    {
        SyntaxTree old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, ModelCompiler.ParseOptions, old.FilePath));
    }

    [Fact]
    public void UnrelatedEditReusesEveryModel()
    {
        var (driver, compilation) = FirstRun();
        driver = driver.RunGenerators(Replace(compilation, 2, Other.Replace("1", "2")));
        Assert.All(SpecReasons(driver), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void CommentInAModelFileReusesItsOutput()
    {
        var (driver, compilation) = FirstRun();
        driver = driver.RunGenerators(Replace(compilation, 0, "// a comment\n" + ModelA));
        Assert.All(SpecReasons(driver), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void EditingOneModelRegeneratesOnlyThatModel()
    {
        var (driver, compilation) = FirstRun();
        driver = driver.RunGenerators(Replace(compilation, 0, ModelA.Replace("Hidden = 5", "Hidden = 6")));
        IncrementalStepRunReason[] reasons = SpecReasons(driver);
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    [Fact]
    public void PipelineValuesHoldNoRoslynObjects()
    {
        var (driver, _) = FirstRun();
        var steps = driver.GetRunResult().Results[0].TrackedSteps;
        foreach (string name in new[] { LstmGen.Generator.LstmGenerator.TrackingNames.Parsed, LstmGen.Generator.LstmGenerator.TrackingNames.Specs })
        {
            foreach (var output in steps[name].SelectMany(s => s.Outputs))
                SpecGraph.AssertNoRoslynTypes(output.Value, name);
        }
    }
}
