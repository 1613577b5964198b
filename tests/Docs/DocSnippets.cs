// Reads the C# blocks of a Markdown file and compiles each with the generator, as a reader would paste it into
// a new project (implicit usings on). A block with no using directive is a fragment: it also gets the LstmGen
// namespaces. Every block sees the top-level types that the file's other blocks declare (a tutorial declares
// its model once), and a file may have "givens" for names its prose takes for granted.
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using LstmGen.Tests.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Tests.Docs;

/// <summary>One fenced C# block: where it is (file, first code line, the heading above it) and its code.</summary>
internal sealed record DocSnippet(string File, int Line, string Section, string Code)
{
    public override string ToString() => $"{File}:{Line} (under '{Section}')";
}

/// <summary>What compiling one block gave: generator and compiler diagnostics, and how many files were generated.</summary>
internal sealed record SnippetResult(DocSnippet Snippet, ImmutableArray<Diagnostic> Diagnostics, int GeneratedFiles, int LinesAdded)
{
    /// <summary>Warnings and errors, each with its line in the Markdown file when it is in the block itself.</summary>
    public IEnumerable<string> Problems(Func<Diagnostic, bool>? allowed = null) =>
        Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning && allowed?.Invoke(d) != true).Select(Describe);

    public string Describe(Diagnostic d)
    {
        FileLinePositionSpan span = d.Location.GetLineSpan();
        string where = span.Path == DocSnippets.SnippetPath ? $"{Snippet.File}:{Snippet.Line + span.StartLinePosition.Line - LinesAdded}" : $"{span.Path}:{span.StartLinePosition.Line + 1}";
        return $"{where}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }
}

internal static class DocSnippets
{
    /// <summary>The path given to the block's own syntax tree, so diagnostics in it map back to Markdown lines.</summary>
    public const string SnippetPath = "Snippet.cs";

    /// <summary>The implicit usings of a new SDK project (<c>ImplicitUsings</c> = enable), as one global-usings file.</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    /// <summary>What a fragment (a block without usings) is assumed to be written under.</summary>
    private const string LstmGenUsings = "using LstmGen; using LstmGen.IO; using LstmGen.Text; using LstmGen.Training; using LstmGen.Training.Optimizers;\n";

    private static readonly Regex s_fence = new(@"^```(csharp|cs|c#)\s*$", RegexOptions.IgnoreCase);

    /// <summary>The C# blocks of <paramref name="relativePath"/> (relative to the repository root), in order.</summary>
    public static IReadOnlyList<DocSnippet> Read(string relativePath)
    {
        string[] lines = File.ReadAllText(Path.Combine(RepoPaths.Root, relativePath)).Replace("\r\n", "\n").Split('\n');
        var snippets = new List<DocSnippet>();
        string section = "";
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith('#')) section = lines[i].TrimStart('#').Trim();
            if (!s_fence.IsMatch(lines[i])) continue;
            int start = i + 1, end = start;
            while (end < lines.Length && !lines[end].StartsWith("```", StringComparison.Ordinal)) end++;
            snippets.Add(new DocSnippet(relativePath, start + 1, section, string.Join("\n", lines[start..end]) + "\n"));
            i = end;
        }
        return snippets;
    }

    /// <summary>Markdown files under the repository root's README.md and docs/ (recursively) that hold C# blocks.</summary>
    public static IEnumerable<string> FilesWithSnippets()
    {
        string root = RepoPaths.Root;
        return new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Where(p => Read(p).Count > 0);
    }

    /// <summary>
    /// Compiles <paramref name="snippet"/> with the generator: as a console program if it has top-level statements,
    /// otherwise as a library; with the top-level types of <paramref name="neighbours"/> it does not declare itself,
    /// and <paramref name="givens"/> (C# declarations; a static class Givens is imported with <c>using static</c>).
    /// </summary>
    public static SnippetResult Compile(DocSnippet snippet, IEnumerable<DocSnippet> neighbours, string? givens = null)
    {
        string code = WithFragmentUsings(snippet.Code);
        SyntaxTree own = Parse(code, SnippetPath);
        var declared = new HashSet<string>(TopLevelTypeNames(own), StringComparer.Ordinal);
        var trees = new List<SyntaxTree> { own, Parse(ImplicitUsings, "ImplicitUsings.cs") };

        if (givens is not null)
        {
            SyntaxTree tree = Parse("global using static Givens;\n" + LstmGenUsings + givens, "Givens.cs");
            declared.UnionWith(TopLevelTypeNames(tree));
            trees.Add(tree);
        }

        int n = 0;
        foreach (DocSnippet other in neighbours.Where(o => o != snippet))
        {
            // Only its top-level types that nothing else declares: no statements, no namespaces.
            SyntaxTree tree = Parse(WithFragmentUsings(other.Code), $"Neighbour{n++}.cs");
            var root = (CompilationUnitSyntax)tree.GetRoot();
            var dropped = root.Members.Where(m => m is not BaseTypeDeclarationSyntax and not DelegateDeclarationSyntax || !declared.Add(TypeName(m))).ToList();
            trees.Add(tree.WithRootAndOptions(root.RemoveNodes(dropped, SyntaxRemoveOptions.KeepNoTrivia)!, tree.Options));
        }

        bool program = ((CompilationUnitSyntax)own.GetRoot()).Members.Any(m => m is GlobalStatementSyntax);
        CSharpCompilation compilation = ModelCompiler.CreateCompilation()
            .AddSyntaxTrees(trees)
            .WithOptions(ModelCompiler.CreateCompilation().Options.WithOutputKind(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary));

        GeneratorDriver driver = ModelCompiler.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        int generated = driver.GetRunResult().Results.Sum(r => r.GeneratedSources.Length);
        return new SnippetResult(snippet, generatorDiagnostics.AddRange(output.GetDiagnostics()), generated, code == snippet.Code ? 0 : 1);
    }

    private static SyntaxTree Parse(string code, string path) => CSharpSyntaxTree.ParseText(code, ModelCompiler.ParseOptions, path);

    /// <summary>A block without any using directive is a fragment: it gets the LstmGen namespaces on a line of their own above it.</summary>
    private static string WithFragmentUsings(string code) =>
        ((CompilationUnitSyntax)Parse(code, "").GetRoot()).Usings.Count == 0 ? LstmGenUsings + code : code;

    private static IEnumerable<string> TopLevelTypeNames(SyntaxTree tree) =>
        ((CompilationUnitSyntax)tree.GetRoot()).Members.Where(m => m is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax).Select(TypeName);

    private static string TypeName(MemberDeclarationSyntax member) => member switch
    {
        BaseTypeDeclarationSyntax t => t.Identifier.ValueText,
        DelegateDeclarationSyntax d => d.Identifier.ValueText,
        _ => "",
    };
}
