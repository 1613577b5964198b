// The ONNX importer: real torch.onnx.export files (tools/export_onnx_fixtures.py) must load to the exact
// state_dict and reproduce PyTorch's outputs; hand-built graphs cover float_data, Constant/Identity and every rejection.
using System;
using System.IO;
using System.Linq;
using Google.Protobuf;
using LstmGen.IO;
using LstmGen.Onnx;
using LstmGen.Reference;
using Xunit;

namespace LstmGen.Tests.IO;

public sealed class OnnxWeightsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Fixture(string file) => TestFiles.Fixture(Path.Combine("onnx", file));

    public static TheoryData<string> Cases => new() { "lstm1_i3_h7", "lstm2_i3_h5", "bilstm2_i3_h4", "gru2_i3_h6", "bigru1_i3_h4", "emb11x4_lstm1_h6_head3" };

    private static ModelShape ShapeOf(string name) => name switch
    {
        "lstm1_i3_h7" => new(3, 0, 0, 7, 1, 0, Head.None, HeadOn.EveryStep),
        "lstm2_i3_h5" => new(3, 0, 0, 5, 2, 0, Head.None, HeadOn.EveryStep),
        "bilstm2_i3_h4" => new(3, 0, 0, 4, 2, 0, Head.None, HeadOn.EveryStep, bidirectional: true),
        "gru2_i3_h6" => new(3, 0, 0, 6, 2, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru),
        "bigru1_i3_h4" => new(3, 0, 0, 4, 1, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru, bidirectional: true),
        "emb11x4_lstm1_h6_head3" => new(0, 11, 4, 6, 1, 3, Head.Linear, HeadOn.LastStep),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TorchOnnxExport_LoadsTheStateDict_AndReproducesPytorch(string name)
    {
        var shape = ShapeOf(name);
        var model = new ReferenceLstm(shape);
        OnnxWeights.Load(Fixture(name + ".onnx"), model);

        var stateDict = new float[shape.ParameterCount];
        ModelWeights.Load(Fixture(name + ".safetensors"), shape, stateDict);
        Assert.Equal(stateDict, model.Parameters.ToArray());

        using var io = SafetensorsFile.Open(Fixture(name + ".io.safetensors"));
        float[] expected = io.ReadFloat32("expected.output");
        int steps = io.GetInfo("input").Shape[0];
        var output = new float[shape.OutputLength(steps)];
        if (shape.IsTokenModel) model.Predict(io.ReadInt32("input"), output);
        else model.Predict(io.ReadFloat32("input"), output);
        AssertMaxNormalisedError(expected, output, 2e-5);
    }

    private static void AssertMaxNormalisedError(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v));
        double error = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max() / scale;
        Assert.True(error <= tolerance, $"max-normalised error {error:E3} > {tolerance:E1}");
    }

    // ---- hand-built graphs ------------------------------------------------------------------------

    private static readonly ModelShape s_lstm = new(3, 0, 0, 2, 1, 0, Head.None, HeadOn.EveryStep);
    private static readonly ModelShape s_gru = new(3, 0, 0, 2, 1, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru);

    private static float[] Distinct(int count, int seed) => Enumerable.Range(0, count).Select(i => (seed * 100 + i + 1) * 0.01f * (i % 3 == 0 ? -1 : 1)).ToArray();

    /// <summary>ONNX W/R/B of one unidirectional layer from PyTorch tensors: gate row blocks i,f,g,o → ONNX i,o,f,c (GRU r,z,n → z,r,h).</summary>
    private static (float[] W, float[] R, float[] B) ToOnnx(ModelShape shape, float[] p)
    {
        int h = shape.HiddenSize, g = shape.GatesPerUnit, input = shape.InputSize;
        float[] wIh = p.AsSpan(shape.GetLayerTensor(LayerParameter.WeightIh, 0).Offset, g * h * input).ToArray();
        float[] wHh = p.AsSpan(shape.GetLayerTensor(LayerParameter.WeightHh, 0).Offset, g * h * h).ToArray();
        float[] bIh = p.AsSpan(shape.GetLayerTensor(LayerParameter.BiasIh, 0).Offset, g * h).ToArray();
        float[] bHh = p.AsSpan(shape.GetLayerTensor(LayerParameter.BiasHh, 0).Offset, g * h).ToArray();
        // PyTorch block index for each ONNX block.
        int[] torchBlock = g == 3 ? new[] { 1, 0, 2 } : new[] { 0, 3, 1, 2 };
        float[] w = new float[wIh.Length], r = new float[wHh.Length], b = new float[2 * g * h];
        for (int q = 0; q < g; q++)
        {
            int t = torchBlock[q];
            Array.Copy(wIh, t * h * input, w, q * h * input, h * input);
            Array.Copy(wHh, t * h * h, r, q * h * h, h * h);
            Array.Copy(bIh, t * h, b, q * h, h);
            Array.Copy(bHh, t * h, b, g * h + q * h, h);
        }
        return (w, r, b);
    }

    /// <summary>A one-layer graph: W via an Identity chain, R as an initializer in float_data, B from a Constant node.</summary>
    private string OneLayerGraph(ModelShape shape, float[] parameters, string file, Func<byte[][], byte[][]>? attributes = null, string[]? extraInputs = null, bool externalR = false)
    {
        int h = shape.HiddenSize, g = shape.GatesPerUnit;
        var (w, r, b) = ToOnnx(shape, parameters);
        string op = g == 3 ? "GRU" : "LSTM";
        byte[][] attrs = { Onnx.Attribute("hidden_size", h) };
        if (g == 3) attrs = attrs.Append(Onnx.Attribute("linear_before_reset", 1)).ToArray();
        if (attributes is not null) attrs = attributes(attrs);
        string[] inputs = new[] { "x", "w_id2", "R", "b_const" }.Concat(extraInputs ?? Array.Empty<string>()).ToArray();
        byte[] model = Onnx.Model(
            nodes: new[]
            {
                Onnx.Node("Identity", new[] { "W" }, new[] { "w_id1" }, "id1"),
                Onnx.Node("Identity", new[] { "w_id1" }, new[] { "w_id2" }, "id2"),
                Onnx.Node("Constant", Array.Empty<string>(), new[] { "b_const" }, "bias", Onnx.Attribute("value", Onnx.Tensor("", new long[] { 1, 2 * g * h }, b))),
                Onnx.Node(op, inputs, new[] { "y" }, "/rnn/" + op, attrs),
            },
            initializers: new[]
            {
                Onnx.Tensor("W", new long[] { 1, g * h, shape.InputSize }, w),
                Onnx.Tensor("R", new long[] { 1, g * h, h }, r, raw: false, external: externalR),
            });
        return _temp.Write(file, model);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HandBuiltGraph_FloatData_Constant_IdentityChain_LoadsExactly(bool gru)
    {
        var shape = gru ? s_gru : s_lstm;
        float[] original = Distinct(shape.ParameterCount, 1);
        string path = OneLayerGraph(shape, original, "one.onnx");
        var loaded = new float[shape.ParameterCount];
        BlockLoads.Into(m => OnnxWeights.Load(path, m), shape, loaded);
        Assert.Equal(original, loaded);
    }

    private WeightFileException Rejects(string path, ModelShape shape, params string[] fragments)
    {
        var model = new ReferenceLstm(shape);
        model.Parameters.Fill(7f);
        var e = Assert.Throws<WeightFileException>(() => OnnxWeights.Load(path, model));
        foreach (string f in fragments) Assert.Contains(f, e.Message);
        Assert.All(model.Parameters.ToArray(), v => Assert.Equal(7f, v)); // unchanged
        return e;
    }

    [Fact]
    public void Peepholes_AreRejected() =>
        Rejects(OneLayerGraph(s_lstm, Distinct(s_lstm.ParameterCount, 2), "p.onnx", extraInputs: new[] { "", "", "", "P" }), s_lstm, "peephole", "input P", "'P'");

    [Fact]
    public void Clip_IsRejected() =>
        Rejects(OneLayerGraph(s_lstm, Distinct(s_lstm.ParameterCount, 2), "c.onnx", a => a.Append(Onnx.Attribute("clip", 3f)).ToArray()), s_lstm, "expected no clip", "clip=3");

    [Fact]
    public void OtherActivations_AreRejected() =>
        Rejects(OneLayerGraph(s_lstm, Distinct(s_lstm.ParameterCount, 2), "a.onnx", a => a.Append(Onnx.Attribute("activations", new[] { "Sigmoid", "Relu", "Tanh" })).ToArray()),
            s_lstm, "expected activations [Sigmoid, Tanh, Tanh]", "found [Sigmoid, Relu, Tanh]");

    [Fact]
    public void DefaultActivationsSpelledOut_AreAccepted()
    {
        var original = Distinct(s_lstm.ParameterCount, 3);
        string path = OneLayerGraph(s_lstm, original, "ok.onnx", a => a.Append(Onnx.Attribute("activations", new[] { "Sigmoid", "Tanh", "Tanh" })).ToArray());
        var loaded = new float[s_lstm.ParameterCount];
        BlockLoads.Into(m => OnnxWeights.Load(path, m), s_lstm, loaded);
        Assert.Equal(original, loaded);
    }

    [Fact]
    public void GruWithoutLinearBeforeReset_IsRejected() =>
        Rejects(OneLayerGraph(s_gru, Distinct(s_gru.ParameterCount, 2), "g.onnx", a => a.Where((_, i) => i == 0).ToArray()), s_gru, "expected linear_before_reset=1", "found 0", "different function");

    [Fact]
    public void WrongHiddenSize_IsRejected()
    {
        var shape = new ModelShape(3, 0, 0, 3, 1, 0, Head.None, HeadOn.EveryStep);
        Rejects(OneLayerGraph(s_lstm, Distinct(s_lstm.ParameterCount, 2), "h.onnx"), shape, "expected hidden_size 3, found 2");
    }

    [Fact]
    public void WrongInputWidth_NamesTheInitializer()
    {
        var shape = new ModelShape(4, 0, 0, 2, 1, 0, Head.None, HeadOn.EveryStep);
        var e = Rejects(OneLayerGraph(s_lstm, Distinct(s_lstm.ParameterCount, 2), "w.onnx"), shape, "input W 'W': expected shape [1, 8, 4], found [1, 8, 3]");
        Assert.Equal("W", e.TensorName);
    }

    [Fact]
    public void ExternalData_IsRejected() =>
        Rejects(OneLayerGraph(s_lstm, Distinct(s_lstm.ParameterCount, 2), "x.onnx", externalR: true), s_lstm, "external data", "weights.bin");

    [Fact]
    public void NonRecurrentGraph_IsRejected()
    {
        byte[] model = Onnx.Model(
            new[] { Onnx.Node("Gemm", new[] { "x", "W", "b" }, new[] { "y" }, "fc"), Onnx.Node("Relu", new[] { "y" }, new[] { "z" }, "act") },
            new[] { Onnx.Tensor("W", new long[] { 2, 3 }, new float[6]), Onnx.Tensor("b", new long[] { 2 }, new float[2]) });
        Rejects(_temp.Write("mlp.onnx", model), s_lstm, "expected 1 LSTM node(s)", "found none", "Gemm, Relu");
    }

    [Fact]
    public void WeightsComputedAtRunTime_AreRejected()
    {
        byte[] model = Onnx.Model(
            new[] { Onnx.Node("Mul", new[] { "a", "a" }, new[] { "W" }, "square"), Onnx.Node("LSTM", new[] { "x", "W", "R" }, new[] { "y" }, "l", Onnx.Attribute("hidden_size", 2)) },
            Array.Empty<byte[]>());
        Rejects(_temp.Write("computed.onnx", model), s_lstm, "input W 'W': expected a constant", "computed by Mul node 'square'");
    }

    [Fact]
    public void NotAnOnnxFile_IsRejected()
    {
        Rejects(_temp.Write("junk.onnx", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2 }), s_lstm, "expected an ONNX model");
        Rejects(Fixture("lstm1_i3_h7.safetensors"), s_lstm, "expected an ONNX model");
    }

    [Fact]
    public void RealExport_IntoTheWrongModel_IsRejected()
    {
        Rejects(Fixture("lstm2_i3_h5.onnx"), new ModelShape(3, 0, 0, 5, 1, 0, Head.None, HeadOn.EveryStep), "expected 1 LSTM node(s) (one per layer), found 2");
        Rejects(Fixture("gru2_i3_h6.onnx"), new ModelShape(3, 0, 0, 6, 2, 0, Head.None, HeadOn.EveryStep), "expected LSTM nodes", "found a GRU node");
        Rejects(Fixture("bilstm2_i3_h4.onnx"), new ModelShape(3, 0, 0, 4, 2, 0, Head.None, HeadOn.EveryStep), "expected direction 'forward'", "found 'bidirectional'");
        Rejects(Fixture("lstm1_i3_h7.onnx"), new ModelShape(0, 11, 3, 7, 1, 0, Head.None, HeadOn.EveryStep), "expected one embedding", "found no Gather");
        Rejects(Fixture("emb11x4_lstm1_h6_head3.onnx"), new ModelShape(0, 11, 4, 6, 1, 5, Head.Linear, HeadOn.LastStep), "expected one linear head", "found only Gemm node '/head/Gemm' B [3, 6] (transB)");
    }
}

/// <summary>Writes ONNX protobuf messages field by field with CodedOutputStream, independently of the importer's reader.</summary>
internal static class Onnx
{
    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        write(output);
        output.Flush();
        return stream.ToArray();
    }

    private static void Bytes(CodedOutputStream o, int field, byte[] bytes)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(bytes));
    }

    private static void String(CodedOutputStream o, int field, string text)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(text);
    }

    /// <summary>TensorProto FLOAT: dims = 1 (unpacked, as onnx writes them), data_type = 2, float_data = 4 (packed) or raw_data = 9, name = 8.</summary>
    public static byte[] Tensor(string name, long[] dims, float[] data, bool raw = true, bool external = false) => Message(o =>
    {
        foreach (long d in dims) { o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt64(d); }
        o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt32(1);
        if (name.Length > 0) String(o, 8, name);
        if (external)
        {
            Bytes(o, 13, Message(e => { String(e, 1, "location"); String(e, 2, "weights.bin"); }));
            o.WriteTag(14, WireFormat.WireType.Varint); o.WriteEnum(1);
        }
        else if (raw)
        {
            Bytes(o, 9, data.SelectMany(BitConverter.GetBytes).ToArray());
        }
        else
        {
            o.WriteTag(4, WireFormat.WireType.LengthDelimited);
            o.WriteLength(data.Length * 4);
            foreach (float v in data) o.WriteFloat(v);
        }
    });

    /// <summary>AttributeProto: name = 1, f = 2, i = 3, t = 5, strings = 9, type = 20.</summary>
    public static byte[] Attribute(string name, long value) => Message(o => { String(o, 1, name); o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt64(value); o.WriteTag(20, WireFormat.WireType.Varint); o.WriteEnum(2); });
    public static byte[] Attribute(string name, float value) => Message(o => { String(o, 1, name); o.WriteTag(2, WireFormat.WireType.Fixed32); o.WriteFloat(value); o.WriteTag(20, WireFormat.WireType.Varint); o.WriteEnum(1); });
    public static byte[] Attribute(string name, byte[] tensor) => Message(o => { String(o, 1, name); Bytes(o, 5, tensor); o.WriteTag(20, WireFormat.WireType.Varint); o.WriteEnum(4); });
    public static byte[] Attribute(string name, string[] values) => Message(o =>
    {
        String(o, 1, name);
        foreach (string v in values) String(o, 9, v);
        o.WriteTag(20, WireFormat.WireType.Varint); o.WriteEnum(8);
    });

    /// <summary>NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.</summary>
    public static byte[] Node(string op, string[] inputs, string[] outputs, string name, params byte[][] attributes) => Message(o =>
    {
        foreach (string i in inputs) String(o, 1, i);
        foreach (string x in outputs) String(o, 2, x);
        String(o, 3, name);
        String(o, 4, op);
        foreach (byte[] a in attributes) Bytes(o, 5, a);
    });

    /// <summary>ModelProto (ir_version = 1, graph = 7) around a GraphProto (node = 1, name = 2, initializer = 5).</summary>
    public static byte[] Model(byte[][] nodes, byte[][] initializers) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt64(8);
        Bytes(o, 7, Message(g =>
        {
            foreach (byte[] n in nodes) Bytes(g, 1, n);
            String(g, 2, "test");
            foreach (byte[] t in initializers) Bytes(g, 5, t);
        }));
    });
}
