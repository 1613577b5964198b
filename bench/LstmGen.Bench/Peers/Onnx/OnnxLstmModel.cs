// Builds the ONNX graph of an LstmGen model from its PyTorch-layout parameter block: Gather for the
// embedding, one ONNX LSTM node per layer (gates reordered i,f,g,o → i,o,f,c), MatMul + Add for the
// head and its activation — the graph torch.onnx.export would produce for the same nn.Module.
using System;

namespace LstmGen.Bench.Peers.Onnx;

/// <summary>The names of the graph's inputs and outputs.</summary>
internal static class OnnxNames
{
    public const string Tokens = "tokens", Input = "x", Output = "y";
    public static string HiddenIn(int layer) => $"h0_l{layer}";
    public static string CellIn(int layer) => $"c0_l{layer}";
    public static string HiddenOut(int layer) => $"hn_l{layer}";
    public static string CellOut(int layer) => $"cn_l{layer}";
}

internal static class OnnxLstmModel
{
    /// <summary>ONNX gate block j holds PyTorch gate block <c>s_pytorchGate[j]</c>: ONNX i,o,f,c ← PyTorch i,f,g,o.</summary>
    private static readonly int[] s_pytorchGate = { 0, 3, 1, 2 };

    /// <summary>
    /// A token model over a fixed number of <paramref name="steps"/>, from a zero state, for <paramref name="batch"/>
    /// sequences at once (<see cref="OnnxGraph.Batch"/>: a symbolic batch axis, any size).
    /// Input <c>tokens</c> int32 [T, B]; output <c>y</c> [1, B, O] (last step) or [T, 1, B, O] (every step).
    /// </summary>
    public static byte[] TokenSequence(ModelShape shape, ReadOnlySpan<float> parameters, int steps, long batch = 1)
    {
        if (!shape.IsTokenModel) throw new ArgumentException($"Expected a token model, got {shape}.", nameof(shape));
        if (shape.Head == Head.None) throw new ArgumentException("The bench's ONNX graphs need a head.", nameof(shape));
        var graph = new OnnxGraph("lstmgen_tokens");
        graph.Input(OnnxNames.Tokens, OnnxType.Int32, steps, batch);

        // x[t, b, :] = embed.weight[tokens[t, b], :]   ([T, B, E])
        var embedding = shape.GetTensor(ModelShape.EmbeddingWeightName);
        graph.Initializer("embed.weight", parameters.Slice(embedding.Offset, embedding.Length), shape.VocabularySize, shape.EmbeddingSize);
        graph.Node("Gather", new[] { "embed.weight", OnnxNames.Tokens }, new[] { "x0" }, ("axis", 0));

        bool everyStep = shape.HeadOn == HeadOn.EveryStep;
        string lastSequence = Layers(graph, shape, parameters, "x0", streaming: false, lastSequenceUsed: everyStep, batch, out string lastHidden);
        AddHead(graph, shape, parameters, everyStep ? lastSequence : lastHidden);
        if (everyStep) graph.Output(OnnxNames.Output, OnnxType.Float, steps, 1, batch, shape.OutputSize);
        else graph.Output(OnnxNames.Output, OnnxType.Float, 1, batch, shape.OutputSize);
        return graph.ToModel();
    }

    /// <summary>
    /// One step of <paramref name="batch"/> streams of a float model with the state passed in and out: inputs
    /// <c>x</c> [1, B, I], <c>h0_l{k}</c>, <c>c0_l{k}</c> [1, B, H]; outputs <c>y</c> [1, B, O], <c>hn_l{k}</c>, <c>cn_l{k}</c>.
    /// </summary>
    public static byte[] StreamingStep(ModelShape shape, ReadOnlySpan<float> parameters, long batch = 1)
    {
        if (shape.IsTokenModel) throw new ArgumentException($"Expected a float model, got {shape}.", nameof(shape));
        if (shape.Head == Head.None) throw new ArgumentException("The bench's ONNX graphs need a head.", nameof(shape));
        var graph = new OnnxGraph("lstmgen_step");
        graph.Input(OnnxNames.Input, OnnxType.Float, 1, batch, shape.InputSize);
        Layers(graph, shape, parameters, OnnxNames.Input, streaming: true, lastSequenceUsed: false, batch, out string lastHidden);
        AddHead(graph, shape, parameters, lastHidden);
        graph.Output(OnnxNames.Output, OnnxType.Float, 1, batch, shape.OutputSize);
        for (int k = 0; k < shape.LayerCount; k++)
        {
            graph.Output(OnnxNames.HiddenOut(k), OnnxType.Float, 1, batch, shape.HiddenSize);
            graph.Output(OnnxNames.CellOut(k), OnnxType.Float, 1, batch, shape.HiddenSize);
        }
        return graph.ToModel();
    }

    /// <summary>
    /// The stacked LSTM nodes. Returns the name of the last layer's Y ([T, 1, B, H]; left out unless
    /// <paramref name="lastSequenceUsed"/>); <paramref name="lastHidden"/> names its Y_h ([1, B, H]).
    /// Between layers the num_directions axis of Y is squeezed away.
    /// </summary>
    private static string Layers(OnnxGraph graph, ModelShape shape, ReadOnlySpan<float> parameters, string input, bool streaming, bool lastSequenceUsed, long batch, out string lastHidden)
    {
        int h = shape.HiddenSize;
        if (shape.LayerCount > 1) graph.Initializer("axis1", new long[] { 1 }, 1);
        string x = input, y = "";
        lastHidden = "";
        for (int k = 0; k < shape.LayerCount; k++)
        {
            int inK = shape.LayerInputSize(k);
            var w = Tensor(shape, parameters, ModelShape.WeightIhName(k));
            var r = Tensor(shape, parameters, ModelShape.WeightHhName(k));
            var bw = Tensor(shape, parameters, ModelShape.BiasIhName(k));
            var br = Tensor(shape, parameters, ModelShape.BiasHhName(k));

            // W [1, 4H, in], R [1, 4H, H], B [1, 8H] = (W_b, R_b), gate blocks in ONNX order.
            graph.Initializer($"W_l{k}", ReorderGates(w, h, inK), 1, 4 * h, inK);
            graph.Initializer($"R_l{k}", ReorderGates(r, h, h), 1, 4 * h, h);
            var b = new float[8 * h];
            ReorderGates(bw, h, 1).CopyTo(b, 0);
            ReorderGates(br, h, 1).CopyTo(b, 4 * h);
            graph.Initializer($"B_l{k}", b, 1, 8 * h);

            y = $"Y_l{k}";
            lastHidden = streaming ? OnnxNames.HiddenOut(k) : $"Yh_l{k}";
            if (streaming)
            {
                graph.Input(OnnxNames.HiddenIn(k), OnnxType.Float, 1, batch, h);
                graph.Input(OnnxNames.CellIn(k), OnnxType.Float, 1, batch, h);
            }
            string[] inputs = streaming
                ? new[] { x, $"W_l{k}", $"R_l{k}", $"B_l{k}", "", OnnxNames.HiddenIn(k), OnnxNames.CellIn(k) }
                : new[] { x, $"W_l{k}", $"R_l{k}", $"B_l{k}" };
            string sequence = k + 1 < shape.LayerCount || lastSequenceUsed ? y : "";
            string[] outputs = streaming ? new[] { sequence, lastHidden, OnnxNames.CellOut(k) } : new[] { sequence, lastHidden };
            graph.Node("LSTM", inputs, outputs, ("hidden_size", h));

            if (k + 1 < shape.LayerCount)
            {
                // Y [T, 1, B, H] → [T, B, H], the next layer's X.
                x = $"X_l{k + 1}";
                graph.Node("Squeeze", new[] { y, "axis1" }, new[] { x });
            }
        }
        return y;
    }

    /// <summary>y = activation(hidden · head.weightᵀ + head.bias) over the last axis.</summary>
    private static void AddHead(OnnxGraph graph, ModelShape shape, ReadOnlySpan<float> parameters, string hidden)
    {
        int h = shape.HiddenSize, o = shape.OutputSize;
        var weight = Tensor(shape, parameters, ModelShape.HeadWeightName);
        var transposed = new float[h * o];
        for (int row = 0; row < o; row++)
            for (int col = 0; col < h; col++)
                transposed[col * o + row] = weight[row * h + col];
        graph.Initializer("head.weight_t", transposed, h, o);
        graph.Initializer("head.bias", Tensor(shape, parameters, ModelShape.HeadBiasName), o);
        graph.Node("MatMul", new[] { hidden, "head.weight_t" }, new[] { "logits_mm" });
        string logits = shape.Head == Head.Linear ? OnnxNames.Output : "logits";
        graph.Node("Add", new[] { "logits_mm", "head.bias" }, new[] { logits });
        switch (shape.Head)
        {
            case Head.Sigmoid:
                graph.Node("Sigmoid", new[] { logits }, new[] { OnnxNames.Output });
                break;
            case Head.Softmax:
                graph.Node("Softmax", new[] { logits }, new[] { OnnxNames.Output }, ("axis", -1));
                break;
            case Head.Linear:
                break;
            default:
                throw new ArgumentException($"Head {shape.Head} has no ONNX form here.", nameof(shape));
        }
    }

    private static ReadOnlySpan<float> Tensor(ModelShape shape, ReadOnlySpan<float> parameters, string name)
    {
        var tensor = shape.GetTensor(name);
        return parameters.Slice(tensor.Offset, tensor.Length);
    }

    /// <summary>Rows [4H, columns] in PyTorch gate order → the same rows in ONNX gate order.</summary>
    private static float[] ReorderGates(ReadOnlySpan<float> pytorch, int hidden, int columns)
    {
        int block = hidden * columns;
        var onnx = new float[4 * block];
        for (int j = 0; j < 4; j++)
            pytorch.Slice(s_pytorchGate[j] * block, block).CopyTo(onnx.AsSpan(j * block, block));
        return onnx;
    }
}
