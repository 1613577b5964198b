// Turns a model's outputs for (part of) one sample into the sample's loss and dLoss/doutputs, with the
// weighting that makes a batch loss a plain mean over samples: one place defines what counts.
using System;

namespace LstmGen.Training;

/// <summary>
/// The loss of one sample against its targets, and the output gradients for the backward pass.
/// </summary>
/// <remarks>
/// <para>A sample's loss is the mean over its counted target positions (every step with mask &gt; 0 and
/// a class id other than <see cref="SequenceDataset.IgnoreClass"/>, or only the last step), each
/// position weighted by its mask, times the sample weight: <c>L_s = w_s · Σ_t m_t ℓ_t / Σ_t m_t</c>.
/// For MSE and BCE, ℓ_t is itself the mean over the position's output values (PyTorch's mean reduction).
/// A batch (or evaluation) loss is <c>Σ_s L_s / N</c> over its N samples, so one sample's gradient
/// depends on N but never on the other samples' lengths or masks.</para>
/// </remarks>
internal sealed class TargetLoss
{
    private readonly SequenceDataset _data;
    private readonly int _width;
    private readonly bool _modelEveryStep;
    private readonly float[] _sampleScale;

    public TargetLoss(SequenceDataset data, ModelShape shape, LossKind kind)
    {
        _data = data;
        Kind = kind;
        _width = shape.StepOutputSize;
        _modelEveryStep = shape.HeadOn == HeadOn.EveryStep;
        _sampleScale = new float[data.Count];
        int elements = kind == LossKind.SoftmaxCrossEntropy ? 1 : _width;
        for (int s = 0; s < data.Count; s++)
        {
            double counted = 0;
            int steps = data.Length(s);
            if (data.TargetsOn == HeadOn.LastStep) counted = 1;
            else for (int t = 0; t < steps; t++) counted += PositionMask(s, t);
            _sampleScale[s] = counted == 0 ? 0f : (float)(data.Weight(s) / (counted * elements));
        }
    }

    public LossKind Kind { get; }

    /// <summary>True when steps [start, start + steps) of <paramref name="sample"/> hold a counted target position.</summary>
    public bool HasTargets(int sample, int start, int steps)
    {
        if (_sampleScale[sample] == 0) return false;
        if (_data.TargetsOn == HeadOn.LastStep) return start + steps == _data.Length(sample);
        for (int t = start; t < start + steps; t++)
        {
            if (PositionMask(sample, t) > 0) return true;
        }
        return false;
    }

    /// <summary>
    /// The loss of steps [<paramref name="start"/>, <paramref name="start"/> + <paramref name="steps"/>) of
    /// <paramref name="sample"/>, times <paramref name="scale"/> (1/N for a mean over N samples), given the
    /// model's <paramref name="outputs"/> for exactly those steps; writes dLoss/doutputs (same length).
    /// </summary>
    public double Accumulate(int sample, int start, int steps, ReadOnlySpan<float> outputs, Span<float> gradients, float scale)
    {
        gradients.Clear();
        float sampleScale = _sampleScale[sample] * scale;
        if (sampleScale == 0) return 0;
        double loss = 0;
        if (_data.TargetsOn == HeadOn.LastStep)
        {
            if (start + steps != _data.Length(sample)) return 0;
            int at = _modelEveryStep ? (steps - 1) * _width : 0;
            return Position(sample, 0, outputs.Slice(at, _width), gradients.Slice(at, _width), sampleScale);
        }
        for (int t = 0; t < steps; t++)
        {
            float mask = PositionMask(sample, start + t);
            if (mask == 0) continue;
            loss += Position(sample, start + t, outputs.Slice(t * _width, _width), gradients.Slice(t * _width, _width), sampleScale * mask);
        }
        return loss;
    }

    /// <summary>
    /// Scores the whole-sequence <paramref name="outputs"/> of <paramref name="sample"/> at its counted target positions:
    /// how many it gets right (argmax for softmax, logit &gt; 0 ⇔ target ≥ ½ for BCE, each output value counting); for a
    /// binary task a (score, label) pair per position into <paramref name="scores"/>/<paramref name="labels"/> (sized by
    /// <see cref="BinaryPairs"/>); for a single-label classification the (actual, predicted) class of each position into
    /// <paramref name="actual"/>/<paramref name="predicted"/> (sized by <see cref="ClassPositions"/>); the squared and absolute
    /// errors of a regression; the unweighted cross-entropy of a softmax. Spans may be empty to skip what they hold.
    /// </summary>
    public void Score(int sample, ReadOnlySpan<float> outputs, ref SampleScore score, Span<float> scores, Span<bool> labels, Span<int> actual, Span<int> predicted)
    {
        score = default;
        int pairs = 0, classes = 0;
        int steps = _data.Length(sample);
        bool lastOnly = _data.TargetsOn == HeadOn.LastStep;
        int first = lastOnly ? steps - 1 : 0;
        for (int t = first; t < steps; t++)
        {
            float mask = lastOnly ? 1f : PositionMask(sample, t);
            if (mask == 0) continue;
            int at = _modelEveryStep ? t * _width : 0;
            ReadOnlySpan<float> logits = outputs.Slice(at, _width);
            int position = lastOnly ? 0 : t;
            if (Kind == LossKind.SoftmaxCrossEntropy)
            {
                int target = _data.ClassIds(sample)[position];
                int guess = Metrics.ArgMax(logits);
                score.Counted++;
                if (guess == target) score.Correct++;
                if (_width == 2 && !scores.IsEmpty)
                {
                    scores[pairs] = logits[1] - logits[0];
                    labels[pairs++] = target == 1;
                }
                if (!actual.IsEmpty)
                {
                    actual[classes] = target;
                    predicted[classes++] = guess;
                }
                score.CrossEntropy += mask * CrossEntropy(logits, target);
                score.Weight += mask;
            }
            else if (Kind == LossKind.BinaryCrossEntropy)
            {
                for (int k = 0; k < _width; k++)
                {
                    bool positive = _data.TargetKind == SequenceTargetKind.ClassIds
                        ? _data.ClassIds(sample)[position] == 1
                        : _data.Values(sample)[position * _width + k] >= 0.5f;
                    score.Counted++;
                    if ((logits[k] > 0) == positive) score.Correct++;
                    if (_width == 1 && !scores.IsEmpty)
                    {
                        scores[pairs] = logits[k];
                        labels[pairs++] = positive;
                    }
                    if (_width == 1 && !actual.IsEmpty)
                    {
                        actual[classes] = positive ? 1 : 0;
                        predicted[classes++] = logits[k] > 0 ? 1 : 0;
                    }
                }
            }
            else
            {
                ReadOnlySpan<float> target = _data.Values(sample).Slice(position * _width, _width);
                for (int k = 0; k < _width; k++)
                {
                    double d = (double)logits[k] - target[k];
                    score.SquaredError += mask * d * d;
                    score.AbsoluteError += mask * Math.Abs(d);
                }
                score.Weight += mask * _width;
            }
        }
    }

    /// <summary>What <see cref="Score"/> finds in one sample.</summary>
    public struct SampleScore
    {
        /// <summary>Counted decisions (positions, or output values for BCE) and those right.</summary>
        public int Counted, Correct;
        /// <summary>Mask-weighted sums over the positions: softmax cross-entropy (nats); regression squared and absolute errors.</summary>
        public double CrossEntropy, SquaredError, AbsoluteError;
        /// <summary>Mask-weighted count the sums are over (positions for cross-entropy, output values for errors).</summary>
        public double Weight;
    }

    /// <summary>Counted positions of <paramref name="sample"/> with one (actual, predicted) class each: softmax, or a single sigmoid output.</summary>
    public int ClassPositions(int sample)
    {
        if (!HasConfusion) return 0;
        if (_data.TargetsOn == HeadOn.LastStep) return 1;
        int n = 0;
        for (int t = 0; t < _data.Length(sample); t++) if (PositionMask(sample, t) > 0) n++;
        return n;
    }

    /// <summary>True when every counted position has one class: softmax cross-entropy, or binary cross-entropy on one output.</summary>
    public bool HasConfusion => Kind == LossKind.SoftmaxCrossEntropy || (Kind == LossKind.BinaryCrossEntropy && _width == 1);

    /// <summary>Classes of the confusion matrix: the softmax's outputs, or 2 for one sigmoid output.</summary>
    public int ConfusionClasses => Kind == LossKind.SoftmaxCrossEntropy ? _width : 2;

    /// <summary><c>−log softmax(logits)[target]</c>, in double precision.</summary>
    private static double CrossEntropy(ReadOnlySpan<float> logits, int target)
    {
        float max = float.NegativeInfinity;
        foreach (float z in logits) max = MathF.Max(max, z);
        double sum = 0;
        foreach (float z in logits) sum += Math.Exp(z - max);
        return Math.Log(sum) + max - logits[target];
    }

    /// <summary>Counted positions of <paramref name="sample"/> that give a binary (score, label) pair (for sizing AUC buffers).</summary>
    public int BinaryPairs(int sample)
    {
        bool binary = (Kind == LossKind.SoftmaxCrossEntropy && _width == 2) || (Kind == LossKind.BinaryCrossEntropy && _width == 1);
        if (!binary) return 0;
        if (_data.TargetsOn == HeadOn.LastStep) return 1;
        int n = 0;
        for (int t = 0; t < _data.Length(sample); t++) if (PositionMask(sample, t) > 0) n++;
        return n;
    }

    /// <summary>True when the task is classification (accuracy is reported).</summary>
    public bool IsClassification => Kind != LossKind.MeanSquaredError;

    /// <summary>True when the task has one binary decision per position (ROC AUC is reported).</summary>
    public bool IsBinary => (Kind == LossKind.SoftmaxCrossEntropy && _width == 2) || (Kind == LossKind.BinaryCrossEntropy && _width == 1);

    /// <summary>The weight of per-step position <paramref name="step"/>: its mask, 0 for an ignored class id.</summary>
    private float PositionMask(int sample, int step)
    {
        if (_data.TargetKind == SequenceTargetKind.ClassIds && _data.ClassIds(sample)[step] == SequenceDataset.IgnoreClass) return 0;
        ReadOnlySpan<float> mask = _data.StepMask(sample);
        return mask.IsEmpty ? 1f : mask[step];
    }

    /// <summary>Loss × weight of one target position (position = step index, or 0 for a last-step target); writes its gradients.</summary>
    private double Position(int sample, int position, ReadOnlySpan<float> logits, Span<float> gradients, float weight)
    {
        switch (Kind)
        {
            case LossKind.SoftmaxCrossEntropy:
                return LossFunctions.SoftmaxCrossEntropy(logits, _data.ClassIds(sample)[position], gradients, weight);
            case LossKind.BinaryCrossEntropy:
                if (_data.TargetKind == SequenceTargetKind.ClassIds)
                {
                    Span<float> target = stackalloc float[1];
                    target[0] = _data.ClassIds(sample)[position];
                    return LossFunctions.BinaryCrossEntropy(logits, target, gradients, weight);
                }
                return LossFunctions.BinaryCrossEntropy(logits, _data.Values(sample).Slice(position * _width, _width), gradients, weight);
            default:
                return LossFunctions.MeanSquaredError(logits, _data.Values(sample).Slice(position * _width, _width), gradients, weight);
        }
    }
}
