// The compilation the benchmarks run the generator on: 20 models of every form and size class, one file each,
// plus a few files without models, all parsed once so the benchmarks time the generator, not the parser.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LstmGen.Bench.Generator;

internal static class Workspace
{
    /// <summary>Attribute arguments of the 20 models: float and token inputs, 1–3 layers, every head, both HeadOn, bfloat16, unrolled and compact.</summary>
    public static readonly string[] Models =
    {
        "Inputs = 1, Hidden = 1",
        "Inputs = 1, Hidden = 32, Outputs = 1",
        "Vocabulary = 27, Embedding = 8, Hidden = 14, Outputs = 3, Head = Head.Softmax",
        "Vocabulary = 5000, Embedding = 10, Hidden = 128, Outputs = 1, Head = Head.Sigmoid",
        "Vocabulary = 65, Embedding = 32, Hidden = 256, Layers = 2, Outputs = 65, Head = Head.Softmax, HeadOn = HeadOn.EveryStep",
        "Inputs = 3, Hidden = 7, Layers = 2",
        "Inputs = 16, Hidden = 16, Outputs = 4, Head = Head.Softmax, HeadOn = HeadOn.EveryStep",
        "Inputs = 3, Hidden = 20, Outputs = 2, InferenceWeights = WeightPrecision.BFloat16",
        "Inputs = 8, Hidden = 64, Outputs = 1",
        "Vocabulary = 100, Embedding = 5, Hidden = 37, Outputs = 2, Head = Head.Sigmoid",
        "Inputs = 2, Hidden = 48, Layers = 3, Outputs = 1, HeadOn = HeadOn.EveryStep",
        "Inputs = 4, Hidden = 96, Outputs = 10, Head = Head.Softmax",
        "Vocabulary = 1000, Embedding = 16, Hidden = 64, Layers = 2, Outputs = 2, Head = Head.Softmax",
        "Inputs = 12, Hidden = 24",
        "Inputs = 1, Hidden = 5, Outputs = 1, Head = Head.Sigmoid, HeadOn = HeadOn.EveryStep",
        "Vocabulary = 30, Embedding = 4, Hidden = 10",
        "Inputs = 6, Hidden = 200, Outputs = 1",
        "Inputs = 8, Hidden = 300",
        "Inputs = 32, Hidden = 128, Layers = 2, Outputs = 8, HeadOn = HeadOn.EveryStep",
        "Vocabulary = 50, Embedding = 12, Hidden = 33, Layers = 3, Outputs = 50, Head = Head.Softmax, HeadOn = HeadOn.EveryStep",
    };

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    public static readonly CSharpCompilationOptions CompilationOptions =
        new(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable);

    /// <summary>The framework's System.* assemblies and the LstmGen runtime.</summary>
    public static readonly MetadataReference[] References = LoadReferences();

    public static string ModelSource(int i) => $$"""
        // Model {{i}} of the generator benchmark.
        using LstmGen;

        namespace Bench.Models;

        [LstmModel({{Models[i]}})]
        public partial class Model{{i:00}};
        """;

    /// <summary>A file without a model, like most of a project's files.</summary>
    public static string OtherSource(int i) => $$"""
        // Plain code the generator must ignore.
        using System.Collections.Generic;

        namespace Bench.Code;

        public sealed class Service{{i}}
        {
            private readonly List<int> _values = new();

            public int Count => _values.Count;

            public void Add(int value) { if (value >= {{i}}) _values.Add(value); }

            public override string ToString() => $"Service{{i}} with {Count} values";
        }
        """;

    public static SyntaxTree Parse(string text, string path) => CSharpSyntaxTree.ParseText(text, ParseOptions, path);

    /// <summary>One tree per model (Model00.cs … Model19.cs), then five plain files (Service0.cs …).</summary>
    public static List<SyntaxTree> Trees() =>
        Enumerable.Range(0, Models.Length).Select(i => Parse(ModelSource(i), $"Model{i:00}.cs"))
            .Concat(Enumerable.Range(0, 5).Select(i => Parse(OtherSource(i), $"Service{i}.cs")))
            .ToList();

    public static CSharpCompilation Compilation(IEnumerable<SyntaxTree> trees) =>
        CSharpCompilation.Create("GeneratorBench", trees, References, CompilationOptions);

    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(new[] { new LstmGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);

    private static MetadataReference[] LoadReferences()
    {
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return tpa.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(LstmModelAttribute).Assembly.Location)
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray();
    }
}
