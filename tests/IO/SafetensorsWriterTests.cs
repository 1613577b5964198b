// The writer: every dtype survives a round trip through the reader, the layout follows the format,
// and a save that fails half-way leaves the previous file byte-identical.
using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using LstmGen.IO;
using Xunit;

namespace LstmGen.Tests.IO;

public sealed class SafetensorsWriterTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void RoundTrip_EveryDtype()
    {
        float[] f32 = { 0f, -1.5f, float.MaxValue, float.Epsilon, 3.25f, -0f };
        double[] f64 = { 0.1, -2.5, double.MinValue };
        int[] i32 = { int.MinValue, -1, 0, 7, int.MaxValue, 42 };
        long[] i64 = { long.MinValue, long.MaxValue };
        Half[] f16 = { (Half)1.0f, (Half)(-2.0f), Half.MaxValue, Half.Epsilon };
        byte[] bf16 = { 0x80, 0x3F, 0x00, 0xBF };            // 1.0, -0.5
        byte[] u8 = { 0, 1, 255 };
        byte[] i8 = { 0x80, 0x7F };
        byte[] boolean = { 1, 0, 1, 1 };
        byte[] i16 = { 0x01, 0x80, 0xFF, 0x7F };
        byte[] u16 = { 0xFF, 0xFF };
        byte[] u32 = { 1, 2, 3, 4, 5, 6, 7, 8 };
        byte[] u64 = { 1, 2, 3, 4, 5, 6, 7, 8 };
        byte[] f8a = { 0x3C, 0xC0 };
        byte[] f8b = { 0x38 };

        var writer = new SafetensorsWriter();
        writer.Add("f32", f32, 2, 3);
        writer.Add("f64", f64, 3);
        writer.Add("i32", i32, 3, 2);
        writer.Add("i64", i64, 2);
        writer.Add("f16", f16, 2, 2);
        writer.AddBytes("bf16", SafetensorsDtype.BF16, bf16, 2);
        writer.AddBytes("u8", SafetensorsDtype.U8, u8, 3);
        writer.AddBytes("i8", SafetensorsDtype.I8, i8, 2, 1);
        writer.AddBytes("bool", SafetensorsDtype.Bool, boolean, 4);
        writer.AddBytes("i16", SafetensorsDtype.I16, i16, 2);
        writer.AddBytes("u16", SafetensorsDtype.U16, u16);
        writer.AddBytes("u32", SafetensorsDtype.U32, u32, 2);
        writer.AddBytes("u64", SafetensorsDtype.U64, u64, 1);
        writer.AddBytes("f8_e5m2", SafetensorsDtype.F8E5M2, f8a, 2);
        writer.AddBytes("f8_e4m3", SafetensorsDtype.F8E4M3, f8b);
        writer.Add("empty", ReadOnlySpan<float>.Empty, 0, 4);
        writer.SetMetadata("format", "test");
        writer.SetMetadata("note", "ünïcode + \"quotes\"");
        string path = _temp.File("all.safetensors");
        writer.Save(path);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(new[] { "f32", "f64", "i32", "i64", "f16", "bf16", "u8", "i8", "bool", "i16", "u16", "u32", "u64", "f8_e5m2", "f8_e4m3", "empty" }, file.Names);
        Assert.Equal("test", file.Metadata["format"]);
        Assert.Equal("ünïcode + \"quotes\"", file.Metadata["note"]);

        Assert.Equal(f32, file.ReadFloat32("f32"));
        Assert.Equal(new[] { 2, 3 }, file.GetInfo("f32").Shape.ToArray());
        Assert.Equal(f64, file.ReadFloat64("f64"));
        Assert.Equal(i32, file.ReadInt32("i32"));
        Assert.Equal(i64, file.ReadInt64("i64"));
        Assert.Equal(f16.Select(h => (float)h).ToArray(), file.ReadFloat32("f16"));
        Assert.Equal(new[] { 1f, -0.5f }, file.ReadFloat32("bf16"));
        Assert.Equal(new[] { 0.1f, -2.5f, float.NegativeInfinity }, file.ReadFloat32("f64"));
        Assert.Empty(file.ReadFloat32("empty"));
        Assert.Equal(new[] { 0, 4 }, file.GetInfo("empty").Shape.ToArray());
        Assert.Equal(0, file.GetInfo("u16").Shape.Length);

        (string Name, SafetensorsDtype Dtype, byte[] Bytes)[] raw =
        {
            ("bf16", SafetensorsDtype.BF16, bf16), ("u8", SafetensorsDtype.U8, u8), ("i8", SafetensorsDtype.I8, i8),
            ("bool", SafetensorsDtype.Bool, boolean), ("i16", SafetensorsDtype.I16, i16), ("u16", SafetensorsDtype.U16, u16),
            ("u32", SafetensorsDtype.U32, u32), ("u64", SafetensorsDtype.U64, u64),
            ("f8_e5m2", SafetensorsDtype.F8E5M2, f8a), ("f8_e4m3", SafetensorsDtype.F8E4M3, f8b),
        };
        foreach (var (name, dtype, bytes) in raw)
        {
            var info = file.GetInfo(name);
            Assert.Equal(dtype, info.Dtype);
            var read = new byte[info.ByteLength];
            file.ReadBytes(name, read);
            Assert.Equal(bytes, read);
        }
    }

    [Fact]
    public void Layout_HeaderPaddedToEight_DataAlignedContiguousAndComplete()
    {
        var writer = new SafetensorsWriter();
        writer.AddBytes("byte", SafetensorsDtype.U8, new byte[] { 1, 2, 3 }, 3);
        writer.Add("float", new float[] { 1, 2, 3 }, 3);
        writer.Add("double", new double[] { 1 }, 1);
        writer.Add("half", new Half[] { (Half)1 }, 1);
        string path = _temp.File("layout.safetensors");
        writer.Save(path);

        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + n) % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{", header);
        Assert.EndsWith("}", header.TrimEnd(' '));
        Assert.True(header.Length - header.TrimEnd(' ').Length < 8);

        using var file = SafetensorsFile.Open(path);
        long dataLength = bytes.Length - 8 - (long)n;
        var infos = file.Names.Select(file.GetInfo).OrderBy(i => i.DataBegin).ToList();
        long expectedBegin = 0;
        foreach (var info in infos)
        {
            Assert.Equal(expectedBegin, info.DataBegin);
            Assert.Equal(0, info.DataBegin % SafetensorsDtypes.SizeOf(info.Dtype));
            expectedBegin = info.DataEnd;
        }
        Assert.Equal(dataLength, expectedBegin);
        Assert.Equal("double", infos[0].Name);
    }

    [Fact]
    public void Add_ChecksNamesAndShapes()
    {
        var writer = new SafetensorsWriter();
        writer.Add("a", new float[6], 2, 3);
        var dup = Assert.Throws<ArgumentException>(() => writer.Add("a", new float[1], 1));
        Assert.Contains("'a'", dup.Message);
        var mismatch = Assert.Throws<ArgumentException>(() => writer.Add("b", new float[5], 2, 3));
        Assert.Contains("[2, 3] holds 6 elements; the data has 5", mismatch.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Add("c", new float[0], -1));
        Assert.Throws<ArgumentException>(() => writer.Add("__metadata__", new float[1], 1));
        Assert.Throws<ArgumentException>(() => writer.AddBytes("d", SafetensorsDtype.F32, new byte[3]));
        Assert.Equal(1, writer.Count);
    }

    [Fact]
    public void Save_OverwritesAnExistingFile()
    {
        string path = _temp.File("w.safetensors");
        var first = new SafetensorsWriter();
        first.Add("x", new float[] { 1 }, 1);
        first.Save(path);
        var second = new SafetensorsWriter();
        second.Add("y", new float[] { 2, 3 }, 2);
        second.Save(path);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(new[] { "y" }, file.Names);
        Assert.Single(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void Save_CrashHalfWay_LeavesOldFileByteIdenticalAndNoTempFile()
    {
        string path = _temp.File("model.safetensors");
        var good = new SafetensorsWriter();
        good.Add("w", Enumerable.Range(0, 1000).Select(i => (float)i).ToArray(), 10, 100);
        good.Save(path);
        byte[] before = File.ReadAllBytes(path);

        var crashing = new SafetensorsWriter();
        crashing.Add("w", Enumerable.Range(0, 4000).Select(i => -(float)i).ToArray(), 40, 100);
        crashing.Add("v", new double[100], 100);
        bool halfWritten = false;
        crashing.AfterHalfOfDataWritten = () =>
        {
            halfWritten = true;
            // The temp file exists next to the target and already holds data.
            string temp = Assert.Single(Directory.GetFiles(_temp.Path, ".model.safetensors.*.tmp"));
            Assert.True(new FileInfo(temp).Length > 8);
            throw new IOException("simulated crash");
        };
        var ex = Assert.Throws<IOException>(() => crashing.Save(path));
        Assert.Equal("simulated crash", ex.Message);
        Assert.True(halfWritten);

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_temp.Path));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(999f, file.ReadFloat32("w")[999]);
    }

    [Fact]
    public void Save_CrashWithNoOldFile_LeavesNothing()
    {
        string path = _temp.File("new.safetensors");
        var crashing = new SafetensorsWriter();
        crashing.Add("w", new float[64], 64);
        crashing.AfterHalfOfDataWritten = () => throw new IOException("simulated crash");
        Assert.Throws<IOException>(() => crashing.Save(path));
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void RewritingTheGoldenSelftest_KeepsEveryValue()
    {
        using var golden = SafetensorsFile.Open(TestFiles.Golden("format_selftest.safetensors"));
        var writer = new SafetensorsWriter();
        foreach (string name in golden.Names)
        {
            var info = golden.GetInfo(name);
            var bytes = new byte[info.ByteLength];
            golden.ReadBytes(name, bytes);
            writer.AddBytes(name, info.Dtype, bytes, info.Shape.ToArray());
        }
        foreach (var (k, v) in golden.Metadata) writer.SetMetadata(k, v);
        string path = _temp.File("copy.safetensors");
        writer.Save(path);

        using var copy = SafetensorsFile.Open(path);
        Assert.Equal(golden.Names, copy.Names);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, copy.ReadFloat32("f32_2x3"));
        Assert.Equal(new[] { 3, 1, 4, 1, 5 }, copy.ReadInt32("i32_5"));
        Assert.Equal(new[] { 0.1, -2.5 }, copy.ReadFloat64("f64_2"));
        Assert.Equal(new[] { 1.5f }, copy.ReadFloat32("f32_scalar"));
        Assert.Equal("lstmgen-golden-v1-selftest", copy.Metadata["format"]);
        // Same content and same alignment rule (8-byte types first) give the golden file's size.
        Assert.Equal(new FileInfo(TestFiles.Golden("format_selftest.safetensors")).Length, new FileInfo(path).Length);
    }
}
