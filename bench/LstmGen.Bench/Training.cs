// Training benchmarks: one minibatch step of the generated model against the runtime-sized reference.
using System;
using BenchmarkDotNet.Attributes;
using LstmGen.Reference;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace LstmGen.Bench;

/// <summary>
/// W5 on one core: one Adam step on a batch of 32 reviews of 300 tokens — for each review a recording
/// forward pass, binary cross-entropy, the backward pass into the batch gradient; then the gradient in
/// PyTorch layout, the Adam update and the repacking. Reported per review (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class ReviewTrainingBatch
{
    private const int Batch = 32, Steps = 300;
    private readonly Learner _generated = new(), _reference = new();
    private int[][] _reviews = null!;

    private sealed class Learner
    {
        public ITokenTrainableModel Model = null!;
        public TrainingTape Tape = null!;
        public GradientBuffer Gradients = null!;
        public LstmState State = null!;
        public float[] Canonical = null!;
        public readonly Adam Optimizer = new();
        public readonly float[] Logit = new float[1], LogitGradient = new float[1], Target = new float[1];

        public void Prepare(ITokenTrainableModel model)
        {
            Model = model;
            Tape = model.CreateTape(Steps);
            Gradients = model.CreateGradients();
            State = model.CreateState();
            Canonical = new float[model.Shape.ParameterCount];
        }

        public float Step(int[][] reviews)
        {
            Gradients.Clear();
            float loss = 0;
            for (int i = 0; i < reviews.Length; i++)
            {
                State.Reset();
                Model.Forward(reviews[i], Logit, State, Tape);
                Target[0] = i % 2;
                loss += Loss.BinaryCrossEntropy(Logit, Target, LogitGradient, weight: 1f / reviews.Length);
                Model.Backward(Tape, LogitGradient, Gradients);
            }
            Model.CopyGradients(Gradients, Canonical);
            Optimizer.Step(Model.Parameters, Canonical);
            Model.ParametersChanged();
            return loss;
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        var generated = new ReviewClassifier();
        ReferenceLstm reference = Same.Weights(generated, 4);
        _generated.Prepare(generated);
        _reference.Prepare(reference);
        _reviews = new int[Batch][];
        for (int i = 0; i < Batch; i++) _reviews[i] = Same.Tokens(Steps, 5000, 100 + i);
        float a = _generated.Step(_reviews), b = _reference.Step(_reviews);
        if (Math.Abs(a - b) > 1e-4 * Math.Abs(b)) throw new InvalidOperationException($"W5: losses disagree ({a} vs {b}).");
        Same.Check(_generated.Model.Parameters, _reference.Model.Parameters, "W5 weights after one step");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public float Reference() => _reference.Step(_reviews);

    [Benchmark(OperationsPerInvoke = Batch)]
    public float Generated() => _generated.Step(_reviews);
}
