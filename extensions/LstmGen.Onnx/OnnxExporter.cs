// Exports any generated (or reference) model as an ONNX graph built from the standard LSTM/GRU operators, so ONNX
// Runtime and every other ONNX runtime run it: gates reordered to ONNX's, the embedding a Gather, the head a Gemm or
// MatMul + Add with its activation, and (by default) the initial and final states as graph inputs and outputs.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Google.Protobuf;
using LstmGen.IO;

namespace LstmGen.Onnx;

/// <summary>What <see cref="OnnxExporter"/> writes besides the model's function.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>
    /// When true (the default), the graph has the inputs <c>initial_h</c> (and, for an LSTM, <c>initial_c</c>)
    /// [Layers·Directions, batch, Hidden] and the outputs <c>final_h</c> (<c>final_c</c>) of the same shape, PyTorch's
    /// h0/c0 and h_n/c_n, so a stream can be run chunk by chunk (feed zeros to start). False: zero initial states, no
    /// state outputs.
    /// </summary>
    public bool IncludeStates { get; init; } = true;

    /// <summary>Input/output pairs stored in the model's <c>metadata_props</c> (key <see cref="IO.ReferenceVectors.MetadataKey"/>), which <see cref="OnnxWeights.Load(string, ILstmModel)"/> checks; null for none.</summary>
    public ReferenceVectors? ReferenceVectors { get; init; }

    /// <summary>The graph's name.</summary>
    public string GraphName { get; init; } = "lstmgen";
}

/// <summary>
/// Writes a model as an ONNX file (IR version 8, opset 17) of standard operators.
/// </summary>
/// <remarks>
/// <para><b>Inputs</b>: <c>input</c> FLOAT [steps, batch, Inputs] for a float model, or <c>tokens</c> INT64 [steps, batch]
/// for a token model (a <c>Gather</c> from the embedding table); <c>steps</c> and <c>batch</c> are symbolic, so one
/// file runs any length and batch size. With <see cref="OnnxExportOptions.IncludeStates"/>, <c>initial_h</c> and
/// <c>initial_c</c> (LSTM) [Layers·Directions, batch, Hidden], slot <c>layer·Directions + direction</c> as PyTorch's h0.</para>
/// <para><b>Layers</b>: one <c>LSTM</c> or <c>GRU</c> node per layer (<c>direction</c> <c>forward</c> or
/// <c>bidirectional</c>), weights reordered from PyTorch's gate blocks (LSTM i, f, g, o → ONNX i, o, f, c; GRU r, z, n →
/// z, r, h, with <c>linear_before_reset</c> = 1, PyTorch's GRU), both biases kept in B; peepholes as input P (blocks i, o, f).
/// Between layers a Transpose and a Reshape turn [steps, directions, batch, Hidden] into [steps, batch, directions·Hidden].</para>
/// <para><b>Output</b> <c>output</c>: <see cref="HeadOn.EveryStep"/> [steps, batch, StepOutputSize] (the head a MatMul and an
/// Add); <see cref="HeadOn.LastStep"/> [batch, StepOutputSize] from the last step (a Gather at index −1), and
/// <see cref="HeadOn.FinalState"/> [batch, StepOutputSize] from each direction's final h (the LSTM node's Y_h); these two
/// apply the head as a Gemm. <see cref="Head.Sigmoid"/> and <see cref="Head.Softmax"/> add their operator (softmax over
/// the last axis). With states: <c>final_h</c> (<c>final_c</c>), the concatenated Y_h (Y_c) of every layer.</para>
/// <para>Not exported: a model with a projection (<see cref="ModelShape.ProjectionSize"/>); ONNX's LSTM operator has none.</para>
/// <para><see cref="OnnxWeights"/> reads such a file back exactly.</para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The ONNX IR version written.</summary>
    public const int IrVersion = 8;

    /// <summary>The opset of the default ONNX domain the graph uses.</summary>
    public const int Opset = 17;

    /// <summary>
    /// Writes <paramref name="model"/> (its <see cref="ILstmModel.Parameters"/>) to <paramref name="path"/> atomically: a
    /// temporary file in the same folder, flushed to disk, then renamed over the target.
    /// </summary>
    /// <exception cref="NotSupportedException">The model has a projection, which ONNX's LSTM operator cannot express.</exception>
    /// <exception cref="ArgumentException">A reference vector does not fit the model.</exception>
    public static void Export(ILstmModel model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ProtoMessage message = Build(model, options ?? new OnnxExportOptions());
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(message, stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes <paramref name="model"/> as an ONNX model to <paramref name="stream"/> (which stays open).</summary>
    /// <exception cref="NotSupportedException">The model has a projection, which ONNX's LSTM operator cannot express.</exception>
    public static void Export(ILstmModel model, Stream stream, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        Write(Build(model, options ?? new OnnxExportOptions()), stream);
    }

    /// <summary>The ONNX model of <paramref name="model"/> as bytes (e.g. for an InferenceSession).</summary>
    /// <exception cref="NotSupportedException">The model has a projection, which ONNX's LSTM operator cannot express.</exception>
    public static byte[] ToBytes(ILstmModel model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream();
        Export(model, stream, options);
        return stream.ToArray();
    }

    private static void Write(ProtoMessage message, Stream stream)
    {
        var output = new CodedOutputStream(stream, leaveOpen: true);
        message.WriteTo(output);
        output.Flush();
    }

    private static ProtoMessage Build(ILstmModel model, OnnxExportOptions options)
    {
        ModelShape shape = model.Shape;
        if (shape.HasProjection)
            throw new NotSupportedException($"The model projects h (Projection = {shape.ProjectionSize}, PyTorch's proj_size); ONNX's LSTM operator has no projection, so the model cannot be exported as ONNX LSTM nodes. Save it as safetensors (model.Save) instead.");
        var metadata = new List<KeyValuePair<string, string>> { new("lstmgen.shape", ModelWeights.ShapeJson(shape)) };
        if (options.ReferenceVectors is { } vectors)
        {
            for (int v = 0; v < vectors.Vectors.Count; v++)
            {
                var vector = vectors.Vectors[v];
                if (vector.IsTokens != shape.IsTokenModel || (!vector.IsTokens && (long)vector.Steps * shape.InputSize != vector.Inputs.Length) || vector.Outputs.Length != shape.OutputLength(vector.Steps))
                    throw new ArgumentException($"Reference vector {v} does not fit the model ({shape}).", nameof(options));
            }
            metadata.Add(new(ReferenceVectors.MetadataKey, vectors.ToJson()));
        }
        ReadOnlySpan<float> parameters = model.Parameters;
        var graph = new OnnxGraphBuilder(options.GraphName);
        string version = typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "0";
        BuildGraph(graph, shape, parameters, options.IncludeStates);
        return graph.Model(IrVersion, Opset, version, metadata);
    }

    /// <summary>ONNX gate block q holds PyTorch gate block <c>Order[q]</c>: LSTM i, o, f, c ← i, f, g, o; GRU z, r, h ← r, z, n.</summary>
    private static readonly int[] s_lstmOrder = { 0, 3, 1, 2 }, s_gruOrder = { 1, 0, 2 };

    /// <summary>ONNX peephole block q (i, o, f) holds LstmGen's weight_ch block <c>[q]</c> (p_i, p_f, p_o).</summary>
    private static readonly int[] s_peepholeOrder = { 0, 2, 1 };

    private static void BuildGraph(OnnxGraphBuilder graph, ModelShape shape, ReadOnlySpan<float> parameters, bool states)
    {
        bool gru = shape.Cell == RecurrentCell.Gru;
        int h = shape.HiddenSize, d = shape.DirectionCount, g = shape.GatesPerUnit, slots = shape.StateSlotCount;
        const string Steps = "steps", Batch = "batch";

        // Input: [steps, batch, Inputs] floats, or [steps, batch] token ids through the embedding.
        string x;
        if (shape.IsTokenModel)
        {
            string tokens = graph.Input("tokens", OnnxGraphBuilder.Int64Type, Steps, Batch);
            ParameterTensor table = shape.GetTensor(ModelShape.EmbeddingWeightName);
            string embed = graph.Initializer("embed.weight", parameters.Slice(table.Offset, table.Length), shape.VocabularySize, shape.EmbeddingSize);
            x = graph.Node("Gather", "embedding", new[] { embed, tokens }, OnnxGraphBuilder.Attribute("axis", 0));
        }
        else
        {
            x = graph.Input("input", OnnxGraphBuilder.FloatType, Steps, Batch, shape.InputSize);
        }

        string? initialH = null, initialC = null;
        if (states)
        {
            initialH = graph.Input("initial_h", OnnxGraphBuilder.FloatType, slots, Batch, h);
            if (!gru) initialC = graph.Input("initial_c", OnnxGraphBuilder.FloatType, slots, Batch, h);
        }

        string reshapeTo = graph.Int64Initializer("shape_steps_batch_features", new long[] { 0, 0, -1 }, 3);
        var finalH = new List<string>();
        var finalC = new List<string>();
        string layerOutput = x, lastYh = "";
        for (int k = 0; k < shape.LayerCount; k++)
        {
            int input = shape.LayerInputSize(k);
            string l = "l" + k.ToString(CultureInfo.InvariantCulture);
            var w = new float[d * g * h * input];
            var r = new float[d * g * h * h];
            var b = new float[d * 2 * g * h];
            float[]? p = shape.Peephole ? new float[d * 3 * h] : null;
            int[] order = gru ? s_gruOrder : s_lstmOrder;
            for (int dir = 0; dir < d; dir++)
            {
                ReadOnlySpan<float> wIh = Slice(shape, parameters, LayerParameter.WeightIh, k, dir), wHh = Slice(shape, parameters, LayerParameter.WeightHh, k, dir);
                ReadOnlySpan<float> bIh = Slice(shape, parameters, LayerParameter.BiasIh, k, dir), bHh = Slice(shape, parameters, LayerParameter.BiasHh, k, dir);
                for (int q = 0; q < g; q++)
                {
                    int t = order[q];
                    wIh.Slice(t * h * input, h * input).CopyTo(w.AsSpan((dir * g + q) * h * input));
                    wHh.Slice(t * h * h, h * h).CopyTo(r.AsSpan((dir * g + q) * h * h));
                    bIh.Slice(t * h, h).CopyTo(b.AsSpan(dir * 2 * g * h + q * h));
                    bHh.Slice(t * h, h).CopyTo(b.AsSpan(dir * 2 * g * h + g * h + q * h));
                }
                if (p is not null)
                {
                    ReadOnlySpan<float> wCh = Slice(shape, parameters, LayerParameter.WeightCh, k, dir);
                    for (int q = 0; q < 3; q++) wCh.Slice(s_peepholeOrder[q] * h, h).CopyTo(p.AsSpan((dir * 3 + q) * h));
                }
            }
            string wName = graph.Initializer("W_" + l, w, d, g * h, input);
            string rName = graph.Initializer("R_" + l, r, d, g * h, h);
            string bName = graph.Initializer("B_" + l, b, d, 2 * g * h);

            // This layer's slots of the initial state: [k·D, (k+1)·D) on axis 0.
            string h0 = "", c0 = "";
            if (states)
            {
                string starts = graph.Int64Initializer("state_start_" + l, new long[] { k * d }, 1);
                string ends = graph.Int64Initializer("state_end_" + l, new long[] { (k + 1) * d }, 1);
                string axes = graph.Int64Initializer("state_axes_" + l, new long[] { 0 }, 1);
                h0 = graph.Node("Slice", "initial_h_" + l, new[] { initialH!, starts, ends, axes });
                if (!gru) c0 = graph.Node("Slice", "initial_c_" + l, new[] { initialC!, starts, ends, axes });
            }

            var inputs = new List<string> { layerOutput, wName, rName, bName, "", h0 };
            if (!gru) inputs.Add(c0);
            if (p is not null) inputs.Add(graph.Initializer("P_" + l, p, d, 3 * h));
            while (inputs[^1].Length == 0) inputs.RemoveAt(inputs.Count - 1); // trailing optional inputs left out
            var attributes = new List<ProtoMessage>
            {
                OnnxGraphBuilder.Attribute("hidden_size", h),
                OnnxGraphBuilder.Attribute("direction", shape.Bidirectional ? "bidirectional" : "forward"),
            };
            if (gru) attributes.Add(OnnxGraphBuilder.Attribute("linear_before_reset", 1));
            string[] outputs = gru
                ? new[] { "Y_" + l, "Y_h_" + l }
                : new[] { "Y_" + l, "Y_h_" + l, "Y_c_" + l };
            graph.Node(gru ? "GRU" : "LSTM", (gru ? "gru_" : "lstm_") + l, inputs.ToArray(), outputs, attributes.ToArray());
            finalH.Add(outputs[1]);
            if (!gru) finalC.Add(outputs[2]);
            lastYh = outputs[1];

            // Y [steps, D, batch, H] → [steps, batch, D, H] → [steps, batch, D·H].
            string transposed = graph.Node("Transpose", "directions_last_" + l, new[] { outputs[0] }, OnnxGraphBuilder.Attribute("perm", new long[] { 0, 2, 1, 3 }));
            layerOutput = graph.Node("Reshape", "layer_output_" + l, new[] { transposed, reshapeTo });
        }

        // What the head (or the output) reads.
        int features = shape.LayerOutputSize;
        string read;
        bool perStep = shape.HeadOn == HeadOn.EveryStep;
        if (perStep)
        {
            read = layerOutput;
        }
        else if (shape.HeadOn == HeadOn.LastStep)
        {
            string last = graph.Int64Initializer("last_step", new long[] { -1 });
            read = graph.Node("Gather", "last_step_features", new[] { layerOutput, last }, OnnxGraphBuilder.Attribute("axis", 0));
        }
        else
        {
            // Y_h of the top layer [D, batch, H] → [batch, D, H] → [batch, D·H]: forward final h, then reverse.
            string batchFirst = graph.Node("Transpose", "final_state_batch_first", new[] { lastYh }, OnnxGraphBuilder.Attribute("perm", new long[] { 1, 0, 2 }));
            string flat = graph.Int64Initializer("shape_batch_features", new long[] { 0, -1 }, 2);
            read = graph.Node("Reshape", "final_state_features", new[] { batchFirst, flat });
        }

        string result = read;
        if (shape.Head != Head.None)
        {
            ParameterTensor weight = shape.GetTensor(ModelShape.HeadWeightName), bias = shape.GetTensor(ModelShape.HeadBiasName);
            string biasName = graph.Initializer("head.bias", parameters.Slice(bias.Offset, bias.Length), shape.OutputSize);
            if (perStep)
            {
                // [steps, batch, F] · [F, O] + [O]
                var transposed = new float[features * shape.OutputSize];
                ReadOnlySpan<float> wt = parameters.Slice(weight.Offset, weight.Length);
                for (int o = 0; o < shape.OutputSize; o++)
                    for (int f = 0; f < features; f++) transposed[f * shape.OutputSize + o] = wt[o * features + f];
                string weightName = graph.Initializer("head.weight_t", transposed, features, shape.OutputSize);
                string product = graph.Node("MatMul", "head_matmul", new[] { read, weightName });
                result = graph.Node("Add", "head_logits", new[] { product, biasName });
            }
            else
            {
                string weightName = graph.Initializer("head.weight", parameters.Slice(weight.Offset, weight.Length), shape.OutputSize, features);
                result = graph.Node("Gemm", "head_logits", new[] { read, weightName, biasName }, OnnxGraphBuilder.Attribute("transB", 1));
            }
            if (shape.Head == Head.Sigmoid) result = graph.Node("Sigmoid", "head_sigmoid", new[] { result });
            else if (shape.Head == Head.Softmax) result = graph.Node("Softmax", "head_softmax", new[] { result }, OnnxGraphBuilder.Attribute("axis", -1));
        }
        string output = graph.Node("Identity", "output", new[] { result });
        if (perStep) graph.Output(output, OnnxGraphBuilder.FloatType, Steps, Batch, shape.StepOutputSize);
        else graph.Output(output, OnnxGraphBuilder.FloatType, Batch, shape.StepOutputSize);

        if (states)
        {
            string hn = finalH.Count == 1 ? graph.Node("Identity", "final_h", new[] { finalH[0] }) : graph.Node("Concat", "final_h", finalH.ToArray(), OnnxGraphBuilder.Attribute("axis", 0));
            graph.Output(hn, OnnxGraphBuilder.FloatType, slots, Batch, h);
            if (!gru)
            {
                string cn = finalC.Count == 1 ? graph.Node("Identity", "final_c", new[] { finalC[0] }) : graph.Node("Concat", "final_c", finalC.ToArray(), OnnxGraphBuilder.Attribute("axis", 0));
                graph.Output(cn, OnnxGraphBuilder.FloatType, slots, Batch, h);
            }
        }
    }

    private static ReadOnlySpan<float> Slice(ModelShape shape, ReadOnlySpan<float> parameters, LayerParameter parameter, int layer, int direction)
    {
        ParameterTensor t = shape.GetLayerTensor(parameter, layer, direction);
        return parameters.Slice(t.Offset, t.Length);
    }
}
