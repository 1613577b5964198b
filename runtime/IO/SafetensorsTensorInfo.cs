// What the header says about one tensor, after validation: a caller can size buffers from it safely.
using System;

namespace LstmGen.IO;

/// <summary>One tensor's entry in a safetensors header, validated against the file.</summary>
public sealed class SafetensorsTensorInfo
{
    private readonly int[] _shape;

    internal SafetensorsTensorInfo(string name, SafetensorsDtype dtype, int[] shape, long elementCount, long dataBegin, long dataEnd)
    {
        Name = name;
        Dtype = dtype;
        _shape = shape;
        ElementCount = elementCount;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
    }

    /// <summary>The tensor's name, e.g. <c>lstm.weight_ih_l0</c>.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public SafetensorsDtype Dtype { get; }

    /// <summary>The dimensions, outermost first (row-major). Empty for a scalar.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The shape as text, e.g. <c>[56, 8]</c>.</summary>
    public string ShapeText => FormatShape(_shape);

    /// <summary>The product of the dimensions (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Start of the tensor's bytes, relative to the start of the data buffer.</summary>
    public long DataBegin { get; }

    /// <summary>End (exclusive) of the tensor's bytes, relative to the start of the data buffer.</summary>
    public long DataEnd { get; }

    /// <summary>Bytes the tensor occupies: <see cref="ElementCount"/> times the dtype's size.</summary>
    public long ByteLength => DataEnd - DataBegin;


    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {SafetensorsDtypes.ToHeaderName(Dtype)} {ShapeText}";

    internal static string FormatShape(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
