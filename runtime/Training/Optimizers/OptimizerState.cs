// The bookkeeping every optimizer shares: the fixed parameter count, the step counter, the named
// per-element state arrays, and their checkpoint form (SaveState / LoadState).
using System;
using System.Collections.Generic;
using System.Globalization;

namespace LstmGen.Training.Optimizers;

/// <summary>
/// Per-element state of one optimizer, held as named float arrays (PyTorch's state names, e.g.
/// <c>exp_avg</c>). The arrays are allocated by the first <see cref="BeginStep"/> (or a
/// <see cref="Load"/>), then reused: later steps allocate nothing.
/// </summary>
internal sealed class OptimizerState
{
    /// <summary>Metadata key holding the optimizer's <see cref="IOptimizer.Name"/>.</summary>
    public const string NameKey = "optimizer";

    /// <summary>Metadata key holding <see cref="IOptimizer.StepCount"/> (invariant integer).</summary>
    public const string StepKey = "optimizer.step";

    /// <summary>Metadata key holding the parameter count (absent before the first step).</summary>
    public const string LengthKey = "optimizer.length";

    /// <summary>Metadata key holding the hyper-parameters as text, for people reading a checkpoint.</summary>
    public const string HyperparametersKey = "optimizer.hyperparameters";

    private readonly string _optimizerName;
    private readonly string[] _allNames;
    private readonly bool[] _used;
    private readonly float[] _initialValues;
    private readonly float[]?[] _arrays;
    private int _length = -1;

    /// <summary>
    /// Creates the state of optimizer <paramref name="optimizerName"/>. <paramref name="slotNames"/>
    /// lists every state array this optimizer type can have (slot order), <paramref name="used"/>
    /// which of them this configuration keeps, and <paramref name="initialValues"/> what each starts at.
    /// </summary>
    public OptimizerState(string optimizerName, string[] slotNames, bool[] used, float[] initialValues)
    {
        _optimizerName = optimizerName;
        _allNames = slotNames;
        _used = used;
        _initialValues = initialValues;
        _arrays = new float[]?[slotNames.Length];
    }

    /// <summary>Steps taken (or restored).</summary>
    public long StepCount { get; private set; }

    /// <summary>Parameters per step, or −1 before the first step or load.</summary>
    public int Length => _length;

    /// <summary>
    /// Checks the spans, allocates and initialises the state on the first step, and counts the
    /// step. Returns the new step number (1 for the first step), as PyTorch's <c>step</c>.
    /// </summary>
    public long BeginStep(int parameterLength, int gradientLength)
    {
        if (gradientLength != parameterLength)
            throw new ArgumentException($"{_optimizerName}: expected {parameterLength} gradients (one per parameter), got {gradientLength}.", "gradients");
        if (_length >= 0 && parameterLength != _length)
            throw new ArgumentException($"{_optimizerName}: expected {_length} parameters (the count this optimizer was first used or loaded with), got {parameterLength}.", "parameters");
        if (StepCount == 0)
        {
            _length = parameterLength;
            for (int s = 0; s < _arrays.Length; s++)
            {
                if (!_used[s]) continue;
                float[] array = _arrays[s] is { } existing && existing.Length == parameterLength ? existing : new float[parameterLength];
                array.AsSpan().Fill(_initialValues[s]);
                _arrays[s] = array;
            }
        }
        return ++StepCount;
    }

    /// <summary>The array of slot <paramref name="slot"/>, or an empty span when this configuration does not keep it.</summary>
    public Span<float> Slot(int slot) => _used[slot] ? _arrays[slot] : Span<float>.Empty;

    /// <summary>Writes the state: every kept array (after the first step), the name, the step count, the length and <paramref name="hyperparameters"/>.</summary>
    public void Save(IDictionary<string, float[]> tensors, IDictionary<string, string> metadata, string hyperparameters)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        metadata[NameKey] = _optimizerName;
        metadata[StepKey] = StepCount.ToString(CultureInfo.InvariantCulture);
        metadata[HyperparametersKey] = hyperparameters;
        if (_length >= 0) metadata[LengthKey] = _length.ToString(CultureInfo.InvariantCulture);
        else metadata.Remove(LengthKey);
        if (StepCount == 0) return;
        for (int s = 0; s < _arrays.Length; s++)
        {
            if (_used[s]) tensors[_allNames[s]] = (float[])_arrays[s]!.Clone();
        }
    }

    /// <summary>
    /// Restores what <see cref="Save"/> wrote. Entries that belong to others (model tensors, other
    /// metadata) are ignored; a state array of this optimizer type that this configuration does not
    /// keep (e.g. <c>grad_avg</c> for a non-centred RMSprop) is a mismatch. Nothing changes unless
    /// every check passes.
    /// </summary>
    public void Load(IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue(NameKey, out string? name))
            throw new ArgumentException($"{_optimizerName}: the metadata has no '{NameKey}' entry; it is not an optimizer checkpoint.", nameof(metadata));
        if (name != _optimizerName)
            throw new ArgumentException($"The checkpoint holds the state of optimizer '{name}', expected '{_optimizerName}'.", nameof(metadata));
        long step = ParseStep(metadata);
        int length = ParseLength(metadata, step);
        if (_length >= 0 && length >= 0 && length != _length)
            throw new ArgumentException($"{_optimizerName}: the checkpoint is for {length} parameters, expected {_length} (the count this optimizer already works on).", nameof(metadata));

        for (int s = 0; s < _allNames.Length; s++)
        {
            bool present = tensors.TryGetValue(_allNames[s], out float[]? array);
            bool expected = _used[s] && step > 0;
            if (expected && !present)
                throw new ArgumentException($"{_optimizerName}: the checkpoint has no '{_allNames[s]}' state, expected one of {length} floats.", nameof(tensors));
            if (!expected && present)
                throw new ArgumentException(_used[s]
                    ? $"{_optimizerName}: the checkpoint is before the first step but holds a '{_allNames[s]}' state."
                    : $"{_optimizerName}: the checkpoint holds a '{_allNames[s]}' state, which this configuration does not keep (its hyper-parameters differ).", nameof(tensors));
            if (expected && array!.Length != length)
                throw new ArgumentException($"{_optimizerName}: state '{_allNames[s]}' has {array.Length} floats, expected {length}.", nameof(tensors));
        }

        // Every check passed: copy in (reusing arrays of the right length).
        StepCount = step;
        if (length >= 0) _length = length;
        if (step == 0) return;
        for (int s = 0; s < _allNames.Length; s++)
        {
            if (!_used[s]) continue;
            float[] source = tensors[_allNames[s]];
            float[] target = _arrays[s] is { } existing && existing.Length == length ? existing : new float[length];
            source.AsSpan().CopyTo(target);
            _arrays[s] = target;
        }
    }

    private long ParseStep(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(StepKey, out string? text))
            throw new ArgumentException($"{_optimizerName}: the metadata has no '{StepKey}' entry.", nameof(metadata));
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            throw new ArgumentException($"{_optimizerName}: '{StepKey}' must be a non-negative integer, found '{text}'.", nameof(metadata));
        return step;
    }

    private int ParseLength(IReadOnlyDictionary<string, string> metadata, long step)
    {
        if (!metadata.TryGetValue(LengthKey, out string? text))
        {
            if (step > 0) throw new ArgumentException($"{_optimizerName}: the metadata has no '{LengthKey}' entry, expected one after {step} steps.", nameof(metadata));
            return -1;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int length))
            throw new ArgumentException($"{_optimizerName}: '{LengthKey}' must be a non-negative integer, found '{text}'.", nameof(metadata));
        return length;
    }
}
