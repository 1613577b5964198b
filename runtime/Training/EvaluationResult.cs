// The scores of a model on a dataset: the loss it was trained with, and the metrics that apply to its task.
using System.Globalization;

namespace LstmGen.Training;

/// <summary>
/// Loss and metrics of a model on a dataset (see <see cref="ModelEvaluation.Evaluate"/> and <see cref="Trainer.Evaluate(SequenceDataset)"/>).
/// Classification reports accuracy, a confusion matrix (single-label tasks), precision/recall/F1 and, for a binary task,
/// ROC AUC; a softmax also reports cross-entropy per position as perplexity and bits per token; regression reports RMSE and
/// MAE. A metric that does not apply is null.
/// </summary>
public sealed class EvaluationResult
{
    private EvaluationResult(Builder b)
    {
        Loss = b.Loss;
        Accuracy = b.Accuracy;
        RocAuc = b.RocAuc;
        Samples = b.Samples;
        Positions = b.Positions;
        Confusion = b.Confusion;
        CrossEntropy = b.CrossEntropy;
        Rmse = b.Rmse;
        Mae = b.Mae;
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

    /// <summary>Actual against predicted class over the counted positions, for a softmax head or one sigmoid output (class 1: logit &gt; 0); else null.</summary>
    public ConfusionMatrix? Confusion { get; }

    /// <summary>
    /// Precision of the positive class (class 1) for a binary task, the macro average over classes otherwise; null without a confusion matrix.
    /// </summary>
    public double? Precision => Confusion is null ? null : Confusion.Classes == 2 ? Confusion.Precision(1) : Macro(Confusion, static (m, k) => m.Precision(k));

    /// <summary>Recall of the positive class for a binary task, the macro average over classes otherwise; null without a confusion matrix.</summary>
    public double? Recall => Confusion is null ? null : Confusion.Classes == 2 ? Confusion.Recall(1) : Macro(Confusion, static (m, k) => m.Recall(k));

    /// <summary>F1 of the positive class for a binary task, the macro F1 otherwise; null without a confusion matrix.</summary>
    public double? F1 => Confusion is null ? null : Confusion.Classes == 2 ? Confusion.F1(1) : Confusion.MacroF1;

    /// <summary>Mean softmax cross-entropy per counted position, in nats (unweighted by sample weights), for a softmax head; else null.</summary>
    public double? CrossEntropy { get; }

    /// <summary><c>e^CrossEntropy</c>: the perplexity of a language model; null without a softmax head.</summary>
    public double? Perplexity => CrossEntropy is { } nats ? Metrics.Perplexity(nats) : null;

    /// <summary><c>CrossEntropy / ln 2</c>: bits per token (per character for a character model); null without a softmax head.</summary>
    public double? BitsPerToken => CrossEntropy is { } nats ? Metrics.BitsPerToken(nats) : null;

    /// <summary>Root mean squared error over every target value (regression, mean squared error loss), else null.</summary>
    public double? Rmse { get; }

    /// <summary>Mean absolute error over every target value (regression), else null.</summary>
    public double? Mae { get; }

    /// <inheritdoc/>
    public override string ToString()
    {
        string text = string.Create(CultureInfo.InvariantCulture, $"loss {Loss:G5}");
        if (Accuracy is { } accuracy) text += string.Create(CultureInfo.InvariantCulture, $", accuracy {accuracy:P2}");
        if (RocAuc is { } auc) text += string.Create(CultureInfo.InvariantCulture, $", ROC AUC {auc:F4}");
        if (F1 is { } f1 && Confusion!.Classes == 2) text += string.Create(CultureInfo.InvariantCulture, $", F1 {f1:F4}");
        if (BitsPerToken is { } bits && Confusion is { Classes: > 2 }) text += string.Create(CultureInfo.InvariantCulture, $", {bits:F3} bits per token (perplexity {Perplexity:F2})");
        if (Rmse is { } rmse) text += string.Create(CultureInfo.InvariantCulture, $", RMSE {rmse:G5}, MAE {Mae:G5}");
        return text;
    }

    private static double Macro(ConfusionMatrix m, System.Func<ConfusionMatrix, int, double> score)
    {
        double sum = 0;
        int n = 0;
        for (int k = 0; k < m.Classes; k++)
        {
            double v = score(m, k);
            if (double.IsNaN(v)) continue;
            sum += v;
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>Collects the values before the immutable result is made.</summary>
    internal sealed class Builder
    {
        public double Loss { get; set; }
        public double? Accuracy { get; set; }
        public double? RocAuc { get; set; }
        public int Samples { get; set; }
        public long Positions { get; set; }
        public ConfusionMatrix? Confusion { get; set; }
        public double? CrossEntropy { get; set; }
        public double? Rmse { get; set; }
        public double? Mae { get; set; }

        public EvaluationResult Build() => new(this);
    }
}
