// Proves the pipeline caches what an IDE edits around: unrelated edits, comments and edits to another model
// reuse earlier output (down to every one of a model's emitted files), and no pipeline value holds a Roslyn object.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using LstmGen.Generator;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace LstmGen.Tests.Generator;

public class IncrementalTests
{
    private const string ModelA = "namespace N; [LstmGen.LstmModel(Inputs = 2, Hidden = 5)] public partial class A;";
    private const string ModelB = "namespace N; [LstmGen.LstmModel(Vocabulary = 9, Embedding = 3, Hidden = 4, Outputs = 2)] public partial class B;";
    private const string Other = "namespace N; public class Unrelated { public int X => 1; }";

    // Two models in one file: an edit to one re-parses both, and the other's spec must still compare equal.
    private const string ModelsCandD = """
        namespace M;
        [LstmGen.LstmModel(Inputs = 3, Hidden = 6, Outputs = 1)] public partial class C;
        [LstmGen.LstmModel(Inputs = 4, Hidden = 7, Layers = 2)] public partial class D;
        """;

    // Over the unrolling budget: it carries a located Info diagnostic (LSTM0100) next to its source.
    private const string Compact = "namespace N; [LstmGen.LstmModel(Inputs = 8, Hidden = 300)] public partial class Big;";

    private const int FileA = 0, FileB = 1, FileOther = 2, FileCandD = 3;

    private static readonly string[] s_sources = { ModelA, ModelB, Other, ModelsCandD };

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(params string[] sources)
    {
        CSharpCompilation compilation = ModelCompiler.CreateCompilation(sources.Length == 0 ? s_sources : sources);
        GeneratorDriver driver = ModelCompiler.CreateDriver(trackSteps: true).RunGenerators(compilation);
        return (driver, compilation);
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string text)
    {
        SyntaxTree old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, ModelCompiler.ParseOptions, old.FilePath));
    }

    private static GeneratorRunResult Run(GeneratorDriver driver) => Assert.Single(driver.GetRunResult().Results);

    /// <summary>How the parser (the <c>Parsed</c> step) produced each valid model's result on the last run, by type name.</summary>
    private static Dictionary<string, IncrementalStepRunReason> ParsedReasons(GeneratorDriver driver) =>
        Run(driver).TrackedSteps[LstmGenerator.TrackingNames.Parsed]
            .SelectMany(step => step.Outputs)
            .ToDictionary(o => ((ModelResult)o.Value).Spec!.TypeName, o => o.Reason);

    /// <summary>How the <c>Specs</c> step produced each model's spec on the last run, by type name.</summary>
    private static Dictionary<string, IncrementalStepRunReason> SpecReasons(GeneratorDriver driver) =>
        Run(driver).TrackedSteps[LstmGenerator.TrackingNames.Specs]
            .SelectMany(step => step.Outputs)
            .ToDictionary(o => ((ModelSpec)o.Value).TypeName, o => o.Reason);

    /// <summary>How the source output (the emitter) produced each model's file on the last run, by type name.</summary>
    private static Dictionary<string, IncrementalStepRunReason> SourceReasons(GeneratorDriver driver) =>
        Run(driver).TrackedOutputSteps[WellKnownGeneratorOutputs.SourceOutput]
            .Where(step => step.Inputs.Length == 1 && step.Inputs[0].Source.Name == LstmGenerator.TrackingNames.Specs)
            .ToDictionary(
                step => ((ModelSpec)step.Inputs[0].Source.Outputs[step.Inputs[0].OutputIndex].Value).TypeName,
                step => Assert.Single(step.Outputs).Reason);

    private static bool Reused(IncrementalStepRunReason reason) => reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged;

    /// <summary>
    /// The texts of a model's generated files on the last run, by hint name: <c>{Namespace}.{Type}.g.cs</c>, the kernels
    /// <c>….Kernels.g.cs</c> and <c>….Training.g.cs</c>, and per vector width <c>{Namespace}.{Type}.{Width}.g.cs</c> (the
    /// test models' namespace is N, or M for C and D).
    /// </summary>
    private static Dictionary<string, SourceText> FilesOf(GeneratorDriver driver, string model)
    {
        string prefix = (model is "C" or "D" ? "M." : "N.") + model + ".";
        var files = Run(driver).GeneratedSources.Where(s => s.HintName.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(s => s.HintName, s => s.SourceText);
        bool compact = model == "Big"; // over the unrolling budget: no tile files
        Assert.True(files.Count == (compact ? ModelCompiler.FilesPerCompactModel : ModelCompiler.FilesPerModel), $"{model}: {string.Join(", ", files.Keys)}");
        foreach (string hint in ModelCompiler.HintNames(prefix.TrimEnd('.'), compact)) Assert.Contains(hint, files.Keys);
        return files;
    }

    /// <summary>Every file of <paramref name="model"/> after the edit is the very text the first run produced (the output was not emitted again).</summary>
    private static void AssertFilesReused(GeneratorDriver before, GeneratorDriver after, string model)
    {
        Dictionary<string, SourceText> first = FilesOf(before, model), second = FilesOf(after, model);
        Assert.Equal(first.Keys.OrderBy(k => k, StringComparer.Ordinal), second.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.All(first, f => Assert.True(ReferenceEquals(f.Value, second[f.Key]), $"{f.Key} was emitted again"));
    }

    /// <summary>Every model's spec was reused, its source output was not run again, and every one of its files is the first run's.</summary>
    private static void AssertEveryModelReused(GeneratorDriver before, GeneratorDriver after, params string[] models)
    {
        Dictionary<string, IncrementalStepRunReason> specs = SpecReasons(after), sources = SourceReasons(after);
        Assert.Equal(models.OrderBy(m => m), specs.Keys.OrderBy(m => m));
        Assert.Equal(models.OrderBy(m => m), sources.Keys.OrderBy(m => m));
        Assert.All(specs, s => Assert.True(Reused(s.Value), $"spec of {s.Key}: {s.Value}"));
        Assert.All(sources, s => Assert.True(s.Value == IncrementalStepRunReason.Cached, $"source of {s.Key}: {s.Value}"));
        foreach (string model in models) AssertFilesReused(before, after, model);
    }

    [Fact]
    public void UnrelatedEditReusesEveryModel()
    {
        var (first, compilation) = FirstRun();
        GeneratorDriver driver = first.RunGenerators(Replace(compilation, FileOther, Other.Replace("1", "2")));
        AssertEveryModelReused(first, driver, "A", "B", "C", "D");
    }

    [Fact]
    public void CommentInAModelFileReusesItsOutput()
    {
        var (first, compilation) = FirstRun();
        GeneratorDriver driver = first.RunGenerators(Replace(compilation, FileA, "// a comment\n" + ModelA));
        AssertEveryModelReused(first, driver, "A", "B", "C", "D");
    }

    [Fact]
    public void CommentInsideAModelDeclarationReusesItsOutput()
    {
        var (first, compilation) = FirstRun();
        GeneratorDriver driver = first.RunGenerators(Replace(compilation, FileCandD, ModelsCandD.Replace("Hidden = 6,", "Hidden = 6, /* six */")));
        AssertEveryModelReused(first, driver, "A", "B", "C", "D");
    }

    [Fact]
    public void CommentInAnotherFileReusesEveryModel()
    {
        var (first, compilation) = FirstRun();
        GeneratorDriver driver = first.RunGenerators(Replace(compilation, FileOther, "/* a comment */\n" + Other));
        AssertEveryModelReused(first, driver, "A", "B", "C", "D");
    }

    [Fact]
    public void AddingAFileReusesEveryModel()
    {
        var (first, compilation) = FirstRun();
        GeneratorDriver driver = first.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace N; public class New;", ModelCompiler.ParseOptions, "New.cs")));
        AssertEveryModelReused(first, driver, "A", "B", "C", "D");
    }

    [Fact]
    public void EditingOneModelRegeneratesOnlyThatModel()
    {
        var (first, compilation) = FirstRun();
        GeneratorDriver driver = first.RunGenerators(Replace(compilation, FileA, ModelA.Replace("Hidden = 5", "Hidden = 6")));
        Dictionary<string, IncrementalStepRunReason> specs = SpecReasons(driver), sources = SourceReasons(driver);
        Assert.Equal(IncrementalStepRunReason.Modified, specs["A"]);
        Assert.Equal(IncrementalStepRunReason.Modified, sources["A"]);
        // All of A's files are emitted again (each says HiddenSize = 6 or is another text than before).
        Dictionary<string, SourceText> a = FilesOf(driver, "A"), aBefore = FilesOf(first, "A");
        Assert.Contains("HiddenSize = 6;", a["N.A.g.cs"].ToString());
        Assert.All(a, f => Assert.False(ReferenceEquals(f.Value, aBefore[f.Key]), $"{f.Key} was not emitted again"));
        foreach (string other in new[] { "B", "C", "D" })
        {
            Assert.True(Reused(specs[other]), $"spec of {other}: {specs[other]}");
            Assert.Equal(IncrementalStepRunReason.Cached, sources[other]);
            AssertFilesReused(first, driver, other);
        }
    }

    [Fact]
    public void EditingOneOfTwoModelsInAFileRegeneratesOnlyThatModel()
    {
        var (first, compilation) = FirstRun();
        GeneratorDriver driver = first.RunGenerators(Replace(compilation, FileCandD, ModelsCandD.Replace("Layers = 2", "Layers = 3")));
        Dictionary<string, IncrementalStepRunReason> parsed = ParsedReasons(driver), specs = SpecReasons(driver), sources = SourceReasons(driver);
        Assert.Equal(IncrementalStepRunReason.Modified, parsed["D"]);
        Assert.Equal(IncrementalStepRunReason.Modified, sources["D"]);
        // C was parsed again (its file changed) but compares equal to its earlier result, so nothing after it runs.
        Assert.Equal(IncrementalStepRunReason.Unchanged, parsed["C"]);
        Assert.True(Reused(specs["C"]), $"spec of C: {specs["C"]}");
        Assert.Equal(IncrementalStepRunReason.Cached, sources["C"]);
        Assert.Equal(IncrementalStepRunReason.Cached, sources["A"]);
        Assert.Equal(IncrementalStepRunReason.Cached, sources["B"]);
        foreach (string other in new[] { "A", "B", "C" }) AssertFilesReused(first, driver, other);
    }

    [Fact]
    public void MovingAModelMovesItsDiagnosticButReusesItsSource()
    {
        var (first, compilation) = FirstRun(Compact, Other);
        Diagnostic before = Assert.Single(first.GetRunResult().Diagnostics);
        GeneratorDriver driver = first.RunGenerators(Replace(compilation, 0, "// two lines\n// above\n" + Compact));

        // Diagnostics and source are separate outputs: the located diagnostic follows the code, the source is reused.
        Diagnostic after = Assert.Single(driver.GetRunResult().Diagnostics);
        Assert.Equal("LSTM0100", after.Id);
        Assert.Equal(before.Location.GetLineSpan().StartLinePosition.Line + 2, after.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal(IncrementalStepRunReason.Modified, ParsedReasons(driver)["Big"]);
        Assert.Equal(IncrementalStepRunReason.Unchanged, SpecReasons(driver)["Big"]);
        Assert.Equal(IncrementalStepRunReason.Cached, SourceReasons(driver)["Big"]);
        AssertFilesReused(first, driver, "Big");
    }

    [Fact]
    public void PipelineValuesHoldNoRoslynObjects()
    {
        // Valid models, one with an Info diagnostic and one with errors, so every kind of value is walked.
        var (driver, _) = FirstRun(ModelA, ModelB, ModelsCandD, Compact, "[LstmGen.LstmModel(Hidden = -1)] public partial class Broken;");
        GeneratorRunResult run = Run(driver);

        // Every step the generator names (new ones are picked up from TrackingNames)...
        string[] names = typeof(LstmGenerator.TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();
        Assert.Contains(LstmGenerator.TrackingNames.Specs, names);
        foreach (string name in names)
        {
            Assert.True(run.TrackedSteps.ContainsKey(name), $"no tracked step named {name}");
            foreach (var output in run.TrackedSteps[name].SelectMany(s => s.Outputs))
                SpecGraph.AssertNoRoslynTypes(output.Value, name);
        }

        // ...and whatever reaches an output (the source and the diagnostics outputs' inputs), named or not.
        IncrementalGeneratorRunStep[] outputSteps = run.TrackedOutputSteps.Values.SelectMany(steps => steps).ToArray();
        Assert.NotEmpty(outputSteps);
        foreach (IncrementalGeneratorRunStep step in outputSteps)
        {
            foreach (var (source, index) in step.Inputs)
                SpecGraph.AssertNoRoslynTypes(source.Outputs[index].Value, $"input of {step.Name ?? "an output"} from {source.Name ?? "an unnamed step"}");
        }
        Assert.Contains(run.Diagnostics, d => d.Id == "LSTM0100");
        Assert.Contains(run.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }
}
