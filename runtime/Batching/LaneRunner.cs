// Many sequences or streams of one model in lock-step lanes: each weight vector the kernels load serves up to eight
// sequences. Used by PredictBatch and StepBatch for the models that have lane kernels (ILaneTrainableModel); each
// sequence's result is bitwise what the one-at-a-time call returns, since every lane sums the same rows in the same order.
using System;
using System.Collections.Concurrent;
using System.Reflection;
using LstmGen.CompilerServices;

namespace LstmGen;

/// <summary>
/// Runs groups of sequences (or stream steps) through a model's lane kernels. One per thread and model, reused:
/// allocation-free once it has run. Sequences are taken longest first, eight at a time; the lanes advance in segments
/// of at most <see cref="SegmentSteps"/> steps up to the shortest unfinished sequence, finished lanes leave, and when
/// four or fewer remain they move to a four-lane tape (the kernels compute every lane of a tape). A last remaining
/// sequence finishes with the one-sequence kernels from its state.
/// </summary>
internal sealed class LaneRunner
{
    /// <summary>Lanes of the wide tape.</summary>
    public const int Lanes = 8;

    /// <summary>Most steps one lane call runs (bounds the tape the kernels record to).</summary>
    public const int SegmentSteps = 32;

    [ThreadStatic] private static LaneRunner? t_runner;
    private static readonly ConcurrentDictionary<Type, bool> s_eligible = new();

    private readonly ILaneTrainableModel _model;
    private readonly ModelShape _shape;
    private readonly ModelGuard? _guard;
    private readonly LaneTape _wide, _narrow;
    private readonly LstmState[] _own = new LstmState[Lanes];
    private readonly LstmState[] _lanes = new LstmState[Lanes];
    private readonly int[] _sequence = new int[Lanes], _done = new int[Lanes], _remaining = new int[Lanes];
    private readonly float[] _outputs;
    private int[] _keys = new int[16], _order = new int[16];

    private LaneRunner(ILaneTrainableModel model)
    {
        _model = model;
        _shape = model.Shape;
        _guard = (model as IGuardedModel)?.Guard;
        _wide = model.CreateLaneTape(Lanes, SegmentSteps);
        _narrow = model.CreateLaneTape(4, SegmentSteps);
        for (int l = 0; l < Lanes; l++) _own[l] = model.CreateState();
        _outputs = new float[Lanes * _shape.OutputLength(SegmentSteps)];
    }

    /// <summary>
    /// This thread's runner for <paramref name="model"/>, or null when the model has no lane kernels or computes
    /// inference differently from its lanes (bfloat16 inference weights: the lanes read the float32 weights).
    /// </summary>
    public static LaneRunner? For(ILstmModel model)
    {
        if (!Supports(model)) return null;
        LaneRunner? runner = t_runner;
        if (runner is null || !ReferenceEquals(runner._model, model)) t_runner = runner = new LaneRunner((ILaneTrainableModel)model);
        return runner;
    }

    /// <summary>
    /// True when <paramref name="model"/>'s lanes compute exactly its one-sequence inference: a model with lane kernels
    /// and float32 inference weights, when the kernels run 256-bit, 128-bit or scalar code. (With 512-bit vectors, the
    /// hardware's or forced by <see cref="VectorWidth"/>, the one-sequence kernels split small register tiles into several
    /// accumulator sets, which sum in another order than the lanes.)
    /// </summary>
    public static bool Supports(ILstmModel model) =>
        !VectorWidth.Use512 && model is ILaneTrainableModel && Eligible(model.GetType());

    private static bool Eligible(Type type) => s_eligible.GetOrAdd(type, static t =>
        t.GetCustomAttribute<LstmModelAttribute>() is not { InferenceWeights: WeightPrecision.BFloat16 });

    /// <summary>
    /// The sequences <paramref name="first"/> … <paramref name="last"/>−1 of a batch, each written to its outputs:
    /// sequence i reads <c>inputStarts[i] … inputStarts[i + 1]</c> (<paramref name="perStep"/> values a step) and writes
    /// from <c>outputStarts[i]</c>.
    /// </summary>
    public void Run(int first, int last, ReadOnlySpan<int> inputStarts, ReadOnlySpan<int> outputStarts, int perStep,
        ReadOnlySpan<int> tokens, ReadOnlySpan<float> inputs, Span<float> outputs, System.Collections.Generic.IReadOnlyList<LstmState>? states, HeadOutput kind)
    {
        int count = last - first;
        if (_order.Length < count)
        {
            _keys = new int[count];
            _order = new int[count];
        }
        // Longest first, so the lanes of one group finish close together (the order of equal lengths does not matter: a
        // lane's result does not depend on its neighbours).
        for (int i = 0; i < count; i++)
        {
            _keys[i] = -((inputStarts[first + i + 1] - inputStarts[first + i]) / perStep);
            _order[i] = first + i;
        }
        Array.Sort(_keys, _order, 0, count);
        // One read of the weights for the whole group: a change during any of its segments makes the call throw.
        int version = _guard?.EnterRead() ?? 0;
        try
        {
            RunSorted(count, inputStarts, outputStarts, perStep, tokens, inputs, outputs, states, kind);
            _guard?.ExitRead(version);
        }
        finally
        {
            Array.Clear(_lanes); // the caller's states are not kept alive by this thread
        }
    }

    private void RunSorted(int count, ReadOnlySpan<int> inputStarts, ReadOnlySpan<int> outputStarts, int perStep,
        ReadOnlySpan<int> tokens, ReadOnlySpan<float> inputs, Span<float> outputs, System.Collections.Generic.IReadOnlyList<LstmState>? states, HeadOutput kind)
    {
        for (int start = 0; start < count; start += Lanes)
        {
            int lanes = Math.Min(Lanes, count - start);
            for (int l = 0; l < lanes; l++)
            {
                int i = _order[start + l];
                _sequence[l] = i;
                _done[l] = 0;
                _remaining[l] = (inputStarts[i + 1] - inputStarts[i]) / perStep;
                if (states is not null) _lanes[l] = states[i] ?? throw new ArgumentNullException(nameof(BatchOptions.States), $"State {i} is null.");
                else
                {
                    _own[l].Reset();
                    _lanes[l] = _own[l];
                }
            }
            RunLanes(lanes, inputStarts, outputStarts, perStep, tokens, inputs, outputs, kind);
        }
    }

    private void RunLanes(int active, ReadOnlySpan<int> inputStarts, ReadOnlySpan<int> outputStarts, int perStep,
        ReadOnlySpan<int> tokens, ReadOnlySpan<float> inputs, Span<float> outputs, HeadOutput kind)
    {
        bool everyStep = _shape.HeadOn == HeadOn.EveryStep;
        int width = _shape.StepOutputSize;
        while (active > 1)
        {
            // The lanes hold non-increasing remaining lengths: the last active lane finishes first.
            int steps = Math.Min(SegmentSteps, _remaining[active - 1]);
            LaneTape tape = active > 4 ? _wide : _narrow;
            for (int l = 0; l < active; l++)
            {
                int from = inputStarts[_sequence[l]] + _done[l] * perStep;
                if (_shape.IsTokenModel) tokens.Slice(from, steps).CopyTo(tape.Tokens(l));
                else inputs.Slice(from, steps * perStep).CopyTo(tape.Inputs(l));
            }
            int outputLength = _shape.OutputLength(steps);
            Span<float> laneOutputs = _outputs.AsSpan(0, active * outputLength);
            _model.ForwardLanes(tape, steps, _lanes.AsSpan(0, active), laneOutputs);
            for (int l = 0; l < active; l++)
            {
                int i = _sequence[l];
                if (everyStep)
                {
                    Span<float> target = outputs.Slice(outputStarts[i] + _done[l] * width, outputLength);
                    laneOutputs.Slice(l * outputLength, outputLength).CopyTo(target);
                    if (kind == HeadOutput.Activated)
                    {
                        for (int t = 0; t < steps; t++) HeadActivation.Apply(_shape.Head, target.Slice(t * width, width));
                    }
                }
                else if (_remaining[l] == steps)
                {
                    Span<float> target = outputs.Slice(outputStarts[i], outputLength);
                    laneOutputs.Slice(l * outputLength, outputLength).CopyTo(target);
                    if (kind == HeadOutput.Activated) HeadActivation.Apply(_shape.Head, target);
                }
                _done[l] += steps;
                _remaining[l] -= steps;
            }
            while (active > 0 && _remaining[active - 1] == 0) active--;
        }
        if (active == 1)
        {
            // One sequence left: the one-sequence kernels continue it from its state, as one Predict call would.
            int i = _sequence[0];
            Span<float> target = everyStep
                ? outputs.Slice(outputStarts[i] + _done[0] * width, _remaining[0] * width)
                : outputs.Slice(outputStarts[i], width);
            int from = inputStarts[i] + _done[0] * perStep;
            if (_model is ITokenSequenceModel tokenModel) tokenModel.Predict(tokens.Slice(from, _remaining[0]), target, _lanes[0], kind);
            else ((IFloatSequenceModel)_model).Predict(inputs.Slice(from, _remaining[0] * perStep), target, _lanes[0], kind);
        }
    }

    /// <summary>
    /// One step of each open slot of <paramref name="streams"/>, eight slots at a time (the last group alone, or a lone
    /// slot, through <c>Step</c>).
    /// </summary>
    public void Step(StreamBatch streams, ReadOnlySpan<int> tokens, ReadOnlySpan<float> inputs, Span<float> outputs, HeadOutput kind)
    {
        int version = _guard?.EnterRead() ?? 0;
        try
        {
            StepGroups(streams, tokens, inputs, outputs, kind);
            _guard?.ExitRead(version);
        }
        finally
        {
            Array.Clear(_lanes);
        }
    }

    private void StepGroups(StreamBatch streams, ReadOnlySpan<int> tokens, ReadOnlySpan<float> inputs, Span<float> outputs, HeadOutput kind)
    {
        int perStep = _shape.IsTokenModel ? 1 : _shape.InputSize, width = _shape.StepOutputSize;
        int s = 0;
        while (true)
        {
            int lanes = 0;
            for (; s < streams.Capacity && lanes < Lanes; s++)
            {
                if (!streams.IsOpenUnchecked(s)) continue;
                _sequence[lanes] = s;
                _lanes[lanes++] = streams.Slot(s);
            }
            if (lanes == 0) break;
            if (lanes == 1)
            {
                int slot = _sequence[0];
                Span<float> output = outputs.IsEmpty ? default : outputs.Slice(slot * width, width);
                if (_model is ITokenSequenceModel tokenModel) tokenModel.Step(tokens[slot], output, _lanes[0], kind);
                else ((IFloatSequenceModel)_model).Step(inputs.Slice(slot * perStep, perStep), output, _lanes[0], kind);
                continue;
            }
            LaneTape tape = lanes > 4 ? _wide : _narrow;
            for (int l = 0; l < lanes; l++)
            {
                int slot = _sequence[l];
                if (_shape.IsTokenModel) tape.Tokens(l)[0] = tokens[slot];
                else inputs.Slice(slot * perStep, perStep).CopyTo(tape.Inputs(l));
            }
            Span<float> laneOutputs = _outputs.AsSpan(0, lanes * width);
            _model.ForwardLanes(tape, 1, _lanes.AsSpan(0, lanes), laneOutputs);
            if (outputs.IsEmpty) continue;
            for (int l = 0; l < lanes; l++)
            {
                Span<float> target = outputs.Slice(_sequence[l] * width, width);
                laneOutputs.Slice(l * width, width).CopyTo(target);
                if (kind == HeadOutput.Activated) HeadActivation.Apply(_shape.Head, target);
            }
        }
    }
}
