// Evaluation of a model on a dataset: forward passes on worker threads, each sample into its own slots, then every
// metric reduced in sample order, so the numbers never depend on the thread count. The Trainer's validation and
// ModelEvaluation.Evaluate both run it.
using System;

namespace LstmGen.Training;

/// <summary>The buffers of one evaluation of one dataset, reusable (each validation of a training run reuses them).</summary>
internal sealed class EvaluationRun
{
    private readonly ITokenSequenceModel? _tokenModel;
    private readonly IFloatSequenceModel? _floatModel;
    private readonly ModelShape _shape;
    private readonly SequenceDataset _data;
    private readonly TargetLoss _loss;
    private readonly double[] _losses;
    private readonly TargetLoss.SampleScore[] _scores;
    private readonly int[] _pairStarts, _classStarts;
    private readonly float[] _pairScores;
    private readonly bool[] _pairLabels;
    private readonly int[] _actual, _predicted;
    private readonly Action<int, int> _work;
    private Worker[] _workers = Array.Empty<Worker>();

    /// <summary>Prepares an evaluation of <paramref name="model"/> (a float or token sequence model) on <paramref name="data"/> with <paramref name="loss"/>.</summary>
    public EvaluationRun(ILstmModel model, SequenceDataset data, TargetLoss loss)
    {
        _shape = model.Shape;
        _tokenModel = _shape.IsTokenModel ? model as ITokenSequenceModel ?? throw new ArgumentException($"The model reads token ids ({_shape}) but does not implement ITokenSequenceModel.", nameof(model)) : null;
        _floatModel = _shape.IsTokenModel ? null : model as IFloatSequenceModel ?? throw new ArgumentException($"The model reads float vectors ({_shape}) but does not implement IFloatSequenceModel.", nameof(model));
        _data = data;
        _loss = loss;
        _losses = new double[data.Count];
        _scores = new TargetLoss.SampleScore[data.Count];
        _pairStarts = new int[data.Count + 1];
        _classStarts = new int[data.Count + 1];
        for (int s = 0; s < data.Count; s++)
        {
            _pairStarts[s + 1] = checked(_pairStarts[s] + loss.BinaryPairs(s));
            _classStarts[s + 1] = checked(_classStarts[s] + loss.ClassPositions(s));
        }
        _pairScores = new float[_pairStarts[^1]];
        _pairLabels = new bool[_pairStarts[^1]];
        _actual = new int[_classStarts[^1]];
        _predicted = new int[_classStarts[^1]];
        _work = EvaluateSample;
    }

    /// <summary>What one worker thread reuses for every sample.</summary>
    private sealed class Worker(ILstmModel model, int outputLength)
    {
        public LstmState State { get; } = model.CreateState();
        public float[] Outputs { get; } = new float[outputLength];
        public float[] Gradients { get; } = new float[outputLength];
    }

    /// <summary>Runs the evaluation on <paramref name="pool"/> and reduces it.</summary>
    public EvaluationResult Run(TrainerWorkerPool pool, ILstmModel model)
    {
        int outputLength = _shape.OutputLength(Math.Max(_data.MaxLength, 1));
        if (_workers.Length != pool.Threads)
        {
            _workers = new Worker[pool.Threads];
            for (int w = 0; w < _workers.Length; w++) _workers[w] = new Worker(model, outputLength);
        }
        pool.Run(_data.Count, _work);
        return Reduce();
    }

    private void EvaluateSample(int worker, int sample)
    {
        Worker scratch = _workers[worker];
        int steps = _data.Length(sample);
        int outputLength = _shape.OutputLength(steps);
        Span<float> outputs = scratch.Outputs.AsSpan(0, outputLength);
        scratch.State.Reset();
        if (_tokenModel is not null) _tokenModel.Predict(_data.Tokens(sample), outputs, scratch.State, HeadOutput.Logits);
        else _floatModel!.Predict(_data.Inputs(sample), outputs, scratch.State, HeadOutput.Logits);
        _losses[sample] = _loss.Accumulate(sample, 0, steps, outputs, scratch.Gradients.AsSpan(0, outputLength), 1f);
        int pair = _pairStarts[sample], pairs = _pairStarts[sample + 1] - pair;
        int position = _classStarts[sample], positions = _classStarts[sample + 1] - position;
        _loss.Score(sample, outputs, ref _scores[sample], _pairScores.AsSpan(pair, pairs), _pairLabels.AsSpan(pair, pairs),
            _actual.AsSpan(position, positions), _predicted.AsSpan(position, positions));
    }

    private EvaluationResult Reduce()
    {
        double loss = 0, crossEntropy = 0, squared = 0, absolute = 0, weight = 0;
        long correct = 0, counted = 0;
        for (int s = 0; s < _data.Count; s++)
        {
            loss += _losses[s];
            correct += _scores[s].Correct;
            counted += _scores[s].Counted;
            crossEntropy += _scores[s].CrossEntropy;
            squared += _scores[s].SquaredError;
            absolute += _scores[s].AbsoluteError;
            weight += _scores[s].Weight;
        }
        loss /= _data.Count;
        var metrics = new EvaluationResult.Builder
        {
            Loss = loss, Samples = _data.Count, Positions = counted,
            Accuracy = _loss.IsClassification && counted > 0 ? (double)correct / counted : null,
            RocAuc = _loss.IsBinary ? Metrics.RocAuc(_pairScores, _pairLabels) : null,
        };
        if (_loss.HasConfusion && _actual.Length > 0) metrics.Confusion = ConfusionMatrix.From(_actual, _predicted, _loss.ConfusionClasses);
        if (_loss.Kind == LossKind.SoftmaxCrossEntropy && weight > 0) metrics.CrossEntropy = crossEntropy / weight;
        if (_loss.Kind == LossKind.MeanSquaredError && weight > 0)
        {
            metrics.Rmse = Math.Sqrt(squared / weight);
            metrics.Mae = absolute / weight;
        }
        return metrics.Build();
    }
}
