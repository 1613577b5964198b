// The error for a well-formed weight file that does not fit the model: names, dtypes, shapes, values.
using System;
using System.Collections.Generic;
using System.IO;

namespace LstmGen.IO;

/// <summary>
/// A weight file is a valid safetensors file but does not fit the model: a parameter is missing,
/// has the wrong dtype or shape, holds NaN or infinity, the file has tensors the model does not
/// (bidirectional or projection weights, more layers, unknown names), or its modules cannot be
/// recognised. Each problem names the tensor, the expected and the found value. Derives from
/// <see cref="IOException"/> (<see cref="InvalidDataException"/> is sealed).
/// </summary>
public sealed class WeightFileException : IOException
{
    /// <summary>Creates the exception for one problem.</summary>
    public WeightFileException(string message) : this(message, Array.Empty<string>(), null) { }

    /// <summary>Creates the exception for one problem with the exception that revealed it.</summary>
    public WeightFileException(string message, Exception? innerException) : this(message, Array.Empty<string>(), null, innerException) { }

    /// <summary>Creates the exception with its message and the individual problems it reports.</summary>
    public WeightFileException(string message, IReadOnlyList<string> problems, string? tensorName, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentNullException.ThrowIfNull(problems);
        Problems = problems.Count > 0 ? problems : new[] { message };
        TensorName = tensorName;
    }

    /// <summary>Every problem found, one line each (the message lists them too).</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The file tensor named by the first problem, or null when the problem is not about one tensor.</summary>
    public string? TensorName { get; }
}
