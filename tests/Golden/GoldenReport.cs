// What one golden check found, tensor by tensor, written so a failure explains itself.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace LstmGen.Tests.Golden;

/// <summary>How one expected tensor fared.</summary>
public enum GoldenStatus
{
    /// <summary>Compared and within tolerance.</summary>
    Passed,

    /// <summary>Compared and out of tolerance, missing, or of the wrong size.</summary>
    Failed,

    /// <summary>Present in the file but not checked (the loss and gradients of a model that is not trainable).</summary>
    NotChecked,
}

/// <summary>One line of a report: an expected tensor (or a consistency check) and its outcome.</summary>
/// <param name="Name">The tensor, with the path that produced it, e.g. <c>expected.output (Predict)</c>.</param>
/// <param name="Status">Outcome.</param>
/// <param name="Error">Max-normalised error, when compared.</param>
/// <param name="WorstIndex">Multi-index of the worst element, e.g. <c>[3, 14, 0]</c>.</param>
/// <param name="Implementation">The implementation's value there.</param>
/// <param name="Reference">The reference value there.</param>
/// <param name="Note">Why it failed or was not checked, or which reference it used.</param>
public sealed record GoldenTensorResult(string Name, GoldenStatus Status, double Error, string WorstIndex, double Implementation, double Reference, string Note)
{
    /// <inheritdoc/>
    public override string ToString() => Status == GoldenStatus.NotChecked
        ? $"  NOT CHECKED  {Name}: {Note}"
        : string.Create(CultureInfo.InvariantCulture,
            $"  {(Status == GoldenStatus.Passed ? "ok    " : "FAILED")}       {Name}: err {Error:E2} at {WorstIndex} (impl {Implementation:G9}, ref {Reference:G9}){(Note.Length > 0 ? "; " + Note : "")}");
}

/// <summary>All results of checking one model on one golden case.</summary>
public sealed class GoldenReport
{
    private readonly List<GoldenTensorResult> _results = [];

    internal GoldenReport(GoldenCase goldenCase, string modelName)
    {
        Case = goldenCase;
        ModelName = modelName;
    }

    /// <summary>The case.</summary>
    public GoldenCase Case { get; }

    /// <summary>The model's type name.</summary>
    public string ModelName { get; }

    /// <summary>One line per expected tensor and per consistency check.</summary>
    public IReadOnlyList<GoldenTensorResult> Results => _results;

    /// <summary>True when nothing failed.</summary>
    public bool Passed => _results.All(r => r.Status != GoldenStatus.Failed);

    /// <summary>The largest error of every compared tensor.</summary>
    public double MaxError => _results.Where(r => r.Status != GoldenStatus.NotChecked).Select(r => r.Error).DefaultIfEmpty(0).Max();

    internal void Add(GoldenTensorResult result) => _results.Add(result);

    internal void Fail(string name, string note) => _results.Add(new GoldenTensorResult(name, GoldenStatus.Failed, double.PositiveInfinity, "-", double.NaN, double.NaN, note));

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Golden {Case} on {ModelName}: {(Passed ? "passed" : "FAILED")} (err = max|impl-ref| / max(max|ref|, 1e-3) <= {NormalisedError.ForwardTolerance:E0} for expected.*, <= {NormalisedError.GradientTolerance:E0} for grad.*; expected.loss relative error <= {NormalisedError.LossTolerance:E0})");
        foreach (GoldenTensorResult r in _results) text.AppendLine().Append(r);
        return text.ToString();
    }
}
