// Rolling-origin (time-series cross-validation) splits: each fold trains on everything before its origin and
// validates on the block after it, so no fold ever sees the future of its own validation block.
using System;

namespace LstmGen.TimeSeries;

/// <summary>One fold: train on values [0, <see cref="TrainLength"/>), validate on [<see cref="TestStart"/>, <see cref="TestEnd"/>).</summary>
/// <param name="TrainLength">Values before the origin (the training part; it starts at 0 and grows fold by fold).</param>
/// <param name="TestLength">Values in the validation block right after the origin.</param>
public readonly record struct RollingOriginSplit(int TrainLength, int TestLength)
{
    /// <summary>The first validation value's index (= <see cref="TrainLength"/>).</summary>
    public int TestStart => TrainLength;

    /// <summary>One past the last validation value's index.</summary>
    public int TestEnd => TrainLength + TestLength;
}

/// <summary>Rolling-origin evaluation (Tashman 2000): expanding training parts, validation blocks after each origin.</summary>
public static class RollingOrigin
{
    /// <summary>
    /// <paramref name="folds"/> splits of a series of <paramref name="length"/> values, earliest first. The last
    /// fold's validation block ends at the series' end; each earlier one ends <paramref name="step"/> values
    /// (default: <paramref name="testLength"/>, so the blocks tile without overlap) before the next.
    /// </summary>
    /// <param name="length">Values in the series to split (for model selection: the training part only).</param>
    /// <param name="folds">Number of splits (≥ 1).</param>
    /// <param name="testLength">Values in each validation block (≥ 1).</param>
    /// <param name="minTrainLength">The earliest fold must train on at least this many values.</param>
    /// <param name="step">Distance between successive origins (≥ 1); null: <paramref name="testLength"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive.</exception>
    /// <exception cref="ArgumentException">The series is too short for the folds and <paramref name="minTrainLength"/>.</exception>
    public static RollingOriginSplit[] Create(int length, int folds, int testLength, int minTrainLength = 1, int? step = null)
    {
        SeriesChecks.RequirePositive(length, nameof(length));
        SeriesChecks.RequirePositive(folds, nameof(folds));
        SeriesChecks.RequirePositive(testLength, nameof(testLength));
        SeriesChecks.RequirePositive(minTrainLength, nameof(minTrainLength));
        int stride = step ?? testLength;
        SeriesChecks.RequirePositive(stride, nameof(step));
        long firstTrain = (long)length - testLength - (long)(folds - 1) * stride;
        if (firstTrain < minTrainLength)
            throw new ArgumentException(
                $"{folds} folds of {testLength} validation values {stride} apart leave {firstTrain} training values in the first fold; at least {minTrainLength} are needed (length {length}). Use fewer folds or shorter blocks.",
                nameof(length));
        var splits = new RollingOriginSplit[folds];
        for (int f = 0; f < folds; f++) splits[f] = new RollingOriginSplit((int)firstTrain + f * stride, testLength);
        return splits;
    }
}
