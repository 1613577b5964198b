// Turns an [LstmModel] class into a ModelSpec, or into diagnostics located on the offending attribute argument.
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    /// <summary>Largest single size accepted (2^24); beyond it the model would not fit the runtime's int-sized buffers anyway.</summary>
    internal const int MaxSize = 1 << 24;

    /// <summary>Most stacked layers accepted.</summary>
    internal const int MaxLayers = 1024;

    private static ModelResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (ClassDeclarationSyntax)context.TargetNode;
        var arguments = new Arguments(context.Attributes[0], declaration, cancellationToken);
        var diagnostics = new List<DiagnosticInfo>();
        List<ContainingType> containers = CheckClass(type, declaration, diagnostics, cancellationToken);
        CheckSizes(arguments, diagnostics);
        CheckHead(arguments, diagnostics);
        Options options = CheckOptions(arguments, diagnostics);
        if (diagnostics.Count > 0)
            return new ModelResult(null, diagnostics.ToEquatableArray());

        // Totals that must fit the runtime's int-sized buffers (the same arithmetic as the emitters' Geometry, in 64 bits).
        int inputs = arguments.Get("Inputs", 0), vocabulary = arguments.Get("Vocabulary", 0), embedding = arguments.Get("Embedding", 0);
        int hidden = arguments.Get("Hidden", 0), layers = arguments.Get("Layers", 1), outputs = arguments.Get("Outputs", 0);
        var (parameters, packed, columns) = Geometry.Totals(vocabulary > 0 ? embedding : inputs, vocabulary, embedding, hidden, layers, outputs,
            options.Cell == CellKind.Gru, options.Bidirectional, options.Peephole, options.Projection);
        if (parameters > int.MaxValue || packed > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, arguments.Location, "The parameter count", Format(System.Math.Max(parameters, packed)), Format(int.MaxValue)));
            return new ModelResult(null, diagnostics.ToEquatableArray());
        }
        if (options.Dropout > 0 && layers == 1)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutWithoutEffect, arguments.At("Dropout"), arguments.Rate("Dropout").ToString("R", CultureInfo.InvariantCulture)));
        bool compact = columns > Geometry.UnrollBudgetColumns;
        if (compact)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CompactCode, arguments.Location, Format(columns), Format(Geometry.UnrollBudgetColumns)));

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        var spec = new ModelSpec(ns, type.Name, containers.ToEquatableArray(), inputs, vocabulary, embedding, hidden, layers, outputs,
            (HeadKind)arguments.Get("Head", arguments.Has("Outputs") ? (int)HeadKind.Linear : (int)HeadKind.None), (HeadOnKind)arguments.Get("HeadOn", (int)HeadOnKind.LastStep),
            compact, BFloat16Inference: arguments.Get("InferenceWeights", 0) == 1, Cell: options.Cell, Bidirectional: options.Bidirectional, Peephole: options.Peephole,
            Dropout: options.Dropout, InputDropout: options.InputDropout, Projection: options.Projection);
        return new ModelResult(spec, diagnostics.ToEquatableArray());
    }

    /// <summary>The attribute's named arguments: their integer values, their dropout rates, and where each was written.</summary>
    private sealed class Arguments
    {
        private readonly Dictionary<string, Location> _locations = new();
        private readonly Dictionary<string, int> _values = new();
        private readonly Dictionary<string, double> _rates = new();
        private readonly AttributeData _attribute;

        public Arguments(AttributeData attribute, ClassDeclarationSyntax declaration, CancellationToken cancellationToken)
        {
            _attribute = attribute;
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            Location = syntax?.GetLocation() ?? declaration.Identifier.GetLocation();
            if (syntax?.ArgumentList is { } list)
            {
                foreach (AttributeArgumentSyntax argument in list.Arguments)
                {
                    if (argument.NameEquals is { } nameEquals) _locations[nameEquals.Name.Identifier.ValueText] = argument.GetLocation();
                }
            }
            foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            {
                if (named.Value.Value is int i) _values[named.Key] = i;
                if (named.Key is "Dropout" or "InputDropout" && named.Value.Value is double rate) _rates[named.Key] = rate;
            }
        }

        /// <summary>The attribute's location: where diagnostics about the whole declaration go.</summary>
        public Location Location { get; }

        /// <summary>Where argument <paramref name="name"/> was written (the attribute when it was not).</summary>
        public Location At(string name) => _locations.TryGetValue(name, out Location? l) ? l : Location;

        public int Get(string name, int defaultValue) => _values.TryGetValue(name, out int v) ? v : defaultValue;

        public bool Has(string name) => _values.ContainsKey(name);

        /// <summary>Whether the boolean argument <paramref name="name"/> is set to true.</summary>
        public bool IsTrue(string name) => _attribute.NamedArguments.Any(a => a.Key == name && a.Value.Value is true);

        /// <summary>The dropout rates that were written (doubles in the attribute).</summary>
        public IReadOnlyDictionary<string, double> Rates => _rates;

        public double Rate(string name) => _rates[name];
    }

    /// <summary>The options beyond the sizes and the head, once checked.</summary>
    private sealed record Options(CellKind Cell, bool Bidirectional, bool Peephole, float Dropout, float InputDropout, int Projection);

    /// <summary>The class itself: partial, not static, not generic, and every containing type partial; returns the containing types, outermost first.</summary>
    private static List<ContainingType> CheckClass(INamedTypeSymbol type, ClassDeclarationSyntax declaration, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        Location name = declaration.Identifier.GetLocation();
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, name, type.Name));
        if (type.IsStatic)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedType, name, type.Name, "a model class cannot be static"));
        if (type.TypeParameters.Length > 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedType, name, type.Name, "a model class cannot be generic"));

        var containers = new List<ContainingType>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            var outerSyntax = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
            if (outer.TypeParameters.Length > 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedType, name, type.Name, $"it is nested in the generic type '{outer.Name}'"));
            else if (outerSyntax is null || !outerSyntax.Modifiers.Any(SyntaxKind.PartialKeyword))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, name, outer.Name));
            string keyword = outerSyntax switch
            {
                RecordDeclarationSyntax r when r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
                RecordDeclarationSyntax => "record",
                StructDeclarationSyntax => "struct",
                InterfaceDeclarationSyntax => "interface",
                _ => "class",
            };
            containers.Insert(0, new ContainingType(keyword, outer.Name));
        }
        return containers;
    }

    /// <summary>The sizes: positive, within the limits, Hidden present, and one input form (floats, or token ids with an embedding).</summary>
    private static void CheckSizes(Arguments a, List<DiagnosticInfo> diagnostics)
    {
        foreach (string name in new[] { "Inputs", "Vocabulary", "Embedding", "Hidden", "Layers", "Outputs" })
        {
            int limit = name == "Layers" ? MaxLayers : MaxSize;
            if (a.Has(name) && a.Get(name, 0) <= 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeNotPositive, a.At(name), name, Format(a.Get(name, 0))));
            else if (a.Has(name) && a.Get(name, 0) > limit)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, a.At(name), name, Format(a.Get(name, 0)), Format(limit)));
        }
        if (!a.Has("Hidden"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HiddenMissing, a.Location));
        if (a.Has("Inputs") && (a.Has("Vocabulary") || a.Has("Embedding")))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BothInputForms, a.At(a.Has("Vocabulary") ? "Vocabulary" : "Embedding")));
        else if (!a.Has("Inputs") && !a.Has("Vocabulary") && !a.Has("Embedding"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoInputForm, a.Location));
        else if (!a.Has("Inputs") && a.Has("Vocabulary") != a.Has("Embedding"))
            diagnostics.Add(a.Has("Vocabulary")
                ? DiagnosticInfo.Create(DiagnosticDescriptors.EmbeddingWithoutVocabulary, a.At("Vocabulary"), "Vocabulary", "Embedding")
                : DiagnosticInfo.Create(DiagnosticDescriptors.EmbeddingWithoutVocabulary, a.At("Embedding"), "Embedding", "Vocabulary"));
    }

    /// <summary>The head and where it applies: known values, and Outputs exactly when there is a head.</summary>
    private static void CheckHead(Arguments a, List<DiagnosticInfo> diagnostics)
    {
        int head = a.Get("Head", a.Has("Outputs") ? (int)HeadKind.Linear : (int)HeadKind.None), headOn = a.Get("HeadOn", (int)HeadOnKind.LastStep);
        if (head is < 0 or > 3)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, a.At("Head"), "Head", Format(head)));
        else if (head != (int)HeadKind.None && !a.Has("Outputs"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HeadWithoutOutputs, a.At("Head"), ((HeadKind)head).ToString()));
        else if (head == (int)HeadKind.None && a.Has("Outputs"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutputsWithoutHead, a.At("Outputs"), Format(a.Get("Outputs", 0))));
        if (headOn is < 0 or > 2)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, a.At("HeadOn"), "HeadOn", Format(headOn)));
        int precision = a.Get("InferenceWeights", 0);
        if (precision is < 0 or > 1)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, a.At("InferenceWeights"), "InferenceWeights", Format(precision)));
    }

    /// <summary>The cell, direction, dropout, peephole and projection options, and the combinations <see cref="FeatureSupport"/> refuses.</summary>
    private static Options CheckOptions(Arguments a, List<DiagnosticInfo> diagnostics)
    {
        bool bidirectional = a.IsTrue("Bidirectional"), peephole = a.IsTrue("Peephole");
        // Dropout rates (doubles in the attribute; float in the generated code, as the rest of the math).
        foreach (KeyValuePair<string, double> rate in a.Rates)
        {
            if (!(rate.Value >= 0 && (float)rate.Value < 1f))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutOutOfRange, a.At(rate.Key), rate.Key, rate.Value.ToString("R", CultureInfo.InvariantCulture)));
        }
        float dropout = a.Rates.TryGetValue("Dropout", out double d) ? (float)d : 0f;
        float inputDropout = a.Rates.TryGetValue("InputDropout", out double di) ? (float)di : 0f;
        int cell = a.Get("Cell", 0), projection = a.Get("Projection", 0), hidden = a.Get("Hidden", 0);
        if (cell is < 0 or > 1)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, a.At("Cell"), "Cell", Format(cell)));
        bool projectionInRange = !(projection < 0 || (projection > 0 && a.Has("Hidden") && hidden > 0 && projection >= hidden));
        if (!projectionInRange)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ProjectionOutOfRange, a.At("Projection"), Format(projection), Format(hidden)));
        // Combinations no kernel implements (FeatureSupport decides which).
        foreach (FeatureSupport.Refusal refusal in FeatureSupport.Refusals(cell == (int)CellKind.Gru, bidirectional, a.Get("InferenceWeights", 0) == 1, peephole, projectionInRange ? projection : 0))
            diagnostics.Add(DiagnosticInfo.Create(refusal.Descriptor, a.At(refusal.Argument), refusal.MessageArguments));
        return new Options((CellKind)cell, bidirectional, peephole, dropout, inputDropout, projection);
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
