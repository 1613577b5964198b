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

    /// <summary>Gate and head columns (floats per packed row, summed over layers and head) up to which every tile is unrolled.</summary>
    internal const int UnrollBudgetColumns = 1024;

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
        if (bidirectional && Get("InferenceWeights", 0) == 1)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedCombination, At("InferenceWeights"), "InferenceWeights = BFloat16", "Bidirectional = true"));
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
        if (peephole && cellValue == (int)CellKind.Gru)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OptionNotForCell, At("Peephole"), "Peephole = true", "RecurrentCell.Gru",
                "peepholes connect an LSTM's cell state to its gates, and a GRU has no cell state"));

        int projection = Get("Projection", 0);
        if (projection < 0 || (projection > 0 && Has("Hidden") && hidden > 0 && projection >= hidden))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ProjectionOutOfRange, At("Projection"), Format(projection), Format(hidden)));
        else if (projection > 0 && cellValue == (int)CellKind.Gru)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OptionNotForCell, At("Projection"), $"Projection = {Format(projection)}", "RecurrentCell.Gru",
                "a projection maps an LSTM's o·tanh(c) to a smaller h (PyTorch's proj_size), and PyTorch's nn.GRU has none"));

        if (diagnostics.Count > 0)
            return new ModelResult(null, diagnostics.ToEquatableArray());

        // Totals that must fit the runtime's int-sized buffers.
        int inputSize = vocabulary > 0 ? embedding : inputs;
        // h is `recurrent` wide: the projection size, or hidden.
        int recurrent = projection > 0 ? projection : hidden;
        long gates = (cellValue == 1 ? 3L : 4L) * hidden, parameters = (long)vocabulary * embedding + (long)outputs * recurrent + outputs;
        long packed = (long)Pad(outputs) * (1 + recurrent);
        int directions = bidirectional ? 2 : 1;
        parameters += (long)outputs * recurrent * (directions - 1);
        packed += (long)Pad(outputs) * recurrent * (directions - 1);
        for (int k = 0; k < layers; k++)
        {
            long inK = k == 0 ? inputSize : (long)directions * recurrent;
            parameters += directions * gates * (inK + recurrent + 2);
            packed += directions * ((peephole ? 2 : 1) + inK + recurrent) * 4L * Pad(hidden);
            if (peephole) parameters += directions * 3L * hidden;
            if (projection > 0)
            {
                parameters += (long)projection * hidden;
                packed += (1L + hidden) * Pad(projection);
            }
        }
        if (parameters > int.MaxValue || packed > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, attributeLocation, "The parameter count", Format(System.Math.Max(parameters, packed)), Format(int.MaxValue)));
            return new ModelResult(null, diagnostics.ToEquatableArray());
        }

        if (dropout > 0 && layers == 1)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutWithoutEffect, At("Dropout"), rates["Dropout"].ToString("R", CultureInfo.InvariantCulture)));

        int columns = layers * directions * 4 * Pad(hidden) + layers * (projection > 0 ? Pad(projection) : 0) + (outputs > 0 ? Pad(outputs) : 0);
        bool compact = columns > UnrollBudgetColumns;
        if (compact)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CompactCode, attributeLocation, Format(columns), Format(UnrollBudgetColumns)));

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        var spec = new ModelSpec(ns, type.Name, containers.ToEquatableArray(), inputs, vocabulary, embedding, hidden, layers, outputs,
            (HeadKind)headValue, (HeadOnKind)headOnValue, compact, BFloat16Inference: precisionValue == 1, Cell: (CellKind)cellValue, Bidirectional: bidirectional, Peephole: peephole,
            Dropout: dropout, InputDropout: inputDropout, Projection: projection);
        return new ModelResult(spec, diagnostics.ToEquatableArray());
    }

    internal static int Pad(int n) => (n + 15) / 16 * 16;

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
