// One exception type for every way a safetensors file can be malformed, so callers catch exactly one thing.
using System;
using System.IO;

namespace LstmGen.IO;

/// <summary>
/// A safetensors file is malformed: its length field, header JSON, a tensor entry or the data
/// buffer does not follow the format. The message names the tensor or field, what was expected
/// and what was found. Derives from <see cref="IOException"/> (<see cref="InvalidDataException"/>
/// is sealed), so code that already handles I/O failures of a load handles this too.
/// </summary>
public sealed class SafetensorsFormatException : IOException
{
    /// <summary>Creates the exception with a message.</summary>
    public SafetensorsFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the exception that revealed the problem.</summary>
    public SafetensorsFormatException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with a message that concerns one tensor.</summary>
    public SafetensorsFormatException(string message, string? tensorName, Exception? innerException = null)
        : base(message, innerException) => TensorName = tensorName;

    /// <summary>The tensor the problem concerns, or null when it concerns the file as a whole.</summary>
    public string? TensorName { get; }
}
