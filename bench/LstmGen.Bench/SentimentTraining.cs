// W8: training the Sentiment sample's model (bidirectional LSTM(64) on 32-wide embeddings, 30 % input dropout, sigmoid
// on both directions' final states) with the sample's settings, on the sample's own reviews: one epoch over 512 of them
// per call, through Trainer.Fit as the sample runs it. Checked first against the runtime-sized reference (outputs,
// gradients with the same dropout masks, and a whole training step).
using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using LstmGen.Reference;
#if TORCHSHARP
using LstmGen.Bench.Peers.TorchSharpPeer;
#endif
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace LstmGen.Bench;

/// <remarks>A call takes 0.3–10 s, so the class runs 1 warm-up and 5 measured iterations instead of the suite's 3 and 10.</remarks>
[MemoryDiagnoser, WarmupCount(1), IterationCount(5)]
public class SentimentTraining
{
    /// <summary>Reviews per timed epoch: 16 batches of 32.</summary>
    public const int Reviews = 512;
    public const ulong DataSeed = 1, WeightSeed = 8;

    private SentimentModel _model = null!;
    private SequenceDataset _data = null!;

    /// <summary>2 as the sample on this machine; 1 for the peers' best (libtorch's threads suffer most on a shared machine).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>The sample's training settings (samples/Sentiment/Program.cs), for one epoch.</summary>
    public static TrainingOptions Options(int threads) => new()
    {
        Epochs = 1, BatchSize = 32, Seed = 1, Threads = threads, Optimizer = new Adam(learningRate: 2e-3), ClipGradientNorm = 1.0,
    };

    [GlobalSetup(Target = nameof(Generated))]
    public void Setup()
    {
        var (reviews, labels) = SentimentData.Sample(Reviews, DataSeed);
        _data = SequenceDataset.FromTokens(reviews, labels);
        _model = new SentimentModel();
        ReferenceLstm reference = Same.Weights(_model, WeightSeed);
        TrainingAgreement.Check(_model, reference, reviews.GetRange(0, 8), labels.GetRange(0, 8), "W8");

        // A whole optimizer step (dropout, loss, BPTT, clipping, Adam) on the first batch: same loss, same weights after.
        var batch = SequenceDataset.FromTokens(reviews.GetRange(0, 32), labels.GetRange(0, 32));
        var twin = new SentimentModel();
        _model.Parameters.CopyTo(twin.Parameters);
        twin.ParametersChanged();
        double a, b;
        using (var generated = new Trainer(twin, Options(Threads))) a = generated.TrainStep(batch);
        using (var referenceTrainer = new Trainer(reference, Options(Threads))) b = referenceTrainer.TrainStep(batch);
        if (Math.Abs(a - b) > 1e-4 * Math.Abs(b)) throw new InvalidOperationException($"W8: batch losses disagree (generated {a}, reference {b}).");
        Same.Check(twin.Parameters, reference.Parameters, "W8 weights after one step");
    }

#if TORCHSHARP
    private TorchSharpSentiment? _torch;

    /// <summary>
    /// TorchSharp on the same weights and reviews (batches of 32 in the same order, padded once), checked first: its
    /// training logits and gradients with the generated model's dropout masks equal the generated model's.
    /// </summary>
    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        var (reviews, labels) = SentimentData.Sample(Reviews, DataSeed);
        var model = new SentimentModel();
        Same.Weights(model, WeightSeed);
        _torch = new TorchSharpSentiment(model.Shape, model.Parameters, reviews, labels, batch: 32, Threads);
        const int Check = 8;
        var checkReviews = reviews.GetRange(0, Check);
        var checkLabels = labels.GetRange(0, Check);
        var (logits, gradient) = TrainingAgreement.Gradients(model, checkReviews, checkLabels);
        var (peerLogits, peerGradient) = _torch.Gradients(checkReviews, checkLabels, TrainingAgreement.Masks(model.Shape, checkReviews));
        Same.Check(peerLogits, logits, "W8 TorchSharp training logits");
        Same.Check(peerGradient, gradient, "W8 TorchSharp gradients");
    }

    [GlobalCleanup(Target = nameof(TorchSharp))]
    public void CleanupTorchSharp() => _torch?.Dispose();

    /// <summary>One epoch over the same 512 reviews, batch 32, dropout, clipping at 1, Adam 2e-3.</summary>
    [Benchmark(OperationsPerInvoke = Reviews), BenchmarkCategory(Peers.PeerCategory.TorchSharp)]
    public double TorchSharp() => _torch!.Epoch();
#endif

    /// <summary>One epoch over 512 reviews (16 Adam steps of 32), reported per review.</summary>
    [Benchmark(OperationsPerInvoke = Reviews)]
    public double Generated()
    {
        using var trainer = new Trainer(_model, Options(Threads));
        return trainer.Fit(_data).History[^1].TrainLoss;
    }
}

/// <summary>Outputs and gradients of one model against another's on the same weights, sequences and dropout masks.</summary>
public static class TrainingAgreement
{
    /// <summary>The dropout seed of sequence <paramref name="index"/> in the agreement checks (any fixed value will do).</summary>
    public static ulong DropoutSeed(int index) => 1000 + (ulong)index;

    /// <summary>
    /// For each sequence: the training forward pass (with its dropout masks) and the gradient of the mean binary
    /// cross-entropy over the sequences, in PyTorch layout. Returns (logits, gradient).
    /// </summary>
    public static (float[] Logits, float[] Gradient) Gradients(ITokenTrainableModel model, IReadOnlyList<int[]> sequences, IReadOnlyList<int> labels)
    {
        int maxSteps = 0;
        foreach (int[] s in sequences) maxSteps = Math.Max(maxSteps, s.Length);
        TrainingTape tape = model.CreateTape(maxSteps);
        GradientBuffer gradients = model.CreateGradients();
        var logits = new float[sequences.Count];
        var dOut = new float[1];
        for (int i = 0; i < sequences.Count; i++)
        {
            tape.DropoutSeed = DropoutSeed(i);
            model.Forward(sequences[i], logits.AsSpan(i, 1), model.CreateState(), tape);
            // d mean BCE-with-logits / d logit = (σ(z) − y) / N
            dOut[0] = (float)((1 / (1 + Math.Exp(-logits[i])) - labels[i]) / sequences.Count);
            model.Backward(tape, dOut, gradients);
        }
        var gradient = new float[model.Shape.ParameterCount];
        model.CopyGradients(gradients, gradient);
        return (logits, gradient);
    }

    /// <summary>The input-dropout masks <see cref="Gradients"/> applies: each sequence's [T, embedding] scales, back to back.</summary>
    public static float[] Masks(ModelShape shape, IReadOnlyList<int[]> sequences)
    {
        int steps = 0, width = shape.EmbeddingSize;
        foreach (int[] s in sequences) steps += s.Length;
        var masks = new float[steps * width];
        int row = 0;
        for (int i = 0; i < sequences.Count; i++)
            for (int t = 0; t < sequences[i].Length; t++, row++)
                LstmGen.CompilerServices.DropoutMask.Fill(masks.AsSpan(row * width, width), shape.InputDropout, DropoutSeed(i), t, site: 0);
        return masks;
    }

    public static void Check(ITokenTrainableModel generated, ITokenTrainableModel reference, IReadOnlyList<int[]> sequences, IReadOnlyList<int> labels, string what)
    {
        var (logits, gradient) = Gradients(generated, sequences, labels);
        var (expectedLogits, expectedGradient) = Gradients(reference, sequences, labels);
        Same.Check(logits, expectedLogits, $"{what} training logits");
        Same.Check(gradient, expectedGradient, $"{what} gradients");
    }
}
