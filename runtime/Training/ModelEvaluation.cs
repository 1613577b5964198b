// Scoring a model on a dataset without a Trainer: the same forward passes, loss and metrics its validation reports.
using System;

namespace LstmGen.Training;

/// <summary>Evaluates any model on a <see cref="SequenceDataset"/>; <c>model.Evaluate(test)</c>.</summary>
public static class ModelEvaluation
{
    /// <summary>
    /// Loss and metrics of <paramref name="model"/> on <paramref name="data"/>: forward passes from a zero state on
    /// <paramref name="threads"/> threads (0: all cores), reduced in sample order, so the result does not depend on the
    /// thread count. The loss is <paramref name="lossKind"/>, or the one a Trainer would choose for the model's head.
    /// </summary>
    /// <exception cref="ArgumentException">The dataset does not fit the model or the loss (an <see cref="InvalidSampleException"/> names the sample).</exception>
    public static EvaluationResult Evaluate(this ILstmModel model, SequenceDataset data, LossKind? lossKind = null, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        LossKind kind = lossKind ?? Trainer.DefaultLoss(model.Shape.Head);
        Trainer.CheckLossFitsHead(kind, model.Shape.Head);
        data.EnsureFits(model.Shape, kind, nameof(data));
        using var pool = new TrainerWorkerPool(threads == 0 ? Environment.ProcessorCount : threads);
        return new EvaluationRun(model, data, new TargetLoss(data, model.Shape, kind)).Run(pool, model);
    }
}
