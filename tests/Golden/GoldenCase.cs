// One golden case file, described by its metadata `config` JSON, and the LstmGen model shape it maps to.
using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using LstmGen.IO;

namespace LstmGen.Tests.Golden;

/// <summary>
/// A golden case (README sections 2 and 5): the file and the fields of its <c>config</c> metadata.
/// <see cref="SkipReason"/> is set for the cases no LstmGen model can compute (an <c>arch</c> other than lstm and gru).
/// <see cref="Loss"/> is <c>mse</c>, <c>ce</c> or <c>bce</c> (README section 4), or empty when the config has none.
/// </summary>
public sealed record GoldenCase(
    string Name,
    string Path,
    string Arch,
    int InputSize,
    int Hidden,
    int Layers,
    bool Bidirectional,
    int Vocab,
    int EmbedDim,
    int HeadOut,
    string HeadMode,
    string Act,
    int T,
    int B,
    bool State,
    string Loss,
    int ProjSize = 0)
{
    /// <summary>Why the file could not be read as a case (it then fails as one test named after the file), or null.</summary>
    public string? Problem { get; init; }

    /// <summary>A case standing for a file that could not be read or parsed: its test fails with <paramref name="problem"/>.</summary>
    public static GoldenCase Broken(string name, string path, string problem) =>
        new(name, path, "", 0, 0, 0, false, 0, 0, 0, "", "", 0, 0, false, "") { Problem = problem };

    /// <summary>The metadata <c>format</c> of a forward/gradient case file.</summary>
    public const string Format = "lstmgen-golden-v1";

    /// <summary>Why LstmGen cannot run this case, or null when it can.</summary>
    public string? SkipReason =>
        Problem is not null ? null
        : Arch is not ("lstm" or "gru") ? $"arch '{Arch}' is neither an LSTM nor a GRU"
        : null;

    /// <summary>The recurrent cell of the case's <c>arch</c>.</summary>
    public RecurrentCell Cell => string.Equals(Arch, "gru", StringComparison.Ordinal) ? RecurrentCell.Gru : RecurrentCell.Lstm;

    /// <summary>True when the case reads token ids through an embedding.</summary>
    public bool IsTokenCase => Vocab > 0;

    /// <summary>True when the case has a linear head.</summary>
    public bool HasHead => HeadOut > 0;

    /// <summary>True when the head runs at every step (<c>head_mode</c> <c>all</c>).</summary>
    public bool HeadAtEveryStep => HasHead && string.Equals(HeadMode, "all", StringComparison.Ordinal);

    /// <summary>
    /// The model shape for this case: softmax / sigmoid heads by <c>act</c>, a linear head for
    /// <c>act = none</c> with outputs; without a head the output is every step's top h (so the whole
    /// <c>rnn_output</c>), hence <see cref="HeadOn.EveryStep"/>.
    /// </summary>
    public ModelShape ToShape()
    {
        if (Problem is not null) throw new InvalidDataException($"Golden file {Path}: {Problem}");
        if (SkipReason is not null) throw new NotSupportedException($"Golden case {Name}: {SkipReason}.");
        Head head = !HasHead ? Head.None : Act switch
        {
            "softmax" => Head.Softmax,
            "sigmoid" => Head.Sigmoid,
            "none" => Head.Linear,
            _ => throw new InvalidDataException($"Golden case {Name}: unknown act '{Act}'."),
        };
        HeadOn on = !HasHead ? HeadOn.EveryStep : HeadMode switch
        {
            "all" => HeadOn.EveryStep,
            "last" => HeadOn.LastStep,
            _ => throw new InvalidDataException($"Golden case {Name}: unknown head_mode '{HeadMode}'."),
        };
        return IsTokenCase
            ? new ModelShape(0, Vocab, EmbedDim, Hidden, Layers, HeadOut, head, on, Cell, Bidirectional, projectionSize: ProjSize)
            : new ModelShape(InputSize, 0, 0, Hidden, Layers, HeadOut, head, on, Cell, Bidirectional, projectionSize: ProjSize);
    }

    /// <summary>Reads a case from an open golden file, or returns null when its <c>format</c> is not <see cref="Format"/>.</summary>
    public static GoldenCase? TryRead(SafetensorsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.Metadata.TryGetValue("format", out string? format) || format != Format) return null;
        string name = file.Metadata.TryGetValue("case", out string? n) ? n : System.IO.Path.GetFileNameWithoutExtension(file.Path);
        if (!file.Metadata.TryGetValue("config", out string? config))
            throw new InvalidDataException($"Golden file {file.Path} has no 'config' metadata.");
        return Parse(name, file.Path, config);
    }

    /// <summary>Parses the <c>config</c> JSON of case <paramref name="name"/>.</summary>
    public static GoldenCase Parse(string name, string path, string configJson)
    {
        using JsonDocument doc = JsonDocument.Parse(configJson);
        JsonElement c = doc.RootElement;
        if (c.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"Golden case {name}: config is not a JSON object.");
        return new GoldenCase(
            name,
            path,
            Text(c, "arch"),
            Int(c, "input_size"),
            Int(c, "hidden"),
            Int(c, "layers"),
            Bool(c, "bidirectional"),
            Int(c, "vocab"),
            Int(c, "embed_dim"),
            Int(c, "head_out"),
            Text(c, "head_mode"),
            Text(c, "act"),
            Int(c, "T"),
            Int(c, "B"),
            Bool(c, "state"),
            c.TryGetProperty("loss", out _) ? Text(c, "loss") : "",
            c.TryGetProperty("proj_size", out _) ? Int(c, "proj_size") : 0);

        JsonElement Get(JsonElement e, string key) =>
            e.TryGetProperty(key, out JsonElement v) ? v : throw new InvalidDataException($"Golden case {name}: config has no '{key}'.");
        string Text(JsonElement e, string key) => Get(e, key) is { ValueKind: JsonValueKind.String } v ? v.GetString()! : throw Wrong(key, "a string");
        int Int(JsonElement e, string key) => Get(e, key) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out int i) ? i : throw Wrong(key, "an integer");
        bool Bool(JsonElement e, string key) => Get(e, key) is { ValueKind: JsonValueKind.True or JsonValueKind.False } v ? v.GetBoolean() : throw Wrong(key, "true or false");
        InvalidDataException Wrong(string key, string what) => new($"Golden case {name}: config '{key}' is not {what}.");
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} ({Arch}, L={Layers}, H={Hidden}, {(IsTokenCase ? $"vocab {Vocab}×{EmbedDim}" : $"in {InputSize}")}, head {(HasHead ? $"{HeadOut} {HeadMode} {Act}" : "none")}, T={T}, B={B}{(ProjSize > 0 ? $", proj {ProjSize}" : "")}{(State ? ", h0/c0" : "")}{(Loss.Length > 0 ? ", loss " + Loss : "")})");
}
