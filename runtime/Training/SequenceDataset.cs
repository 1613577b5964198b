// Training data a user can fill from plain arrays: variable-length sequences (tokens or float
// vectors) with their targets, stored flat so the trainer reads them without allocating.
using System;
using System.Collections.Generic;

namespace LstmGen.Training;

/// <summary>
/// Samples for training or evaluation. Each sample is a sequence of its own length T (token ids, or
/// T × <see cref="InputWidth"/> floats) with a target: one class id, a class id per step, or float
/// values (for the last step or per step); optionally a per-sample weight and, for per-step targets,
/// a per-step mask. Create one with <c>FromTokens</c> or <c>FromFloats</c>; every array is copied and
/// checked, and a problem names the sample (<see cref="InvalidSampleException"/>).
/// </summary>
/// <example>
/// <code>
/// // Sentiment: one label per token sequence.
/// var data = SequenceDataset.FromTokens(new[] { new[] { 3, 1, 4 }, new[] { 1, 5 } }, new[] { 1, 0 });
/// // Next-value regression: T × 1 floats in, one value out.
/// var series = SequenceDataset.FromFloats(windows, inputs: 1, targets: nextValues, HeadOn.LastStep);
/// </code>
/// </example>
public sealed class SequenceDataset
{
    /// <summary>A per-step class id equal to this is ignored (no loss, not counted), as PyTorch's <c>ignore_index</c>.</summary>
    public const int IgnoreClass = -100;

    private readonly float[] _inputs;      // float samples: all steps, InputWidth floats each
    private readonly int[] _tokens;        // token samples: all steps
    private readonly int[] _stepStarts;    // Count + 1 entries: first step of each sample
    private readonly int[] _classes;       // ClassIds: one per sample (LastStep) or per step (EveryStep)
    private readonly float[] _values;      // Values: ValueWidth per sample (LastStep) or per step (EveryStep)
    private readonly float[]? _stepMasks;  // per step, EveryStep only
    private readonly float[]? _weights;    // per sample

    private SequenceDataset(int inputWidth, float[] inputs, int[] tokens, int[] stepStarts, SequenceTargetKind kind, HeadOn targetsOn,
        int valueWidth, int[] classes, float[] values, float[]? stepMasks, float[]? weights)
    {
        InputWidth = inputWidth;
        _inputs = inputs;
        _tokens = tokens;
        _stepStarts = stepStarts;
        TargetKind = kind;
        TargetsOn = targetsOn;
        ValueWidth = valueWidth;
        _classes = classes;
        _values = values;
        _stepMasks = stepMasks;
        _weights = weights;
        int max = 0;
        for (int i = 0; i < Count; i++) max = Math.Max(max, Length(i));
        MaxLength = max;
    }

    /// <summary>Number of samples.</summary>
    public int Count => _stepStarts.Length - 1;

    /// <summary>True when the samples are token ids; false when they are float vectors.</summary>
    public bool IsTokenData => InputWidth == 0;

    /// <summary>Floats per step of a float sample (0 for token data).</summary>
    public int InputWidth { get; }

    /// <summary>Class ids or float values.</summary>
    public SequenceTargetKind TargetKind { get; }

    /// <summary>Whether each sample has one target (for its last step) or one per step.</summary>
    public HeadOn TargetsOn { get; }

    /// <summary>Floats per target position for <see cref="SequenceTargetKind.Values"/> targets (0 for class ids).</summary>
    public int ValueWidth { get; }

    /// <summary>True when samples carry weights (otherwise every weight is 1).</summary>
    public bool HasWeights => _weights is not null;

    /// <summary>True when per-step targets carry a mask (otherwise every step counts, except <see cref="IgnoreClass"/> ids).</summary>
    public bool HasStepMasks => _stepMasks is not null;

    /// <summary>Length of the longest sample, in steps.</summary>
    public int MaxLength { get; }

    /// <summary>Total steps over all samples.</summary>
    public int TotalSteps => _stepStarts[^1];

    /// <summary>Steps of sample <paramref name="index"/>.</summary>
    public int Length(int index) => _stepStarts[CheckIndex(index) + 1] - _stepStarts[index];

    /// <summary>The T × <see cref="InputWidth"/> input floats of float sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Inputs(int index)
    {
        if (IsTokenData) throw new InvalidOperationException("This dataset holds token ids; read them with Tokens(index).");
        CheckIndex(index);
        return _inputs.AsSpan(_stepStarts[index] * InputWidth, Length(index) * InputWidth);
    }

    /// <summary>The T token ids of token sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<int> Tokens(int index)
    {
        if (!IsTokenData) throw new InvalidOperationException("This dataset holds float vectors; read them with Inputs(index).");
        CheckIndex(index);
        return _tokens.AsSpan(_stepStarts[index], Length(index));
    }

    /// <summary>The class id (one, for last-step targets) or ids (T, per step) of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<int> ClassIds(int index)
    {
        if (TargetKind != SequenceTargetKind.ClassIds) throw new InvalidOperationException("This dataset's targets are float values; read them with Values(index).");
        CheckIndex(index);
        return TargetsOn == HeadOn.LastStep ? _classes.AsSpan(index, 1) : _classes.AsSpan(_stepStarts[index], Length(index));
    }

    /// <summary>The target values (<see cref="ValueWidth"/>, or T × <see cref="ValueWidth"/> per step) of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Values(int index)
    {
        if (TargetKind != SequenceTargetKind.Values) throw new InvalidOperationException("This dataset's targets are class ids; read them with ClassIds(index).");
        CheckIndex(index);
        return TargetsOn == HeadOn.LastStep
            ? _values.AsSpan(index * ValueWidth, ValueWidth)
            : _values.AsSpan(_stepStarts[index] * ValueWidth, Length(index) * ValueWidth);
    }

    /// <summary>The per-step mask of sample <paramref name="index"/> (T floats), or empty when the dataset has no masks.</summary>
    public ReadOnlySpan<float> StepMask(int index)
    {
        CheckIndex(index);
        return _stepMasks is null ? default : _stepMasks.AsSpan(_stepStarts[index], Length(index));
    }

    /// <summary>The weight of sample <paramref name="index"/> (1 without weights).</summary>
    public float Weight(int index) => _weights is null ? 1f : _weights[CheckIndex(index)];

    // ---- factories -----------------------------------------------------------------------------

    /// <summary>Token sequences with one class id each (sequence classification: softmax, or 0/1 with a one-output sigmoid head).</summary>
    /// <param name="sequences">Token ids per sample; lengths may differ.</param>
    /// <param name="labels">One class id (≥ 0) per sample.</param>
    /// <param name="weights">Optional non-negative weight per sample.</param>
    public static SequenceDataset FromTokens(IReadOnlyList<int[]> sequences, IReadOnlyList<int> labels, IReadOnlyList<float>? weights = null) =>
        Build(TokenSource(sequences), ClassTargets(labels, null, HeadOn.LastStep), weights, null);

    /// <summary>Token sequences with a class id per step (sequence labelling, language models).</summary>
    /// <param name="sequences">Token ids per sample; lengths may differ.</param>
    /// <param name="stepLabels">Per sample, one class id per step (same length as the sequence); <see cref="IgnoreClass"/> skips a step.</param>
    /// <param name="weights">Optional non-negative weight per sample.</param>
    /// <param name="stepMasks">Optional per sample, one non-negative weight per step (0 skips the step).</param>
    public static SequenceDataset FromTokens(IReadOnlyList<int[]> sequences, IReadOnlyList<int[]> stepLabels, IReadOnlyList<float>? weights = null, IReadOnlyList<float[]>? stepMasks = null) =>
        Build(TokenSource(sequences), ClassTargets(null, stepLabels, HeadOn.EveryStep), weights, stepMasks);

    /// <summary>Token sequences with float targets (regression with MSE, or 0/1 targets for binary cross-entropy).</summary>
    /// <param name="sequences">Token ids per sample; lengths may differ.</param>
    /// <param name="targets">Per sample, the model's output width of values (last step) or T × that width (every step).</param>
    /// <param name="targetsOn">Whether <paramref name="targets"/> are for the last step or for every step.</param>
    /// <param name="weights">Optional non-negative weight per sample.</param>
    /// <param name="stepMasks">Optional, every-step targets only: per sample one non-negative weight per step.</param>
    public static SequenceDataset FromTokens(IReadOnlyList<int[]> sequences, IReadOnlyList<float[]> targets, HeadOn targetsOn, IReadOnlyList<float>? weights = null, IReadOnlyList<float[]>? stepMasks = null) =>
        Build(TokenSource(sequences), ValueTargets(targets, targetsOn), weights, stepMasks);

    /// <summary>Float sequences (T × <paramref name="inputs"/> floats, row per step) with one class id each.</summary>
    /// <param name="sequences">Per sample, T steps of <paramref name="inputs"/> floats, step after step; T may differ.</param>
    /// <param name="inputs">Floats per step.</param>
    /// <param name="labels">One class id (≥ 0) per sample.</param>
    /// <param name="weights">Optional non-negative weight per sample.</param>
    public static SequenceDataset FromFloats(IReadOnlyList<float[]> sequences, int inputs, IReadOnlyList<int> labels, IReadOnlyList<float>? weights = null) =>
        Build(FloatSource(sequences, inputs), ClassTargets(labels, null, HeadOn.LastStep), weights, null);

    /// <summary>Float sequences with a class id per step.</summary>
    /// <param name="sequences">Per sample, T steps of <paramref name="inputs"/> floats.</param>
    /// <param name="inputs">Floats per step.</param>
    /// <param name="stepLabels">Per sample, one class id per step; <see cref="IgnoreClass"/> skips a step.</param>
    /// <param name="weights">Optional non-negative weight per sample.</param>
    /// <param name="stepMasks">Optional per sample, one non-negative weight per step (0 skips the step).</param>
    public static SequenceDataset FromFloats(IReadOnlyList<float[]> sequences, int inputs, IReadOnlyList<int[]> stepLabels, IReadOnlyList<float>? weights = null, IReadOnlyList<float[]>? stepMasks = null) =>
        Build(FloatSource(sequences, inputs), ClassTargets(null, stepLabels, HeadOn.EveryStep), weights, stepMasks);

    /// <summary>Float sequences with float targets (regression with MSE, or 0/1 targets for binary cross-entropy).</summary>
    /// <param name="sequences">Per sample, T steps of <paramref name="inputs"/> floats.</param>
    /// <param name="inputs">Floats per step.</param>
    /// <param name="targets">Per sample, the model's output width of values (last step) or T × that width (every step).</param>
    /// <param name="targetsOn">Whether <paramref name="targets"/> are for the last step or for every step.</param>
    /// <param name="weights">Optional non-negative weight per sample.</param>
    /// <param name="stepMasks">Optional, every-step targets only: per sample one non-negative weight per step.</param>
    public static SequenceDataset FromFloats(IReadOnlyList<float[]> sequences, int inputs, IReadOnlyList<float[]> targets, HeadOn targetsOn, IReadOnlyList<float>? weights = null, IReadOnlyList<float[]>? stepMasks = null) =>
        Build(FloatSource(sequences, inputs), ValueTargets(targets, targetsOn), weights, stepMasks);

    /// <summary>A new dataset holding the samples at <paramref name="indices"/>, in that order (repeats allowed).</summary>
    public SequenceDataset Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count == 0) throw new ArgumentException("A dataset needs at least one sample; the index list is empty.", nameof(indices));
        int[] starts = new int[indices.Count + 1];
        for (int j = 0; j < indices.Count; j++)
        {
            int i = indices[j];
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), i, $"indices[{j}] = {i} is outside [0, {Count}).");
            starts[j + 1] = checked(starts[j] + Length(i));
        }
        int steps = starts[^1];
        float[] inputs = IsTokenData ? Array.Empty<float>() : new float[checked(steps * InputWidth)];
        int[] tokens = IsTokenData ? new int[steps] : Array.Empty<int>();
        bool perStep = TargetsOn == HeadOn.EveryStep;
        int[] classes = TargetKind == SequenceTargetKind.ClassIds ? new int[perStep ? steps : indices.Count] : Array.Empty<int>();
        float[] values = TargetKind == SequenceTargetKind.Values ? new float[checked((perStep ? steps : indices.Count) * ValueWidth)] : Array.Empty<float>();
        float[]? masks = _stepMasks is null ? null : new float[steps];
        float[]? weights = _weights is null ? null : new float[indices.Count];
        for (int j = 0; j < indices.Count; j++)
        {
            int i = indices[j];
            if (IsTokenData) Tokens(i).CopyTo(tokens.AsSpan(starts[j]));
            else Inputs(i).CopyTo(inputs.AsSpan(starts[j] * InputWidth));
            int targetAt = perStep ? starts[j] : j;
            if (TargetKind == SequenceTargetKind.ClassIds) ClassIds(i).CopyTo(classes.AsSpan(targetAt));
            else Values(i).CopyTo(values.AsSpan(targetAt * ValueWidth));
            if (masks is not null) StepMask(i).CopyTo(masks.AsSpan(starts[j]));
            if (weights is not null) weights[j] = Weight(i);
        }
        return new SequenceDataset(InputWidth, inputs, tokens, starts, TargetKind, TargetsOn, ValueWidth, classes, values, masks, weights);
    }

    /// <summary>
    /// Splits the samples in two: a shuffle seeded with <paramref name="seed"/> sends round(<paramref name="testFraction"/> × n)
    /// of them to the test part and the rest to the training part. With <paramref name="stratify"/>, this is done per class
    /// (last-step class-id targets only), so both parts keep the class proportions. Each part keeps the original order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is not strictly between 0 and 1.</exception>
    /// <exception cref="ArgumentException">A part would be empty, or <paramref name="stratify"/> is set without last-step class ids.</exception>
    public (SequenceDataset Train, SequenceDataset Test) Split(double testFraction, ulong seed, bool stratify = false)
    {
        if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be between 0 and 1 (exclusive).");
        if (stratify && (TargetKind != SequenceTargetKind.ClassIds || TargetsOn != HeadOn.LastStep))
            throw new ArgumentException("A stratified split needs one class id per sample.", nameof(stratify));
        var random = new SeededRandom(seed);
        var groups = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < Count; i++)
        {
            int key = stratify ? _classes[i] : 0;
            if (!groups.TryGetValue(key, out var members)) groups[key] = members = new List<int>();
            members.Add(i);
        }
        var train = new List<int>(Count);
        var test = new List<int>();
        foreach (var members in groups.Values)
        {
            int[] shuffled = members.ToArray();
            random.Shuffle(shuffled.AsSpan());
            int testCount = (int)Math.Round(shuffled.Length * testFraction, MidpointRounding.AwayFromZero);
            for (int j = 0; j < shuffled.Length; j++) (j < testCount ? test : train).Add(shuffled[j]);
        }
        if (train.Count == 0 || test.Count == 0)
            throw new ArgumentException($"Splitting {Count} samples with a test fraction of {testFraction} leaves {train.Count} for training and {test.Count} for testing; both need at least one.", nameof(testFraction));
        train.Sort();
        test.Sort();
        return (Subset(train), Subset(test));
    }

    // ---- checks against a model ----------------------------------------------------------------

    /// <summary>
    /// Throws unless every sample fits <paramref name="shape"/> under <paramref name="loss"/>: input form and
    /// width, token ids inside the vocabulary, class ids inside the outputs, value widths, target positions.
    /// </summary>
    public void EnsureFits(ModelShape shape, LossKind loss, string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        paramName ??= "dataset";
        if (shape.IsTokenModel != IsTokenData)
        {
            throw new ArgumentException(shape.IsTokenModel
                ? $"The model reads token ids (Vocabulary={shape.VocabularySize}); the dataset holds float vectors of {InputWidth}. Create it with SequenceDataset.FromTokens."
                : $"The model reads {shape.InputSize} floats per step; the dataset holds token ids. Create it with SequenceDataset.FromFloats.", paramName);
        }
        if (!IsTokenData && InputWidth != shape.InputSize)
            throw new ArgumentException($"The model reads {shape.InputSize} floats per step; the dataset's samples have {InputWidth}.", paramName);
        if (TargetsOn == HeadOn.EveryStep && shape.HeadOn != HeadOn.EveryStep)
            throw new ArgumentException($"The dataset has a target per step, but the model produces one output per sequence (HeadOn.{shape.HeadOn}).", paramName);

        int width = shape.StepOutputSize;
        switch (loss)
        {
            case LossKind.SoftmaxCrossEntropy:
                if (TargetKind != SequenceTargetKind.ClassIds)
                    throw new ArgumentException("Softmax cross-entropy needs class-id targets; the dataset has float values (use MSE or binary cross-entropy, or build it with labels).", paramName);
                break;
            case LossKind.BinaryCrossEntropy:
                if (TargetKind == SequenceTargetKind.ClassIds && width != 1)
                    throw new ArgumentException($"Binary cross-entropy with class-id targets needs a model with one output; it has {width}. Give 0/1 target vectors instead.", paramName);
                break;
            case LossKind.MeanSquaredError:
                if (TargetKind != SequenceTargetKind.Values)
                    throw new ArgumentException("Mean squared error needs float targets; the dataset has class ids.", paramName);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss.");
        }
        if (TargetKind == SequenceTargetKind.Values && ValueWidth != width)
            throw new ArgumentException($"The model produces {width} value(s) per output step; the dataset's targets have {ValueWidth}.", paramName);

        for (int i = 0; i < Count; i++)
        {
            if (IsTokenData)
            {
                ReadOnlySpan<int> tokens = Tokens(i);
                for (int t = 0; t < tokens.Length; t++)
                {
                    if (tokens[t] >= shape.VocabularySize)
                        throw new InvalidSampleException(i, $"token {tokens[t]} at step {t} is outside the model's vocabulary [0, {shape.VocabularySize}).", paramName);
                }
            }
            if (TargetKind == SequenceTargetKind.ClassIds)
            {
                ReadOnlySpan<int> ids = ClassIds(i);
                int classes = loss == LossKind.BinaryCrossEntropy ? 2 : width;
                for (int t = 0; t < ids.Length; t++)
                {
                    if (ids[t] != IgnoreClass && ids[t] >= classes)
                    {
                        string where = TargetsOn == HeadOn.EveryStep ? $" at step {t}" : "";
                        string range = loss == LossKind.BinaryCrossEntropy ? "0 or 1 for binary cross-entropy" : $"in [0, {width}) for a model with {width} outputs";
                        throw new InvalidSampleException(i, $"class id {ids[t]}{where} must be {range}.", paramName);
                    }
                }
            }
        }
    }

    // ---- construction --------------------------------------------------------------------------

    private readonly record struct Source(int InputWidth, int Count, int[] Starts, float[] Inputs, int[] Tokens);

    private readonly record struct Targets(SequenceTargetKind Kind, HeadOn On, IReadOnlyList<int>? Labels, IReadOnlyList<int[]>? StepLabels, IReadOnlyList<float[]>? Values);

    private static Targets ClassTargets(IReadOnlyList<int>? labels, IReadOnlyList<int[]>? stepLabels, HeadOn on)
    {
        if (labels is null && stepLabels is null) throw new ArgumentNullException(on == HeadOn.LastStep ? "labels" : "stepLabels");
        return new Targets(SequenceTargetKind.ClassIds, on, labels, stepLabels, null);
    }

    private static Targets ValueTargets(IReadOnlyList<float[]> values, HeadOn on)
    {
        ArgumentNullException.ThrowIfNull(values, "targets");
        if (!Enum.IsDefined(on)) throw new ArgumentOutOfRangeException("targetsOn", on, "Expected HeadOn.LastStep or HeadOn.EveryStep.");
        return new Targets(SequenceTargetKind.Values, on, null, null, values);
    }

    private static Source TokenSource(IReadOnlyList<int[]> sequences)
    {
        int[] starts = Starts(sequences, s => s?.Length ?? -1, 1, "sequences");
        int[] tokens = new int[starts[^1]];
        for (int i = 0; i < sequences.Count; i++)
        {
            int[] sequence = sequences[i];
            for (int t = 0; t < sequence.Length; t++)
            {
                if (sequence[t] < 0) throw new InvalidSampleException(i, $"token {sequence[t]} at step {t} is negative; token ids start at 0.", "sequences");
            }
            sequence.CopyTo(tokens, starts[i]);
        }
        return new Source(0, sequences.Count, starts, Array.Empty<float>(), tokens);
    }

    private static Source FloatSource(IReadOnlyList<float[]> sequences, int inputs)
    {
        if (inputs <= 0) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "Floats per step must be positive.");
        int[] starts = Starts(sequences, s => s?.Length ?? -1, inputs, "sequences");
        float[] flat = new float[checked(starts[^1] * inputs)];
        for (int i = 0; i < sequences.Count; i++)
        {
            float[] sequence = sequences[i];
            CheckFinite(sequence, i, "sequences", inputs);
            sequence.CopyTo(flat, starts[i] * inputs);
        }
        return new Source(inputs, sequences.Count, starts, flat, Array.Empty<int>());
    }

    /// <summary>Step offsets of each sample, checking every sequence is non-null and a positive whole number of steps.</summary>
    private static int[] Starts<T>(IReadOnlyList<T> sequences, Func<T, int> length, int width, string paramName)
    {
        ArgumentNullException.ThrowIfNull(sequences, paramName);
        if (sequences.Count == 0) throw new ArgumentException("A dataset needs at least one sample; the list is empty.", paramName);
        int[] starts = new int[sequences.Count + 1];
        for (int i = 0; i < sequences.Count; i++)
        {
            int n = length(sequences[i]);
            if (n < 0) throw new InvalidSampleException(i, "the sequence is null.", paramName);
            if (n == 0) throw new InvalidSampleException(i, "the sequence is empty; every sample needs at least one step.", paramName);
            if (n % width != 0)
                throw new InvalidSampleException(i, $"the sequence has {n} floats, not a whole number of steps of {width} floats.", paramName);
            starts[i + 1] = checked(starts[i] + n / width);
        }
        return starts;
    }

    private static SequenceDataset Build(Source source, Targets targets, IReadOnlyList<float>? weights, IReadOnlyList<float[]>? stepMasks)
    {
        int count = source.Count;
        int[] starts = source.Starts;
        int Steps(int i) => starts[i + 1] - starts[i];
        int[] classes = Array.Empty<int>();
        float[] values = Array.Empty<float>();
        int valueWidth = 0;

        if (targets.Labels is { } labels)
        {
            CheckCount(labels.Count, count, "labels");
            classes = new int[count];
            for (int i = 0; i < count; i++)
            {
                if (labels[i] < 0) throw new InvalidSampleException(i, $"class id {labels[i]} is negative; class ids start at 0.", "labels");
                classes[i] = labels[i];
            }
        }
        else if (targets.StepLabels is { } stepLabels)
        {
            CheckCount(stepLabels.Count, count, "stepLabels");
            classes = new int[starts[^1]];
            for (int i = 0; i < count; i++)
            {
                int[]? ids = stepLabels[i];
                if (ids is null) throw new InvalidSampleException(i, "the step labels are null.", "stepLabels");
                if (ids.Length != Steps(i)) throw new InvalidSampleException(i, $"the sequence has {Steps(i)} steps but {ids.Length} step labels.", "stepLabels");
                for (int t = 0; t < ids.Length; t++)
                {
                    if (ids[t] < 0 && ids[t] != IgnoreClass)
                        throw new InvalidSampleException(i, $"class id {ids[t]} at step {t} is negative; class ids start at 0 ({IgnoreClass} skips a step).", "stepLabels");
                }
                ids.CopyTo(classes, starts[i]);
            }
        }
        else
        {
            IReadOnlyList<float[]> targetValues = targets.Values!;
            CheckCount(targetValues.Count, count, "targets");
            bool perStep = targets.On == HeadOn.EveryStep;
            if (targetValues[0] is null) throw new InvalidSampleException(0, "the targets are null.", "targets");
            valueWidth = perStep ? targetValues[0].Length / Steps(0) : targetValues[0].Length;
            if (valueWidth == 0 || (perStep && targetValues[0].Length % Steps(0) != 0))
            {
                throw new InvalidSampleException(0, perStep
                    ? $"the sequence has {Steps(0)} steps but {targetValues[0].Length} target values, not a positive whole number per step."
                    : "the target vector is empty.", "targets");
            }
            values = new float[checked((perStep ? starts[^1] : count) * valueWidth)];
            for (int i = 0; i < count; i++)
            {
                float[]? v = targetValues[i];
                if (v is null) throw new InvalidSampleException(i, "the targets are null.", "targets");
                int expected = perStep ? Steps(i) * valueWidth : valueWidth;
                if (v.Length != expected)
                {
                    string detail = perStep ? $"{Steps(i)} steps × {valueWidth} = {expected}" : expected.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    throw new InvalidSampleException(i, $"expected {detail} target values (as sample 0), got {v.Length}.", "targets");
                }
                CheckFinite(v, i, "targets", perStep ? valueWidth : 0);
                v.CopyTo(values, (perStep ? starts[i] : i) * valueWidth);
            }
        }

        float[]? weightArray = null;
        if (weights is not null)
        {
            CheckCount(weights.Count, count, "weights");
            weightArray = new float[count];
            for (int i = 0; i < count; i++)
            {
                float w = weights[i];
                if (!float.IsFinite(w) || w < 0) throw new InvalidSampleException(i, $"weight {w} must be finite and not negative.", "weights");
                weightArray[i] = w;
            }
        }

        float[]? maskArray = null;
        if (stepMasks is not null)
        {
            if (targets.On != HeadOn.EveryStep) throw new ArgumentException("Step masks only apply to per-step targets.", nameof(stepMasks));
            CheckCount(stepMasks.Count, count, "stepMasks");
            maskArray = new float[starts[^1]];
            for (int i = 0; i < count; i++)
            {
                float[]? mask = stepMasks[i];
                if (mask is null) throw new InvalidSampleException(i, "the step mask is null.", "stepMasks");
                if (mask.Length != Steps(i)) throw new InvalidSampleException(i, $"the sequence has {Steps(i)} steps but the mask has {mask.Length} entries.", "stepMasks");
                for (int t = 0; t < mask.Length; t++)
                {
                    if (!float.IsFinite(mask[t]) || mask[t] < 0)
                        throw new InvalidSampleException(i, $"mask value {mask[t]} at step {t} must be finite and not negative.", "stepMasks");
                }
                mask.CopyTo(maskArray, starts[i]);
            }
        }

        return new SequenceDataset(source.InputWidth, source.Inputs, source.Tokens, starts, targets.Kind, targets.On, valueWidth, classes, values, maskArray, weightArray);
    }

    private static void CheckCount(int actual, int expected, string paramName)
    {
        if (actual != expected) throw new ArgumentException($"Expected one entry per sequence ({expected}), got {actual}.", paramName);
    }

    /// <summary>Throws on the first NaN or infinity; <paramref name="width"/> &gt; 0 reports it as step and column.</summary>
    private static void CheckFinite(float[] values, int sample, string paramName, int width)
    {
        for (int j = 0; j < values.Length; j++)
        {
            if (float.IsFinite(values[j])) continue;
            string where = width > 0 ? $"step {j / width}, column {j % width}" : $"index {j}";
            throw new InvalidSampleException(sample, $"{paramName} value {values[j]} at {where} is not finite.", paramName);
        }
    }

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The dataset has samples 0 to {Count - 1}.");
        return index;
    }
}
