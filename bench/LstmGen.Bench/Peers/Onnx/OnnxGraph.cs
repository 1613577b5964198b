// Assembles an ONNX ModelProto (graph, nodes, initializers, typed inputs and outputs) with the
// protobuf field numbers of onnx.proto, for the handful of operators the LSTM models use.
using System;
using System.Runtime.InteropServices;

namespace LstmGen.Bench.Peers.Onnx;

/// <summary>ONNX TensorProto.DataType values used here.</summary>
internal enum OnnxType
{
    Float = 1,
    Int32 = 6,
    Int64 = 7,
}

/// <summary>A graph under construction; <see cref="ToModel"/> encodes it as a complete .onnx file.</summary>
internal sealed class OnnxGraph
{
    // ModelProto / GraphProto / NodeProto / ... field numbers (onnx.proto).
    private const int ModelIrVersion = 1, ModelProducerName = 2, ModelGraph = 7, ModelOpsetImport = 8;
    private const int OpsetVersion = 2;
    private const int GraphNode = 1, GraphName = 2, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    private const int AttributeName = 1, AttributeFloat = 2, AttributeInt = 3, AttributeType = 20;
    private const int AttributeTypeFloat = 1, AttributeTypeInt = 2;
    private const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9;
    private const int ValueName = 1, ValueType = 2, TypeTensor = 1, TensorTypeElem = 1, TensorTypeShape = 2;
    private const int ShapeDim = 1, DimValue = 1, DimParam = 2;

    /// <summary>A dimension written as the symbolic <c>batch</c> (dim_param) instead of a number: the session accepts any size there.</summary>
    public const long Batch = -1;

    /// <summary>IR version 8 (ONNX 1.10+) with opset 17: Squeeze takes its axes as an input (opset 13+).</summary>
    private const long IrVersion = 8, Opset = 17;

    private readonly ProtobufWriter _graph = new();
    private int _nodes;

    public OnnxGraph(string name) => _graph.String(GraphName, name);

    public void Initializer(string name, ReadOnlySpan<float> data, params long[] dims) =>
        _graph.Message(GraphInitializer, Tensor(name, OnnxType.Float, MemoryMarshal.AsBytes(data), dims));

    public void Initializer(string name, ReadOnlySpan<long> data, params long[] dims) =>
        _graph.Message(GraphInitializer, Tensor(name, OnnxType.Int64, MemoryMarshal.AsBytes(data), dims));

    public void Input(string name, OnnxType type, params long[] dims) => _graph.Message(GraphInput, Value(name, type, dims));

    public void Output(string name, OnnxType type, params long[] dims) => _graph.Message(GraphOutput, Value(name, type, dims));

    /// <summary>Adds a node; an empty input or output name leaves that optional slot out, as ONNX specifies.</summary>
    public void Node(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var node = new ProtobufWriter();
        foreach (string input in inputs) node.String(NodeInput, input);
        foreach (string output in outputs) node.String(NodeOutput, output);
        node.String(NodeName, $"{opType}_{_nodes++}");
        node.String(NodeOpType, opType);
        foreach (var (name, value) in attributes)
        {
            var attribute = new ProtobufWriter().String(AttributeName, name);
            switch (value)
            {
                case int i:
                    attribute.Int(AttributeType, AttributeTypeInt).Int(AttributeInt, i);
                    break;
                case float f:
                    attribute.Int(AttributeType, AttributeTypeFloat).Float(AttributeFloat, f);
                    break;
                default:
                    throw new ArgumentException($"Attribute '{name}': unsupported value type {value.GetType().Name}.", nameof(attributes));
            }
            node.Message(NodeAttribute, attribute);
        }
        _graph.Message(GraphNode, node);
    }

    public byte[] ToModel() => new ProtobufWriter()
        .Int(ModelIrVersion, IrVersion)
        .String(ModelProducerName, "LstmGen.Bench")
        .Message(ModelGraph, _graph)
        .Message(ModelOpsetImport, new ProtobufWriter().Int(OpsetVersion, Opset))
        .ToArray();

    /// <summary>Little-endian raw data, as TensorProto.raw_data requires (this machine is little-endian).</summary>
    private static ProtobufWriter Tensor(string name, OnnxType type, ReadOnlySpan<byte> rawData, long[] dims)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("raw_data is written in the machine's byte order, which must be little-endian.");
        var tensor = new ProtobufWriter();
        foreach (long d in dims) tensor.Int(TensorDims, d); // proto2 `repeated int64 dims`: unpacked
        return tensor
            .Int(TensorDataType, (int)type)
            .String(TensorName, name)
            .Bytes(TensorRawData, rawData);
    }

    private static ProtobufWriter Value(string name, OnnxType type, long[] dims)
    {
        var shape = new ProtobufWriter();
        foreach (long d in dims)
            shape.Message(ShapeDim, d == Batch ? new ProtobufWriter().String(DimParam, "batch") : new ProtobufWriter().Int(DimValue, d));
        var tensorType = new ProtobufWriter().Int(TensorTypeElem, (int)type).Message(TensorTypeShape, shape);
        return new ProtobufWriter()
            .String(ValueName, name)
            .Message(ValueType, new ProtobufWriter().Message(TypeTensor, tensorType));
    }
}
