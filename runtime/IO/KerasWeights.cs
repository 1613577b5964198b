// Loads a model's parameters from a safetensors file of Keras weight names (tools/export_keras.py writes
// one): transposes Keras' [in, gates·H] kernels into PyTorch's layout and reorders the gate blocks.
using System;
using System.Collections.Generic;
using System.Linq;

namespace LstmGen.IO;

/// <summary>
/// Reads Keras LSTM/GRU weights (a safetensors file whose tensor names are Keras variable paths, e.g.
/// <c>lstm/lstm_cell/kernel</c>) into a parameter block in PyTorch layout (see <see cref="ModelShape"/>).
/// </summary>
/// <remarks>
/// <para><b>Recurrent layers</b>: every prefix <c>P</c> with <c>P/kernel</c>, <c>P/recurrent_kernel</c> and <c>P/bias</c>
/// (a trailing <c>:0</c>, as tf.keras names variables, is ignored), in the file's order: layer 0 first. A prefix with a
/// path segment starting <c>backward_</c> (Keras' <c>Bidirectional</c> names its layers <c>forward_lstm</c> and
/// <c>backward_lstm</c>) is the reverse direction of the layer of the same rank.</para>
/// <para><b>LSTM</b>: kernel [in, 4H] and recurrent_kernel [H, 4H], gate columns i, f, c, o (PyTorch's i, f, g, o):
/// <c>weight_ih = kernelᵀ</c>, <c>weight_hh = recurrent_kernelᵀ</c>; Keras' one bias [4H] becomes <c>bias_ih</c>
/// and <c>bias_hh</c> = 0 (the same sum). <b>GRU</b> (<c>reset_after=True</c>, Keras' default): kernel [in, 3H],
/// recurrent_kernel [H, 3H], bias [2, 3H] (input bias, recurrent bias), gate columns z, r, h, reordered to PyTorch's
/// r, z, n. A <c>reset_after=False</c> GRU (bias [3H]) computes a different function and is rejected.</para>
/// <para><b>Embedding</b> (token models): the one <c>…/embeddings</c> of shape [Vocabulary, Embedding].
/// <b>Head</b> (models with a head): the one other prefix with <c>kernel</c> [H·D, Outputs] and <c>bias</c> [Outputs]
/// (a <c>Dense</c>), transposed. Any other tensor is an error, as is a NaN or infinity.
/// Activations are not in the weights: export_keras.py refuses layers whose activations are not tanh/sigmoid.</para>
/// </remarks>
public static class KerasWeights
{
    /// <summary>
    /// Reads every parameter of <paramref name="shape"/> from the Keras-named safetensors file at
    /// <paramref name="path"/> into <paramref name="parameters"/>; unchanged on any error.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not have <see cref="ModelShape.ParameterCount"/> floats.</exception>
    /// <exception cref="SafetensorsFormatException">The file is not a well-formed safetensors file.</exception>
    /// <exception cref="WeightFileException">The file does not fit the model.</exception>
    public static void Load(string path, ModelShape shape, Span<float> parameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(shape);
        CheckLength(shape, parameters.Length);
        using var file = SafetensorsFile.Open(path);
        Load(file, shape, parameters);
    }

    /// <summary>Reads every parameter of <paramref name="shape"/> from an open Keras-named file; unchanged on any error.</summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not have <see cref="ModelShape.ParameterCount"/> floats.</exception>
    /// <exception cref="WeightFileException">The file does not fit the model.</exception>
    public static void Load(SafetensorsFile file, ModelShape shape, Span<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(shape);
        CheckLength(shape, parameters.Length);
        float[] block = new KerasFileReader(file, shape).Read();
        block.CopyTo(parameters);
    }

    private static void CheckLength(ModelShape shape, int actual)
    {
        if (actual != shape.ParameterCount)
            throw new ArgumentException($"The parameter block must hold {shape.ParameterCount} floats for {shape}; it holds {actual}.", "parameters");
    }

    private sealed class KerasFileReader
    {
        private readonly SafetensorsFile _file;
        private readonly ModelShape _shape;
        private readonly float[] _block;
        private readonly Dictionary<string, string> _byKerasName = new(StringComparer.Ordinal); // without ":0" → file name
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public KerasFileReader(SafetensorsFile file, ModelShape shape)
        {
            _file = file;
            _shape = shape;
            _block = new float[shape.ParameterCount];
            foreach (string name in file.Names) _byKerasName[StripIndex(name)] = name;
        }

        public float[] Read()
        {
            if (_shape.HasProjection)
                throw Fail($"the model projects h (Projection = {_shape.ProjectionSize}); Keras LSTM layers have no projection, so LstmGen loads such a model from safetensors files (PyTorch's weight_hr tensors).", null);
            if (_shape.Peephole)
                throw Fail("the model has peepholes (Peephole = true); LstmGen loads them from its own safetensors files (weight_ch tensors), not from Keras files.", null);
            // In the file's order (header order): layer 0 first.
            var cells = _file.Names.Select(StripIndex).Where(n => n.EndsWith("/recurrent_kernel", StringComparison.Ordinal) || n == "recurrent_kernel")
                .Select(n => n.Length == "recurrent_kernel".Length ? "" : n[..^"/recurrent_kernel".Length]).ToList();
            var forward = cells.Where(p => !IsBackward(p)).ToList();
            var backward = cells.Where(IsBackward).ToList();
            string kind = _shape.Cell == RecurrentCell.Gru ? "GRU" : "LSTM";
            if (forward.Count != _shape.LayerCount)
                throw Fail($"expected {_shape.LayerCount} {kind} layer(s) (tensors P/kernel, P/recurrent_kernel, P/bias), found {forward.Count}{(forward.Count > 0 ? ": " + string.Join(", ", forward.Select(Quote)) : "")}.", null);
            if (backward.Count != (_shape.Bidirectional ? _shape.LayerCount : 0))
                throw Fail(_shape.Bidirectional
                    ? $"expected {_shape.LayerCount} backward layer(s) (Keras Bidirectional: 'backward_…' names), the model being bidirectional; found {backward.Count}."
                    : $"{Quote(backward[0])}: this file holds a bidirectional layer (a 'backward_' layer); the model is not bidirectional.", null);
            for (int k = 0; k < _shape.LayerCount; k++)
            {
                ReadCell(forward[k], k, 0);
                if (_shape.Bidirectional) ReadCell(backward[k], k, 1);
            }
            if (_shape.IsTokenModel) ReadEmbedding();
            if (_shape.Head != Head.None) ReadHead(cells);

            var extra = _file.Names.Where(n => !_used.Contains(n)).ToList();
            if (extra.Count > 0)
                throw Fail($"{string.Join(", ", extra.Take(5).Select(Quote))}{(extra.Count > 5 ? $" and {extra.Count - 5} more" : "")}: not a weight of the model (expected only recurrent layers{(_shape.IsTokenModel ? ", an embedding" : "")}{(_shape.Head != Head.None ? ", a Dense head" : "")}).", extra[0]);
            if (ModelWeights.FindNonFinite(_shape, _block) is { } bad)
                throw Fail($"{bad.Tensor.Name}: expected finite values, found {bad.Value} at flat index {bad.Index} of {bad.Tensor.Length}.", bad.Tensor.Name);
            return _block;
        }

        /// <summary>tf.keras variable names end in ":0"; Keras 3 paths do not.</summary>
        private static string StripIndex(string name) => name.EndsWith(":0", StringComparison.Ordinal) ? name[..^2] : name;

        private static bool IsBackward(string prefix) => prefix.Split('/').Any(s => s.StartsWith("backward_", StringComparison.Ordinal));

        private void ReadCell(string prefix, int layer, int direction)
        {
            bool gru = _shape.Cell == RecurrentCell.Gru;
            int h = _shape.HiddenSize, g = _shape.GatesPerUnit, input = _shape.LayerInputSize(layer);
            string Name(string leaf) => prefix.Length == 0 ? leaf : prefix + "/" + leaf;
            float[] kernel = Tensor(Name("kernel"), new[] { input, g * h });
            float[] recurrent = Tensor(Name("recurrent_kernel"), new[] { h, g * h });
            if (!_byKerasName.ContainsKey(Name("bias")))
                throw Fail($"{Quote(Name("bias"))}: expected a bias (the layer was built with use_bias=False? PyTorch's and LstmGen's layers have biases), found none.", null);
            if (gru && _file.GetInfo(_byKerasName[Name("bias")]).Shape.SequenceEqual(new[] { g * h }))
                throw Fail($"{Quote(Name("bias"))}: found a bias of shape [{g * h}]: a GRU with reset_after=False, which applies the reset gate before the recurrent weights — a different function than PyTorch's GRU, which LstmGen computes. Retrain with reset_after=True (Keras' default).", _byKerasName[Name("bias")]);
            float[] bias = Tensor(Name("bias"), gru ? new[] { 2, g * h } : new[] { g * h });

            // Keras gate column block for each PyTorch row block: LSTM i,f,c,o = i,f,g,o; GRU z,r,h → r,z,n.
            int[] kerasBlock = gru ? new[] { 1, 0, 2 } : new[] { 0, 1, 2, 3 };
            var t = _shape.GetLayerTensor(LayerParameter.WeightIh, layer, direction);
            Span<float> wIh = _block.AsSpan(t.Offset, t.Length);
            t = _shape.GetLayerTensor(LayerParameter.WeightHh, layer, direction);
            Span<float> wHh = _block.AsSpan(t.Offset, t.Length);
            t = _shape.GetLayerTensor(LayerParameter.BiasIh, layer, direction);
            Span<float> bIh = _block.AsSpan(t.Offset, t.Length);
            t = _shape.GetLayerTensor(LayerParameter.BiasHh, layer, direction);
            Span<float> bHh = _block.AsSpan(t.Offset, t.Length);
            for (int p = 0; p < g; p++)
            {
                int column = kerasBlock[p] * h;
                for (int j = 0; j < h; j++)
                {
                    int row = p * h + j;
                    for (int c = 0; c < input; c++) wIh[row * input + c] = kernel[c * g * h + column + j];
                    for (int c = 0; c < h; c++) wHh[row * h + c] = recurrent[c * g * h + column + j];
                    bIh[row] = bias[column + j];
                    bHh[row] = gru ? bias[g * h + column + j] : 0f;
                }
            }
        }

        private void ReadEmbedding()
        {
            int[] dims = { _shape.VocabularySize, _shape.EmbeddingSize };
            var tables = _byKerasName.Keys.Where(n => n == "embeddings" || n.EndsWith("/embeddings", StringComparison.Ordinal)).ToList();
            var fits = tables.Where(n => _file.GetInfo(_byKerasName[n]).Shape.SequenceEqual(dims)).ToList();
            if (fits.Count != 1)
                throw Fail($"expected one embedding: a tensor '…/embeddings' of shape [{dims[0]}, {dims[1]}], found {(fits.Count == 0 ? tables.Count == 0 ? "none" : "only " + string.Join(", ", tables.Select(n => Quote(n) + " " + _file.GetInfo(_byKerasName[n]).ShapeText)) : string.Join(", ", fits.Select(Quote)))}.", null);
            Tensor(fits[0], dims).CopyTo(_block.AsSpan(_shape.GetTensor(ModelShape.EmbeddingWeightName).Offset));
        }

        private void ReadHead(List<string> cells)
        {
            int o = _shape.OutputSize, f = _shape.LayerOutputSize;
            var dense = _byKerasName.Keys.Where(n => n == "kernel" || n.EndsWith("/kernel", StringComparison.Ordinal))
                .Select(n => n.Length == "kernel".Length ? "" : n[..^"/kernel".Length])
                .Where(p => !cells.Contains(p)).ToList();
            string Name(string prefix, string leaf) => prefix.Length == 0 ? leaf : prefix + "/" + leaf;
            var fits = dense.Where(p => _byKerasName.TryGetValue(Name(p, "bias"), out var bias) &&
                _file.GetInfo(_byKerasName[Name(p, "kernel")]).Shape.SequenceEqual(new[] { f, o }) &&
                _file.GetInfo(bias).Shape.SequenceEqual(new[] { o })).ToList();
            if (fits.Count != 1)
                throw Fail($"expected one Dense head: 'P/kernel' [{f}, {o}] and 'P/bias' [{o}], found {(fits.Count == 0 ? dense.Count == 0 ? "none" : "only " + string.Join(", ", dense.Select(p => Quote(Name(p, "kernel")) + " " + _file.GetInfo(_byKerasName[Name(p, "kernel")]).ShapeText)) : string.Join(", ", fits.Select(Quote)))}.", null);
            float[] kernel = Tensor(Name(fits[0], "kernel"), new[] { f, o });
            var weight = _block.AsSpan(_shape.GetTensor(ModelShape.HeadWeightName).Offset, o * f);
            for (int r = 0; r < o; r++)
                for (int c = 0; c < f; c++) weight[r * f + c] = kernel[c * o + r];
            Tensor(Name(fits[0], "bias"), new[] { o }).CopyTo(_block.AsSpan(_shape.GetTensor(ModelShape.HeadBiasName).Offset));
        }

        /// <summary>Reads the tensor with Keras name <paramref name="kerasName"/>, checking presence, dtype and shape.</summary>
        private float[] Tensor(string kerasName, int[] dims)
        {
            string shapeText = "[" + string.Join(", ", dims) + "]";
            if (!_byKerasName.TryGetValue(kerasName, out string? fileName))
                throw Fail($"{Quote(kerasName)}: expected a tensor of shape {shapeText}, found none.", null);
            var info = _file.GetInfo(fileName);
            if (!SafetensorsDtypes.IsConvertibleToSingle(info.Dtype))
                throw Fail($"{Quote(fileName)}: expected dtype F32 (F16, BF16 and F64 are converted), found {SafetensorsDtypes.ToHeaderName(info.Dtype)}.", fileName);
            if (!info.Shape.SequenceEqual(dims))
                throw Fail($"{Quote(fileName)}: expected shape {shapeText}, found {info.ShapeText}{Hint(kerasName, info.Shape)}.", fileName);
            _used.Add(fileName);
            return _file.ReadFloat32(fileName);
        }

        private string Hint(string kerasName, ReadOnlySpan<int> found)
        {
            if (!kerasName.EndsWith("kernel", StringComparison.Ordinal) || found.Length != 2) return "";
            int h = _shape.HiddenSize;
            if (_shape.Cell == RecurrentCell.Lstm && found[1] == 3 * h) return " (3 x hidden columns: this looks like a GRU, the model is an LSTM)";
            if (_shape.Cell == RecurrentCell.Gru && found[1] == 4 * h) return " (4 x hidden columns: this looks like an LSTM, the model is a GRU)";
            return "";
        }

        private static string Quote(string name) => "'" + SafetensorsHeaderParser.Quote(name) + "'";

        private WeightFileException Fail(string problem, string? tensor) => new($"'{_file.Path}': {problem}", new[] { problem }, tensor);
    }
}
