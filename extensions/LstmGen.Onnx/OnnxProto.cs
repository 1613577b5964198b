// The few ONNX protobuf messages the weight importer reads (ModelProto, GraphProto, NodeProto,
// AttributeProto, TensorProto), decoded with Google.Protobuf's CodedInputStream: only the fields used.
using System;
using System.Collections.Generic;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.Reflection;

namespace LstmGen.Onnx;

// Why hand-written and not protoc output: the importer needs 5 messages and ~25 fields of onnx.proto
// (the whole file is ~40 messages; its C# would be ~10,000 generated lines plus a build-time protoc).
// These classes implement IMessage so CodedInputStream.ReadMessage drives nested parsing (length limits,
// recursion limit, unknown-field skipping all come from the library); field numbers are onnx.proto's,
// which ONNX never renumbers (the format is versioned by adding fields). Fields not listed are skipped.
// Read-only: WriteTo/CalculateSize/Descriptor are not supported (OnnxWriter writes the messages the exporter needs). No reflection is used, so trimming
// and NativeAOT are unaffected.

/// <summary>Base of the read-only ONNX messages: reads tags until the end of the message and skips unknown fields.</summary>
internal abstract class OnnxMessage : IMessage
{
    public void MergeFrom(CodedInputStream input)
    {
        uint tag;
        while ((tag = input.ReadTag()) != 0)
            if (!ReadField(input, tag)) input.SkipLastField();
    }

    /// <summary>Reads the field of <paramref name="tag"/>; false to skip it.</summary>
    protected abstract bool ReadField(CodedInputStream input, uint tag);

    public void WriteTo(CodedOutputStream output) => throw new NotSupportedException("The ONNX messages of the weight importer are read-only.");
    public int CalculateSize() => throw new NotSupportedException("The ONNX messages of the weight importer are read-only.");
    public MessageDescriptor Descriptor => throw new NotSupportedException("The ONNX messages of the weight importer carry no descriptor.");

    protected static int Field(uint tag) => WireFormat.GetTagFieldNumber(tag);

    protected static T ReadMessage<T>(CodedInputStream input) where T : OnnxMessage, new()
    {
        var message = new T();
        input.ReadMessage(message);
        return message;
    }
}

/// <summary><c>onnx.ModelProto</c>: ir_version = 1, graph = 7, metadata_props = 14.</summary>
internal sealed class OnnxModelProto : OnnxMessage
{
    public long IrVersion;
    public OnnxGraphProto? Graph;
    /// <summary>metadata_props entries (key, value), e.g. LstmGen's reference vectors.</summary>
    public readonly List<KeyValuePair<string, string>> Metadata = new();

    public static OnnxModelProto Parse(byte[] bytes)
    {
        var model = new OnnxModelProto();
        model.MergeFrom(new CodedInputStream(bytes));
        return model;
    }

    protected override bool ReadField(CodedInputStream input, uint tag)
    {
        switch (Field(tag))
        {
            case 1: IrVersion = input.ReadInt64(); return true;
            case 7: Graph = ReadMessage<OnnxGraphProto>(input); return true;
            case 14:
                var entry = ReadMessage<OnnxStringStringEntry>(input);
                Metadata.Add(new(entry.Key, entry.Value));
                return true;
            default: return false;
        }
    }
}

/// <summary><c>onnx.GraphProto</c>: node = 1, name = 2, initializer = 5.</summary>
internal sealed class OnnxGraphProto : OnnxMessage
{
    public readonly List<OnnxNodeProto> Nodes = new();
    public readonly List<OnnxTensorProto> Initializers = new();
    public string Name = "";

    protected override bool ReadField(CodedInputStream input, uint tag)
    {
        switch (Field(tag))
        {
            case 1: Nodes.Add(ReadMessage<OnnxNodeProto>(input)); return true;
            case 2: Name = input.ReadString(); return true;
            case 5: Initializers.Add(ReadMessage<OnnxTensorProto>(input)); return true;
            default: return false;
        }
    }
}

/// <summary><c>onnx.NodeProto</c>: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.</summary>
internal sealed class OnnxNodeProto : OnnxMessage
{
    public readonly List<string> Inputs = new();
    public readonly List<string> Outputs = new();
    public readonly List<OnnxAttributeProto> Attributes = new();
    public string Name = "";
    public string OpType = "";
    public string Domain = "";

    /// <summary>Input <paramref name="index"/>, or "" when absent (ONNX marks a skipped optional input with an empty name).</summary>
    public string Input(int index) => index < Inputs.Count ? Inputs[index] : "";

    public OnnxAttributeProto? Attribute(string name)
    {
        foreach (var a in Attributes) if (a.Name == name) return a;
        return null;
    }

    /// <summary>How error messages name the node: <c>LSTM node '/lstm/LSTM'</c>.</summary>
    public string Describe() => Name.Length > 0 ? $"{OpType} node '{Name}'" : $"{OpType} node (unnamed, output '{(Outputs.Count > 0 ? Outputs[0] : "")}')";

    protected override bool ReadField(CodedInputStream input, uint tag)
    {
        switch (Field(tag))
        {
            case 1: Inputs.Add(input.ReadString()); return true;
            case 2: Outputs.Add(input.ReadString()); return true;
            case 3: Name = input.ReadString(); return true;
            case 4: OpType = input.ReadString(); return true;
            case 5: Attributes.Add(ReadMessage<OnnxAttributeProto>(input)); return true;
            case 7: Domain = input.ReadString(); return true;
            default: return false;
        }
    }
}

/// <summary><c>onnx.AttributeProto</c>: name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, strings = 9, type = 20.</summary>
internal sealed class OnnxAttributeProto : OnnxMessage
{
    public string Name = "";
    public int Type;
    public float F;
    public long I;
    public ByteString S = ByteString.Empty;
    public OnnxTensorProto? T;
    public readonly RepeatedField<float> Floats = new();
    public readonly RepeatedField<long> Ints = new();
    public readonly RepeatedField<ByteString> Strings = new();

    /// <summary>AttributeProto.AttributeType values used here.</summary>
    public const int FloatType = 1, IntType = 2, StringType = 3, TensorType = 4, FloatsType = 6, IntsType = 7, StringsType = 8;

    protected override bool ReadField(CodedInputStream input, uint tag)
    {
        switch (Field(tag))
        {
            case 1: Name = input.ReadString(); return true;
            case 2: F = input.ReadFloat(); return true;
            case 3: I = input.ReadInt64(); return true;
            case 4: S = input.ReadBytes(); return true;
            case 5: T = ReadMessage<OnnxTensorProto>(input); return true;
            case 7: Floats.AddEntriesFrom(input, FieldCodec.ForFloat(tag)); return true;
            case 8: Ints.AddEntriesFrom(input, FieldCodec.ForInt64(tag)); return true;
            case 9: Strings.AddEntriesFrom(input, FieldCodec.ForBytes(tag)); return true;
            case 20: Type = input.ReadEnum(); return true;
            default: return false;
        }
    }
}

/// <summary>
/// <c>onnx.TensorProto</c>: dims = 1, data_type = 2, float_data = 4, int32_data = 5, int64_data = 7, name = 8,
/// raw_data = 9, double_data = 10, external_data = 13, data_location = 14.
/// </summary>
internal sealed class OnnxTensorProto : OnnxMessage
{
    /// <summary>TensorProto.DataType values used here.</summary>
    public const int FloatType = 1, Int32Type = 6, Int64Type = 7, Float16Type = 10, DoubleType = 11;

    public readonly RepeatedField<long> Dims = new();
    public int DataType;
    public readonly RepeatedField<float> FloatData = new();
    public readonly RepeatedField<int> Int32Data = new();
    public readonly RepeatedField<long> Int64Data = new();
    public readonly RepeatedField<double> DoubleData = new();
    public string Name = "";
    public ByteString RawData = ByteString.Empty;
    public bool HasRawData;
    /// <summary>external_data entries (key, value), e.g. ("location", "weights.bin").</summary>
    public readonly List<KeyValuePair<string, string>> ExternalData = new();
    public int DataLocation;

    protected override bool ReadField(CodedInputStream input, uint tag)
    {
        switch (Field(tag))
        {
            case 1: Dims.AddEntriesFrom(input, FieldCodec.ForInt64(tag)); return true;
            case 2: DataType = input.ReadInt32(); return true;
            case 4: FloatData.AddEntriesFrom(input, FieldCodec.ForFloat(tag)); return true;
            case 5: Int32Data.AddEntriesFrom(input, FieldCodec.ForInt32(tag)); return true;
            case 7: Int64Data.AddEntriesFrom(input, FieldCodec.ForInt64(tag)); return true;
            case 8: Name = input.ReadString(); return true;
            case 9: RawData = input.ReadBytes(); HasRawData = true; return true;
            case 10: DoubleData.AddEntriesFrom(input, FieldCodec.ForDouble(tag)); return true;
            case 13:
                var entry = ReadMessage<OnnxStringStringEntry>(input);
                ExternalData.Add(new(entry.Key, entry.Value));
                return true;
            case 14: DataLocation = input.ReadEnum(); return true;
            default: return false;
        }
    }
}

/// <summary><c>onnx.StringStringEntryProto</c>: key = 1, value = 2.</summary>
internal sealed class OnnxStringStringEntry : OnnxMessage
{
    public string Key = "";
    public string Value = "";

    protected override bool ReadField(CodedInputStream input, uint tag)
    {
        switch (Field(tag))
        {
            case 1: Key = input.ReadString(); return true;
            case 2: Value = input.ReadString(); return true;
            default: return false;
        }
    }
}
