// Validation: forward passes over a dataset on the worker threads, each sample into its own slot,
// then loss, accuracy and ROC AUC reduced in sample order so the numbers never depend on threads.
using System;

namespace LstmGen.Training;

public sealed partial class Trainer
{
    private readonly Action<int, int> _evaluationWork;
    private EvaluationBuffers? _evaluating;

    /// <summary>Per-sample results of one evaluation, sized for one dataset and reused every epoch.</summary>
    private sealed class EvaluationBuffers
    {
        public EvaluationBuffers(SequenceDataset data, TargetLoss loss)
        {
            Data = data;
            Loss = loss;
            Losses = new double[data.Count];
            Correct = new int[data.Count];
            Counted = new int[data.Count];
            PairStarts = new int[data.Count + 1];
            for (int s = 0; s < data.Count; s++) PairStarts[s + 1] = checked(PairStarts[s] + loss.BinaryPairs(s));
            Scores = new float[PairStarts[^1]];
            Labels = new bool[PairStarts[^1]];
        }

        public SequenceDataset Data { get; }
        public TargetLoss Loss { get; }
        public double[] Losses { get; }
        public int[] Correct { get; }
        public int[] Counted { get; }
        public int[] PairStarts { get; }
        public float[] Scores { get; }
        public bool[] Labels { get; }
    }

    private EvaluationResult Evaluate(TrainerWorkerPool pool, EvaluationBuffers buffers)
    {
        _evaluating = buffers;
        try
        {
            pool.Run(buffers.Data.Count, _evaluationWork);
        }
        finally
        {
            _evaluating = null;
        }

        double loss = 0;
        long correct = 0, counted = 0;
        for (int s = 0; s < buffers.Data.Count; s++)
        {
            loss += buffers.Losses[s];
            correct += buffers.Correct[s];
            counted += buffers.Counted[s];
        }
        loss /= buffers.Data.Count;
        double? accuracy = buffers.Loss.IsClassification && counted > 0 ? (double)correct / counted : null;
        double? auc = buffers.Loss.IsBinary ? Metrics.RocAuc(buffers.Scores, buffers.Labels) : null;
        return new EvaluationResult(loss, accuracy, auc, buffers.Data.Count, counted);
    }

    /// <summary>Worker body: one sample's forward pass from a zero state, its loss and its metric counts.</summary>
    private void EvaluateSample(int worker, int sample)
    {
        var buffers = _evaluating!;
        var scratch = _workers[worker];
        int steps = buffers.Data.Length(sample);
        int outputLength = _shape.OutputLength(steps);
        Span<float> outputs = scratch.Outputs.AsSpan(0, outputLength);
        scratch.State.Reset();
        Predict(buffers.Data, sample, 0, steps, outputs, scratch.State);
        buffers.Losses[sample] = buffers.Loss.Accumulate(sample, 0, steps, outputs, scratch.OutputGradients.AsSpan(0, outputLength), 1f);
        int first = buffers.PairStarts[sample];
        int pairs = buffers.PairStarts[sample + 1] - first;
        buffers.Loss.Score(sample, outputs, out int correct, out int counted, buffers.Scores.AsSpan(first, pairs), buffers.Labels.AsSpan(first, pairs));
        buffers.Correct[sample] = correct;
        buffers.Counted[sample] = counted;
    }
}
