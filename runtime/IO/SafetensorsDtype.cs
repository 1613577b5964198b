// The element types a safetensors header may name, with their sizes and header spellings in one place.
using System;

namespace LstmGen.IO;

/// <summary>Element type of a safetensors tensor (the header's <c>dtype</c> field).</summary>
public enum SafetensorsDtype
{
    /// <summary>Boolean, one byte per element (<c>BOOL</c>).</summary>
    Bool,
    /// <summary>Unsigned 8-bit integer (<c>U8</c>).</summary>
    U8,
    /// <summary>Signed 8-bit integer (<c>I8</c>).</summary>
    I8,
    /// <summary>8-bit float, 5 exponent and 2 mantissa bits (<c>F8_E5M2</c>). Stored and read as raw bytes only.</summary>
    F8E5M2,
    /// <summary>8-bit float, 4 exponent and 3 mantissa bits (<c>F8_E4M3</c>). Stored and read as raw bytes only.</summary>
    F8E4M3,
    /// <summary>Signed 16-bit integer (<c>I16</c>).</summary>
    I16,
    /// <summary>Unsigned 16-bit integer (<c>U16</c>).</summary>
    U16,
    /// <summary>IEEE 754 half precision (<c>F16</c>).</summary>
    F16,
    /// <summary>bfloat16: the upper 16 bits of a float (<c>BF16</c>).</summary>
    BF16,
    /// <summary>Signed 32-bit integer (<c>I32</c>).</summary>
    I32,
    /// <summary>Unsigned 32-bit integer (<c>U32</c>).</summary>
    U32,
    /// <summary>IEEE 754 single precision (<c>F32</c>).</summary>
    F32,
    /// <summary>Signed 64-bit integer (<c>I64</c>).</summary>
    I64,
    /// <summary>Unsigned 64-bit integer (<c>U64</c>).</summary>
    U64,
    /// <summary>IEEE 754 double precision (<c>F64</c>).</summary>
    F64,
}

/// <summary>Sizes and header spellings of <see cref="SafetensorsDtype"/> values.</summary>
public static class SafetensorsDtypes
{
    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int SizeOf(SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.Bool or SafetensorsDtype.U8 or SafetensorsDtype.I8 or SafetensorsDtype.F8E5M2 or SafetensorsDtype.F8E4M3 => 1,
        SafetensorsDtype.I16 or SafetensorsDtype.U16 or SafetensorsDtype.F16 or SafetensorsDtype.BF16 => 2,
        SafetensorsDtype.I32 or SafetensorsDtype.U32 or SafetensorsDtype.F32 => 4,
        SafetensorsDtype.I64 or SafetensorsDtype.U64 or SafetensorsDtype.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>The spelling used in a safetensors header, e.g. <c>F32</c> or <c>F8_E4M3</c>.</summary>
    public static string ToHeaderName(SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.Bool => "BOOL",
        SafetensorsDtype.U8 => "U8",
        SafetensorsDtype.I8 => "I8",
        SafetensorsDtype.F8E5M2 => "F8_E5M2",
        SafetensorsDtype.F8E4M3 => "F8_E4M3",
        SafetensorsDtype.I16 => "I16",
        SafetensorsDtype.U16 => "U16",
        SafetensorsDtype.F16 => "F16",
        SafetensorsDtype.BF16 => "BF16",
        SafetensorsDtype.I32 => "I32",
        SafetensorsDtype.U32 => "U32",
        SafetensorsDtype.F32 => "F32",
        SafetensorsDtype.I64 => "I64",
        SafetensorsDtype.U64 => "U64",
        SafetensorsDtype.F64 => "F64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>Parses a header spelling (case-sensitive, as the format defines it).</summary>
    public static bool TryParseHeaderName(ReadOnlySpan<char> text, out SafetensorsDtype dtype)
    {
        switch (text)
        {
            case "BOOL": dtype = SafetensorsDtype.Bool; return true;
            case "U8": dtype = SafetensorsDtype.U8; return true;
            case "I8": dtype = SafetensorsDtype.I8; return true;
            case "F8_E5M2": dtype = SafetensorsDtype.F8E5M2; return true;
            case "F8_E4M3": dtype = SafetensorsDtype.F8E4M3; return true;
            case "I16": dtype = SafetensorsDtype.I16; return true;
            case "U16": dtype = SafetensorsDtype.U16; return true;
            case "F16": dtype = SafetensorsDtype.F16; return true;
            case "BF16": dtype = SafetensorsDtype.BF16; return true;
            case "I32": dtype = SafetensorsDtype.I32; return true;
            case "U32": dtype = SafetensorsDtype.U32; return true;
            case "F32": dtype = SafetensorsDtype.F32; return true;
            case "I64": dtype = SafetensorsDtype.I64; return true;
            case "U64": dtype = SafetensorsDtype.U64; return true;
            case "F64": dtype = SafetensorsDtype.F64; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>True for the float types <see cref="SafetensorsFile.ReadFloat32(string, System.Span{float})"/> converts: F16, BF16, F32, F64.</summary>
    public static bool IsConvertibleToSingle(SafetensorsDtype dtype) =>
        dtype is SafetensorsDtype.F16 or SafetensorsDtype.BF16 or SafetensorsDtype.F32 or SafetensorsDtype.F64;
}
