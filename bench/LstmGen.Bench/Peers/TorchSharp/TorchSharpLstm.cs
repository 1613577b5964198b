// TorchSharp (libtorch's nn.Embedding → nn.LSTM → nn.Linear through .NET bindings): the library a .NET user
// would take for PyTorch's LSTM. Built from an LstmGen model's PyTorch-layout parameter block, so it computes
// the same function on the same weights. Compiled only with LSTMGEN_TORCHSHARP=1 (bench/torchsharp/run.sh).
#if TORCHSHARP
using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LstmGen.Bench.Peers.TorchSharpPeer;

/// <summary>The modules of one model, their weights copied from an LstmGen parameter block.</summary>
internal sealed class TorchSharpLstm : IDisposable
{
    private readonly ModelShape _shape;
    private readonly Embedding? _embedding;
    private readonly LSTM _lstm;
    private readonly Linear _head;

    public TorchSharpLstm(ModelShape shape, ReadOnlySpan<float> parameters)
    {
        if (shape.Head == Head.None || shape.Bidirectional || shape.Cell != RecurrentCell.Lstm || shape.Peephole || shape.HasProjection)
            throw new ArgumentException($"The bench's TorchSharp peer builds plain LSTMs with a head, not {shape}.", nameof(shape));
        _shape = shape;
        if (shape.IsTokenModel) _embedding = nn.Embedding(shape.VocabularySize, shape.EmbeddingSize);
        _lstm = nn.LSTM(shape.LayerInputSize(0), shape.HiddenSize, numLayers: shape.LayerCount);
        _head = nn.Linear(shape.HiddenSize, shape.OutputSize);
        using (torch.no_grad())
        {
            foreach (ParameterTensor tensor in shape.Tensors)
            {
                Tensor target = tensor.Name switch
                {
                    ModelShape.EmbeddingWeightName => _embedding!.weight!,
                    ModelShape.HeadWeightName => _head.weight!,
                    ModelShape.HeadBiasName => _head.bias!,
                    _ => _lstm.get_parameter(tensor.Name["lstm.".Length..]) ?? throw new InvalidOperationException($"nn.LSTM has no parameter {tensor.Name}."),
                } ?? throw new InvalidOperationException($"The TorchSharp module has no tensor for {tensor.Name}.");
                long[] dims = new long[tensor.Shape.Length];
                for (int i = 0; i < dims.Length; i++) dims[i] = tensor.Shape[i];
                using Tensor source = torch.tensor(parameters.Slice(tensor.Offset, tensor.Length).ToArray(), dims);
                target.copy_(source);
            }
        }
    }

    public ModelShape Shape => _shape;

    /// <summary>Every trainable parameter, for an optimizer.</summary>
    public System.Collections.Generic.IEnumerable<Parameter> Parameters()
    {
        if (_embedding is not null) foreach (Parameter p in _embedding.parameters()) yield return p;
        foreach (Parameter p in _lstm.parameters()) yield return p;
        foreach (Parameter p in _head.parameters()) yield return p;
    }

    /// <summary>
    /// The head's logits for a sequence: <paramref name="input"/> is int64 tokens [T, B] or floats [T, B, I];
    /// [B, O] on the last step, [T, B, O] at every step. With a state, it is used and replaced by the new one.
    /// </summary>
    public Tensor Logits(Tensor input, ref Tensor? h, ref Tensor? c)
    {
        Tensor x = _embedding is null ? input : _embedding.call(input);
        (Tensor output, Tensor hn, Tensor cn) = h is null ? _lstm.call(x) : _lstm.call(x, (h, c!));
        h = hn;
        c = cn;
        return _head.call(_shape.HeadOn == HeadOn.EveryStep ? output : output[-1]);
    }

    /// <summary>The model's activation on logits (sigmoid or softmax over the last axis; linear heads unchanged).</summary>
    public Tensor Activate(Tensor logits) => _shape.Head switch
    {
        Head.Sigmoid => torch.sigmoid(logits),
        Head.Softmax => torch.softmax(logits, -1),
        _ => logits,
    };

    public void Dispose()
    {
        _embedding?.Dispose();
        _lstm.Dispose();
        _head.Dispose();
    }
}

/// <summary>Whether TorchSharp's native libraries load here, and its thread setting.</summary>
internal static class TorchSharpSettings
{
    /// <summary>libtorch's version (loads the native libraries; throws when they do not load).</summary>
    public static string Version
    {
        get
        {
            using Tensor probe = torch.ones(1);
            return torch.__version__;
        }
    }

    /// <summary>libtorch's intra-op threads: one for inference (as every peer), the benchmark's count for training.</summary>
    public static void Threads(int count) => torch.set_num_threads(count);
}
#endif
