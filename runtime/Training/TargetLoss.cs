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
    /// Counts, over the whole-sequence <paramref name="outputs"/> of <paramref name="sample"/>, the counted
    /// target positions and those the model gets right (argmax for softmax, logit &gt; 0 ⇔ target ≥ ½ for
    /// BCE, each output value counting); for a binary task writes a (score, label) pair per counted
    /// position into <paramref name="scores"/> and <paramref name="labels"/> (sized by <see cref="BinaryPairs"/>)
    /// and returns how many it wrote.
    /// </summary>
    public int Score(int sample, ReadOnlySpan<float> outputs, out int correct, out int counted, Span<float> scores, Span<bool> labels)
    {
        correct = 0;
        counted = 0;
        int pairs = 0;
        int steps = _data.Length(sample);
        bool lastOnly = _data.TargetsOn == HeadOn.LastStep;
        int first = lastOnly ? steps - 1 : 0;
        for (int t = first; t < steps; t++)
        {
            if (!lastOnly && PositionMask(sample, t) == 0) continue;
            int at = _modelEveryStep ? t * _width : 0;
            ReadOnlySpan<float> logits = outputs.Slice(at, _width);
            int position = lastOnly ? 0 : t;
            if (Kind == LossKind.SoftmaxCrossEntropy)
            {
                int target = _data.ClassIds(sample)[position];
                counted++;
                if (Metrics.ArgMax(logits) == target) correct++;
                if (_width == 2 && !scores.IsEmpty)
                {
                    scores[pairs] = logits[1] - logits[0];
                    labels[pairs++] = target == 1;
                }
            }
            else if (Kind == LossKind.BinaryCrossEntropy)
            {
                for (int k = 0; k < _width; k++)
                {
                    bool positive = _data.TargetKind == SequenceTargetKind.ClassIds
                        ? _data.ClassIds(sample)[position] == 1
                        : _data.Values(sample)[position * _width + k] >= 0.5f;
                    counted++;
                    if ((logits[k] > 0) == positive) correct++;
                    if (_width == 1 && !scores.IsEmpty)
                    {
                        scores[pairs] = logits[k];
                        labels[pairs++] = positive;
                    }
                }
            }
        }
        return pairs;
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
