// Reads tensors from a safetensors file or an in-memory copy of one: validates the whole header up front,
// then copies each tensor's bytes straight from the source into the caller's span.
using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LstmGen.IO;

/// <summary>
/// An open safetensors file (https://github.com/huggingface/safetensors): an 8-byte little-endian
/// header length N, N bytes of UTF-8 JSON describing each tensor, then the data buffer.
/// <see cref="Open(string)"/> validates every header entry against the file before returning, so the sizes
/// in <see cref="GetInfo"/> are safe to allocate from. Reads use positional I/O on one handle (or
/// copy from memory, for <see cref="Open(Stream)"/> and <see cref="Open(ReadOnlyMemory{byte})"/>) and
/// may run concurrently from several threads.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Largest header accepted, in bytes (100 MB), so a corrupt length field cannot cause a huge allocation.</summary>
    public const long MaxHeaderLength = 100L * 1024 * 1024;

    private const int ConversionChunkBytes = 64 * 1024;

    private readonly SafeFileHandle? _handle;
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly SafetensorsHeader _header;
    private readonly long _dataStart;
    private readonly string[] _names;
    private bool _disposed;

    private SafetensorsFile(string path, SafeFileHandle? handle, ReadOnlyMemory<byte> memory, SafetensorsHeader header, long headerLength, long dataStart)
    {
        Path = path;
        _handle = handle;
        _memory = memory;
        _header = header;
        HeaderLength = headerLength;
        _dataStart = dataStart;
        _names = new string[header.Tensors.Count];
        for (int i = 0; i < _names.Length; i++) _names[i] = header.Tensors[i].Name;
    }

    /// <summary>The path the file was opened from (<c>(memory)</c> or <c>(stream)</c> for the other sources).</summary>
    public string Path { get; }

    /// <summary>Length of the JSON header in bytes (the N of the format).</summary>
    public long HeaderLength { get; }

    /// <summary>The header's <c>__metadata__</c> entries (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Tensor names in the order the header lists them.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="SafetensorsFormatException">The file is not a well-formed safetensors file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.RandomAccess);
        try
        {
            return Open(path, handle, default, RandomAccess.GetLength(handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Validates the safetensors bytes in <paramref name="bytes"/> (an embedded resource, a download, a file read by other
    /// means) and reads tensors from them; the memory must not change while the returned object is used.
    /// </summary>
    /// <exception cref="SafetensorsFormatException">The bytes are not a well-formed safetensors file.</exception>
    public static SafetensorsFile Open(ReadOnlyMemory<byte> bytes) => Open("(memory)", null, bytes, bytes.Length);

    /// <summary>
    /// Reads <paramref name="stream"/> to its end (from its current position) and validates the safetensors file it holds.
    /// The stream is not closed.
    /// </summary>
    /// <exception cref="SafetensorsFormatException">The stream does not hold a well-formed safetensors file.</exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static SafetensorsFile Open(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream cannot be read.", nameof(stream));
        byte[] bytes;
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining > Array.MaxLength)
                throw new SafetensorsFormatException($"stream: {remaining} bytes, more than one array holds ({Array.MaxLength}); open the file by path instead.");
            bytes = GC.AllocateUninitializedArray<byte>((int)remaining);
            stream.ReadExactly(bytes);
        }
        else
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }
        return Open("(stream)", null, bytes, bytes.Length);
    }

    private static SafetensorsFile Open(string path, SafeFileHandle? handle, ReadOnlyMemory<byte> memory, long fileLength)
    {
        if (fileLength < 8)
            throw new SafetensorsFormatException($"file: expected at least 8 bytes (the header length field), found {fileLength}.");
        Span<byte> lengthField = stackalloc byte[8];
        ReadExactly(handle, memory, lengthField, 0, "the header length field");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lengthField);
        if (n > (ulong)(fileLength - 8))
            throw new SafetensorsFormatException($"header length: expected at most {fileLength - 8} (the file is {fileLength} bytes), found {n}.");
        if (n > MaxHeaderLength)
            throw new SafetensorsFormatException($"header length: expected at most {MaxHeaderLength} bytes, found {n}.");
        long headerLength = (long)n;
        byte[] json = GC.AllocateUninitializedArray<byte>((int)headerLength);
        ReadExactly(handle, memory, json, 8, "the header");
        long dataStart = 8 + headerLength;
        var header = SafetensorsHeaderParser.Parse(json, fileLength - dataStart);
        return new SafetensorsFile(path, handle, memory, header, headerLength, dataStart);
    }

    /// <summary>True when the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _header.ByName.ContainsKey(name);
    }

    /// <summary>The validated header entry of tensor <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    public SafetensorsTensorInfo GetInfo(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_header.ByName.TryGetValue(name, out var info)) return info;
        throw new KeyNotFoundException($"'{Path}' has no tensor '{name}'. It has {_names.Length}: {NameList(_names)}.");
    }

    /// <summary>Gets the header entry of tensor <paramref name="name"/> if the file has one.</summary>
    public bool TryGetInfo(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafetensorsTensorInfo? info)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _header.ByName.TryGetValue(name, out info);
    }

    /// <summary>Reads an F64 tensor into a new array.</summary>
    public double[] ReadFloat64(string name)
    {
        var info = Expect(name, SafetensorsDtype.F64);
        var result = new double[ArrayLength(info)];
        ReadRaw(info, MemoryMarshal.AsBytes(result.AsSpan()));
        ToHostOrder(MemoryMarshal.Cast<double, ulong>(result.AsSpan()));
        return result;
    }

    /// <summary>Reads an F64 tensor into <paramref name="destination"/>, whose length must equal the element count.</summary>
    public void ReadFloat64(string name, Span<double> destination)
    {
        var info = Expect(name, SafetensorsDtype.F64);
        CheckDestination(info, destination.Length, nameof(destination));
        ReadRaw(info, MemoryMarshal.AsBytes(destination));
        ToHostOrder(MemoryMarshal.Cast<double, ulong>(destination));
    }

    /// <summary>Reads an I32 tensor into a new array.</summary>
    public int[] ReadInt32(string name)
    {
        var info = Expect(name, SafetensorsDtype.I32);
        var result = new int[ArrayLength(info)];
        ReadRaw(info, MemoryMarshal.AsBytes(result.AsSpan()));
        ToHostOrder(MemoryMarshal.Cast<int, uint>(result.AsSpan()));
        return result;
    }

    /// <summary>Reads an I32 tensor into <paramref name="destination"/>, whose length must equal the element count.</summary>
    public void ReadInt32(string name, Span<int> destination)
    {
        var info = Expect(name, SafetensorsDtype.I32);
        CheckDestination(info, destination.Length, nameof(destination));
        ReadRaw(info, MemoryMarshal.AsBytes(destination));
        ToHostOrder(MemoryMarshal.Cast<int, uint>(destination));
    }

    /// <summary>Reads an I64 tensor into a new array.</summary>
    public long[] ReadInt64(string name)
    {
        var info = Expect(name, SafetensorsDtype.I64);
        var result = new long[ArrayLength(info)];
        ReadRaw(info, MemoryMarshal.AsBytes(result.AsSpan()));
        ToHostOrder(MemoryMarshal.Cast<long, ulong>(result.AsSpan()));
        return result;
    }

    /// <summary>
    /// Reads a float tensor of any width into <paramref name="destination"/> (length must equal the
    /// element count), converting to float: F32 as is, F16 and BF16 exactly (every value is
    /// representable), F64 rounded to nearest (values beyond the float range become infinities).
    /// </summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var info = GetInfo(name);
        if (!SafetensorsDtypes.IsConvertibleToSingle(info.Dtype))
            throw NotConvertible(info);
        CheckDestination(info, destination.Length, nameof(destination));
        if (info.Dtype == SafetensorsDtype.F32)
        {
            ReadRaw(info, MemoryMarshal.AsBytes(destination));
            ToHostOrder(MemoryMarshal.Cast<float, uint>(destination));
            return;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        int size = SafetensorsDtypes.SizeOf(info.Dtype);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ConversionChunkBytes);
        try
        {
            int perChunk = ConversionChunkBytes / size;
            long fileOffset = _dataStart + info.DataBegin;
            for (int done = 0; done < destination.Length;)
            {
                int count = Math.Min(perChunk, destination.Length - done);
                Span<byte> chunk = buffer.AsSpan(0, count * size);
                ReadExactly(_handle, _memory, chunk, fileOffset, $"tensor '{info.Name}'");
                Convert(info.Dtype, chunk, destination.Slice(done, count));
                fileOffset += chunk.Length;
                done += count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a float tensor of any width into a new array; see <see cref="ReadFloat32(string, Span{float})"/>.</summary>
    public float[] ReadFloat32(string name)
    {
        var info = GetInfo(name);
        if (!SafetensorsDtypes.IsConvertibleToSingle(info.Dtype))
            throw NotConvertible(info);
        var result = new float[ArrayLength(info)];
        ReadFloat32(name, result);
        return result;
    }

    /// <summary>Copies a tensor's raw little-endian bytes into <paramref name="destination"/>, whose length must equal <see cref="SafetensorsTensorInfo.ByteLength"/>.</summary>
    public void ReadBytes(string name, Span<byte> destination)
    {
        var info = GetInfo(name);
        if (destination.Length != info.ByteLength)
            throw new ArgumentException($"Tensor '{info.Name}' has {info.ByteLength} bytes; the destination has {destination.Length}.", nameof(destination));
        ReadRaw(info, destination);
    }

    /// <summary>Closes the file (for a file opened by path; the other sources hold only memory).</summary>
    public void Dispose()
    {
        _disposed = true;
        _handle?.Dispose();
    }

    private SafetensorsTensorInfo Expect(string name, SafetensorsDtype dtype)
    {
        var info = GetInfo(name);
        if (info.Dtype != dtype)
        {
            string hint = SafetensorsDtypes.IsConvertibleToSingle(info.Dtype) ? " (ReadFloat32 converts float types)" : "";
            throw new SafetensorsFormatException($"tensor '{info.Name}': expected dtype {SafetensorsDtypes.ToHeaderName(dtype)}, found {SafetensorsDtypes.ToHeaderName(info.Dtype)}{hint}.", info.Name);
        }
        return info;
    }

    private static SafetensorsFormatException NotConvertible(SafetensorsTensorInfo info) =>
        new($"tensor '{info.Name}': expected a float dtype (F16, BF16, F32 or F64), found {SafetensorsDtypes.ToHeaderName(info.Dtype)}.", info.Name);

    private static void CheckDestination(SafetensorsTensorInfo info, int length, string paramName)
    {
        if (length != info.ElementCount)
            throw new ArgumentException($"Tensor '{info.Name}' {info.ShapeText} has {info.ElementCount} elements; the destination has {length}.", paramName);
    }

    private static int ArrayLength(SafetensorsTensorInfo info)
    {
        if (info.ElementCount > Array.MaxLength)
            throw new NotSupportedException($"Tensor '{info.Name}' has {info.ElementCount} elements, more than an array holds ({Array.MaxLength}).");
        return (int)info.ElementCount;
    }

    private void ReadRaw(SafetensorsTensorInfo info, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ReadExactly(_handle, _memory, destination, _dataStart + info.DataBegin, $"tensor '{info.Name}'");
    }

    private static void ReadExactly(SafeFileHandle? handle, ReadOnlyMemory<byte> memory, Span<byte> destination, long fileOffset, string what)
    {
        if (handle is null)
        {
            if (fileOffset > memory.Length - destination.Length)
                throw new SafetensorsFormatException($"{what}: expected {destination.Length} bytes at offset {fileOffset}, found the end of the data ({memory.Length} bytes).");
            memory.Span.Slice((int)fileOffset, destination.Length).CopyTo(destination);
            return;
        }
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(handle, destination, fileOffset);
            if (read <= 0)
                throw new SafetensorsFormatException($"{what}: expected {destination.Length} more bytes at file offset {fileOffset}, found the end of the file (was it changed after it was opened?).");
            destination = destination[read..];
            fileOffset += read;
        }
    }

    private static void Convert(SafetensorsDtype dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case SafetensorsDtype.F16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
                break;
            case SafetensorsDtype.BF16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
                break;
            case SafetensorsDtype.F64:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(8 * i)..]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a float dtype that converts to float.");
        }
    }

    private static void ToHostOrder(Span<uint> values)
    {
        if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(values, values);
    }

    private static void ToHostOrder(Span<ulong> values)
    {
        if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(values, values);
    }

    private static string NameList(string[] names)
    {
        const int Shown = 20;
        if (names.Length <= Shown) return string.Join(", ", names);
        return string.Join(", ", names[..Shown]) + $", … ({names.Length - Shown} more)";
    }
}
