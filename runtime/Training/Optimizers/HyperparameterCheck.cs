// Argument checks shared by the optimizers' constructors and learning-rate setters.
using System;
using System.Globalization;

namespace LstmGen.Training.Optimizers;

/// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the argument, the rule and the value.</summary>
internal static class HyperparameterCheck
{
    /// <summary>Requires a finite value.</summary>
    public static double Finite(double value, string name)
    {
        if (!double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite, found {Format(value)}.");
        return value;
    }

    /// <summary>Requires a finite value ≥ 0.</summary>
    public static double NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and at least 0, found {Format(value)}.");
        return value;
    }

    /// <summary>Requires a finite value &gt; 0.</summary>
    public static double Positive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and greater than 0, found {Format(value)}.");
        return value;
    }

    /// <summary>Requires 0 ≤ value &lt; 1 (a decay rate such as Adam's betas).</summary>
    public static double UnitInterval(double value, string name)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1), found {Format(value)}.");
        return value;
    }

    /// <summary>The invariant round-trip text of <paramref name="value"/>.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
