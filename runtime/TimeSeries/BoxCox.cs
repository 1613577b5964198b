// Variance-stabilising transforms for positive series (log and the Box–Cox family), with exact inverses and a
// maximum-likelihood estimate of the exponent, so a multiplicative season becomes an additive one.
using System;

namespace LstmGen.TimeSeries;

/// <summary>
/// The Box–Cox transform of a positive series: y = (x^λ − 1) / λ for λ ≠ 0 and y = ln x for λ = 0, and its
/// inverse x = (λy + 1)^(1/λ), x = e^y. λ = 1 only shifts the series, λ = 0.5 is a square root, λ = 0 the log.
/// </summary>
public static class BoxCox
{
    /// <summary>The transform of <paramref name="values"/> (each &gt; 0) with exponent <paramref name="lambda"/>.</summary>
    /// <exception cref="ArgumentException">A value is not positive and finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is not finite.</exception>
    public static double[] Transform(ReadOnlySpan<double> values, double lambda)
    {
        CheckLambda(lambda);
        RequirePositive(values, nameof(values));
        var y = new double[values.Length];
        for (int i = 0; i < y.Length; i++) y[i] = Transform(values[i], lambda);
        return y;
    }

    /// <summary>The inverse of <see cref="Transform(ReadOnlySpan{double}, double)"/>.</summary>
    /// <exception cref="ArgumentException">A value is outside the transform's range (λy + 1 ≤ 0 for λ ≠ 0), or not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is not finite.</exception>
    public static double[] Inverse(ReadOnlySpan<double> transformed, double lambda)
    {
        CheckLambda(lambda);
        SeriesChecks.RequireFinite(transformed, nameof(transformed));
        var x = new double[transformed.Length];
        for (int i = 0; i < x.Length; i++)
        {
            if (lambda != 0 && !(lambda * transformed[i] + 1 > 0))
                throw new ArgumentException($"Element {i} ({transformed[i]}) is outside the range of the Box–Cox transform with λ = {lambda}: λy + 1 must be > 0.", nameof(transformed));
            x[i] = Inverse(transformed[i], lambda);
        }
        return x;
    }

    /// <summary>The transform of one positive value (no checks).</summary>
    public static double Transform(double value, double lambda) => lambda == 0 ? Math.Log(value) : (Math.Pow(value, lambda) - 1) / lambda;

    /// <summary>The inverse of one value (no checks; NaN outside the range).</summary>
    public static double Inverse(double transformed, double lambda) => lambda == 0 ? Math.Exp(transformed) : Math.Pow(lambda * transformed + 1, 1 / lambda);

    /// <summary>
    /// The λ in [<paramref name="min"/>, <paramref name="max"/>] that maximises the Box–Cox profile log-likelihood
    /// −n/2 · ln σ²(λ) + (λ − 1) Σ ln x (σ² the variance of the transformed values), found by golden-section search
    /// to within 1e-6. Fit it on the training part only.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 values, or a value not positive and finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The interval is empty or not finite.</exception>
    public static double EstimateLambda(ReadOnlySpan<double> values, double min = -1, double max = 2)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || !(min < max))
            throw new ArgumentOutOfRangeException(nameof(max), max, $"Expected a finite interval with min < max; got [{min}, {max}].");
        if (values.Length < 2) throw new ArgumentException($"Estimating λ needs at least 2 values; got {values.Length}.", nameof(values));
        RequirePositive(values, nameof(values));
        double logSum = 0;
        foreach (double v in values) logSum += Math.Log(v);
        double[] x = values.ToArray(), buffer = new double[values.Length];
        double LogLikelihood(double lambda)
        {
            double mean = 0;
            for (int i = 0; i < x.Length; i++) mean += buffer[i] = Transform(x[i], lambda);
            mean /= x.Length;
            double variance = 0;
            foreach (double y in buffer) variance += (y - mean) * (y - mean);
            variance /= x.Length;
            return variance > 0 ? -0.5 * x.Length * Math.Log(variance) + (lambda - 1) * logSum : double.NegativeInfinity;
        }
        double ratio = (Math.Sqrt(5) - 1) / 2, a = min, b = max;
        double c = b - ratio * (b - a), d = a + ratio * (b - a), fc = LogLikelihood(c), fd = LogLikelihood(d);
        while (b - a > 1e-6)
        {
            if (fc > fd) { b = d; d = c; fd = fc; c = b - ratio * (b - a); fc = LogLikelihood(c); }
            else { a = c; c = d; fc = fd; d = a + ratio * (b - a); fd = LogLikelihood(d); }
        }
        return (a + b) / 2;
    }

    private static void CheckLambda(double lambda)
    {
        if (!double.IsFinite(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be finite.");
    }

    private static void RequirePositive(ReadOnlySpan<double> values, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!(values[i] > 0) || !double.IsFinite(values[i]))
                throw new ArgumentException($"The Box–Cox and log transforms need positive finite values; element {i} is {values[i]}. Shift the series first (x + c).", paramName);
        }
    }
}
