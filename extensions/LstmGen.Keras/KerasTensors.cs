// The Keras variables of one file, by Keras name and in the file's order, whatever the container: a safetensors file
// of Keras names, a Keras 2 .h5 (weight_names), or a Keras 3 weights .h5 (layers/…/vars/i, named from the config).
using System;
using System.Collections.Generic;
using LstmGen.IO;

namespace LstmGen.Keras;

/// <summary>Named tensors the weight mapper reads: names in file order, shapes before data, data only when the shape fits.</summary>
internal abstract class KerasTensors
{
    /// <summary>How messages name the file, e.g. <c>'model.keras'</c>.</summary>
    public abstract string Source { get; }

    /// <summary>Keras variable names (a trailing <c>:0</c> is allowed), layer 0 first.</summary>
    public abstract IReadOnlyList<string> Names { get; }

    public abstract int[] Shape(string name);

    /// <summary>Why the tensor's data type cannot be read as float, or null.</summary>
    public abstract string? DtypeProblem(string name);

    /// <summary>The tensor's values as float; <paramref name="shape"/> is its shape, already checked against the model.</summary>
    public abstract float[] Read(string name, int[] shape);
}

/// <summary>A safetensors file whose tensor names are Keras variable paths (tools/export_keras.py writes one).</summary>
internal sealed class SafetensorsKerasTensors : KerasTensors
{
    private readonly SafetensorsFile _file;

    public SafetensorsKerasTensors(SafetensorsFile file) => _file = file;

    public override string Source => $"'{_file.Path}'";

    public override IReadOnlyList<string> Names => _file.Names;

    public override int[] Shape(string name) => _file.GetInfo(name).Shape.ToArray();

    public override string? DtypeProblem(string name)
    {
        var info = _file.GetInfo(name);
        return SafetensorsDtypes.IsConvertibleToSingle(info.Dtype) ? null : $"expected dtype F32 (F16, BF16 and F64 are converted), found {SafetensorsDtypes.ToHeaderName(info.Dtype)}.";
    }

    public override float[] Read(string name, int[] shape) => _file.ReadFloat32(name);
}
