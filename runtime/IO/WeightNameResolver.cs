// Decides which tensors of a weight file hold which model parameters: explicit module names, the
// default names, or recognition by PyTorch suffixes (so renamed or DataParallel-wrapped modules load).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace LstmGen.IO;

/// <summary>The module prefixes a weight file uses, and how they were found.</summary>
/// <param name="Embedding">Prefix of the embedding, or null when the model has none.</param>
/// <param name="Lstm">Prefix of the LSTM ("" when the names have no prefix, as in a bare nn.LSTM state_dict).</param>
/// <param name="Head">Prefix of the head, or null when the model has none.</param>
/// <param name="How">"given", "default" or "recognised by suffix", for messages.</param>
internal sealed record ResolvedNames(string? Embedding, string Lstm, string? Head, string How)
{
    private static readonly string[] s_recurrentModules = { "lstm", "gru" };

    /// <summary>The file name of a canonical parameter name (<see cref="ModelShape.Tensors"/>).</summary>
    public string FileName(string canonical)
    {
        if (canonical == ModelShape.EmbeddingWeightName) return WeightNameResolver.Join(Embedding!, "weight");
        if (canonical == ModelShape.HeadWeightName) return WeightNameResolver.Join(Head!, "weight");
        if (canonical == ModelShape.HeadBiasName) return WeightNameResolver.Join(Head!, "bias");
        foreach (string module in s_recurrentModules)
        {
            if (canonical.Length > module.Length && canonical.StartsWith(module, StringComparison.Ordinal) && canonical[module.Length] == '.')
                return WeightNameResolver.Join(Lstm, canonical[(module.Length + 1)..]);
        }
        throw new ArgumentException($"Unknown canonical parameter name '{canonical}'.", nameof(canonical));
    }

    /// <summary>A one-line description, e.g. <c>embedding 'embed_layer', LSTM 'lstm_layer', head 'linear_layer' (recognised by suffix)</c>.</summary>
    public string Describe()
    {
        var parts = new List<string>(3);
        if (Embedding is not null) parts.Add($"embedding '{Embedding}'");
        parts.Add(Lstm.Length == 0 ? "recurrent layers (no prefix)" : $"recurrent layers '{Lstm}'");
        if (Head is not null) parts.Add($"head '{Head}'");
        return string.Join(", ", parts) + $" ({How})";
    }
}

/// <summary>One PyTorch nn.LSTM parameter name split into its parts, e.g. <c>model.lstm</c> + weight_ih + layer 1 + reverse.</summary>
internal readonly record struct LstmTensorName(string Prefix, string Kind, int Layer, bool Reverse)
{
    private static readonly string[] s_kinds = { "weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr", "weight_ch" };

    /// <summary>Splits <paramref name="name"/> if it ends like an nn.LSTM parameter (<c>{kind}_l{k}</c>, optionally <c>_reverse</c>).</summary>
    public static bool TryParse(string name, out LstmTensorName parsed)
    {
        parsed = default;
        int dot = name.LastIndexOf('.');
        string prefix = dot < 0 ? "" : name[..dot];
        ReadOnlySpan<char> local = dot < 0 ? name : name.AsSpan(dot + 1);
        bool reverse = local.EndsWith("_reverse", StringComparison.Ordinal);
        if (reverse) local = local[..^"_reverse".Length];
        foreach (string kind in s_kinds)
        {
            if (local.Length <= kind.Length + 2 || !local.StartsWith(kind, StringComparison.Ordinal) || !local[kind.Length..].StartsWith("_l", StringComparison.Ordinal))
                continue;
            ReadOnlySpan<char> digits = local[(kind.Length + 2)..];
            foreach (char c in digits) if (c is < '0' or > '9') return false;
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int layer)) return false;
            parsed = new LstmTensorName(prefix, kind, layer, reverse);
            return true;
        }
        return false;
    }
}

/// <summary>Finds the module prefixes of a weight file for a model shape.</summary>
internal static class WeightNameResolver
{
    private const int MaxListed = 12;

    /// <summary><paramref name="prefix"/>.<paramref name="local"/>, or just <paramref name="local"/> when the prefix is empty.</summary>
    public static string Join(string prefix, string local) => prefix.Length == 0 ? local : prefix + "." + local;

    /// <summary>Picks the prefixes: <see cref="WeightLoadOptions.Names"/> if given; else per module the default name if present; else by suffix and shape.</summary>
    public static ResolvedNames Resolve(SafetensorsFile file, ModelShape shape, WeightLoadOptions? options)
    {
        if (options?.Names is { } names)
        {
            string Clean(string? prefix, string what) =>
                (prefix ?? throw new ArgumentException($"WeightLoadOptions.Names.{what} is null.", nameof(options))).TrimEnd('.');
            return new ResolvedNames(
                shape.IsTokenModel ? Clean(names.Embedding, nameof(WeightNames.Embedding)) : null,
                Clean(names.Lstm, nameof(WeightNames.Lstm)),
                shape.Head != Head.None ? Clean(names.Head, nameof(WeightNames.Head)) : null,
                "given in WeightLoadOptions.Names");
        }

        var defaults = WeightNames.Default;
        bool usedSuffix = false;
        string lstm = ResolveLstm(file, shape.RecurrentModule, ref usedSuffix);
        string? embedding = shape.IsTokenModel ? ResolveEmbedding(file, shape, defaults.Embedding, lstm, ref usedSuffix) : null;
        string? head = shape.Head != Head.None ? ResolveHead(file, shape, defaults.Head, lstm, embedding, ref usedSuffix) : null;
        return new ResolvedNames(embedding, lstm, head, usedSuffix ? "recognised by suffix and shape" : "default names");
    }

    private static string ResolveLstm(SafetensorsFile file, string defaultPrefix, ref bool usedSuffix)
    {
        var prefixes = new List<string>();
        foreach (string name in file.Names)
        {
            if (LstmTensorName.TryParse(name, out var parsed) && !prefixes.Contains(parsed.Prefix)) prefixes.Add(parsed.Prefix);
        }
        if (prefixes.Contains(defaultPrefix)) return defaultPrefix;
        if (prefixes.Count == 1)
        {
            usedSuffix = true;
            return prefixes[0];
        }
        if (prefixes.Count == 0)
            throw new WeightFileException(
                $"'{file.Path}': found no recurrent layer tensors: expected names ending in weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 (a PyTorch nn.LSTM or nn.GRU state_dict), found {List(file.Names.Select(SafetensorsHeaderParser.Quote).ToList())}.");
        throw new WeightFileException(
            $"'{file.Path}': found recurrent layer tensors under {prefixes.Count} module names: {List(prefixes.Select(DescribePrefix).ToList())}; pass WeightLoadOptions.Names to say which one the model uses.");
    }

    private static string? ResolveEmbedding(SafetensorsFile file, ModelShape shape, string defaultPrefix, string lstm, ref bool usedSuffix)
    {
        if (file.Contains(Join(defaultPrefix, "weight"))) return defaultPrefix;
        int[] expected = { shape.VocabularySize, shape.EmbeddingSize };
        var matches = new List<string>();
        var others = new List<string>();
        foreach (string name in file.Names)
        {
            if (!TrySplitModule(name, "weight", out string prefix) || prefix == lstm || file.Contains(Join(prefix, "bias"))) continue;
            var info = file.GetInfo(name);
            if (info.Shape.SequenceEqual(expected)) matches.Add(prefix);
            else if (info.Shape.Length == 2) others.Add($"'{SafetensorsHeaderParser.Quote(name)}' {info.ShapeText}");
        }
        if (matches.Count == 1)
        {
            usedSuffix = true;
            return matches[0];
        }
        string want = $"a tensor 'X.weight' of shape [{shape.VocabularySize}, {shape.EmbeddingSize}] with no 'X.bias' (nn.Embedding({shape.VocabularySize}, {shape.EmbeddingSize}))";
        if (matches.Count == 0)
            throw new WeightFileException(
                $"'{file.Path}': found no embedding: expected {want}, found " +
                (others.Count == 0 ? "none" : "only " + List(others)) + ". Pass WeightLoadOptions.Names if the embedding has another name.");
        throw new WeightFileException(
            $"'{file.Path}': found {matches.Count} embedding candidates, {List(matches.Select(m => $"'{SafetensorsHeaderParser.Quote(Join(m, "weight"))}'").ToList())}, each {want}; pass WeightLoadOptions.Names to say which one the model uses.");
    }

    private static string? ResolveHead(SafetensorsFile file, ModelShape shape, string defaultPrefix, string lstm, string? embedding, ref bool usedSuffix)
    {
        if (file.Contains(Join(defaultPrefix, "weight")) || file.Contains(Join(defaultPrefix, "bias"))) return defaultPrefix;
        var matches = new List<string>();
        var others = new List<string>();
        foreach (string name in file.Names)
        {
            if (!TrySplitModule(name, "weight", out string prefix) || prefix == lstm || prefix == embedding) continue;
            string biasName = Join(prefix, "bias");
            if (!file.TryGetInfo(biasName, out var bias)) continue;
            var weight = file.GetInfo(name);
            if (weight.Shape.SequenceEqual(new[] { shape.OutputSize, shape.LayerOutputSize }) && bias.Shape.SequenceEqual(new[] { shape.OutputSize })) matches.Add(prefix);
            else others.Add($"'{SafetensorsHeaderParser.Quote(name)}' {weight.ShapeText} with bias {bias.ShapeText}");
        }
        if (matches.Count == 1)
        {
            usedSuffix = true;
            return matches[0];
        }
        string want = $"'X.weight' of shape [{shape.OutputSize}, {shape.LayerOutputSize}] and 'X.bias' of shape [{shape.OutputSize}] (nn.Linear({shape.LayerOutputSize}, {shape.OutputSize}))";
        if (matches.Count == 0)
            throw new WeightFileException(
                $"'{file.Path}': found no linear head: expected {want}, found " +
                (others.Count == 0 ? "no other weight+bias pair" : "only " + List(others)) + ". Pass WeightLoadOptions.Names if the head has another name.");
        throw new WeightFileException(
            $"'{file.Path}': found {matches.Count} head candidates, {List(matches.Select(DescribePrefix).ToList())}, each with {want}; pass WeightLoadOptions.Names to say which one the model uses.");
    }

    /// <summary>Splits <c>X.weight</c> into X (a bare <c>weight</c> has the empty prefix).</summary>
    private static bool TrySplitModule(string name, string local, out string prefix)
    {
        prefix = "";
        if (name == local) return true;
        if (name.Length > local.Length + 1 && name.EndsWith(local, StringComparison.Ordinal) && name[^(local.Length + 1)] == '.')
        {
            prefix = name[..^(local.Length + 1)];
            return true;
        }
        return false;
    }

    private static string DescribePrefix(string prefix) => prefix.Length == 0 ? "(no prefix)" : $"'{SafetensorsHeaderParser.Quote(prefix)}'";

    /// <summary>Lists up to a dozen items, then says how many more.</summary>
    internal static string List(IReadOnlyList<string> items)
    {
        if (items.Count == 0) return "nothing";
        if (items.Count <= MaxListed) return string.Join(", ", items);
        return string.Join(", ", items.Take(MaxListed)) + $", … ({items.Count - MaxListed} more)";
    }
}
