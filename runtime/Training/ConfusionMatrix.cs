// Counts of (actual, predicted) class pairs, and the per-class and averaged scores people read off them.
using System;
using System.Globalization;
using System.Text;

namespace LstmGen.Training;

/// <summary>
/// A confusion matrix: <c>this[actual, predicted]</c> counts the positions of class <c>actual</c> predicted as
/// <c>predicted</c>. Precision, recall and F1 per class; their macro averages; accuracy.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] _counts;

    /// <summary>An empty matrix over <paramref name="classes"/> classes (at least 2).</summary>
    public ConfusionMatrix(int classes)
    {
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "A confusion matrix needs at least 2 classes.");
        Classes = classes;
        _counts = new long[checked(classes * classes)];
    }

    /// <summary>The matrix of <paramref name="actual"/> against <paramref name="predicted"/> class ids (same length, each in [0, <paramref name="classes"/>)).</summary>
    public static ConfusionMatrix From(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int classes)
    {
        if (actual.Length != predicted.Length)
            throw new ArgumentException($"Expected as many predictions as labels ({actual.Length}), got {predicted.Length}.", nameof(predicted));
        var matrix = new ConfusionMatrix(classes);
        for (int i = 0; i < actual.Length; i++) matrix.Add(actual[i], predicted[i]);
        return matrix;
    }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Positions counted.</summary>
    public long Total { get; private set; }

    /// <summary>Positions of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[Index(actual, nameof(actual)) * Classes + Index(predicted, nameof(predicted))];

    /// <summary>Counts one position.</summary>
    public void Add(int actual, int predicted)
    {
        _counts[Index(actual, nameof(actual)) * Classes + Index(predicted, nameof(predicted))]++;
        Total++;
    }

    /// <summary>Adds every count of <paramref name="other"/> (same number of classes).</summary>
    public void Add(ConfusionMatrix other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Classes != Classes) throw new ArgumentException($"Expected a matrix of {Classes} classes, got {other.Classes}.", nameof(other));
        for (int i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
        Total += other.Total;
    }

    /// <summary>Fraction of positions on the diagonal (NaN when empty).</summary>
    public double Accuracy
    {
        get
        {
            long right = 0;
            for (int k = 0; k < Classes; k++) right += _counts[k * Classes + k];
            return Total == 0 ? double.NaN : (double)right / Total;
        }
    }

    /// <summary>Of the positions predicted as <paramref name="k"/>, the fraction that are <paramref name="k"/> (NaN when none is predicted so).</summary>
    public double Precision(int k)
    {
        Index(k, nameof(k));
        long predicted = 0;
        for (int a = 0; a < Classes; a++) predicted += _counts[a * Classes + k];
        return predicted == 0 ? double.NaN : (double)_counts[k * Classes + k] / predicted;
    }

    /// <summary>Of the positions of class <paramref name="k"/>, the fraction predicted as <paramref name="k"/> (NaN when the class is absent).</summary>
    public double Recall(int k)
    {
        Index(k, nameof(k));
        long actual = 0;
        for (int p = 0; p < Classes; p++) actual += _counts[k * Classes + p];
        return actual == 0 ? double.NaN : (double)_counts[k * Classes + k] / actual;
    }

    /// <summary>The harmonic mean of <see cref="Precision"/> and <see cref="Recall"/> of class <paramref name="k"/> (0 when both are 0, NaN when either is undefined).</summary>
    public double F1(int k)
    {
        double p = Precision(k), r = Recall(k);
        if (double.IsNaN(p) || double.IsNaN(r)) return double.NaN;
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /// <summary>The mean of <see cref="F1"/> over the classes that occur (as actual or predicted), scikit-learn's macro F1 without zero-division classes.</summary>
    public double MacroF1
    {
        get
        {
            double sum = 0;
            int n = 0;
            for (int k = 0; k < Classes; k++)
            {
                double p = Precision(k), r = Recall(k);
                if (double.IsNaN(p) && double.IsNaN(r)) continue;
                sum += double.IsNaN(p) || double.IsNaN(r) || p + r == 0 ? 0 : 2 * p * r / (p + r);
                n++;
            }
            return n == 0 ? double.NaN : sum / n;
        }
    }

    /// <summary>The matrix as a text table, rows actual, columns predicted, with optional class names.</summary>
    public string ToString(Func<int, string>? className)
    {
        string Name(int k) => className?.Invoke(k) ?? k.ToString(CultureInfo.InvariantCulture);
        int width = 6;
        for (int k = 0; k < Classes; k++) width = Math.Max(width, Name(k).Length);
        foreach (long c in _counts) width = Math.Max(width, c.ToString(CultureInfo.InvariantCulture).Length);
        const string corner = "actual \\ predicted";
        int labels = corner.Length;
        for (int k = 0; k < Classes; k++) labels = Math.Max(labels, Name(k).Length);
        var text = new StringBuilder();
        text.Append(corner.PadRight(labels + 2));
        for (int k = 0; k < Classes; k++) text.Append(Name(k).PadLeft(width + 1));
        text.AppendLine();
        for (int a = 0; a < Classes; a++)
        {
            text.Append(Name(a).PadRight(labels + 2));
            for (int p = 0; p < Classes; p++) text.Append(_counts[a * Classes + p].ToString(CultureInfo.InvariantCulture).PadLeft(width + 1));
            text.AppendLine();
        }
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => ToString(null);

    private int Index(int k, string name) => (uint)k < (uint)Classes ? k
        : throw new ArgumentOutOfRangeException(name, k, $"Class ids are 0 to {Classes - 1}.");
}
