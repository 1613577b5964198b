// One minibatch: samples in fixed chunks on worker threads (forward, loss, backward, truncated BPTT),
// gradients summed in chunk order, then the divergence guard, clipping and the optimizer step.
using System;
using System.Runtime.InteropServices;
using LstmGen.CompilerServices;

namespace LstmGen.Training;

public sealed partial class Trainer
{
    private readonly Action<int, int> _chunkWork;
    private WorkerScratch[] _workers = Array.Empty<WorkerScratch>();
    private GradientBuffer[] _chunkGradients = Array.Empty<GradientBuffer>();
    private double[] _chunkLosses = Array.Empty<double>();
    private double _lastGradientNorm;

    // The batch the workers are on (set before each pool run, read-only during it).
    private SequenceDataset? _batchData;
    private TargetLoss? _batchLoss;
    private int[] _batchOrder = Array.Empty<int>();
    private int _batchStart;
    private int _batchCount;
    private float _batchScale;

    /// <summary>What one worker thread reuses for every sample: tape, state and output buffers; and for lane training, the same for a chunk.</summary>
    private sealed class WorkerScratch
    {
        public WorkerScratch(ITrainableModel model, int tapeSteps, int outputLength, int lanes)
        {
            Tape = tapeSteps > 0 ? model.CreateTape(tapeSteps) : null;
            State = model.CreateState();
            Outputs = new float[outputLength];
            OutputGradients = new float[outputLength];
            if (lanes > 0 && tapeSteps > 0 && model is ILaneTrainableModel laneModel)
            {
                LaneTape = laneModel.CreateLaneTape(lanes, tapeSteps);
                LaneStates = new LstmState[lanes];
                for (int l = 0; l < lanes; l++) LaneStates[l] = model.CreateState();
                LaneOutputs = new float[lanes * outputLength];
                LaneOutputGradients = new float[lanes * outputLength];
                LaneLosses = new double[lanes];
            }
        }

        public LaneTape? LaneTape { get; }
        public LstmState[] LaneStates { get; } = Array.Empty<LstmState>();
        public float[] LaneOutputs { get; } = Array.Empty<float>();
        public float[] LaneOutputGradients { get; } = Array.Empty<float>();
        public double[] LaneLosses { get; } = Array.Empty<double>();
        public int Lanes => LaneStates.Length;

        public TrainingTape? Tape { get; }
        public LstmState State { get; }
        public float[] Outputs { get; }
        public float[] OutputGradients { get; }
        public int TapeSteps => Tape?.MaxSteps ?? 0;
    }

    /// <summary>Makes sure every worker has a tape of <paramref name="tapeSteps"/> steps and output buffers for <paramref name="outputSteps"/> steps, and every chunk a gradient buffer.</summary>
    private void PrepareWorkers(int tapeSteps, int outputSteps)
    {
        int outputLength = _shape.OutputLength(Math.Max(outputSteps, 1));
        int lanes = Options.LaneTraining && _model is ILaneTrainableModel && Options.SamplesPerChunk > 1 ? Options.SamplesPerChunk : 0;
        if (_workers.Length != Options.Threads) _workers = new WorkerScratch[Options.Threads];
        for (int w = 0; w < _workers.Length; w++)
        {
            var current = _workers[w];
            if (current is null || current.TapeSteps < tapeSteps || current.Outputs.Length < outputLength || (tapeSteps > 0 && current.Lanes < lanes))
            {
                _workers[w] = new WorkerScratch(_model, Math.Max(tapeSteps, current?.TapeSteps ?? 0), Math.Max(outputLength, current?.Outputs.Length ?? 0), lanes);
            }
        }
        if (tapeSteps == 0) return;
        int chunks = (Options.BatchSize + Options.SamplesPerChunk - 1) / Options.SamplesPerChunk;
        if (_chunkGradients.Length < chunks)
        {
            var grown = new GradientBuffer[chunks];
            _chunkGradients.CopyTo(grown, 0);
            for (int c = _chunkGradients.Length; c < chunks; c++) grown[c] = _model.CreateGradients();
            _chunkGradients = grown;
            _chunkLosses = new double[chunks];
        }
    }

    /// <summary>Trains on samples order[start … start+count) and takes one optimizer step; returns the batch's mean loss.</summary>
    private double TrainBatch(TrainerWorkerPool pool, SequenceDataset data, TargetLoss loss, int[] order, int start, int count, int epoch, int batch)
    {
        _batchData = data;
        _batchLoss = loss;
        _batchOrder = order;
        _batchStart = start;
        _batchCount = count;
        _batchScale = 1f / count;
        int chunks = (count + Options.SamplesPerChunk - 1) / Options.SamplesPerChunk;
        pool.Run(chunks, _chunkWork);

        // Fixed reduction order: chunk 0 + chunk 1 + … whatever thread computed each.
        GradientBuffer total = _chunkGradients[0];
        double batchLoss = _chunkLosses[0];
        for (int c = 1; c < chunks; c++)
        {
            total.Add(_chunkGradients[c]);
            batchLoss += _chunkLosses[c];
        }

        long step = _step + 1;
        if (!double.IsFinite(batchLoss))
            throw new TrainingDivergedException(DivergedQuantity.Loss, batchLoss, epoch, batch, step, Options.CheckpointPath, _checkpointEpoch);
        _model.CopyGradients(total, _gradient);
        foreach ((int offset, int length) in _frozen) _gradient.AsSpan(offset, length).Clear();

        // Clipping by norm leaves non-finite gradients untouched and returns their norm, so one pass does both.
        double norm = Options.ClipGradientNorm > 0
            ? GradientClipping.ClipByGlobalNorm(_gradient, Options.ClipGradientNorm)
            : GradientClipping.GlobalNorm(_gradient);
        if (!double.IsFinite(norm))
            throw new TrainingDivergedException(DivergedQuantity.Gradient, norm, epoch, batch, step, Options.CheckpointPath, _checkpointEpoch);
        _lastGradientNorm = norm;
        if (Options.ClipGradientValue > 0) GradientClipping.ClipByValue(_gradient, Options.ClipGradientValue);
        if (Options.LearningRateSchedule is { } schedule) Optimizer.LearningRate = schedule.RateAt(_step, _epoch);
        using (new WeightChange(_model))
        {
            Span<float> parameters = _model.Parameters;
            int kept = 0;
            foreach ((int offset, int length) in _frozen)
            {
                parameters.Slice(offset, length).CopyTo(_frozenValues.AsSpan(kept, length));
                kept += length;
            }
            Optimizer.Step(parameters, _gradient);
            kept = 0;
            foreach ((int offset, int length) in _frozen)
            {
                _frozenValues.AsSpan(kept, length).CopyTo(parameters.Slice(offset, length));
                kept += length;
            }
            _model.ParametersChanged();
        }
        _step = step;
        return batchLoss;
    }

    /// <summary>Worker body: the samples of chunk <paramref name="chunk"/>, in order, into the chunk's own gradient buffer.</summary>
    private void RunChunk(int worker, int chunk)
    {
        var scratch = _workers[worker];
        var gradients = _chunkGradients[chunk];
        gradients.Clear();
        double loss = 0;
        int first = chunk * Options.SamplesPerChunk;
        int end = Math.Min(first + Options.SamplesPerChunk, _batchCount);
        if (CanTrainLanes(scratch, first, end))
        {
            loss = TrainLanes(scratch, first, end - first, gradients);
        }
        else
        {
            for (int j = first; j < end; j++) loss += TrainSample(scratch, _batchOrder[_batchStart + j], gradients);
        }
        _chunkLosses[chunk] = loss;
    }

    /// <summary>Lane training applies to a chunk of two or more samples of one length, given a lane tape (the same answer on every thread).</summary>
    private bool CanTrainLanes(WorkerScratch scratch, int first, int end)
    {
        if (scratch.LaneTape is null || end - first < 2 || end - first > scratch.Lanes) return false;
        int length = _batchData!.Length(_batchOrder[_batchStart + first]);
        for (int j = first + 1; j < end; j++)
        {
            if (_batchData.Length(_batchOrder[_batchStart + j]) != length) return false;
        }
        return true;
    }

    /// <summary>
    /// <see cref="TrainSample"/> for the <paramref name="count"/> equal-length samples of a chunk at once, in
    /// lock-step lanes (<see cref="ILaneTrainableModel"/>). Windows (truncated BPTT) where no lane has targets
    /// only advance the states; otherwise every lane is recorded and backpropagated, those without targets
    /// with zero output gradients. Returns the sum of the samples' losses, added in sample order.
    /// </summary>
    private double TrainLanes(WorkerScratch scratch, int first, int count, GradientBuffer gradients)
    {
        var data = _batchData!;
        var loss = _batchLoss!;
        var model = (ILaneTrainableModel)_model;
        LaneTape tape = scratch.LaneTape!;
        int length = data.Length(_batchOrder[_batchStart + first]);
        int window = Options.TruncateSteps > 0 ? Options.TruncateSteps : length;
        ReadOnlySpan<LstmState> states = scratch.LaneStates.AsSpan(0, count);
        Span<double> losses = scratch.LaneLosses.AsSpan(0, count);
        losses.Clear();
        foreach (LstmState state in states) state.Reset();
        for (int start = 0; start < length; start += window)
        {
            int steps = Math.Min(window, length - start);
            int outputLength = _shape.OutputLength(steps);
            bool targets = false;
            for (int l = 0; l < count && !targets; l++) targets = loss.HasTargets(_batchOrder[_batchStart + first + l], start, steps);
            if (!targets)
            {
                if (start + steps < length)
                {
                    for (int l = 0; l < count; l++)
                        Predict(data, _batchOrder[_batchStart + first + l], start, steps, scratch.Outputs.AsSpan(0, outputLength), states[l]);
                }
                continue;
            }
            for (int l = 0; l < count; l++)
            {
                int sample = _batchOrder[_batchStart + first + l];
                if (_tokenModel is not null) data.Tokens(sample).Slice(start, steps).CopyTo(tape.Tokens(l));
                else data.Inputs(sample).Slice(start * data.InputWidth, steps * data.InputWidth).CopyTo(tape.Inputs(l));
            }
            Span<float> outputs = scratch.LaneOutputs.AsSpan(0, count * outputLength);
            Span<float> outputGradients = scratch.LaneOutputGradients.AsSpan(0, count * outputLength);
            model.ForwardLanes(tape, steps, states, outputs);
            for (int l = 0; l < count; l++)
            {
                losses[l] += loss.Accumulate(_batchOrder[_batchStart + first + l], start, steps,
                    outputs.Slice(l * outputLength, outputLength), outputGradients.Slice(l * outputLength, outputLength), _batchScale);
            }
            model.BackwardLanes(tape, outputGradients, gradients);
        }
        double total = 0;
        foreach (double sampleLoss in losses) total += sampleLoss;
        return total;
    }

    /// <summary>
    /// Forward, loss and backward for one sample from a zero state, adding its gradient (scaled by 1/N) to
    /// <paramref name="gradients"/>. With truncation, windows of k steps carry the state forward; each window
    /// with targets is recorded and backpropagated on its own; windows without targets only advance the state.
    /// </summary>
    private double TrainSample(WorkerScratch scratch, int sample, GradientBuffer gradients)
    {
        var data = _batchData!;
        var loss = _batchLoss!;
        int length = data.Length(sample);
        int window = Options.TruncateSteps > 0 ? Options.TruncateSteps : length;
        LstmState state = scratch.State;
        state.Reset();
        double total = 0;
        for (int start = 0; start < length; start += window)
        {
            int steps = Math.Min(window, length - start);
            int outputLength = _shape.OutputLength(steps);
            Span<float> outputs = scratch.Outputs.AsSpan(0, outputLength);
            if (!loss.HasTargets(sample, start, steps))
            {
                if (start + steps < length) Predict(data, sample, start, steps, outputs, state);
                continue;
            }
            scratch.Tape!.DropoutSeed = DropoutSeed(sample, start);
            Forward(data, sample, start, steps, outputs, state, scratch.Tape!);
            Span<float> outputGradients = scratch.OutputGradients.AsSpan(0, outputLength);
            total += loss.Accumulate(sample, start, steps, outputs, outputGradients, _batchScale);
            _model.Backward(scratch.Tape!, outputGradients, gradients);
        }
        return total;
    }

    /// <summary>
    /// The dropout seed of one recorded window: a hash of <see cref="TrainingOptions.Seed"/>, the optimizer step
    /// about to be taken, the sample and the window's first step — so masks differ between samples, windows and
    /// epochs, and do not depend on the thread or chunk that trains the sample (or on a resume).
    /// </summary>
    private ulong DropoutSeed(int sample, int start)
    {
        ulong z = Options.Seed ^ 0x5DEECE66DUL;
        foreach (ulong part in (ReadOnlySpan<ulong>)[(ulong)_step, (ulong)(uint)sample, (ulong)(uint)start])
        {
            z += 0x9E3779B97F4A7C15UL + part;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
        }
        return z;
    }

    private void Forward(SequenceDataset data, int sample, int start, int steps, Span<float> outputs, LstmState state, TrainingTape tape)
    {
        if (_tokenModel is not null) _tokenModel.Forward(data.Tokens(sample).Slice(start, steps), outputs, state, tape);
        else _floatModel!.Forward(data.Inputs(sample).Slice(start * data.InputWidth, steps * data.InputWidth), outputs, state, tape);
    }

    /// <summary>Runs steps without recording (logits out), advancing <paramref name="state"/>.</summary>
    private void Predict(SequenceDataset data, int sample, int start, int steps, Span<float> outputs, LstmState state)
    {
        if (_tokenModel is not null) _tokenModel.Predict(data.Tokens(sample).Slice(start, steps), outputs, state, HeadOutput.Logits);
        else _floatModel!.Predict(data.Inputs(sample).Slice(start * data.InputWidth, steps * data.InputWidth), outputs, state, HeadOutput.Logits);
    }
}
