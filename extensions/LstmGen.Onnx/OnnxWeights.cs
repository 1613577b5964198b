// Loads a model's parameters from an ONNX file (e.g. from torch.onnx.export): the LSTM/GRU nodes' W, R, B
// initializers reordered into PyTorch's gate order, plus the embedding table and the linear head when the model has them.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using LstmGen.IO;

namespace LstmGen.Onnx;

/// <summary>
/// Loads the weights of an ONNX model into a model (generated or <see cref="Reference.ReferenceLstm"/>), so a model
/// exported with <c>torch.onnx.export</c> or <see cref="OnnxExporter"/> loads directly; the model runs the new weights
/// at once (the load repacks them as <c>model.Load</c> does).
/// </summary>
/// <remarks>
/// <para><b>Recurrent layers</b>: the graph's <c>LSTM</c> (or <c>GRU</c>) nodes in graph order, one per layer,
/// <c>direction</c> <c>forward</c> or <c>bidirectional</c> as the model. Inputs W [D, G·H, in], R [D, G·H, H] and
/// the optional B [D, 2·G·H] (W's bias then R's bias; absent = zeros) must be constants: graph initializers,
/// <c>Constant</c> nodes, or either behind a chain of <c>Identity</c> nodes. ONNX LSTM gate blocks i, o, f, c
/// become PyTorch's i, f, g, o; ONNX GRU z, r, h become r, z, n; B's halves become <c>bias_ih</c> and <c>bias_hh</c>.</para>
/// <para>Only LstmGen's functions are accepted: peepholes (input P, blocks i, o, f) only into a model with
/// <see cref="ModelShape.Peephole"/>, no <c>clip</c>, no <c>input_forget</c>,
/// activations (if given) Sigmoid/Tanh/Tanh (GRU Sigmoid/Tanh), and for a GRU <c>linear_before_reset</c> = 1.
/// The initial states (inputs initial_h, initial_c) and sequence_lens are not weights and are ignored.</para>
/// <para><b>Embedding</b> (token models): the one <c>Gather</c> whose data is a constant [Vocabulary, Embedding].
/// <b>Head</b> (models with a head): after the last recurrent node, the one <c>Gemm</c> (transA = 0, alpha = beta = 1,
/// B [Outputs, H·D] with transB = 1 or [H·D, Outputs] without, C [Outputs]) or <c>MatMul</c> by a constant
/// [H·D, Outputs] followed by an <c>Add</c> of a constant [Outputs]. The head's activation and which steps it
/// reads are not weights: the <see cref="ModelShape"/> says them. A head in the graph of a model without one is ignored.</para>
/// <para>Tensor data: FLOAT or DOUBLE, in raw_data, float_data or double_data. Tensors stored outside the
/// file (external data) are rejected. Every problem is a <see cref="WeightFileException"/> naming the node,
/// the input, the expected and the found value; on any error the model is left unchanged.</para>
/// <para><b>Reference vectors</b>: a file whose <c>metadata_props</c> hold <see cref="ReferenceVectors.MetadataKey"/> (as
/// <see cref="OnnxExporter"/> writes with <see cref="OnnxExportOptions.ReferenceVectors"/>) loads only if the weights
/// reproduce them.</para>
/// </remarks>
public static class OnnxWeights
{
    /// <summary>Largest ONNX file read: protobuf's 2 GB limit (larger models keep their weights as external data, which is not supported).</summary>
    private const long MaxFileLength = int.MaxValue;

    /// <summary>
    /// Reads every parameter of <paramref name="model"/> from the ONNX file at <paramref name="path"/>, puts them into
    /// the model and repacks it (<see cref="ILstmModel.ParametersChanged"/>). On any error the model is left unchanged.
    /// </summary>
    /// <exception cref="WeightFileException">The file is not an ONNX model, its weights do not fit the model, or they do not reproduce the file's reference vectors.</exception>
    public static void Load(string path, ILstmModel model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        long length = new FileInfo(path).Length;
        if (length > MaxFileLength)
            throw new WeightFileException($"'{path}': expected an ONNX file of at most 2 GB (the protobuf limit; larger models keep their weights as external data, which is not supported), found {length} bytes.");
        Load(File.ReadAllBytes(path), model, $"'{path}'");
    }

    /// <summary>As <see cref="Load(string, ILstmModel)"/>, from the bytes of an ONNX file (e.g. an embedded resource).</summary>
    /// <exception cref="WeightFileException">The bytes are not an ONNX model, or its weights do not fit the model.</exception>
    public static void Load(ReadOnlySpan<byte> onnx, ILstmModel model) => Load(onnx.ToArray(), model, "ONNX model");

    private static void Load(byte[] bytes, ILstmModel model, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        (float[] block, ReferenceVectors? vectors) = Read(bytes, model.Shape, source);
        ModelWeights.Apply(model, block, source, vectors);
    }

    /// <summary>The parameter block of <paramref name="shape"/> read from <paramref name="bytes"/>, and the file's reference vectors if any.</summary>
    internal static (float[] Parameters, ReferenceVectors? Vectors) Read(byte[] bytes, ModelShape shape, string source)
    {
        ArgumentNullException.ThrowIfNull(shape);
        OnnxModelProto model;
        try
        {
            model = OnnxModelProto.Parse(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new WeightFileException($"{source}: expected an ONNX model (a protobuf ModelProto), found bytes that do not parse: {e.Message}", e);
        }
        if (model.Graph is null || (model.Graph.Nodes.Count == 0 && model.Graph.Initializers.Count == 0))
            throw new WeightFileException($"{source}: expected an ONNX model with a graph, found none (is this an ONNX file?).");

        float[] block = new OnnxGraphReader(source, model.Graph, shape).Read();
        ReferenceVectors? vectors = null;
        foreach (var entry in model.Metadata)
            if (entry.Key == ReferenceVectors.MetadataKey) vectors = ReferenceVectors.Parse(entry.Value);
        return (block, vectors);
    }

    /// <summary>One load: the graph's constants, and the parameter block being filled.</summary>
    private sealed class OnnxGraphReader
    {
        private readonly string _source;
        private readonly OnnxGraphProto _graph;
        private readonly ModelShape _shape;
        private readonly float[] _block;
        private readonly Dictionary<string, OnnxTensorProto> _constants = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _identities = new(StringComparer.Ordinal);
        private readonly Dictionary<string, OnnxNodeProto> _producers = new(StringComparer.Ordinal);

        public OnnxGraphReader(string source, OnnxGraphProto graph, ModelShape shape)
        {
            _source = source;
            _graph = graph;
            _shape = shape;
            _block = new float[shape.ParameterCount];
            foreach (var t in graph.Initializers) _constants[t.Name] = t;
            foreach (var node in graph.Nodes)
            {
                foreach (string output in node.Outputs) if (output.Length > 0) _producers[output] = node;
                if (!IsStandard(node)) continue;
                if (node.OpType == "Constant" && node.Outputs.Count == 1 && node.Attribute("value")?.T is { } value) _constants[node.Outputs[0]] = value;
                if (node.OpType == "Identity" && node.Inputs.Count == 1 && node.Outputs.Count == 1) _identities[node.Outputs[0]] = node.Inputs[0];
            }
        }

        public float[] Read()
        {
            if (_shape.HasProjection)
                throw Fail($"the model projects h (Projection = {_shape.ProjectionSize}); ONNX LSTM operators have no projection, so LstmGen loads such a model from safetensors files (PyTorch's weight_hr tensors).", null);
            int lastRecurrent = ReadRecurrentLayers();
            if (_shape.IsTokenModel) ReadEmbedding();
            if (_shape.Head != Head.None) ReadHead(lastRecurrent);
            return _block;
        }

        // ---- recurrent layers ------------------------------------------------------------------

        private int ReadRecurrentLayers()
        {
            string kind = _shape.Cell == RecurrentCell.Gru ? "GRU" : "LSTM";
            var recurrent = new List<int>();
            for (int n = 0; n < _graph.Nodes.Count; n++)
            {
                var node = _graph.Nodes[n];
                if (!IsStandard(node) || node.OpType is not ("LSTM" or "GRU" or "RNN")) continue;
                if (node.OpType != kind)
                    throw Fail($"{node.Describe()}: expected {kind} nodes (the model's cell is {_shape.Cell}), found {(node.OpType == "RNN" ? "a plain RNN node (LstmGen runs LSTM and GRU layers)" : "a " + node.OpType + " node")}.", null);
                recurrent.Add(n);
            }
            if (recurrent.Count == 0)
            {
                var ops = _graph.Nodes.Select(x => x.OpType).Distinct().Take(12);
                throw Fail($"expected {_shape.LayerCount} {kind} node(s) (one per layer, as torch.onnx.export writes), found none; the graph's operators: {string.Join(", ", ops)}{(_graph.Nodes.Count == 0 ? "(no nodes)" : "")}.", null);
            }
            if (recurrent.Count != _shape.LayerCount)
                throw Fail($"expected {_shape.LayerCount} {kind} node(s) (one per layer), found {recurrent.Count}: {string.Join(", ", recurrent.Select(n => "'" + _graph.Nodes[n].Name + "'"))}.", null);
            for (int k = 0; k < recurrent.Count; k++) ReadLayer(_graph.Nodes[recurrent[k]], k);
            return recurrent[^1];
        }

        private void ReadLayer(OnnxNodeProto node, int layer)
        {
            bool gru = _shape.Cell == RecurrentCell.Gru;
            int h = _shape.HiddenSize, d = _shape.DirectionCount, g = _shape.GatesPerUnit, input = _shape.LayerInputSize(layer);
            string where = $"{node.Describe()} (layer {layer})";

            // Attributes: only PyTorch's function.
            if (node.Attribute("hidden_size") is { } hiddenSize && hiddenSize.I != h)
                throw Fail($"{where}: expected hidden_size {h}, found {hiddenSize.I}.", null);
            string direction = node.Attribute("direction") is { } directionAttribute ? directionAttribute.S.ToStringUtf8() : "forward";
            string expectedDirection = _shape.Bidirectional ? "bidirectional" : "forward";
            if (direction != expectedDirection)
                throw Fail($"{where}: expected direction '{expectedDirection}'{(_shape.Bidirectional ? " (the model is bidirectional)" : "")}, found '{direction}'{(direction == "reverse" ? " (a reverse-only layer has no PyTorch equivalent)" : "")}.", null);
            if (node.Attribute("clip") is { } clip)
                throw Fail($"{where}: expected no clip attribute (PyTorch does not clip the gate inputs), found clip={clip.F}.", null);
            if (node.Attribute("input_forget") is { I: not 0 })
                throw Fail($"{where}: expected input_forget=0 (PyTorch has no coupled input-forget gate), found 1.", null);
            if (node.Attribute("activations") is { } activations)
            {
                string[] one = gru ? new[] { "Sigmoid", "Tanh" } : new[] { "Sigmoid", "Tanh", "Tanh" };
                string[] found = activations.Strings.Select(s => s.ToStringUtf8()).ToArray();
                bool ok = found.Length == one.Length * d;
                for (int i = 0; ok && i < found.Length; i++) ok = string.Equals(found[i], one[i % one.Length], StringComparison.OrdinalIgnoreCase);
                if (!ok)
                    throw Fail($"{where}: expected activations [{string.Join(", ", Enumerable.Repeat(one, d).SelectMany(x => x))}] (PyTorch's), found [{string.Join(", ", found)}].", null);
            }
            if (gru)
            {
                long linearBeforeReset = node.Attribute("linear_before_reset")?.I ?? 0;
                if (linearBeforeReset != 1)
                    throw Fail($"{where}: expected linear_before_reset=1 (PyTorch's GRU: n = tanh(W_in x + b_in + r*(W_hn h + b_hn))), found {linearBeforeReset}: the reset gate applied before the recurrent weights is a different function that PyTorch and LstmGen do not compute.", null);
            }
            if (!gru && !_shape.Peephole && node.Input(7).Length > 0)
                throw Fail($"{where}: expected no peephole weights (input P; the model has no peepholes, Peephole = false), found '{node.Input(7)}'.", node.Input(7));
            if (!gru && _shape.Peephole && node.Input(7).Length == 0)
                throw Fail($"{where}: expected peephole weights (input P [{d}, {3 * h}]; the model has peepholes, Peephole = true), found none.", null);

            // W, R, B.
            var w = Constant(node, 1, "W", new long[] { d, g * h, input });
            var r = Constant(node, 2, "R", new long[] { d, g * h, h });
            float[]? b = node.Input(3).Length > 0 ? Constant(node, 3, "B", new long[] { d, 2 * g * h }) : null;

            // ONNX gate block q for each PyTorch block p.
            int[] onnxBlock = gru ? new[] { 1, 0, 2 } : new[] { 0, 2, 3, 1 };
            for (int dir = 0; dir < d; dir++)
            {
                Span<float> wIh = Slice(LayerParameter.WeightIh, layer, dir), wHh = Slice(LayerParameter.WeightHh, layer, dir);
                Span<float> bIh = Slice(LayerParameter.BiasIh, layer, dir), bHh = Slice(LayerParameter.BiasHh, layer, dir);
                for (int p = 0; p < g; p++)
                {
                    int q = onnxBlock[p];
                    w.AsSpan((dir * g + q) * h * input, h * input).CopyTo(wIh.Slice(p * h * input, h * input));
                    r.AsSpan((dir * g + q) * h * h, h * h).CopyTo(wHh.Slice(p * h * h, h * h));
                    if (b is null) continue;
                    b.AsSpan(dir * 2 * g * h + q * h, h).CopyTo(bIh.Slice(p * h, h));
                    b.AsSpan(dir * 2 * g * h + g * h + q * h, h).CopyTo(bHh.Slice(p * h, h));
                }
                if (b is null) { bIh.Clear(); bHh.Clear(); }
            }
            if (_shape.Peephole)
            {
                // ONNX P [D, 3H] blocks i, o, f; LstmGen's weight_ch blocks p_i, p_f, p_o.
                float[] p = Constant(node, 7, "P", new long[] { d, 3 * h });
                int[] onnxPeephole = { 0, 2, 1 };
                for (int dir = 0; dir < d; dir++)
                {
                    Span<float> wCh = Slice(LayerParameter.WeightCh, layer, dir);
                    for (int q = 0; q < 3; q++) p.AsSpan((dir * 3 + onnxPeephole[q]) * h, h).CopyTo(wCh.Slice(q * h, h));
                }
            }
        }

        private Span<float> Slice(LayerParameter parameter, int layer, int direction)
        {
            var t = _shape.GetLayerTensor(parameter, layer, direction);
            return _block.AsSpan(t.Offset, t.Length);
        }

        /// <summary>The constant value of input <paramref name="index"/> of <paramref name="node"/>, checked against <paramref name="dims"/>.</summary>
        private float[] Constant(OnnxNodeProto node, int index, string role, long[] dims)
        {
            string name = node.Input(index);
            string where = $"{node.Describe()} input {role}";
            if (name.Length == 0) throw Fail($"{where}: expected a constant of shape {Shape(dims)}, found no input.", null);
            var tensor = Resolve(name) ?? throw Fail($"{where} '{name}': expected a constant (an initializer or a Constant node) of shape {Shape(dims)}, found {Computed(name)}.", name);
            if (!tensor.Dims.SequenceEqual(dims))
                throw Fail($"{where} '{tensor.Name}': expected shape {Shape(dims)}, found {Shape(tensor.Dims)}.", tensor.Name);
            return Floats(tensor, where);
        }

        // ---- embedding and head ----------------------------------------------------------------

        private void ReadEmbedding()
        {
            long[] dims = { _shape.VocabularySize, _shape.EmbeddingSize };
            var found = new List<string>();
            var candidates = new List<OnnxTensorProto>();
            foreach (var node in _graph.Nodes)
            {
                if (!IsStandard(node) || node.OpType != "Gather" || Resolve(node.Input(0)) is not { } data || data.Dims.Count != 2) continue;
                found.Add($"'{data.Name}' {Shape(data.Dims)}");
                if (data.Dims.SequenceEqual(dims) && (node.Attribute("axis")?.I ?? 0) == 0 && !candidates.Contains(data)) candidates.Add(data);
            }
            if (candidates.Count != 1)
                throw Fail($"expected one embedding: a Gather (axis 0) of a constant table of shape {Shape(dims)}, found {(candidates.Count == 0 ? found.Count == 0 ? "no Gather of a constant 2-D table" : "only " + string.Join(", ", found) : candidates.Count + ": " + string.Join(", ", candidates.Select(c => "'" + c.Name + "'")))}.", null);
            Floats(candidates[0], "embedding").CopyTo(_block.AsSpan(_shape.GetTensor(ModelShape.EmbeddingWeightName).Offset));
        }

        private void ReadHead(int lastRecurrent)
        {
            int o = _shape.OutputSize, f = _shape.LayerOutputSize;
            var candidates = new List<(string What, float[] Weight, float[] Bias)>(); // weight as [O, F]
            var found = new List<string>();
            for (int n = lastRecurrent + 1; n < _graph.Nodes.Count; n++)
            {
                var node = _graph.Nodes[n];
                if (!IsStandard(node)) continue;
                if (node.OpType == "Gemm" && Resolve(node.Input(1)) is { } gemmB)
                {
                    bool transB = (node.Attribute("transB")?.I ?? 0) != 0;
                    var c = node.Input(2).Length > 0 ? Resolve(node.Input(2)) : null;
                    found.Add($"{node.Describe()} B {Shape(gemmB.Dims)}{(transB ? " (transB)" : "")} C {(c is null ? "none" : Shape(c.Dims))}");
                    bool plain = (node.Attribute("transA")?.I ?? 0) == 0 && (node.Attribute("alpha")?.F ?? 1f) == 1f && (node.Attribute("beta")?.F ?? 1f) == 1f;
                    long[] bDims = transB ? new long[] { o, f } : new long[] { f, o };
                    if (plain && gemmB.Dims.SequenceEqual(bDims) && c is not null && IsVector(c, o))
                    {
                        float[] weight = Floats(gemmB, node.Describe() + " input B");
                        candidates.Add((node.Describe(), transB ? weight : Transpose(weight, f, o), Floats(c, node.Describe() + " input C")));
                    }
                }
                else if (node.OpType == "MatMul" && Resolve(node.Input(1)) is { } matB && node.Outputs.Count == 1)
                {
                    found.Add($"{node.Describe()} {Shape(matB.Dims)}");
                    if (!matB.Dims.SequenceEqual(new long[] { f, o })) continue;
                    foreach (var add in _graph.Nodes.Skip(n + 1))
                    {
                        if (!IsStandard(add) || add.OpType != "Add" || !add.Inputs.Contains(node.Outputs[0])) continue;
                        string other = add.Input(0) == node.Outputs[0] ? add.Input(1) : add.Input(0);
                        if (Resolve(other) is { } bias && IsVector(bias, o))
                            candidates.Add((node.Describe(), Transpose(Floats(matB, node.Describe() + " input B"), f, o), Floats(bias, add.Describe())));
                    }
                }
            }
            if (candidates.Count != 1)
                throw Fail($"expected one linear head after the last recurrent node: a Gemm with B [{o}, {f}] (transB=1) or [{f}, {o}] and C [{o}], or a MatMul by [{f}, {o}] plus an Add of [{o}]; found {(candidates.Count == 0 ? found.Count == 0 ? "no Gemm or MatMul by a constant" : "only " + string.Join("; ", found) : candidates.Count + ": " + string.Join(", ", candidates.Select(c => c.What)))}.", null);
            candidates[0].Weight.CopyTo(_block.AsSpan(_shape.GetTensor(ModelShape.HeadWeightName).Offset));
            candidates[0].Bias.CopyTo(_block.AsSpan(_shape.GetTensor(ModelShape.HeadBiasName).Offset));
        }

        private static bool IsVector(OnnxTensorProto t, int length) =>
            (t.Dims.Count == 1 && t.Dims[0] == length) || (t.Dims.Count == 2 && t.Dims[0] == 1 && t.Dims[1] == length);

        private static float[] Transpose(float[] rowsByColumns, int rows, int columns)
        {
            var result = new float[rows * columns];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < columns; j++)
                    result[j * rows + i] = rowsByColumns[i * columns + j];
            return result;
        }

        // ---- constants ---------------------------------------------------------------------------

        /// <summary>The constant behind <paramref name="name"/> (following Identity nodes), or null when it is computed.</summary>
        private OnnxTensorProto? Resolve(string name)
        {
            for (int hops = 0; hops <= _identities.Count && name.Length > 0; hops++)
            {
                if (_constants.TryGetValue(name, out var tensor)) return tensor;
                if (!_identities.TryGetValue(name, out name!)) return null;
            }
            return null;
        }

        private string Computed(string name) =>
            _producers.TryGetValue(name, out var producer) ? $"a value computed by {producer.Describe()}" : "a graph input or an unknown value";

        /// <summary>The tensor's values as floats (FLOAT or DOUBLE; raw_data, float_data or double_data).</summary>
        private float[] Floats(OnnxTensorProto t, string where)
        {
            string what = $"{where} '{t.Name}'";
            if (t.DataLocation == 1 || t.ExternalData.Count > 0)
            {
                string location = t.ExternalData.FirstOrDefault(e => e.Key == "location").Value ?? "?";
                throw Fail($"{what}: expected the data inside the .onnx file, found external data (location '{location}'); save the model with its weights inside (torch.onnx.export does for models under 2 GB; onnx.save_model(model, path, save_as_external_data=False)).", t.Name);
            }
            long count = 1;
            foreach (long dim in t.Dims)
            {
                if (dim < 0) throw Fail($"{what}: expected non-negative dimensions, found {Shape(t.Dims)}.", t.Name);
                count *= dim;
                if (count > int.MaxValue) throw Fail($"{what}: expected at most {int.MaxValue} elements, found shape {Shape(t.Dims)}.", t.Name);
            }
            // Every size is checked against the data actually present before anything is allocated.
            if (t.DataType == OnnxTensorProto.FloatType)
            {
                if (t.HasRawData)
                {
                    if (t.RawData.Length != count * 4) throw Fail($"{what}: expected {count * 4} bytes of raw_data ({count} FLOAT), found {t.RawData.Length}.", t.Name);
                    if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this machine is not.");
                    return MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
                }
                if (t.FloatData.Count != count) throw Fail($"{what}: expected {count} values in float_data, found {t.FloatData.Count}.", t.Name);
                var values = new float[count];
                t.FloatData.CopyTo(values, 0);
                return values;
            }
            if (t.DataType == OnnxTensorProto.DoubleType)
            {
                if (t.HasRawData)
                {
                    if (t.RawData.Length != count * 8) throw Fail($"{what}: expected {count * 8} bytes of raw_data ({count} DOUBLE), found {t.RawData.Length}.", t.Name);
                    if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this machine is not.");
                    var doubles = MemoryMarshal.Cast<byte, double>(t.RawData.Span);
                    var narrowed = new float[count];
                    for (int i = 0; i < narrowed.Length; i++) narrowed[i] = (float)doubles[i];
                    return narrowed;
                }
                if (t.DoubleData.Count != count) throw Fail($"{what}: expected {count} values in double_data, found {t.DoubleData.Count}.", t.Name);
                var fromDoubles = new float[count];
                for (int i = 0; i < fromDoubles.Length; i++) fromDoubles[i] = (float)t.DoubleData[i];
                return fromDoubles;
            }
            throw Fail($"{what}: expected data type FLOAT (1) or DOUBLE (11), found {t.DataType}{(t.DataType == OnnxTensorProto.Float16Type ? " (FLOAT16; convert the model to float32)" : "")}.", t.Name);
        }

        private static bool IsStandard(OnnxNodeProto node) => node.Domain.Length == 0 || node.Domain == "ai.onnx";

        private static string Shape(IEnumerable<long> dims) => "[" + string.Join(", ", dims) + "]";

        private WeightFileException Fail(string problem, string? tensor) => new($"{_source}: {problem}", new[] { problem }, tensor);
    }
}
