// Mutation fuzzing of the reader and the weight loader: thousands of damaged variants of valid files
// must each load or fail with the library's own exceptions, never anything else, and never allocate
// more than a bounded amount.
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using LstmGen.IO;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.IO;

public sealed class SafetensorsFuzzTests : IDisposable
{
    private const int Iterations = 4000;
    private const long MaxAllocatedBytesPerAttempt = 64L * 1024 * 1024;

    private static readonly ModelShape s_tokenShape = new(0, 27, 8, 14, 1, 3, Head.Softmax, HeadOn.LastStep);
    private static readonly ModelShape s_tinyShape = new(1, 0, 0, 1, 1, 0, Head.None, HeadOn.EveryStep);

    private static readonly Regex s_offsets = new("\"data_offsets\":\\[(\\d+),(\\d+)\\]", RegexOptions.CultureInvariant);
    private static readonly Regex s_shape = new("\"shape\":\\[([0-9,]*)\\]", RegexOptions.CultureInvariant);
    private static readonly Regex s_dtype = new("\"dtype\":\"([A-Z0-9_]+)\"", RegexOptions.CultureInvariant);
    private static readonly Regex s_name = new("\"([^\"]+)\":\\{\"dtype\"", RegexOptions.CultureInvariant);
    private static readonly Regex s_number = new("-?\\d+", RegexOptions.CultureInvariant);

    private static readonly string[] s_numberReplacements =
    {
        "0", "1", "-1", "7", "8", "4096", "2147483647", "2147483648", "4294967296", "1000000000000",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "99999999999999999999999",
        "1.5", "1e3", "-0", "0.0", "\"8\"", "null", "[]", "{}",
    };

    private static readonly string[] s_dtypeReplacements =
        { "F32", "F64", "F16", "BF16", "I32", "I64", "U8", "BOOL", "F8_E4M3", "F128", "f32", "", "F32 ", "\\u0046\\u0033\\u0032" };

    private static readonly string[] s_insertions =
    {
        "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "1", "-", "\\u0000", "\\ud800", "\"__metadata__\":{\"k\":1},",
        "\"__metadata__\":{\"k\":\"v\"},", "\"x\":{},", "\"x\":[],", "\"x\":{\"dtype\":\"F32\",\"shape\":[1000000,1000000],\"data_offsets\":[0,4]},",
        "/*c*/", " ", "\t", "\n",
    };

    private readonly TempFolder _temp = new();
    private readonly ITestOutputHelper _output;

    public SafetensorsFuzzTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _temp.Dispose();

    private sealed record Seed(string Name, byte[] Bytes, ModelShape? Shape);

    [Fact]
    public void MutatedFiles_LoadOrThrowOnlyFormatErrors_WithBoundedAllocation()
    {
        var seeds = BuildSeeds();
        var random = new Random(20240611);
        string path = _temp.File("fuzz.safetensors");
        using var sink = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        int loaded = 0, rejected = 0, weightLoads = 0;
        long maxAllocated = 0;
        var stopwatch = Stopwatch.StartNew();

        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            var seed = seeds[random.Next(seeds.Count)];
            (byte[] bytes, string mutation) = Mutate(seed.Bytes, random);
            // Rewrite one file in place: creating or truncating a file per attempt costs ~1 ms on ext4 with discard.
            sink.Position = 0;
            sink.Write(bytes);
            sink.SetLength(bytes.Length);
            sink.Flush();
            bool tryWeights = seed.Shape is not null && random.Next(2) == 0;
            var options = new WeightLoadOptions { IgnoreExtraTensors = random.Next(2) == 0, Names = random.Next(3) == 0 ? WeightNames.Default : null };

            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                using var file = SafetensorsFile.Open(path);
                ReadEverything(file);
                if (tryWeights)
                {
                    weightLoads++;
                    var parameters = new float[seed.Shape!.ParameterCount];
                    ModelWeights.Load(file, seed.Shape, parameters, options);
                }
                loaded++;
            }
            catch (SafetensorsFormatException ex)
            {
                rejected++;
                Assert.False(string.IsNullOrEmpty(ex.Message));
            }
            catch (WeightFileException ex)
            {
                rejected++;
                Assert.False(string.IsNullOrEmpty(ex.Message));
            }
            catch (Exception ex)
            {
                Assert.Fail($"Iteration {iteration}, seed {seed.Name}, mutation {mutation}: unexpected {ex.GetType().Name}: {ex}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            maxAllocated = Math.Max(maxAllocated, allocated);
            Assert.True(allocated < MaxAllocatedBytesPerAttempt, $"Iteration {iteration}, seed {seed.Name}, mutation {mutation}: allocated {allocated} bytes.");
        }

        stopwatch.Stop();
        _output.WriteLine($"{Iterations} mutated files: {loaded} loaded, {rejected} rejected, {weightLoads} weight loads tried, max {maxAllocated} bytes allocated per attempt, {stopwatch.Elapsed.TotalSeconds:F1} s.");
        Assert.True(loaded > Iterations / 50, $"Only {loaded} of {Iterations} mutated files loaded; the mutations are too destructive to test the happy path.");
        Assert.True(rejected > Iterations / 2, $"Only {rejected} of {Iterations} mutated files were rejected.");
    }

    [Fact]
    public void Mutate_IsDeterministic()
    {
        var seeds = BuildSeeds();
        var a = new Random(7);
        var b = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            var seed = seeds[i % seeds.Count];
            Assert.Equal(Mutate(seed.Bytes, a).Bytes, Mutate(seed.Bytes, b).Bytes);
        }
    }

    private static void ReadEverything(SafetensorsFile file)
    {
        foreach (var (key, value) in file.Metadata) _ = key.Length + value.Length;
        foreach (string name in file.Names)
        {
            var info = file.GetInfo(name);
            if (SafetensorsDtypes.IsConvertibleToSingle(info.Dtype)) _ = file.ReadFloat32(name);
            else if (info.Dtype == SafetensorsDtype.I32) _ = file.ReadInt32(name);
            else file.ReadBytes(name, new byte[info.ByteLength]);
        }
    }

    private List<Seed> BuildSeeds()
    {
        var seeds = new List<Seed>();

        // Files from this library's writer: the model weights and one tensor of each dtype.
        string weights = _temp.File("seed-weights.safetensors");
        var values = Enumerable.Range(0, s_tokenShape.ParameterCount).Select(i => i * 0.01f - 3f).ToArray();
        ModelWeights.Save(weights, s_tokenShape, values);
        seeds.Add(new Seed("writer-weights", File.ReadAllBytes(weights), s_tokenShape));

        var writer = new SafetensorsWriter();
        writer.Add("f32", new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        writer.Add("f64", new double[] { 0.5, -1 }, 2);
        writer.Add("i32", new[] { 1, 2, 3 }, 3);
        writer.Add("i64", new long[] { 9 }, 1);
        writer.Add("f16", new[] { (Half)1, (Half)2 }, 2);
        writer.AddBytes("bf16", SafetensorsDtype.BF16, new byte[] { 0x80, 0x3F }, 1);
        writer.AddBytes("u8", SafetensorsDtype.U8, new byte[] { 1, 2, 3, 4, 5 }, 5);
        writer.Add("scalar", new float[] { 1.5f });
        writer.SetMetadata("format", "fuzz");
        string dtypes = _temp.File("seed-dtypes.safetensors");
        writer.Save(dtypes);
        seeds.Add(new Seed("writer-dtypes", File.ReadAllBytes(dtypes), null));

        // Golden files: small ones whole; larger ones as header plus the first bytes of data.
        seeds.Add(new Seed("format_selftest", File.ReadAllBytes(TestFiles.Golden("format_selftest.safetensors")), null));
        seeds.Add(new Seed("lstm1_i1_h1_t1_b1", File.ReadAllBytes(TestFiles.Golden("lstm1_i1_h1_t1_b1.safetensors")), s_tinyShape));
        seeds.Add(new Seed("emb27x8_b1", File.ReadAllBytes(TestFiles.Golden("emb27x8_lstm1_h14_t20_b1_head3_softmax_ce.safetensors")), s_tokenShape));
        foreach (string big in new[] { "bilstm2_i8_h14_t15_b1_state", "emb5000x10_lstm1_h128_t50_b4_head1_sigmoid_bce", "optim_adam_clipnorm", "gru2_i8_h14_t15_b1" })
        {
            byte[] all = File.ReadAllBytes(TestFiles.Golden(big + ".safetensors"));
            long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(all);
            seeds.Add(new Seed(big + "-header", all.AsSpan(0, (int)Math.Min(all.Length, 8 + n + 512)).ToArray(), null));
        }
        return seeds;
    }

    /// <summary>One random mutation of <paramref name="original"/>, described for failure messages.</summary>
    private static (byte[] Bytes, string Description) Mutate(byte[] original, Random random)
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(original);
        int headerLength = (int)n;
        byte[] header = original.AsSpan(8, headerLength).ToArray();
        byte[] data = original.AsSpan(8 + headerLength).ToArray();
        string json = Encoding.UTF8.GetString(header);

        switch (random.Next(15))
        {
            case 0:
            {
                byte[] bytes = (byte[])original.Clone();
                int flips = 1 + random.Next(4);
                for (int i = 0; i < flips; i++)
                {
                    int at = 8 + random.Next(headerLength);
                    if (random.Next(2) == 0) bytes[at] ^= (byte)(1 << random.Next(8));
                    else bytes[at] = (byte)random.Next(256);
                }
                return (bytes, $"{flips} header byte flips");
            }
            case 1:
            {
                byte[] bytes = (byte[])original.Clone();
                int at = random.Next(8);
                bytes[at] = (byte)random.Next(256);
                return (bytes, $"length byte {at} = {bytes[at]}");
            }
            case 2:
            {
                ulong[] choices = { 0, 1, n - 1, n + 1, n + 8, (ulong)original.Length - 8, (ulong)original.Length - 7, 1UL << 63, ulong.MaxValue, (ulong)SafetensorsFile.MaxHeaderLength + 1, (ulong)random.NextInt64(1L << 40) };
                ulong value = choices[random.Next(choices.Length)];
                return (TestFiles.Build(header, data, value), $"header length = {value}");
            }
            case 3:
            {
                int length = random.Next(original.Length);
                return (original.AsSpan(0, length).ToArray(), $"truncated to {length}");
            }
            case 4:
            {
                int length = random.Next(Math.Min(original.Length, 8 + headerLength + 1));
                return (original.AsSpan(0, length).ToArray(), $"truncated in header to {length}");
            }
            case 5:
                return EditNumber(json, data, s_offsets, random, "offset", n);
            case 6:
                return EditNumber(json, data, s_shape, random, "shape", n);
            case 7:
            {
                var matches = s_dtype.Matches(json);
                if (matches.Count == 0) return (original, "no dtype to edit");
                var group = matches[random.Next(matches.Count)].Groups[1];
                string replacement = s_dtypeReplacements[random.Next(s_dtypeReplacements.Length)];
                return (RebuildWithText(json, group.Index, group.Length, replacement, data, random, n), $"dtype {group.Value} -> {replacement}");
            }
            case 8:
            {
                int at = random.Next(json.Length);
                int length = 1 + random.Next(Math.Min(16, json.Length - at));
                return (RebuildWithText(json, at, length, "", data, random, n), $"deleted {length} chars at {at}");
            }
            case 9:
            {
                int at = random.Next(json.Length + 1);
                string insert = s_insertions[random.Next(s_insertions.Length)];
                return (RebuildWithText(json, at, 0, insert, data, random, n), $"inserted {insert} at {at}");
            }
            case 10:
            {
                // Invalid UTF-8 inside the header.
                byte[] bad = { 0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80, 0xF4, 0x90 };
                int at = random.Next(header.Length + 1);
                int take = 1 + random.Next(3);
                int start = random.Next(bad.Length - take + 1);
                byte[] mutated = header.Take(at).Concat(bad.Skip(start).Take(take)).Concat(header.Skip(at)).ToArray();
                return (TestFiles.Build(mutated, data), $"invalid UTF-8 at {at}");
            }
            case 11:
            {
                // Duplicate the first entry (key and value) or give metadata a non-string value.
                int firstEntryEnd = json.IndexOf("},", StringComparison.Ordinal);
                if (random.Next(2) == 0 && firstEntryEnd > 0)
                    return (RebuildWithText(json, 1, 0, json[1..(firstEntryEnd + 2)], data, random, n), "duplicated first entry");
                int meta = json.IndexOf("\"__metadata__\":{", StringComparison.Ordinal);
                if (meta < 0) return (RebuildWithText(json, 1, 0, "\"__metadata__\":{\"a\":[1]},", data, random, n), "added bad metadata");
                int valueStart = json.IndexOf(":\"", meta + 16, StringComparison.Ordinal);
                int valueEnd = valueStart < 0 ? -1 : json.IndexOf('"', valueStart + 2);
                if (valueEnd < 0) return (original, "no metadata value");
                return (RebuildWithText(json, valueStart + 1, valueEnd - valueStart, "12", data, random, n), "metadata value -> number");
            }
            case 12:
            {
                // Damaged values with an intact header: NaN, infinities and denormals reach the weight checks.
                byte[] bytes = (byte[])original.Clone();
                if (data.Length == 0) return (bytes, "no data to flip");
                int flips = 1 + random.Next(8);
                for (int i = 0; i < flips; i++) bytes[8 + headerLength + random.Next(data.Length)] = (byte)(random.Next(2) == 0 ? 0xFF : random.Next(256));
                return (bytes, $"{flips} data byte flips");
            }
            case 13:
            {
                // Renamed modules, to exercise name resolution and its ambiguity errors.
                var names = s_name.Matches(json);
                if (names.Count == 0) return (original, "no name to edit");
                var group = names[random.Next(names.Count)].Groups[1];
                int dot = group.Value.LastIndexOf('.');
                string[] prefixes = { "", "module.", "x", "lstm", "head", "embed", "lstm_layer", "a.b.c" };
                string prefix = prefixes[random.Next(prefixes.Length)];
                string renamed = dot < 0 ? prefix + "." + group.Value : prefix + group.Value[dot..];
                return (RebuildWithText(json, group.Index, group.Length, renamed.TrimStart('.'), data, random, n), $"renamed {group.Value} -> {renamed}");
            }
            default:
            {
                // Extra bytes after the data buffer, or the data buffer cut short.
                if (random.Next(2) == 0)
                {
                    byte[] extra = new byte[1 + random.Next(64)];
                    random.NextBytes(extra);
                    return (original.Concat(extra).ToArray(), $"appended {extra.Length} bytes");
                }
                int cut = 1 + random.Next(Math.Max(1, Math.Min(64, data.Length)));
                return (original.AsSpan(0, Math.Max(0, original.Length - cut)).ToArray(), $"cut {cut} data bytes");
            }
        }
    }

    private static (byte[], string) EditNumber(string json, byte[] data, Regex field, Random random, string what, ulong n)
    {
        var matches = field.Matches(json);
        if (matches.Count == 0) return (TestFiles.Build(json, data), $"no {what} to edit");
        var match = matches[random.Next(matches.Count)];
        var numbers = s_number.Matches(match.Value);
        if (numbers.Count == 0) return (RebuildWithText(json, match.Index + match.Length - 1, 0, "1000000000000", data, random, n), $"{what}: inserted a dimension");
        var number = numbers[random.Next(numbers.Count)];
        string replacement = random.Next(3) switch
        {
            0 => s_numberReplacements[random.Next(s_numberReplacements.Length)],
            1 => (long.Parse(number.Value, System.Globalization.CultureInfo.InvariantCulture) + random.Next(-9, 10)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => random.NextInt64(0, 2L * data.Length + 16).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return (RebuildWithText(json, match.Index + number.Index, number.Length, replacement, data, random, n), $"{what} {number.Value} -> {replacement}");
    }

    /// <summary>Replaces text in the header; mostly re-encodes the length field to fit, sometimes keeps the old one.</summary>
    private static byte[] RebuildWithText(string json, int at, int length, string replacement, byte[] data, Random random, ulong oldLength)
    {
        string edited = string.Concat(json.AsSpan(0, at), replacement, json.AsSpan(at + length));
        return random.Next(8) == 0 ? TestFiles.Build(edited, data, oldLength) : TestFiles.Build(edited, data);
    }
}
