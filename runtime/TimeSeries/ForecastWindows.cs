// Supervised samples cut from a series: the last W steps of several input columns (the target's own history
// and covariates) as the input sequence, the next H values of the target as the outputs (direct multi-step).
using System;
using System.Collections.Generic;
using LstmGen.Training;

namespace LstmGen.TimeSeries;

/// <summary>
/// Windows over aligned columns of one series. A window is named by its <i>origin</i> t, the index of its last
/// input step: its input is steps t − W + 1 … t of every input column (step after step, the columns of a step
/// side by side, in the order given), and its targets are <c>target</c>[t + 1 … t + H].
/// </summary>
/// <remarks>
/// Input columns are observed at the input steps only (the target's history, other series, calendar features of
/// those steps). A model trained on <see cref="ToDataset"/> reads W steps of <see cref="Width"/> floats and has
/// <see cref="Horizon"/> outputs on its last step: <c>[LstmModel(Inputs = Width, Outputs = Horizon)]</c>.
/// </remarks>
/// <example>
/// <code>
/// // Target history plus a calendar covariate, 24 steps in, 12 out; train on origins up to the split.
/// var windows = new ForecastWindows(new[] { scaledTarget, monthSine }, scaledTarget, window: 24, horizon: 12);
/// SequenceDataset train = windows.ToDataset(windows.FirstOrigin, split - 1 - windows.Horizon);
/// </code>
/// </example>
public sealed class ForecastWindows
{
    private readonly double[][] _columns;
    private readonly double[] _target;

    /// <summary>Windows of <paramref name="window"/> steps over <paramref name="inputColumns"/> with <paramref name="horizon"/> targets from <paramref name="target"/>.</summary>
    /// <param name="inputColumns">One or more columns, all as long as <paramref name="target"/>, finite (the arrays are copied).</param>
    /// <param name="target">The series to forecast (usually also the first input column).</param>
    /// <param name="window">Input steps per window (W ≥ 1).</param>
    /// <param name="horizon">Future target values per window (H ≥ 1).</param>
    /// <exception cref="ArgumentException">No columns, a column of another length or with a non-finite value, or the series too short for one window.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="window"/> or <paramref name="horizon"/> is not positive.</exception>
    public ForecastWindows(IReadOnlyList<double[]> inputColumns, double[] target, int window, int horizon)
    {
        ArgumentNullException.ThrowIfNull(inputColumns);
        ArgumentNullException.ThrowIfNull(target);
        SeriesChecks.RequirePositive(window, nameof(window));
        SeriesChecks.RequirePositive(horizon, nameof(horizon));
        if (inputColumns.Count == 0) throw new ArgumentException("Expected at least one input column (usually the target's own history); got none.", nameof(inputColumns));
        SeriesChecks.RequireFinite(target, nameof(target));
        _columns = new double[inputColumns.Count][];
        for (int c = 0; c < _columns.Length; c++)
        {
            double[] column = inputColumns[c] ?? throw new ArgumentException($"Input column {c} is null.", nameof(inputColumns));
            if (column.Length != target.Length)
                throw new ArgumentException($"Input column {c} has {column.Length} values; the target has {target.Length}. Align the columns first.", nameof(inputColumns));
            for (int i = 0; i < column.Length; i++)
            {
                if (!double.IsFinite(column[i]))
                    throw new ArgumentException($"Input column {c}, element {i} is {column[i]}; expected finite values (fill gaps first).", nameof(inputColumns));
            }
            _columns[c] = (double[])column.Clone();
        }
        if (target.Length < window + horizon)
            throw new ArgumentException($"A window of {window} steps and a horizon of {horizon} need at least {window + horizon} values; the series has {target.Length}.", nameof(target));
        _target = (double[])target.Clone();
        Window = window;
        Horizon = horizon;
    }

    /// <summary>Input steps per window (W).</summary>
    public int Window { get; }

    /// <summary>Targets per window (H).</summary>
    public int Horizon { get; }

    /// <summary>Input columns, the floats per step (the model's <c>Inputs</c>).</summary>
    public int Width => _columns.Length;

    /// <summary>Values in the series.</summary>
    public int Length => _target.Length;

    /// <summary>The first origin with a full window: W − 1.</summary>
    public int FirstOrigin => Window - 1;

    /// <summary>The last origin whose H targets all lie in the series: n − 1 − H.</summary>
    public int LastTargetOrigin => Length - 1 - Horizon;

    /// <summary>Writes the W × <see cref="Width"/> inputs of the window ending at <paramref name="origin"/> (which may be as late as n − 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="origin"/> is before <see cref="FirstOrigin"/> or past the series.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not W × <see cref="Width"/> long.</exception>
    public void CopyInputs(int origin, Span<double> destination)
    {
        CheckOrigin(origin, Length - 1);
        CheckLength(destination.Length, Window * Width, nameof(destination));
        int start = origin - Window + 1, k = 0;
        for (int t = start; t <= origin; t++)
        {
            foreach (double[] column in _columns) destination[k++] = column[t];
        }
    }

    /// <inheritdoc cref="CopyInputs(int, Span{double})"/>
    public void CopyInputs(int origin, Span<float> destination)
    {
        CheckOrigin(origin, Length - 1);
        CheckLength(destination.Length, Window * Width, nameof(destination));
        int start = origin - Window + 1, k = 0;
        for (int t = start; t <= origin; t++)
        {
            foreach (double[] column in _columns) destination[k++] = (float)column[t];
        }
    }

    /// <summary>Writes the H targets <c>target</c>[origin + 1 … origin + H] of a window.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="origin"/> is before <see cref="FirstOrigin"/> or after <see cref="LastTargetOrigin"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not H long.</exception>
    public void CopyTargets(int origin, Span<double> destination)
    {
        CheckOrigin(origin, LastTargetOrigin);
        CheckLength(destination.Length, Horizon, nameof(destination));
        _target.AsSpan(origin + 1, Horizon).CopyTo(destination);
    }

    /// <summary>
    /// The windows with origins <paramref name="firstOrigin"/> … <paramref name="lastOrigin"/> (inclusive) as a
    /// float dataset for the <see cref="Trainer"/>: W steps of <see cref="Width"/> floats in, H values on the last step.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An origin is outside <see cref="FirstOrigin"/> … <see cref="LastTargetOrigin"/>, or the range is empty.</exception>
    public SequenceDataset ToDataset(int firstOrigin, int lastOrigin)
    {
        CheckOrigin(firstOrigin, LastTargetOrigin, nameof(firstOrigin));
        CheckOrigin(lastOrigin, LastTargetOrigin, nameof(lastOrigin));
        if (lastOrigin < firstOrigin)
            throw new ArgumentOutOfRangeException(nameof(lastOrigin), lastOrigin, $"The range is empty: lastOrigin {lastOrigin} is before firstOrigin {firstOrigin}.");
        int count = lastOrigin - firstOrigin + 1;
        var inputs = new float[count][];
        var targets = new float[count][];
        for (int i = 0; i < count; i++)
        {
            int origin = firstOrigin + i;
            inputs[i] = new float[Window * Width];
            CopyInputs(origin, inputs[i]);
            targets[i] = new float[Horizon];
            for (int k = 0; k < Horizon; k++) targets[i][k] = (float)_target[origin + 1 + k];
        }
        return SequenceDataset.FromFloats(inputs, Width, targets, HeadOn.LastStep);
    }

    private void CheckOrigin(int origin, int last, string paramName = "origin")
    {
        if (origin < FirstOrigin || origin > last)
            throw new ArgumentOutOfRangeException(paramName, origin,
                $"Expected an origin in {FirstOrigin} … {last} (window {Window}, horizon {Horizon}, {Length} values); got {origin}.");
    }

    private static void CheckLength(int actual, int expected, string paramName)
    {
        if (actual != expected) throw new ArgumentException($"Expected a span of {expected} values; got {actual}.", paramName);
    }
}
