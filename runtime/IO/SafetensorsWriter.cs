// Builds a safetensors file in memory and saves it atomically, so a crash mid-save never leaves a
// half-written weight file where a good one was.
using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LstmGen.IO;

/// <summary>
/// Collects tensors and metadata, then writes them as one safetensors file. The header lists
/// tensors in the order they were added; the data buffer places 8-byte types first, then 4-, 2-
/// and 1-byte types, so every tensor is naturally aligned; the header is padded with spaces so the
/// data starts at a multiple of 8. <see cref="Save(string)"/> is atomic.
/// </summary>
public sealed class SafetensorsWriter
{
    private readonly List<Entry> _entries = new();
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Number of tensors added.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Test hook: called once, after half of the data buffer has been written to the temporary
    /// file and before the rest. A test throws from it to simulate a crash in the middle of a save.
    /// </summary>
    internal Action? AfterHalfOfDataWritten { get; set; }

    /// <summary>Adds an F32 tensor. The product of <paramref name="shape"/> must equal the data length (no dimensions: a scalar).</summary>
    public void Add(string name, ReadOnlySpan<float> data, params int[] shape) =>
        AddCore(name, SafetensorsDtype.F32, MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Adds an F64 tensor. The product of <paramref name="shape"/> must equal the data length.</summary>
    public void Add(string name, ReadOnlySpan<double> data, params int[] shape) =>
        AddCore(name, SafetensorsDtype.F64, MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Adds an I32 tensor. The product of <paramref name="shape"/> must equal the data length.</summary>
    public void Add(string name, ReadOnlySpan<int> data, params int[] shape) =>
        AddCore(name, SafetensorsDtype.I32, MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Adds an I64 tensor. The product of <paramref name="shape"/> must equal the data length.</summary>
    public void Add(string name, ReadOnlySpan<long> data, params int[] shape) =>
        AddCore(name, SafetensorsDtype.I64, MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Adds an F16 tensor. The product of <paramref name="shape"/> must equal the data length.</summary>
    public void Add(string name, ReadOnlySpan<Half> data, params int[] shape) =>
        AddCore(name, SafetensorsDtype.F16, MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>
    /// Adds a tensor of any dtype from its raw little-endian bytes, e.g. BF16 or U8. The length
    /// must equal the product of <paramref name="shape"/> times the dtype's size.
    /// </summary>
    public void AddBytes(string name, SafetensorsDtype dtype, ReadOnlySpan<byte> littleEndianData, params int[] shape)
    {
        int size = SafetensorsDtypes.SizeOf(dtype);
        if (littleEndianData.Length % size != 0)
            throw new ArgumentException($"Tensor '{name}': {SafetensorsDtypes.ToHeaderName(dtype)} needs a multiple of {size} bytes; the data has {littleEndianData.Length}.", nameof(littleEndianData));
        byte[] copy = littleEndianData.ToArray();
        AddEntry(name, dtype, copy, littleEndianData.Length / size, shape, alreadyLittleEndian: true);
    }

    /// <summary>Sets a <c>__metadata__</c> entry (string to string), replacing any earlier value for <paramref name="key"/>.</summary>
    public void SetMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        _metadata[key] = value;
    }

    /// <summary>
    /// Writes the file atomically: the bytes go to a temporary file in the same folder, which is
    /// flushed to disk and then renamed over <paramref name="path"/>. If anything fails, the
    /// temporary file is deleted and an existing file at <paramref name="path"/> is left untouched.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' is not a file path.", nameof(path));
        string temp = Path.Combine(folder, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");

        var layout = Layout(out long dataLength);
        byte[] header = BuildHeader(layout);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024))
            {
                Write(stream, header, layout, dataLength);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes the file to <paramref name="stream"/> (from its current position; the stream is not closed).</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("The stream cannot be written.", nameof(stream));
        var layout = Layout(out long dataLength);
        Write(stream, BuildHeader(layout), layout, dataLength);
        stream.Flush();
    }

    /// <summary>The whole file as bytes.</summary>
    public byte[] ToArray()
    {
        using var stream = new MemoryStream();
        Save(stream);
        return stream.ToArray();
    }

    private void Write(Stream stream, byte[] header, List<(Entry Entry, long Begin)> layout, long dataLength)
    {
        Span<byte> lengthField = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthField, (ulong)header.Length);
        stream.Write(lengthField);
        stream.Write(header);
        WriteData(stream, layout, dataLength);
    }

    private void AddCore(string name, SafetensorsDtype dtype, ReadOnlySpan<byte> bytes, int elementCount, int[] shape) =>
        AddEntry(name, dtype, bytes.ToArray(), elementCount, shape, alreadyLittleEndian: BitConverter.IsLittleEndian);

    private void AddEntry(string name, SafetensorsDtype dtype, byte[] bytes, long elementCount, int[] shape, bool alreadyLittleEndian)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name == SafetensorsHeaderParser.MetadataKey)
            throw new ArgumentException($"'{SafetensorsHeaderParser.MetadataKey}' is reserved for metadata; it cannot name a tensor.", nameof(name));
        if (_names.Contains(name))
            throw new ArgumentException($"A tensor named '{name}' was already added.", nameof(name));
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(shape), shape[i], $"Tensor '{name}': dimension {i} must not be negative.");
            count = checked(count * shape[i]);
        }
        if (count != elementCount)
            throw new ArgumentException($"Tensor '{name}': shape {SafetensorsTensorInfo.FormatShape(shape)} holds {count} elements; the data has {elementCount}.", nameof(shape));
        if (!alreadyLittleEndian) ReverseEachElement(bytes, SafetensorsDtypes.SizeOf(dtype));
        _names.Add(name);
        _entries.Add(new Entry(name, dtype, (int[])shape.Clone(), bytes));
    }

    /// <summary>Data-buffer order and offsets: widest types first (stable), so each tensor is naturally aligned.</summary>
    private List<(Entry Entry, long Begin)> Layout(out long dataLength)
    {
        var order = new List<Entry>(_entries);
        var position = new Dictionary<Entry, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _entries.Count; i++) position[_entries[i]] = i;
        order.Sort((a, b) =>
        {
            int bySize = SafetensorsDtypes.SizeOf(b.Dtype).CompareTo(SafetensorsDtypes.SizeOf(a.Dtype));
            return bySize != 0 ? bySize : position[a].CompareTo(position[b]);
        });
        var layout = new List<(Entry, long)>(order.Count);
        long offset = 0;
        foreach (var e in order)
        {
            layout.Add((e, offset));
            offset += e.Data.Length;
        }
        dataLength = offset;
        return layout;
    }

    private byte[] BuildHeader(List<(Entry Entry, long Begin)> layout)
    {
        var begins = new Dictionary<Entry, long>(ReferenceEqualityComparer.Instance);
        foreach (var (entry, begin) in layout) begins[entry] = begin;

        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject(SafetensorsHeaderParser.MetadataKey);
                foreach (var (key, value) in _metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            foreach (var e in _entries)
            {
                json.WriteStartObject(e.Name);
                json.WriteString("dtype", SafetensorsDtypes.ToHeaderName(e.Dtype));
                json.WriteStartArray("shape");
                foreach (int d in e.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(begins[e]);
                json.WriteNumberValue(begins[e] + e.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        int length = buffer.WrittenCount;
        int padding = (8 - (8 + length) % 8) % 8;
        byte[] header = new byte[length + padding];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    private void WriteData(Stream stream, List<(Entry Entry, long Begin)> layout, long dataLength)
    {
        long half = dataLength / 2;
        long written = 0;
        var hook = AfterHalfOfDataWritten;
        foreach (var (entry, _) in layout)
        {
            ReadOnlySpan<byte> bytes = entry.Data;
            if (hook is not null && written + bytes.Length >= half)
            {
                int first = (int)(half - written);
                stream.Write(bytes[..first]);
                stream.Flush();
                hook();
                hook = null;
                bytes = bytes[first..];
                written += first;
            }
            stream.Write(bytes);
            written += bytes.Length;
        }
        hook?.Invoke();
    }

    private static void ReverseEachElement(byte[] bytes, int size)
    {
        if (size == 1) return;
        for (int i = 0; i < bytes.Length; i += size) bytes.AsSpan(i, size).Reverse();
    }

    private sealed record Entry(string Name, SafetensorsDtype Dtype, int[] Shape, byte[] Data);
}
