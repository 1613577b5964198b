// The scores of a model on a dataset: the loss it was trained with, and accuracy and ROC AUC where they apply.
namespace LstmGen.Training;

/// <summary>Loss and metrics of a model on a dataset (see <see cref="Trainer.Evaluate(SequenceDataset)"/>).</summary>
public sealed class EvaluationResult
{
    internal EvaluationResult(double loss, double? accuracy, double? rocAuc, int samples, long positions)
    {
        Loss = loss;
        Accuracy = accuracy;
        RocAuc = rocAuc;
        Samples = samples;
        Positions = positions;
    }

    /// <summary>Mean loss over the samples (each sample's loss is the mean over its target positions, times its weight).</summary>
    public double Loss { get; }

    /// <summary>Fraction of counted target positions predicted right (classification), else null.</summary>
    public double? Accuracy { get; }

    /// <summary>ROC AUC over counted positions for a binary head (one sigmoid output or two softmax outputs), else null; NaN when one class is absent.</summary>
    public double? RocAuc { get; }

    /// <summary>Samples evaluated.</summary>
    public int Samples { get; }

    /// <summary>Target positions counted for accuracy (per output value for binary cross-entropy).</summary>
    public long Positions { get; }

    /// <inheritdoc/>
    public override string ToString()
    {
        string text = System.FormattableString.Invariant($"loss {Loss:G5}");
        if (Accuracy is { } accuracy) text += System.FormattableString.Invariant($", accuracy {accuracy:P2}");
        if (RocAuc is { } auc) text += System.FormattableString.Invariant($", ROC AUC {auc:F4}");
        return text;
    }
}
