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
        var diagnostics = new List<DiagnosticInfo>();
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (ClassDeclarationSyntax)context.TargetNode;
        AttributeData attribute = context.Attributes[0];
        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        Location attributeLocation = attributeSyntax?.GetLocation() ?? declaration.Identifier.GetLocation();

        // Where each named argument was written, to put diagnostics on it.
        var argumentLocations = new Dictionary<string, Location>();
        if (attributeSyntax?.ArgumentList is { } list)
        {
            foreach (AttributeArgumentSyntax argument in list.Arguments)
            {
                if (argument.NameEquals is { } nameEquals)
                    argumentLocations[nameEquals.Name.Identifier.ValueText] = argument.GetLocation();
            }
        }
        Location At(string name) => argumentLocations.TryGetValue(name, out Location? l) ? l : attributeLocation;

        var values = new Dictionary<string, int>();
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Value.Value is int i) values[named.Key] = i;
        }
        int Get(string name, int defaultValue) => values.TryGetValue(name, out int v) ? v : defaultValue;
        bool Has(string name) => values.ContainsKey(name);

        // The class itself.
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, declaration.Identifier.GetLocation(), type.Name));
        if (type.IsStatic)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedType, declaration.Identifier.GetLocation(), type.Name, "a model class cannot be static"));
        if (type.TypeParameters.Length > 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedType, declaration.Identifier.GetLocation(), type.Name, "a model class cannot be generic"));

        var containers = new List<ContainingType>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            var outerSyntax = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
            if (outer.TypeParameters.Length > 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedType, declaration.Identifier.GetLocation(), type.Name, $"it is nested in the generic type '{outer.Name}'"));
            else if (outerSyntax is null || !outerSyntax.Modifiers.Any(SyntaxKind.PartialKeyword))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, declaration.Identifier.GetLocation(), outer.Name));
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

        // Sizes.
        int inputs = Get("Inputs", 0), vocabulary = Get("Vocabulary", 0), embedding = Get("Embedding", 0);
        int hidden = Get("Hidden", 0), layers = Get("Layers", 1), outputs = Get("Outputs", 0);
        foreach (string name in new[] { "Inputs", "Vocabulary", "Embedding", "Hidden", "Layers", "Outputs" })
        {
            if (Has(name) && values[name] <= 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeNotPositive, At(name), name, Format(values[name])));
            else if (Has(name) && values[name] > (name == "Layers" ? MaxLayers : MaxSize))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, At(name), name, Format(values[name]), Format(name == "Layers" ? MaxLayers : MaxSize)));
        }
        if (!Has("Hidden"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HiddenMissing, attributeLocation));
        if (Has("Inputs") && (Has("Vocabulary") || Has("Embedding")))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BothInputForms, At(Has("Vocabulary") ? "Vocabulary" : "Embedding")));
        else if (!Has("Inputs") && !Has("Vocabulary") && !Has("Embedding"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoInputForm, attributeLocation));
        else if (!Has("Inputs") && Has("Vocabulary") != Has("Embedding"))
            diagnostics.Add(Has("Vocabulary")
                ? DiagnosticInfo.Create(DiagnosticDescriptors.EmbeddingWithoutVocabulary, At("Vocabulary"), "Vocabulary", "Embedding")
                : DiagnosticInfo.Create(DiagnosticDescriptors.EmbeddingWithoutVocabulary, At("Embedding"), "Embedding", "Vocabulary"));

        // Head.
        int headValue = Get("Head", Has("Outputs") ? (int)HeadKind.Linear : (int)HeadKind.None);
        int headOnValue = Get("HeadOn", (int)HeadOnKind.LastStep);
        if (headValue is < 0 or > 3)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, At("Head"), "Head", Format(headValue)));
        else if (headValue != (int)HeadKind.None && !Has("Outputs"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HeadWithoutOutputs, At("Head"), ((HeadKind)headValue).ToString()));
        else if (headValue == (int)HeadKind.None && Has("Outputs"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutputsWithoutHead, At("Outputs"), Format(outputs)));
        if (headOnValue is < 0 or > 2)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, At("HeadOn"), "HeadOn", Format(headOnValue)));
        int precisionValue = Get("InferenceWeights", 0);
        if (precisionValue is < 0 or > 1)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, At("InferenceWeights"), "InferenceWeights", Format(precisionValue)));

        bool bidirectional = attribute.NamedArguments.Any(a => a.Key == "Bidirectional" && a.Value.Value is true);
        // Dropout rates (doubles in the attribute; float in the generated code, as the rest of the math).
        var rates = new Dictionary<string, double>();
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Key is "Dropout" or "InputDropout" && named.Value.Value is double rate)
            {
                rates[named.Key] = rate;
                if (!(rate >= 0 && (float)rate < 1f))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutOutOfRange, At(named.Key), named.Key, rate.ToString("R", CultureInfo.InvariantCulture)));
            }
        }
        float dropout = rates.TryGetValue("Dropout", out double d) ? (float)d : 0f;
        float inputDropout = rates.TryGetValue("InputDropout", out double di) ? (float)di : 0f;

        int cellValue = Get("Cell", 0);
        if (cellValue is < 0 or > 1)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, At("Cell"), "Cell", Format(cellValue)));
        bool peephole = attribute.NamedArguments.Any(a => a.Key == "Peephole" && a.Value.Value is true);
        int projection = Get("Projection", 0);
        bool projectionInRange = !(projection < 0 || (projection > 0 && Has("Hidden") && hidden > 0 && projection >= hidden));
        if (!projectionInRange)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ProjectionOutOfRange, At("Projection"), Format(projection), Format(hidden)));
        // Combinations no kernel implements (FeatureSupport decides which).
        foreach (FeatureSupport.Refusal refusal in FeatureSupport.Refusals(cellValue == (int)CellKind.Gru, bidirectional, precisionValue == 1, peephole, projectionInRange ? projection : 0))
            diagnostics.Add(DiagnosticInfo.Create(refusal.Descriptor, At(refusal.Argument), refusal.MessageArguments));

        if (diagnostics.Count > 0)
            return new ModelResult(null, diagnostics.ToEquatableArray());

        // Totals that must fit the runtime's int-sized buffers (the same arithmetic as the emitters' Geometry, in 64 bits).
        int inputSize = vocabulary > 0 ? embedding : inputs;
        var (parameters, packed, columns) = Geometry.Totals(inputSize, vocabulary, embedding, hidden, layers, outputs, cellValue == (int)CellKind.Gru, bidirectional, peephole, projection);
        if (parameters > int.MaxValue || packed > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, attributeLocation, "The parameter count", Format(System.Math.Max(parameters, packed)), Format(int.MaxValue)));
            return new ModelResult(null, diagnostics.ToEquatableArray());
        }

        if (dropout > 0 && layers == 1)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutWithoutEffect, At("Dropout"), rates["Dropout"].ToString("R", CultureInfo.InvariantCulture)));

        bool compact = columns > Geometry.UnrollBudgetColumns;
        if (compact)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CompactCode, attributeLocation, Format(columns), Format(Geometry.UnrollBudgetColumns)));

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        var spec = new ModelSpec(ns, type.Name, containers.ToEquatableArray(), inputs, vocabulary, embedding, hidden, layers, outputs,
            (HeadKind)headValue, (HeadOnKind)headOnValue, compact, BFloat16Inference: precisionValue == 1, Cell: (CellKind)cellValue, Bidirectional: bidirectional, Peephole: peephole,
            Dropout: dropout, InputDropout: inputDropout, Projection: projection);
        return new ModelResult(spec, diagnostics.ToEquatableArray());
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
