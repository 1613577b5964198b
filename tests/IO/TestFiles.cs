// Paths and throw-away files shared by the IO tests: the repository root, golden files, temp folders.
using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace LstmGen.Tests.IO;

/// <summary>Locates repository files and builds raw safetensors bytes for tests.</summary>
internal static class TestFiles
{
    /// <summary>The folder holding LstmGen.sln.</summary>
    public static string RepoRoot => RepoPaths.Root;

    /// <summary>A file under tests/golden/.</summary>
    public static string Golden(string fileName) => Path.Combine(RepoRoot, "tests", "golden", fileName);

    /// <summary>A file under tests/Fixtures/.</summary>
    public static string Fixture(string fileName) => Path.Combine(RepoRoot, "tests", "Fixtures", fileName);

    /// <summary>Raw file bytes: the length field (given or computed), the JSON header, then data.</summary>
    public static byte[] Build(string json, ReadOnlySpan<byte> data, ulong? headerLength = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        return Build(header, data, headerLength);
    }

    /// <summary>Raw file bytes from header bytes (possibly invalid UTF-8) and data.</summary>
    public static byte[] Build(ReadOnlySpan<byte> header, ReadOnlySpan<byte> data, ulong? headerLength = null)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength ?? (ulong)header.Length);
        header.CopyTo(bytes.AsSpan(8));
        data.CopyTo(bytes.AsSpan(8 + header.Length));
        return bytes;
    }
}

/// <summary>A temporary folder deleted when the test ends.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lstmgen-io-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="bytes"/> to a file in the folder and returns its path.</summary>
    public string Write(string name, byte[] bytes)
    {
        string path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
