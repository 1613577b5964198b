// Writes the ONNX protobuf messages the exporter needs, field by field with Google.Protobuf's CodedOutputStream:
// a small message tree that knows its size, so nested messages are written in one pass with no intermediate copies.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace LstmGen.Onnx;

// Why not protoc output: as for the reader (OnnxProto.cs), the exporter needs a handful of onnx.proto's messages
// and fields; generated classes would bring descriptors and reflection. Field numbers are onnx.proto's.

/// <summary>A protobuf message under construction: fields in the order added, written with their wire types.</summary>
internal sealed class ProtoMessage
{
    private enum Kind : byte { Varint, Fixed32, Bytes, Message }

    private readonly record struct Field(int Number, Kind Kind, long Varint, float Fixed32, ReadOnlyMemory<byte> Bytes, ProtoMessage? Message);

    private readonly List<Field> _fields = new();
    private int _size = -1;

    public ProtoMessage Int64(int number, long value) => Add(new Field(number, Kind.Varint, value, 0, default, null));

    public ProtoMessage Float(int number, float value) => Add(new Field(number, Kind.Fixed32, 0, value, default, null));

    public ProtoMessage String(int number, string value) => Bytes(number, System.Text.Encoding.UTF8.GetBytes(value));

    public ProtoMessage Bytes(int number, ReadOnlyMemory<byte> value) => Add(new Field(number, Kind.Bytes, 0, 0, value, null));

    public ProtoMessage Message(int number, ProtoMessage value) => Add(new Field(number, Kind.Message, 0, 0, default, value));

    private ProtoMessage Add(Field field)
    {
        if (_size >= 0) throw new InvalidOperationException("The message was already sized; it can no longer change.");
        _fields.Add(field);
        return this;
    }

    /// <summary>The encoded size in bytes (computed once; the message is frozen afterwards).</summary>
    public int CalculateSize()
    {
        if (_size >= 0) return _size;
        long size = 0;
        foreach (Field f in _fields)
        {
            size += CodedOutputStream.ComputeTagSize(f.Number);
            size += f.Kind switch
            {
                Kind.Varint => CodedOutputStream.ComputeInt64Size(f.Varint),
                Kind.Fixed32 => 4,
                Kind.Bytes => CodedOutputStream.ComputeLengthSize(f.Bytes.Length) + f.Bytes.Length,
                _ => CodedOutputStream.ComputeLengthSize(f.Message!.CalculateSize()) + f.Message!.CalculateSize(),
            };
            if (size > int.MaxValue)
                throw new InvalidOperationException("The ONNX model would be larger than 2 GB, protobuf's limit for one message.");
        }
        _size = (int)size;
        return _size;
    }

    public void WriteTo(CodedOutputStream output)
    {
        foreach (Field f in _fields)
        {
            switch (f.Kind)
            {
                case Kind.Varint:
                    output.WriteTag(f.Number, WireFormat.WireType.Varint);
                    output.WriteInt64(f.Varint);
                    break;
                case Kind.Fixed32:
                    output.WriteTag(f.Number, WireFormat.WireType.Fixed32);
                    output.WriteFloat(f.Fixed32);
                    break;
                case Kind.Bytes:
                    output.WriteTag(f.Number, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(UnsafeByteOperations.UnsafeWrap(f.Bytes));
                    break;
                default:
                    output.WriteTag(f.Number, WireFormat.WireType.LengthDelimited);
                    output.WriteLength(f.Message!.CalculateSize());
                    f.Message.WriteTo(output);
                    break;
            }
        }
    }
}

/// <summary>Builds an ONNX GraphProto and wraps it in a ModelProto (onnx.proto field numbers in the comments).</summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>TensorProto.DataType values.</summary>
    public const int FloatType = 1, Int64Type = 7;

    private readonly ProtoMessage _graph = new();
    private readonly List<ProtoMessage> _nodes = new(), _initializers = new(), _inputs = new(), _outputs = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _nodeCount;

    public OnnxGraphBuilder(string name) => Name = name;

    public string Name { get; }

    /// <summary>A FLOAT initializer (TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9, little-endian).</summary>
    public string Initializer(string name, ReadOnlySpan<float> data, params long[] dims)
    {
        Claim(name);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this machine is not.");
        var tensor = new ProtoMessage();
        foreach (long d in dims) tensor.Int64(1, d);
        tensor.Int64(2, FloatType).String(8, name).Bytes(9, MemoryMarshal.AsBytes(data).ToArray());
        _initializers.Add(tensor);
        return name;
    }

    /// <summary>An INT64 initializer (shapes, indices, slice bounds).</summary>
    public string Int64Initializer(string name, ReadOnlySpan<long> data, params long[] dims)
    {
        Claim(name);
        var tensor = new ProtoMessage();
        foreach (long d in dims) tensor.Int64(1, d);
        tensor.Int64(2, Int64Type).String(8, name).Bytes(9, MemoryMarshal.AsBytes(data).ToArray());
        _initializers.Add(tensor);
        return name;
    }

    /// <summary>A graph input (ValueInfoProto) of <paramref name="elementType"/>; each dimension a number or a symbolic name.</summary>
    public string Input(string name, int elementType, params object[] dims)
    {
        Claim(name);
        _inputs.Add(ValueInfo(name, elementType, dims));
        return name;
    }

    /// <summary>A graph output (ValueInfoProto).</summary>
    public void Output(string name, int elementType, params object[] dims) => _outputs.Add(ValueInfo(name, elementType, dims));

    /// <summary>A node (NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5) with one output named after it.</summary>
    public string Node(string op, string name, string[] inputs, params ProtoMessage[] attributes) => Node(op, name, inputs, new[] { name }, attributes)[0];

    /// <summary>A node with several outputs (an empty name skips an optional one).</summary>
    public string[] Node(string op, string name, string[] inputs, string[] outputs, params ProtoMessage[] attributes)
    {
        var node = new ProtoMessage();
        foreach (string input in inputs) node.String(1, input);
        foreach (string output in outputs)
        {
            if (output.Length > 0) Claim(output);
            node.String(2, output);
        }
        node.String(3, name + "_" + _nodeCount++).String(4, op);
        foreach (ProtoMessage attribute in attributes) node.Message(5, attribute);
        _nodes.Add(node);
        return outputs;
    }

    // AttributeProto: name = 1, f = 2, i = 3, s = 4, ints = 8, type = 20 (FLOAT 1, INT 2, STRING 3, INTS 7).
    public static ProtoMessage Attribute(string name, long value) => new ProtoMessage().String(1, name).Int64(3, value).Int64(20, 2);

    public static ProtoMessage Attribute(string name, string value) => new ProtoMessage().String(1, name).String(4, value).Int64(20, 3);

    public static ProtoMessage Attribute(string name, long[] values)
    {
        var attribute = new ProtoMessage().String(1, name);
        foreach (long v in values) attribute.Int64(8, v);
        return attribute.Int64(20, 7);
    }

    /// <summary>
    /// The ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7, opset_import = 8,
    /// metadata_props = 14; the graph: node = 1, name = 2, initializer = 5, input = 11, output = 12.
    /// </summary>
    public ProtoMessage Model(long irVersion, long opset, string producerVersion, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        foreach (ProtoMessage node in _nodes) _graph.Message(1, node);
        _graph.String(2, Name);
        foreach (ProtoMessage tensor in _initializers) _graph.Message(5, tensor);
        foreach (ProtoMessage input in _inputs) _graph.Message(11, input);
        foreach (ProtoMessage output in _outputs) _graph.Message(12, output);
        var model = new ProtoMessage()
            .Int64(1, irVersion)
            .String(2, "LstmGen")
            .String(3, producerVersion)
            .Message(7, _graph)
            .Message(8, new ProtoMessage().String(1, "").Int64(2, opset)); // OperatorSetIdProto: domain = 1, version = 2
        foreach (var entry in metadata) model.Message(14, new ProtoMessage().String(1, entry.Key).String(2, entry.Value));
        return model;
    }

    // ValueInfoProto: name = 1, type = 2; TypeProto: tensor_type = 1; Tensor: elem_type = 1, shape = 2;
    // TensorShapeProto: dim = 1; Dimension: dim_value = 1, dim_param = 2.
    private static ProtoMessage ValueInfo(string name, int elementType, object[] dims)
    {
        var shape = new ProtoMessage();
        foreach (object d in dims)
            shape.Message(1, d is string symbol ? new ProtoMessage().String(2, symbol) : new ProtoMessage().Int64(1, Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture)));
        var tensorType = new ProtoMessage().Int64(1, elementType).Message(2, shape);
        return new ProtoMessage().String(1, name).Message(2, new ProtoMessage().Message(1, tensorType));
    }

    private void Claim(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"The ONNX graph already has a value named '{name}'.");
    }
}
