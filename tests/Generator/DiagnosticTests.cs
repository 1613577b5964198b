// One test per generator diagnostic: the right id, on the attribute argument (or class name) at fault.
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace LstmGen.Tests.Generator;

public class DiagnosticTests
{
    /// <summary>Runs the generator and returns the single diagnostic with <paramref name="id"/> and the source text it points at.</summary>
    private static (Diagnostic Diagnostic, string Text) Single(string source, string id)
    {
        GeneratorOutput output = ModelCompiler.Run(source);
        var matches = output.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matches.Count == 1, $"Expected one {id}, got: {string.Join("; ", output.GeneratorDiagnostics)}");
        Diagnostic d = matches[0];
        string path = d.Location.GetLineSpan().Path;
        SyntaxTree tree = output.Compilation.SyntaxTrees.Single(t => t.FilePath == path);
        string text = tree.GetText().ToString(d.Location.SourceSpan);
        return (d, text);
    }

    private static string Model(string arguments) => ModelCompiler.ModelSource(arguments);

    [Fact]
    public void LSTM0001_ClassNotPartial()
    {
        var (d, text) = Single("namespace N; [LstmGen.LstmModel(Inputs = 1, Hidden = 2)] public class Plain;", "LSTM0001");
        Assert.Equal("Plain", text);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
    }

    [Fact]
    public void LSTM0001_ContainingTypeNotPartial()
    {
        var (d, text) = Single("namespace N; public class Outer { [LstmGen.LstmModel(Inputs = 1, Hidden = 2)] public partial class Inner; }", "LSTM0001");
        Assert.Equal("Inner", text);
        Assert.Contains("Outer", d.GetMessage());
    }

    [Theory]
    [InlineData("Inputs = 0, Hidden = 4", "Inputs = 0")]
    [InlineData("Inputs = 3, Hidden = -1", "Hidden = -1")]
    [InlineData("Inputs = 3, Hidden = 4, Layers = 0", "Layers = 0")]
    [InlineData("Vocabulary = 0, Embedding = 4, Hidden = 4", "Vocabulary = 0")]
    [InlineData("Vocabulary = 10, Embedding = -2, Hidden = 4", "Embedding = -2")]
    [InlineData("Inputs = 3, Hidden = 4, Outputs = 0", "Outputs = 0")]
    public void LSTM0002_SizeNotPositive(string arguments, string expectedText)
    {
        var (d, text) = Single(Model(arguments), "LSTM0002");
        Assert.Equal(expectedText, text);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
    }

    [Fact]
    public void LSTM0003_BothInputForms()
    {
        var (_, text) = Single(Model("Inputs = 3, Vocabulary = 10, Embedding = 4, Hidden = 4"), "LSTM0003");
        Assert.Equal("Vocabulary = 10", text);
    }

    [Fact]
    public void LSTM0004_NoInputForm()
    {
        var (_, text) = Single(Model("Hidden = 4"), "LSTM0004");
        Assert.StartsWith("LstmGen.LstmModel(", text);
    }

    [Theory]
    [InlineData("Vocabulary = 10, Hidden = 4", "Vocabulary = 10")]
    [InlineData("Embedding = 4, Hidden = 4", "Embedding = 4")]
    public void LSTM0005_VocabularyAndEmbeddingTogether(string arguments, string expectedText)
    {
        var (_, text) = Single(Model(arguments), "LSTM0005");
        Assert.Equal(expectedText, text);
    }

    [Fact]
    public void LSTM0006_HeadWithoutOutputs()
    {
        var (_, text) = Single(Model("Inputs = 1, Hidden = 4, Head = LstmGen.Head.Softmax"), "LSTM0006");
        Assert.Equal("Head = LstmGen.Head.Softmax", text);
    }

    [Fact]
    public void LSTM0007_OutputsWithoutHead()
    {
        var (_, text) = Single(Model("Inputs = 1, Hidden = 4, Outputs = 2, Head = LstmGen.Head.None"), "LSTM0007");
        Assert.Equal("Outputs = 2", text);
    }

    [Fact]
    public void LSTM0008_HiddenMissing()
    {
        var (_, text) = Single(Model("Inputs = 1"), "LSTM0008");
        Assert.StartsWith("LstmGen.LstmModel(", text);
    }

    [Theory]
    [InlineData("namespace N; [LstmGen.LstmModel(Inputs = 1, Hidden = 2)] public static partial class S { }", "S")]
    [InlineData("namespace N; [LstmGen.LstmModel(Inputs = 1, Hidden = 2)] public partial class G<T>;", "G")]
    [InlineData("namespace N; public partial class O<T> { [LstmGen.LstmModel(Inputs = 1, Hidden = 2)] public partial class I; }", "I")]
    public void LSTM0009_UnsupportedType(string source, string expectedText)
    {
        var (_, text) = Single(source, "LSTM0009");
        Assert.Equal(expectedText, text);
    }

    [Theory]
    [InlineData("Inputs = 1, Hidden = 20000000", "Hidden = 20000000")]
    [InlineData("Inputs = 1, Hidden = 4, Layers = 5000", "Layers = 5000")]
    public void LSTM0010_TooLarge(string arguments, string expectedText)
    {
        var (_, text) = Single(Model(arguments), "LSTM0010");
        Assert.Equal(expectedText, text);
    }

    [Fact]
    public void LSTM0010_ParameterCountTooLarge()
    {
        var (d, _) = Single(Model("Vocabulary = 1000000, Embedding = 4000, Hidden = 4"), "LSTM0010");
        Assert.Contains("parameter count", d.GetMessage());
    }

    [Theory]
    [InlineData("Inputs = 1, Hidden = 4, Outputs = 1, Head = (LstmGen.Head)9", "Head = (LstmGen.Head)9")]
    [InlineData("Inputs = 1, Hidden = 4, HeadOn = (LstmGen.HeadOn)5", "HeadOn = (LstmGen.HeadOn)5")]
    [InlineData("Inputs = 1, Hidden = 4, InferenceWeights = (LstmGen.WeightPrecision)2", "InferenceWeights = (LstmGen.WeightPrecision)2")]
    [InlineData("Inputs = 1, Hidden = 4, Cell = (LstmGen.RecurrentCell)7", "Cell = (LstmGen.RecurrentCell)7")]
    public void LSTM0011_UnknownEnumValue(string arguments, string expectedText)
    {
        var (_, text) = Single(Model(arguments), "LSTM0011");
        Assert.Equal(expectedText, text);
    }

    [Fact]
    public void LSTM0012_BFloat16WithBidirectional()
    {
        var (d, text) = Single(Model("Inputs = 3, Hidden = 8, Bidirectional = true, InferenceWeights = LstmGen.WeightPrecision.BFloat16"), "LSTM0012");
        Assert.Equal("InferenceWeights = LstmGen.WeightPrecision.BFloat16", text);
        Assert.Contains("cannot be combined with Bidirectional = true", d.GetMessage());
    }

    [Theory]
    [InlineData("Projection = 8", "8")]
    [InlineData("Projection = 12", "12")]
    [InlineData("Projection = -1", "-1")]
    public void LSTM0015_ProjectionNotBelowHidden(string argument, string value)
    {
        var (d, text) = Single(Model($"Inputs = 3, Hidden = 8, {argument}"), "LSTM0015");
        Assert.Equal(argument, text);
        Assert.Contains($"Projection = {value} must be at least 1 and less than Hidden = 8", d.GetMessage());
    }

    [Fact]
    public void ProjectionOnAGruIsReportedOnTheArgument()
    {
        var (gru, gruText) = Single(Model("Inputs = 3, Hidden = 8, Cell = LstmGen.RecurrentCell.Gru, Projection = 4"), "LSTM0013");
        Assert.Equal("Projection = 4", gruText);
        Assert.Contains("Projection = 4 does not apply to Cell = RecurrentCell.Gru", gru.GetMessage());
    }

    [Fact]
    public void ProjectionBelowHiddenIsValid()
    {
        GeneratorOutput output = ModelCompiler.Run(Model("Inputs = 3, Hidden = 8, Projection = 7, Peephole = true, Layers = 2, Bidirectional = true"));
        Assert.Empty(output.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Theory]
    [InlineData("Dropout = 1.0", "Dropout = 1.0")]
    [InlineData("InputDropout = -0.1", "InputDropout = -0.1")]
    [InlineData("Dropout = double.NaN", "Dropout = double.NaN")]
    public void LSTM0014_DropoutOutsideZeroToOne(string argument, string expected)
    {
        var (d, text) = Single(Model($"Inputs = 3, Hidden = 8, Layers = 2, {argument}"), "LSTM0014");
        Assert.Equal(expected, text);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains("at least 0 and less than 1", d.GetMessage());
    }

    [Fact]
    public void LSTM0101_DropoutOnOneLayerIsAWarningAndStillCompiles()
    {
        GeneratorOutput output = ModelCompiler.Run(Model("Inputs = 3, Hidden = 8, Dropout = 0.2"));
        Diagnostic d = Assert.Single(output.GeneratorDiagnostics);
        Assert.Equal("LSTM0101", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("Dropout = 0.2 has no effect with Layers = 1", d.GetMessage());
        Assert.Equal(ModelCompiler.FilesPerModel, output.Sources.Count());
        var (_, text) = Single(Model("Inputs = 3, Hidden = 8, Dropout = 0.2"), "LSTM0101");
        Assert.Equal("Dropout = 0.2", text);
    }

    [Fact]
    public void LSTM0013_PeepholeOnAGru()
    {
        var (d, text) = Single(Model("Inputs = 3, Hidden = 8, Cell = LstmGen.RecurrentCell.Gru, Peephole = true"), "LSTM0013");
        Assert.Equal("Peephole = true", text);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains("Peephole = true does not apply to Cell = RecurrentCell.Gru", d.GetMessage());
        // The same option on an LSTM is fine.
        Assert.Empty(ModelCompiler.Run(Model("Inputs = 3, Hidden = 8, Peephole = true")).GeneratorDiagnostics);
    }

    [Fact]
    public void LSTM0100_CompactCodeIsInfoAndStillCompiles()
    {
        GeneratorOutput output = ModelCompiler.Run(Model("Vocabulary = 65, Embedding = 32, Hidden = 256, Layers = 2, Outputs = 65, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep"));
        Diagnostic d = Assert.Single(output.GeneratorDiagnostics);
        Assert.Equal("LSTM0100", d.Id);
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
        Assert.Empty(output.CompilationDiagnostics.Where(x => x.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(ModelCompiler.FilesPerModel, output.Sources.Count());
    }

    [Fact]
    public void ValidModelsReportNothing()
    {
        GeneratorOutput output = ModelCompiler.Run(Model("Vocabulary = 27, Embedding = 8, Hidden = 14, Outputs = 3, Head = LstmGen.Head.Softmax"));
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompilationDiagnostics.Where(x => x.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void EveryDescriptorHasADocumentationPageAndReleaseEntry()
    {
        string root = RepoPaths.Root;
        string releases = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "generator", "AnalyzerReleases.Unshipped.md"));
        foreach (string id in new[] { "LSTM0001", "LSTM0002", "LSTM0003", "LSTM0004", "LSTM0005", "LSTM0006", "LSTM0007", "LSTM0008", "LSTM0009", "LSTM0010", "LSTM0011", "LSTM0012", "LSTM0013", "LSTM0014", "LSTM0015", "LSTM0100", "LSTM0101" })
        {
            var descriptor = LstmGen.Generator.DiagnosticDescriptors.ById(id);
            Assert.EndsWith($"docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
            Assert.True(System.IO.File.Exists(System.IO.Path.Combine(root, "docs", "diagnostics", id + ".md")), $"docs/diagnostics/{id}.md is missing");
            Assert.Contains(id, releases);
        }
    }
}
