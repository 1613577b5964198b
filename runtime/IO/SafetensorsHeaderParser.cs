// Turns a safetensors header (untrusted JSON) into validated tensor entries; every size and offset is
// checked against the data buffer here, before any caller can allocate from it.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace LstmGen.IO;

/// <summary>The validated content of a safetensors header.</summary>
internal sealed class SafetensorsHeader
{
    internal SafetensorsHeader(List<SafetensorsTensorInfo> tensors, Dictionary<string, SafetensorsTensorInfo> byName, Dictionary<string, string> metadata)
    {
        Tensors = tensors;
        ByName = byName;
        Metadata = metadata;
    }

    /// <summary>Tensor entries in header order.</summary>
    internal List<SafetensorsTensorInfo> Tensors { get; }
    internal Dictionary<string, SafetensorsTensorInfo> ByName { get; }
    internal Dictionary<string, string> Metadata { get; }
}

/// <summary>Parses and validates a safetensors header with <see cref="Utf8JsonReader"/> (no reflection).</summary>
internal static class SafetensorsHeaderParser
{
    /// <summary>The reserved header key holding string metadata.</summary>
    internal const string MetadataKey = "__metadata__";

    private const int MaxJsonDepth = 16;
    private const int MaxQuotedLength = 60;

    /// <summary>Parses <paramref name="json"/>; <paramref name="dataLength"/> is the size of the data buffer the offsets refer to.</summary>
    internal static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength)
    {
        if (!Utf8.IsValid(json))
            throw new SafetensorsFormatException($"header: expected UTF-8 JSON, found an invalid UTF-8 sequence at header byte {FirstInvalidUtf8(json)}.");

        var tensors = new List<SafetensorsTensorInfo>();
        var byName = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;
        string? current = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = MaxJsonDepth });
            if (!reader.Read())
                throw new SafetensorsFormatException("header: expected a JSON object, found an empty header.");
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new SafetensorsFormatException($"header: expected a JSON object, found {Describe(ref reader)}.");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string name = reader.GetString()!;
                current = name;
                if (name == MetadataKey)
                {
                    if (metadata is not null)
                        throw new SafetensorsFormatException($"header: expected one '{MetadataKey}' entry, found a second one.");
                    metadata = ParseMetadata(ref reader);
                }
                else
                {
                    if (byName.ContainsKey(name))
                        throw new SafetensorsFormatException($"tensor '{Quote(name)}': expected a unique name, found a second entry with this name.", name);
                    var info = ParseTensor(ref reader, name, dataLength);
                    tensors.Add(info);
                    byName.Add(name, info);
                }
                current = null;
            }
            // Anything but whitespace after the root object makes Read throw.
            if (reader.Read())
                throw new SafetensorsFormatException($"header: expected only spaces after the JSON object, found {Describe(ref reader)}.");
        }
        catch (JsonException ex)
        {
            string where = current is null ? "header" : current == MetadataKey ? MetadataKey : $"tensor '{Quote(current)}'";
            throw new SafetensorsFormatException($"{where}: expected valid JSON, found a syntax error at header byte {ex.BytePositionInLine ?? 0}: {ex.Message}", current == MetadataKey ? null : current, ex);
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader.GetString throws this for escapes that decode to invalid UTF-16 (lone surrogates).
            string where = current is null ? "header" : $"entry '{Quote(current)}'";
            throw new SafetensorsFormatException($"{where}: expected a valid JSON string, found one that does not decode: {ex.Message}", ex);
        }

        CheckNoOverlap(tensors);
        return new SafetensorsHeader(tensors, byName, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal));
    }

    private static Dictionary<string, string> ParseMetadata(ref Utf8JsonReader reader)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return metadata;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new SafetensorsFormatException($"{MetadataKey}: expected a JSON object of strings, found {Describe(ref reader)}.");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw new SafetensorsFormatException($"{MetadataKey}.{Quote(key)}: expected a string value, found {Describe(ref reader)}.");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw new SafetensorsFormatException($"{MetadataKey}.{Quote(key)}: expected a unique key, found a second value for it.");
        }
        return metadata;
    }

    private static SafetensorsTensorInfo ParseTensor(ref Utf8JsonReader reader, string name, long dataLength)
    {
        string where = $"tensor '{Quote(name)}'";
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new SafetensorsFormatException($"{where}: expected a JSON object with dtype, shape and data_offsets, found {Describe(ref reader)}.", name);

        SafetensorsDtype? dtype = null;
        List<int>? shape = null;
        long begin = -1, end = -1;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (dtype is not null) throw Duplicate(where, field, name);
                    dtype = ParseDtype(ref reader, where, name);
                    break;
                case "shape":
                    if (shape is not null) throw Duplicate(where, field, name);
                    shape = ParseShape(ref reader, where, name);
                    break;
                case "data_offsets":
                    if (begin >= 0) throw Duplicate(where, field, name);
                    (begin, end) = ParseOffsets(ref reader, where, name);
                    break;
                default:
                    // Fields this reader does not know (from a newer writer) carry no data we need.
                    reader.Skip();
                    break;
            }
        }

        if (dtype is null) throw Missing(where, "dtype", name);
        if (shape is null) throw Missing(where, "shape", name);
        if (begin < 0) throw Missing(where, "data_offsets", name);

        int[] dims = shape.ToArray();
        long count = 1;
        foreach (int d in dims)
        {
            if (d == 0) { count = 0; break; }
        }
        if (count != 0)
        {
            foreach (int d in dims)
            {
                if (count > long.MaxValue / d)
                    throw new SafetensorsFormatException($"{where}: shape {SafetensorsTensorInfo.FormatShape(dims)} has more elements than a 64-bit count holds.", name);
                count *= d;
            }
        }
        int size = SafetensorsDtypes.SizeOf(dtype.Value);
        if (begin > end)
            throw new SafetensorsFormatException($"{where}: data_offsets: expected begin <= end, found [{begin}, {end}].", name);
        if (end > dataLength)
            throw new SafetensorsFormatException($"{where}: data_offsets: expected end <= {dataLength} (the data buffer's length), found [{begin}, {end}].", name);
        if (count > long.MaxValue / size || count * size != end - begin)
        {
            string expected = count > long.MaxValue / size ? "more than 2^63" : (count * size).ToString(CultureInfo.InvariantCulture);
            throw new SafetensorsFormatException(
                $"{where}: expected {expected} bytes ({count} x {SafetensorsDtypes.ToHeaderName(dtype.Value)} for shape {SafetensorsTensorInfo.FormatShape(dims)}), found data_offsets [{begin}, {end}] = {end - begin} bytes.", name);
        }
        return new SafetensorsTensorInfo(name, dtype.Value, dims, count, begin, end);
    }

    private static SafetensorsDtype ParseDtype(ref Utf8JsonReader reader, string where, string name)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new SafetensorsFormatException($"{where}: dtype: expected a string, found {Describe(ref reader)}.", name);
        string text = reader.GetString()!;
        if (!SafetensorsDtypes.TryParseHeaderName(text, out var dtype))
            throw new SafetensorsFormatException(
                $"{where}: dtype: expected one of BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64, found '{Quote(text)}'.", name);
        return dtype;
    }

    private static List<int> ParseShape(ref Utf8JsonReader reader, string where, string name)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new SafetensorsFormatException($"{where}: shape: expected an array of non-negative integers, found {Describe(ref reader)}.", name);
        var dims = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long d))
                throw new SafetensorsFormatException($"{where}: shape[{dims.Count}]: expected a non-negative integer, found {Describe(ref reader)}.", name);
            if (d < 0 || d > int.MaxValue)
                throw new SafetensorsFormatException($"{where}: shape[{dims.Count}]: expected an integer in [0, {int.MaxValue}], found {d}.", name);
            dims.Add((int)d);
        }
        return dims;
    }

    private static (long Begin, long End) ParseOffsets(ref Utf8JsonReader reader, string where, string name)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new SafetensorsFormatException($"{where}: data_offsets: expected an array [begin, end], found {Describe(ref reader)}.", name);
        Span<long> values = stackalloc long[2];
        int n = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (n == 2)
                throw new SafetensorsFormatException($"{where}: data_offsets: expected exactly 2 integers, found more.", name);
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v) || v < 0)
                throw new SafetensorsFormatException($"{where}: data_offsets[{n}]: expected a non-negative integer below 2^63, found {Describe(ref reader)}.", name);
            values[n++] = v;
        }
        if (n != 2)
            throw new SafetensorsFormatException($"{where}: data_offsets: expected exactly 2 integers, found {n}.", name);
        return (values[0], values[1]);
    }

    private static void CheckNoOverlap(List<SafetensorsTensorInfo> tensors)
    {
        var sorted = new List<SafetensorsTensorInfo>(tensors.Count);
        foreach (var t in tensors) if (t.ByteLength > 0) sorted.Add(t);
        sorted.Sort(static (a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
        for (int i = 1; i < sorted.Count; i++)
        {
            var prev = sorted[i - 1];
            var next = sorted[i];
            if (next.DataBegin < prev.DataEnd)
                throw new SafetensorsFormatException(
                    $"tensor '{Quote(next.Name)}': data_offsets: expected a byte range disjoint from every other tensor's, found [{next.DataBegin}, {next.DataEnd}) overlapping '{Quote(prev.Name)}' [{prev.DataBegin}, {prev.DataEnd}).", next.Name);
        }
    }

    private static SafetensorsFormatException Duplicate(string where, string field, string name) =>
        new($"{where}: expected one '{field}' field, found a second one.", name);

    private static SafetensorsFormatException Missing(string where, string field, string name) =>
        new($"{where}: expected a '{field}' field, found none.", name);

    /// <summary>A short description of the current token for an error message.</summary>
    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => "the string \"" + Quote(Encoding.UTF8.GetString(reader.ValueSpan)) + "\"",
        JsonTokenType.Number => "the number " + Quote(Encoding.UTF8.GetString(reader.ValueSpan)),
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        _ => reader.TokenType.ToString(),
    };

    /// <summary>Shortens text taken from the file so a hostile header cannot flood a message.</summary>
    internal static string Quote(string text) =>
        text.Length <= MaxQuotedLength ? text : string.Concat(text.AsSpan(0, MaxQuotedLength), "…");

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[i..], out _, out int consumed) != System.Buffers.OperationStatus.Done) return i;
            i += consumed;
        }
        return i;
    }
}
