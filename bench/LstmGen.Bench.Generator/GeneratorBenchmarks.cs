// What the IDE pays for the generator on a 20-model compilation: a first run (new driver), and a run after one
// edit with the previous driver state. Each call builds a new Compilation (as the IDE does after an edit), so no
// binding is reused from an earlier call; syntax trees are parsed once, in setup.
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LstmGen.Bench.Generator;

[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private List<SyntaxTree> _trees = null!;
    private CSharpCompilation _compilation = null!;
    private GeneratorDriver _warm = null!;
    private SyntaxTree _model = null!, _modelEdited = null!, _other = null!, _otherEdited = null!;

    [GlobalSetup]
    public void Setup()
    {
        _trees = Workspace.Trees();
        _compilation = Workspace.Compilation(_trees);
        _warm = Workspace.Driver().RunGenerators(_compilation);
        // Model07: a size changes (its file and its generated file change). Service2: a body changes (no model does).
        _model = _trees[7];
        _modelEdited = Workspace.Parse(Workspace.ModelSource(7).Replace("Hidden = 20", "Hidden = 21"), _model.FilePath);
        _other = _trees[Workspace.Models.Length + 2];
        _otherEdited = Workspace.Parse(Workspace.OtherSource(2).Replace("value >= 2", "value >= 3"), _other.FilePath);
    }

    /// <summary>The generator's first run: parse and emit all 20 models.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver Cold() => Workspace.Driver().RunGenerators(Workspace.Compilation(_trees));

    /// <summary>After a size changes in one model: that model is parsed and emitted again, the other 19 are cached.</summary>
    [Benchmark]
    public GeneratorDriver EditOneModel() => _warm.RunGenerators(_compilation.ReplaceSyntaxTree(_model, _modelEdited));

    /// <summary>After an edit in a file without models: nothing is parsed or emitted again.</summary>
    [Benchmark]
    public GeneratorDriver EditUnrelatedFile() => _warm.RunGenerators(_compilation.ReplaceSyntaxTree(_other, _otherEdited));
}
