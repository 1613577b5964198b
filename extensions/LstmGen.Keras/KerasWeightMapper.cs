// Maps Keras weights (by their Keras variable names, whatever file they came from) onto a model's parameter block:
// transposes Keras' [in, gates·H] kernels into PyTorch's layout and reorders the gate blocks.
using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.IO;

namespace LstmGen.Keras;

/// <summary>
/// One load: the Keras tensors by name, and the parameter block being filled. Recurrent layers are the prefixes P with
/// P/kernel, P/recurrent_kernel, P/bias in the source's order (a path segment starting <c>backward_</c> marks a
/// Bidirectional's reverse direction); the embedding is the one …/embeddings; the head the one other P/kernel + P/bias.
/// </summary>
internal sealed class KerasWeightMapper
{
    private readonly KerasTensors _file;
    private readonly ModelShape _shape;
    private readonly float[] _block;
    private readonly Dictionary<string, string> _byKerasName = new(StringComparer.Ordinal); // without ":0" → file name
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public KerasWeightMapper(KerasTensors file, ModelShape shape)
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
        if (gru && _file.Shape(_byKerasName[Name("bias")]).SequenceEqual(new[] { g * h }))
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
        var fits = tables.Where(n => _file.Shape(_byKerasName[n]).SequenceEqual(dims)).ToList();
        if (fits.Count != 1)
            throw Fail($"expected one embedding: a tensor '…/embeddings' of shape [{dims[0]}, {dims[1]}], found {(fits.Count == 0 ? tables.Count == 0 ? "none" : "only " + string.Join(", ", tables.Select(n => Quote(n) + " " + ShapeText(_file.Shape(_byKerasName[n])))) : string.Join(", ", fits.Select(Quote)))}.", null);
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
            _file.Shape(_byKerasName[Name(p, "kernel")]).SequenceEqual(new[] { f, o }) &&
            _file.Shape(bias).SequenceEqual(new[] { o })).ToList();
        if (fits.Count != 1)
            throw Fail($"expected one Dense head: 'P/kernel' [{f}, {o}] and 'P/bias' [{o}], found {(fits.Count == 0 ? dense.Count == 0 ? "none" : "only " + string.Join(", ", dense.Select(p => Quote(Name(p, "kernel")) + " " + ShapeText(_file.Shape(_byKerasName[Name(p, "kernel")])))) : string.Join(", ", fits.Select(Quote)))}.", null);
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
        if (_file.DtypeProblem(fileName) is { } dtype)
            throw Fail($"{Quote(fileName)}: {dtype}", fileName);
        int[] found = _file.Shape(fileName);
        if (!found.AsSpan().SequenceEqual(dims))
            throw Fail($"{Quote(fileName)}: expected shape {shapeText}, found {ShapeText(found)}{Hint(kerasName, found)}.", fileName);
        _used.Add(fileName);
        return _file.Read(fileName, found);
    }

    private string Hint(string kerasName, ReadOnlySpan<int> found)
    {
        if (!kerasName.EndsWith("kernel", StringComparison.Ordinal) || found.Length != 2) return "";
        int h = _shape.HiddenSize;
        if (_shape.Cell == RecurrentCell.Lstm && found[1] == 3 * h) return " (3 x hidden columns: this looks like a GRU, the model is an LSTM)";
        if (_shape.Cell == RecurrentCell.Gru && found[1] == 4 * h) return " (4 x hidden columns: this looks like an LSTM, the model is a GRU)";
        return "";
    }

    private static string Quote(string name) => "'" + name + "'";

    private static string ShapeText(int[] shape) => "[" + string.Join(", ", shape) + "]";

    private WeightFileException Fail(string problem, string? tensor) => new($"{_file.Source}: {problem}", new[] { problem }, tensor);
}
