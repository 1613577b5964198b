// A dataset or model mismatch found in one sample, with the sample's index, so a user can find the bad row.
using System;

namespace LstmGen.Training;

/// <summary>A training sample that cannot be used as given (wrong length, token or label out of range, non-finite value …).</summary>
public sealed class InvalidSampleException : ArgumentException
{
    /// <summary>Creates the exception for sample <paramref name="sampleIndex"/> of the argument <paramref name="paramName"/>.</summary>
    public InvalidSampleException(int sampleIndex, string message, string? paramName)
        : base($"Sample {sampleIndex}: {message}", paramName)
    {
        SampleIndex = sampleIndex;
    }

    /// <summary>Index of the offending sample in the list it came from.</summary>
    public int SampleIndex { get; }
}
