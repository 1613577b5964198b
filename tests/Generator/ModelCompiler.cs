// Runs the generator on source text and compiles the result in memory, so tests can build a model of any shape.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using LstmGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LstmGen.Tests.Generator;

/// <summary>What one generator run produced.</summary>
internal sealed record GeneratorOutput(
    CSharpCompilation Compilation,
    GeneratorDriverRunResult Result,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> CompilationDiagnostics)
{
    public IEnumerable<GeneratedSourceResult> Sources => Result.Results.SelectMany(r => r.GeneratedSources);
}

internal static class ModelCompiler
{
    /// <summary>
    /// The parts of a model's files, <c>{Namespace}.{Type}[.{Part}].g.cs</c>: the main file (""), the inference and training
    /// kernels, and the register tiles of each vector width. A compact model (over the unrolling budget) has no tile files.
    /// </summary>
    public static readonly string[] Parts = { "", "Kernels", "Training", "Vector512", "Vector256", "Vector128" };

    /// <summary>Files generated per model within the unrolling budget (<see cref="Parts"/>).</summary>
    public const int FilesPerModel = 6;

    /// <summary>Files generated per compact model: the main file and the two kernels files.</summary>
    public const int FilesPerCompactModel = 3;

    /// <summary>The hint names of a model's files, in the order the generator adds them.</summary>
    public static string[] HintNames(string prefix, bool compact = false) =>
        Parts.Take(compact ? FilesPerCompactModel : FilesPerModel).Select(part => prefix + (part.Length == 0 ? "" : "." + part) + ".g.cs").ToArray();

    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
    {
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var paths = tpa.Split(Path.PathSeparator).Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll").ToList();
        paths.Add(typeof(LstmModelAttribute).Assembly.Location);
        // The satellite packages, for the documentation's recipes.
        paths.Add(typeof(LstmGen.Onnx.OnnxWeights).Assembly.Location);
        paths.Add(typeof(LstmGen.Keras.KerasWeights).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    private static readonly ConcurrentDictionary<string, Assembly> s_assemblies = new();

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.CSharp12);

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "Models" + Guid.NewGuid().ToString("N"),
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Model{i}.cs")),
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            new[] { new LstmGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator over <paramref name="sources"/> and returns its output and the compiled result's diagnostics.</summary>
    public static GeneratorOutput Run(params string[] sources)
    {
        CSharpCompilation compilation = CreateCompilation(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        return new GeneratorOutput((CSharpCompilation)output, driver.GetRunResult(), generatorDiagnostics, output.GetDiagnostics());
    }

    /// <summary>Generates, compiles and loads <paramref name="source"/>; fails the test on any error. Cached per source text.</summary>
    public static Assembly Compile(string source) => s_assemblies.GetOrAdd(source, static src =>
    {
        GeneratorOutput output = Run(src);
        var errors = output.GeneratorDiagnostics.Concat(output.CompilationDiagnostics).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (errors.Count > 0)
            throw new InvalidOperationException("Generated model did not compile:\n" + string.Join("\n", errors.Take(20)) + string.Concat(output.Sources.Select(s => $"\n--- generated: {s.HintName} ---\n{s.SourceText}")));
        using var stream = new MemoryStream();
        var emit = output.Compilation.Emit(stream);
        if (!emit.Success) throw new InvalidOperationException("Emit failed:\n" + string.Join("\n", emit.Diagnostics.Take(20)));
        stream.Position = 0;
        return new AssemblyLoadContext("models", isCollectible: true).LoadFromStream(stream);
    });

    /// <summary>Source text declaring a model with the given attribute arguments.</summary>
    public static string ModelSource(string arguments, string typeName = "TestModel", string? ns = "Generated") =>
        (ns is null ? "" : $"namespace {ns};\n") + $"[LstmGen.LstmModel({arguments})]\npublic partial class {typeName};\n";

    /// <summary>Builds and instantiates the model declared by <paramref name="arguments"/>.</summary>
    public static ILstmModel CreateModel(string arguments)
    {
        Assembly assembly = Compile(ModelSource(arguments));
        return (ILstmModel)Activator.CreateInstance(assembly.GetType("Generated.TestModel", throwOnError: true)!)!;
    }

    /// <summary>Attribute arguments for a <see cref="ModelShape"/>.</summary>
    public static string Arguments(ModelShape shape)
    {
        string input = shape.IsTokenModel ? $"Vocabulary = {shape.VocabularySize}, Embedding = {shape.EmbeddingSize}" : $"Inputs = {shape.InputSize}";
        string head = shape.Head == Head.None ? "" : $", Outputs = {shape.OutputSize}, Head = LstmGen.Head.{shape.Head}";
        string cell = shape.Cell == RecurrentCell.Lstm ? "" : $", Cell = LstmGen.RecurrentCell.{shape.Cell}";
        string bidirectional = shape.Bidirectional ? ", Bidirectional = true" : "";
        string peephole = (shape.Peephole ? ", Peephole = true" : "") + (shape.HasProjection ? $", Projection = {shape.ProjectionSize}" : "");
        string dropout = (shape.Dropout > 0 ? FormattableString.Invariant($", Dropout = {(double)shape.Dropout:R}") : "")
            + (shape.InputDropout > 0 ? FormattableString.Invariant($", InputDropout = {(double)shape.InputDropout:R}") : "");
        return $"{input}, Hidden = {shape.HiddenSize}, Layers = {shape.LayerCount}{cell}{bidirectional}{peephole}{head}, HeadOn = LstmGen.HeadOn.{shape.HeadOn}{dropout}";
    }

    /// <summary>Builds and instantiates a generated model of exactly <paramref name="shape"/>.</summary>
    public static ILstmModel CreateModel(ModelShape shape) => CreateModel(Arguments(shape));
}
