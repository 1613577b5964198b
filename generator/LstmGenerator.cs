// The incremental pipeline only: find [LstmModel] classes, parse each into a spec, emit each model's files.
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generator;

/// <summary>Generates size-specialized LSTM code for every class marked <c>[LstmModel]</c>.</summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class LstmGenerator : IIncrementalGenerator
{
    internal const string AttributeName = "LstmGen.LstmModelAttribute";

    /// <summary>Tracking names of the pipeline steps, for incremental-caching tests.</summary>
    internal static class TrackingNames
    {
        public const string Parsed = nameof(Parsed);
        public const string Specs = nameof(Specs);
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeName,
                predicate: static (node, _) => node is ClassDeclarationSyntax,
                transform: static (ctx, ct) => Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Parsed);

        // Diagnostics and source are two outputs, so a change in one does not re-run the other.
        context.RegisterSourceOutput(results.Select(static (r, _) => r.Diagnostics), static (spc, diagnostics) =>
        {
            foreach (var d in diagnostics) spc.ReportDiagnostic(d.ToDiagnostic());
        });

        var specs = results
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .WithTrackingName(TrackingNames.Specs);

        // One output per model; it adds the model's files (the main one, the kernels, and the register tiles of each vector width).
        context.RegisterSourceOutput(specs, static (spc, spec) =>
        {
            foreach (var (hintName, text) in Emitters.ModelEmitter.Emit(spec)) spc.AddSource(hintName, text);
        });
    }
}
