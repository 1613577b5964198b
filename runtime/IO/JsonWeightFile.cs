// What the JSON weight formats (RTNeural, NAM) share: a bounded parse, and reading nested number arrays of a known
// shape with errors that name the layer and the path inside it.
using System;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace LstmGen.IO;

internal static class JsonWeightFile
{
    /// <summary>Largest JSON weight file read: 256 MB (a model of ~20 million weights written as text).</summary>
    public const long MaxLength = 256L * 1024 * 1024;

    public static JsonDocument Parse(string path, string format)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxLength) throw new WeightFileException($"'{path}': expected a {format} file of at most {MaxLength} bytes, found {length}.");
        return Parse(File.ReadAllBytes(path), $"'{path}'", format);
    }

    public static JsonDocument Parse(ReadOnlyMemory<byte> json, string source, string format)
    {
        if (json.Length > MaxLength) throw new WeightFileException($"{source}: expected a {format} file of at most {MaxLength} bytes, found {json.Length}.");
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64, AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw new WeightFileException($"{source}: expected a {format} file (JSON), found text that does not parse: {e.Message}", e);
        }
    }

    /// <summary>The shape of a nested array of numbers (each level's length, from the first element down); null when not an array.</summary>
    public static int[]? ShapeOf(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array) return null;
        var dims = new System.Collections.Generic.List<int>();
        while (element.ValueKind == JsonValueKind.Array)
        {
            int n = element.GetArrayLength();
            dims.Add(n);
            if (n == 0 || dims.Count > 8) break;
            element = element[0];
        }
        return dims.ToArray();
    }

    public static string ShapeText(int[]? shape) => shape is null ? "not an array" : "[" + string.Join(", ", shape) + "]";

    /// <summary>
    /// Reads a nested array of exactly <paramref name="shape"/> (row-major) into <paramref name="destination"/>; throws a
    /// <see cref="WeightFileException"/> naming <paramref name="where"/> and the first index that does not fit.
    /// </summary>
    public static void Read(JsonElement element, ReadOnlySpan<int> shape, Span<float> destination, string source, string where)
    {
        int written = 0;
        ReadLevel(element, shape, 0, destination, ref written, source, where, "");
    }

    private static void ReadLevel(JsonElement element, ReadOnlySpan<int> shape, int level, Span<float> destination, ref int written, string source, string where, string index)
    {
        if (level == shape.Length)
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out double value))
                throw Fail(source, $"{where}{index}: expected a number, found {Describe(element)}.");
            float f = (float)value;
            if (!float.IsFinite(f)) throw Fail(source, $"{where}{index}: expected a finite float, found {element.GetRawText()}.");
            destination[written++] = f;
            return;
        }
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != shape[level])
            throw Fail(source, $"{where}{index}: expected an array of {shape[level]} (shape [{string.Join(", ", shape.ToArray())}]), found {Describe(element)}.");
        int i = 0;
        foreach (JsonElement item in element.EnumerateArray())
            ReadLevel(item, shape, level + 1, destination, ref written, source, where, index + "[" + (i++).ToString(CultureInfo.InvariantCulture) + "]");
    }

    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => $"an array of {element.GetArrayLength()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "the number " + element.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => element.ValueKind.ToString(),
    };

    public static WeightFileException Fail(string source, string problem) => new($"{source}: {problem}", new[] { problem }, null);
}
