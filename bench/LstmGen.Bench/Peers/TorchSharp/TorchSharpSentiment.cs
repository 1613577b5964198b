// The TorchSharp peer of W8: the Sentiment sample's model as samples/Sentiment/pytorch/compare.py writes it
// (nn.Embedding → dropout → bidirectional nn.LSTM over packed sequences → cat(h_n[-2], h_n[-1]) → nn.Linear), trained
// with the sample's settings on the same reviews, and a gradient check with the generated model's dropout masks.
#if TORCHSHARP
using System;
using System.Collections.Generic;
using LstmGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LstmGen.Bench.Peers.TorchSharpPeer;

internal sealed class TorchSharpSentiment : IDisposable
{
    private readonly ModelShape _shape;
    private readonly Embedding _embedding;
    private readonly LSTM _lstm;
    private readonly Linear _head;
    private readonly optim.Optimizer _optimizer;
    private readonly List<(Tensor Padded, Tensor Lengths, Tensor Labels)> _batches = new();

    /// <param name="order">The order of the reviews for the timed epochs (batches built once, as padded [T, B] tensors).</param>
    public TorchSharpSentiment(ModelShape shape, ReadOnlySpan<float> parameters, IReadOnlyList<int[]> reviews, IReadOnlyList<int> labels, int batch, int threads)
    {
        if (!shape.Bidirectional || shape.LayerCount != 1 || shape.HeadOn != HeadOn.FinalState || !shape.IsTokenModel)
            throw new ArgumentException($"Expected the Sentiment sample's model, got {shape}.", nameof(shape));
        TorchSharpSettings.Threads(threads);
        _shape = shape;
        _embedding = nn.Embedding(shape.VocabularySize, shape.EmbeddingSize);
        _lstm = nn.LSTM(shape.EmbeddingSize, shape.HiddenSize, bidirectional: true);
        _head = nn.Linear(2 * shape.HiddenSize, shape.OutputSize);
        using (torch.no_grad())
        {
            foreach (ParameterTensor tensor in shape.Tensors)
            {
                long[] dims = new long[tensor.Shape.Length];
                for (int i = 0; i < dims.Length; i++) dims[i] = tensor.Shape[i];
                using Tensor source = torch.tensor(parameters.Slice(tensor.Offset, tensor.Length).ToArray(), dims);
                Parameter(tensor.Name).copy_(source);
            }
        }
        _optimizer = optim.Adam(Parameters(), lr: 2e-3);
        for (int start = 0; start < reviews.Count; start += batch)
        {
            int count = Math.Min(batch, reviews.Count - start);
            var chunk = new List<int[]>();
            var chunkLabels = new float[count];
            for (int i = 0; i < count; i++)
            {
                chunk.Add(reviews[start + i]);
                chunkLabels[i] = labels[start + i];
            }
            var (padded, lengths) = Pad(chunk);
            _batches.Add((padded, lengths, torch.tensor(chunkLabels)));
        }
    }

    private Tensor Parameter(string name) => name switch
    {
        ModelShape.EmbeddingWeightName => _embedding.weight!,
        ModelShape.HeadWeightName => _head.weight!,
        ModelShape.HeadBiasName => _head.bias!,
        _ => _lstm.get_parameter(name["lstm.".Length..]) ?? throw new InvalidOperationException($"nn.LSTM has no parameter {name}."),
    };

    private IEnumerable<Parameter> Parameters()
    {
        foreach (Parameter p in _embedding.parameters()) yield return p;
        foreach (Parameter p in _lstm.parameters()) yield return p;
        foreach (Parameter p in _head.parameters()) yield return p;
    }

    /// <summary>[T, B] zero-padded token ids and the lengths (int64, on the CPU, as pack_padded_sequence wants them).</summary>
    private static (Tensor Padded, Tensor Lengths) Pad(IReadOnlyList<int[]> sequences)
    {
        int steps = 0;
        foreach (int[] s in sequences) steps = Math.Max(steps, s.Length);
        var padded = new long[steps * sequences.Count];
        var lengths = new long[sequences.Count];
        for (int b = 0; b < sequences.Count; b++)
        {
            lengths[b] = sequences[b].Length;
            for (int t = 0; t < sequences[b].Length; t++) padded[t * sequences.Count + b] = sequences[b][t];
        }
        return (torch.tensor(padded, new long[] { steps, sequences.Count }), torch.tensor(lengths));
    }

    /// <summary>Logits [B]: the embedding times <paramref name="masks"/> ([T, B, E]) or through dropout, then the packed bidirectional LSTM.</summary>
    private Tensor Logits(Tensor padded, Tensor lengths, Tensor? masks)
    {
        Tensor x = _embedding.call(padded);
        x = masks is null ? nn.functional.dropout(x, _shape.InputDropout, training: true) : x * masks;
        var packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first: false, enforce_sorted: false);
        var (_, h, _) = _lstm.call(packed);
        return _head.call(torch.cat(new[] { h[-2], h[-1] }, 1)).squeeze(1);
    }

    /// <summary>
    /// Training-mode logits of <paramref name="reviews"/> with the given dropout masks (each review's [T, E] scales back
    /// to back) and the gradient of their mean BCE in the model's PyTorch layout; leaves the weights unchanged.
    /// </summary>
    public (float[] Logits, float[] Gradient) Gradients(IReadOnlyList<int[]> reviews, IReadOnlyList<int> labels, float[] masks)
    {
        using DisposeScope scope = torch.NewDisposeScope();
        var (padded, lengths) = Pad(reviews);
        int steps = (int)padded.shape[0], e = _shape.EmbeddingSize;
        var laid = new float[steps * reviews.Count * e];
        int row = 0;
        for (int b = 0; b < reviews.Count; b++)
            for (int t = 0; t < reviews[b].Length; t++, row++)
                Array.Copy(masks, row * e, laid, (t * reviews.Count + b) * e, e);
        var target = new float[labels.Count];
        for (int i = 0; i < target.Length; i++) target[i] = labels[i];
        _optimizer.zero_grad();
        Tensor logits = Logits(padded, lengths, torch.tensor(laid, new long[] { steps, reviews.Count, e }));
        Tensor loss = nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor(target));
        loss.backward();
        var gradient = new float[_shape.ParameterCount];
        foreach (ParameterTensor tensor in _shape.Tensors)
            Parameter(tensor.Name).grad!.data<float>().ToArray().CopyTo(gradient, tensor.Offset);
        float[] values = logits.detach().data<float>().ToArray();
        _optimizer.zero_grad();
        return (values, gradient);
    }

    /// <summary>One epoch: for each prepared batch, dropout, forward, BCE, backward, clipping at 1, Adam. Returns the last loss.</summary>
    public double Epoch()
    {
        double last = 0;
        foreach (var (padded, lengths, labels) in _batches)
        {
            using DisposeScope scope = torch.NewDisposeScope();
            _optimizer.zero_grad();
            Tensor loss = nn.functional.binary_cross_entropy_with_logits(Logits(padded, lengths, null), labels);
            loss.backward();
            nn.utils.clip_grad_norm_(Parameters(), 1.0);
            _optimizer.step();
            last = loss.item<float>();
        }
        return last;
    }

    public void Dispose()
    {
        foreach (var (padded, lengths, labels) in _batches)
        {
            padded.Dispose();
            lengths.Dispose();
            labels.Dispose();
        }
        _optimizer.Dispose();
        _embedding.Dispose();
        _lstm.Dispose();
        _head.Dispose();
    }
}
#endif
