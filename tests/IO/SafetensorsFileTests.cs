// The reader against the golden self-test file, and each malformed-file error it must report.
using System;
using System.Collections.Generic;
using System.Text;
using LstmGen.IO;
using Xunit;

namespace LstmGen.Tests.IO;

public sealed class SafetensorsFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void FormatSelftest_GivesTheValuesInTheReadme()
    {
        using var file = SafetensorsFile.Open(TestFiles.Golden("format_selftest.safetensors"));

        Assert.Equal(304, file.HeaderLength);
        Assert.Equal(new[] { "f32_2x3", "i32_5", "f64_2", "f32_scalar" }, file.Names);
        Assert.Equal("lstmgen-golden-v1-selftest", file.Metadata["format"]);
        Assert.Single(file.Metadata);

        var f32 = file.GetInfo("f32_2x3");
        Assert.Equal(SafetensorsDtype.F32, f32.Dtype);
        Assert.Equal(new[] { 2, 3 }, f32.Shape.ToArray());
        Assert.Equal(6, f32.ElementCount);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, file.ReadFloat32("f32_2x3"));

        Assert.Equal(new[] { 3, 1, 4, 1, 5 }, file.ReadInt32("i32_5"));
        Assert.Equal(new[] { 0.1, -2.5 }, file.ReadFloat64("f64_2"));

        var scalar = file.GetInfo("f32_scalar");
        Assert.Equal(0, scalar.Shape.Length);
        Assert.Equal(1, scalar.ElementCount);
        Assert.Equal(new[] { 1.5f }, file.ReadFloat32("f32_scalar"));

        Span<float> converted = stackalloc float[2];
        file.ReadFloat32("f64_2", converted);
        Assert.Equal(new[] { 0.1f, -2.5f }, converted.ToArray());

        Assert.True(file.Contains("i32_5"));
        Assert.False(file.Contains("missing"));
    }

    [Fact]
    public void ReadFloat32_IntoSpan_RequiresExactLength()
    {
        using var file = SafetensorsFile.Open(TestFiles.Golden("format_selftest.safetensors"));
        var ex = Assert.Throws<ArgumentException>(() => file.ReadFloat32("f32_2x3", new float[5]));
        Assert.Contains("6 elements", ex.Message);
        Assert.Contains("has 5", ex.Message);

        var exact = new float[6];
        file.ReadFloat32("f32_2x3", exact);
        Assert.Equal(5f, exact[5]);
    }

    [Fact]
    public void TypedRead_OfAnotherDtype_NamesBoth()
    {
        using var file = SafetensorsFile.Open(TestFiles.Golden("format_selftest.safetensors"));
        var ex = Assert.Throws<SafetensorsFormatException>(() => file.ReadInt32("f64_2"));
        Assert.Contains("f64_2", ex.Message);
        Assert.Contains("expected dtype I32, found F64", ex.Message);
        var floats = Assert.Throws<SafetensorsFormatException>(() => file.ReadFloat32("i32_5", new float[5]));
        Assert.Contains("expected a float dtype", floats.Message);
    }

    [Fact]
    public void GetInfo_UnknownName_ThrowsKeyNotFound()
    {
        using var file = SafetensorsFile.Open(TestFiles.Golden("format_selftest.safetensors"));
        var ex = Assert.Throws<KeyNotFoundException>(() => file.GetInfo("nope"));
        Assert.Contains("nope", ex.Message);
    }

    public static TheoryData<string, byte[], string[]> MalformedFiles()
    {
        byte[] eight = new byte[8];
        byte[] sixteen = new byte[16];
        string Entry(string name, string body) => "{\"" + name + "\":" + body + "}";
        var data = new TheoryData<string, byte[], string[]>
        {
            { "shorter than 8 bytes", new byte[] { 1, 2, 3 }, new[] { "at least 8 bytes", "found 3" } },
            { "header length beyond file", TestFiles.Build("{}", eight, headerLength: 1000), new[] { "header length", "found 1000" } },
            { "header length absurd", TestFiles.Build("{}", eight, headerLength: ulong.MaxValue), new[] { "header length", "found 18446744073709551615" } },
            { "invalid utf-8", TestFiles.Build(new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}' }, eight), new[] { "UTF-8", "header byte 2" } },
            { "invalid json", TestFiles.Build("{\"a\":{\"dtype\":\"F32\",", eight), new[] { "expected valid JSON" } },
            { "empty header", TestFiles.Build("", eight), new[] { "JSON" } },
            { "root not an object", TestFiles.Build("[1,2]", eight), new[] { "expected a JSON object", "an array" } },
            { "trailing content", TestFiles.Build("{} {}", eight), new[] { "JSON" } },
            { "entry not an object", TestFiles.Build(Entry("t", "[1,2]"), eight), new[] { "tensor 't'", "expected a JSON object", "an array" } },
            { "unknown dtype", TestFiles.Build(Entry("t", "{\"dtype\":\"F128\",\"shape\":[2],\"data_offsets\":[0,8]}"), eight), new[] { "tensor 't'", "dtype", "F128" } },
            { "dtype not a string", TestFiles.Build(Entry("t", "{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}"), eight), new[] { "tensor 't'", "dtype", "the number 32" } },
            { "negative dim", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}"), eight), new[] { "tensor 't'", "shape[0]", "-2" } },
            { "non-integer dim", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}"), eight), new[] { "tensor 't'", "shape[0]", "2.5" } },
            { "dim beyond int", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[3000000000],\"data_offsets\":[0,8]}"), eight), new[] { "tensor 't'", "shape[0]", "3000000000" } },
            { "dim not a number", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}"), eight), new[] { "tensor 't'", "shape[0]", "string" } },
            { "overflowing shape", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[2000000000,2000000000,2000000000],\"data_offsets\":[0,8]}"), eight), new[] { "tensor 't'", "64-bit" } },
            { "offset not an integer", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}"), eight), new[] { "tensor 't'", "data_offsets[1]", "8.0" } },
            { "negative offset", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}"), eight), new[] { "tensor 't'", "data_offsets[0]", "-8" } },
            { "one offset", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}"), eight), new[] { "tensor 't'", "exactly 2", "found 1" } },
            { "three offsets", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}"), eight), new[] { "tensor 't'", "exactly 2" } },
            { "begin after end", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}"), eight), new[] { "tensor 't'", "begin <= end", "[8, 0]" } },
            { "end beyond data", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}"), eight), new[] { "tensor 't'", "end <= 8", "[0, 16]" } },
            { "size mismatch", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}"), eight), new[] { "tensor 't'", "expected 12 bytes", "8 bytes" } },
            { "huge tensor in small file", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[1000000,1000000],\"data_offsets\":[0,8]}"), eight), new[] { "tensor 't'", "expected 4000000000000 bytes" } },
            { "overlapping ranges", TestFiles.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", sixteen), new[] { "tensor 'b'", "overlapping 'a'", "[4, 12)" } },
            { "duplicate name", TestFiles.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", sixteen), new[] { "tensor 'a'", "unique name" } },
            { "duplicate field", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"), eight), new[] { "tensor 't'", "one 'dtype'" } },
            { "missing shape", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"data_offsets\":[0,8]}"), eight), new[] { "tensor 't'", "'shape'", "found none" } },
            { "missing offsets", TestFiles.Build(Entry("t", "{\"dtype\":\"F32\",\"shape\":[2]}"), eight), new[] { "tensor 't'", "'data_offsets'", "found none" } },
            { "metadata value not a string", TestFiles.Build("{\"__metadata__\":{\"format\":1}}", eight), new[] { "__metadata__.format", "expected a string", "the number 1" } },
            { "metadata not an object", TestFiles.Build("{\"__metadata__\":[\"x\"]}", eight), new[] { "__metadata__", "an array" } },
            { "duplicate metadata", TestFiles.Build("{\"__metadata__\":{},\"__metadata__\":{}}", eight), new[] { "__metadata__", "second" } },
            { "duplicate metadata key", TestFiles.Build("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", eight), new[] { "__metadata__.a", "unique key" } },
            { "lone surrogate escape", TestFiles.Build("{\"\\uD800\":{}}", eight), new[] { "JSON string" } },
            { "too deep", TestFiles.Build("{\"t\":{\"x\":" + new string('[', 100) + new string(']', 100) + "}}", eight), new[] { "JSON" } },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void MalformedFile_ThrowsFormatExceptionNamingTheProblem(string caseName, byte[] bytes, string[] messageParts)
    {
        string path = _temp.Write(caseName.Replace(' ', '_') + ".safetensors", bytes);
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
        foreach (string part in messageParts) Assert.Contains(part, ex.Message);
    }

    [Fact]
    public void HeaderLengthAboveCap_IsRejectedBeforeReadingIt()
    {
        // A sparse file just over the cap: the length field fits the file but exceeds MaxHeaderLength.
        string path = _temp.File("big.safetensors");
        using (var fs = new System.IO.FileStream(path, System.IO.FileMode.Create))
        {
            fs.SetLength(SafetensorsFile.MaxHeaderLength + 1024);
            fs.Write(BitConverter.GetBytes((ulong)SafetensorsFile.MaxHeaderLength + 1));
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
        Assert.Contains("at most 104857600", ex.Message);
    }

    [Fact]
    public void HugeTensorClaim_FailsBeforeAllocating()
    {
        byte[] bytes = TestFiles.Build("{\"t\":{\"dtype\":\"F32\",\"shape\":[1000000,1000000],\"data_offsets\":[0,4000000000000]}}", new byte[8]);
        string path = _temp.Write("huge.safetensors", bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
        Assert.Contains("end <= 8", ex.Message);
    }

    [Fact]
    public void UnknownFieldsAndNullMetadata_AreAccepted()
    {
        byte[] bytes = TestFiles.Build("{\"__metadata__\":null,\"t\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8],\"future\":{\"x\":[1]}}}",
            new byte[] { 7, 0, 0, 0, 255, 255, 255, 255 });
        using var file = SafetensorsFile.Open(_temp.Write("extra.safetensors", bytes));
        Assert.Empty(file.Metadata);
        Assert.Equal(new[] { 7, -1 }, file.ReadInt32("t"));
    }

    [Fact]
    public void EmptyTensors_MayShareAnOffset()
    {
        byte[] bytes = TestFiles.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
        using var file = SafetensorsFile.Open(_temp.Write("empty.safetensors", bytes));
        Assert.Empty(file.ReadFloat32("a"));
        Assert.Equal(2, file.ReadFloat32("b").Length);
    }

    [Fact]
    public void ReadFloat32_ConvertsHalfAndBFloat16()
    {
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000; BF16: 1.0 = 0x3F80, -0.5 = 0xBF00.
        byte[] data = { 0x00, 0x3C, 0x00, 0xC0, 0x80, 0x3F, 0x00, 0xBF };
        string json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]}}";
        using var file = SafetensorsFile.Open(_temp.Write("half.safetensors", TestFiles.Build(json, data)));
        Assert.Equal(new[] { 1f, -2f }, file.ReadFloat32("h"));
        Assert.Equal(new[] { 1f, -0.5f }, file.ReadFloat32("b"));
    }

    [Fact]
    public void FileTruncatedAfterOpen_ReadFailsWithFormatException()
    {
        string path = _temp.Write("shrinks.safetensors", System.IO.File.ReadAllBytes(TestFiles.Golden("format_selftest.safetensors")));
        using var file = SafetensorsFile.Open(path);
        using (var fs = new System.IO.FileStream(path, System.IO.FileMode.Open, System.IO.FileAccess.Write, System.IO.FileShare.ReadWrite))
            fs.SetLength(320);
        var ex = Assert.Throws<SafetensorsFormatException>(() => file.ReadInt32("i32_5"));
        Assert.Contains("i32_5", ex.Message);
    }

    [Fact]
    public void Dispose_ThenRead_ThrowsObjectDisposed()
    {
        var file = SafetensorsFile.Open(TestFiles.Golden("format_selftest.safetensors"));
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.ReadFloat32("f32_2x3"));
    }

    [Fact]
    public void DescribeLongNames_AreShortened()
    {
        string longName = new string('x', 500);
        byte[] bytes = TestFiles.Build("{\"" + longName + "\":{\"dtype\":\"Q\",\"shape\":[],\"data_offsets\":[0,0]}}", Array.Empty<byte>());
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(_temp.Write("long.safetensors", bytes)));
        Assert.True(ex.Message.Length < 400, ex.Message);
        Assert.Equal(longName, ex.TensorName);
        _ = Encoding.UTF8;
    }
}
