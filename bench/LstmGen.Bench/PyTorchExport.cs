// Writes what bench/pytorch/bench.py needs to run the same workloads in PyTorch: each model's weights
// (safetensors, PyTorch names, sizes in the metadata) and its inputs with the generated model's outputs.
using System;
using System.IO;
using LstmGen.IO;

namespace LstmGen.Bench;

public static class PyTorchExport
{
    public const string Command = "export-pytorch";

    /// <summary>
    /// Writes <c>w{n}.safetensors</c> (weights) and <c>w{n}.expected.safetensors</c> (inputs, expected output) for W1–W4,
    /// W7 (<c>w7_review</c>, <c>w7_char</c>: 64 sequences [B, T] and their one-at-a-time outputs) and W8 (<c>w8</c>: the
    /// Sentiment model, its 512 timed reviews, and a check batch with its dropout masks, logits and gradients).
    /// </summary>
    public static void Run(string directory)
    {
        Directory.CreateDirectory(directory);

        var streaming = new StreamingStep();
        streaming.Setup();
        var (model, inputs, expected) = streaming.Workload;
        Write(directory, "w1", model, expected, w => w.Add("inputs", inputs, inputs.Length, 1));

        TokenSequenceBenchmark[] sequences = { new TinySequence(), new ReviewSequence(), new CharSequence() };
        for (int i = 0; i < sequences.Length; i++)
        {
            sequences[i].Setup();
            var (sequenceModel, tokens, sequenceExpected) = sequences[i].Workload;
            Write(directory, $"w{i + 2}", sequenceModel, sequenceExpected, w => w.Add("tokens", tokens, tokens.Length));
        }

        int batch = WorkloadSizes.Batches[^1];
        foreach (var (name, workload) in new (string, BatchSequenceBenchmark)[] { ("w7_review", new ReviewBatch { Batch = batch }), ("w7_char", new CharBatch { Batch = batch }) })
        {
            var (batchModel, steps, batchTokens, batchExpected) = workload.Workload();
            Write(directory, name, batchModel, batchExpected, w => w.Add("tokens", batchTokens, batch, steps));
        }

        WriteSentiment(directory);
    }

    /// <summary>
    /// W8: the weights; the timed reviews (token ids back to back, their lengths and labels); and a check batch of 8 reviews
    /// with the dropout mask of each step (scales 0 or 1/(1 − p) over the 32 embedding features, reviews back to back), the
    /// generated model's training logits and the gradient of the mean BCE over the 8, one tensor per parameter name.
    /// </summary>
    private static void WriteSentiment(string directory)
    {
        var (reviews, labels) = SentimentData.Sample(SentimentTraining.Reviews, SentimentTraining.DataSeed);
        var model = new SentimentModel();
        Same.Weights(model, SentimentTraining.WeightSeed);
        const int Check = 8;
        var checkReviews = reviews.GetRange(0, Check);
        var checkLabels = labels.GetRange(0, Check);
        var (logits, gradient) = TrainingAgreement.Gradients(model, checkReviews, checkLabels);

        var lengths = new int[reviews.Count];
        var all = new System.Collections.Generic.List<int>();
        for (int i = 0; i < reviews.Count; i++)
        {
            lengths[i] = reviews[i].Length;
            all.AddRange(reviews[i]);
        }
        int checkSteps = 0;
        foreach (int[] r in checkReviews) checkSteps += r.Length;
        int width = model.Shape.EmbeddingSize;
        float[] masks = TrainingAgreement.Masks(model.Shape, checkReviews);

        string weights = Path.Combine(directory, "w8.safetensors");
        model.Save(weights);
        var writer = new SafetensorsWriter();
        writer.Add("tokens", all.ToArray(), all.Count);
        writer.Add("lengths", lengths, lengths.Length);
        writer.Add("labels", labels.ToArray(), labels.Count);
        writer.Add("check_masks", masks, checkSteps, width);
        writer.Add("check_logits", logits, Check);
        foreach (var tensor in model.Shape.Tensors)
            writer.Add("grad." + tensor.Name, gradient.AsSpan(tensor.Offset, tensor.Length), tensor.Shape.ToArray());
        writer.Save(Path.Combine(directory, "w8.expected.safetensors"));
        Console.WriteLine($"{weights}: {model.Shape}");
    }

    private static void Write(string directory, string name, ILstmModel model, float[] expected, Action<SafetensorsWriter> addInputs)
    {
        string weights = Path.Combine(directory, name + ".safetensors");
        model.Save(weights);
        var writer = new SafetensorsWriter();
        addInputs(writer);
        writer.Add("expected", expected, expected.Length);
        writer.Save(Path.Combine(directory, name + ".expected.safetensors"));
        Console.WriteLine($"{weights}: {model.Shape}");
    }
}
