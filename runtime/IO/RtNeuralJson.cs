// Loads RTNeural's JSON model files (the real-time audio inference library's format) into an LstmGen model: the
// Keras-style layer list its Python exporter writes, and the PyTorch state_dict-as-JSON its torch helpers read.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace LstmGen.IO;

/// <summary>
/// Loads an RTNeural JSON model (LSTM/GRU layers and a Dense head) into a matching model; the model runs the new weights
/// at once (the load repacks them as <c>model.Load</c> does).
/// </summary>
/// <remarks>
/// <para><b>Layer list</b> (RTNeural's <c>model_utils.py</c> export of a Keras model): <c>{"in_shape": [null, null, N],
/// "layers": [{"type", "activation", "shape", "weights"}, …]}</c>. Read: <c>lstm</c> (weights kernel [in, 4H],
/// recurrent kernel [H, 4H], bias [4H]; Keras gate columns i, f, c, o) and <c>gru</c> (kernel [in, 3H], recurrent kernel
/// [H, 3H], bias [2, 3H]; columns z, r, h, Keras' reset_after=True) layers, then at most one <c>dense</c> or
/// <c>time-distributed-dense</c> (kernel [H, O], optional bias [O]) with activation "" (<see cref="Head.Linear"/>),
/// <c>sigmoid</c> or <c>softmax</c>, optionally followed by an <c>activation</c> layer of those two. Any other layer
/// (conv1d, batchnorm, prelu, a Dense before or between recurrent layers, a second Dense …) is rejected with a message
/// naming it; so is a layer whose <c>shape</c> disagrees with its weights.</para>
/// <para><b>PyTorch state_dict</b> (RTNeural's <c>torch_helpers</c>): an object of <c>M.weight_ih_l{k}</c>,
/// <c>M.weight_hh_l{k}</c>, <c>M.bias_ih_l{k}</c>, <c>M.bias_hh_l{k}</c> nested arrays in PyTorch's layout; the recurrent
/// modules in the file's order, each module's layers in order, stack up to the model's layers (RTNeural's <c>lstm</c> +
/// 3-layer <c>lstm2</c> is a 4-layer model); the head is the one <c>X.weight</c> [O, H] with <c>X.bias</c> [O].</para>
/// <para>RTNeural runs a model one sample at a time and outputs every step: declare the model with
/// <see cref="HeadOn.EveryStep"/> (or stream it with <c>Step</c>) to get its outputs. RTNeural has no embeddings and no
/// bidirectional layers. Errors are <see cref="WeightFileException"/>s; on any error the model is left unchanged.</para>
/// </remarks>
public static class RtNeuralJson
{
    /// <summary>Loads the RTNeural JSON file at <paramref name="path"/> into <paramref name="model"/> and repacks it.</summary>
    /// <exception cref="WeightFileException">The file is not RTNeural JSON, has a layer LstmGen does not run, or does not fit the model.</exception>
    public static void Load(string path, ILstmModel model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        using JsonDocument document = JsonWeightFile.Parse(path, "RTNeural JSON");
        Load(document.RootElement, model, $"'{path}'");
    }

    /// <summary>As <see cref="Load(string, ILstmModel)"/>, from the UTF-8 bytes of the file.</summary>
    /// <exception cref="WeightFileException">The bytes are not RTNeural JSON, or do not fit the model.</exception>
    public static void Load(ReadOnlySpan<byte> json, ILstmModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using JsonDocument document = JsonWeightFile.Parse(json.ToArray(), "RTNeural JSON", "RTNeural JSON");
        Load(document.RootElement, model, "RTNeural JSON");
    }

    private static void Load(JsonElement root, ILstmModel model, string source)
    {
        ModelShape shape = model.Shape;
        if (root.ValueKind != JsonValueKind.Object)
            throw JsonWeightFile.Fail(source, $"expected a JSON object (RTNeural's model file), found {JsonWeightFile.Describe(root)}.");
        if (shape.IsTokenModel) throw JsonWeightFile.Fail(source, "the model reads token ids; RTNeural models read floats (declare the model with Inputs).");
        if (shape.Bidirectional) throw JsonWeightFile.Fail(source, "the model is bidirectional; RTNeural has no bidirectional layers.");
        if (shape.Peephole || shape.HasProjection) throw JsonWeightFile.Fail(source, $"the model has {(shape.Peephole ? "peepholes" : "a projection")}; RTNeural's LSTM has none.");
        float[] block = root.TryGetProperty("layers", out JsonElement layers)
            ? ReadLayerList(root, layers, shape, source)
            : ReadStateDict(root, shape, source);
        ModelWeights.Apply(model, block, source);
    }

    // ---- the layer list -------------------------------------------------------------------------

    private static float[] ReadLayerList(JsonElement root, JsonElement layers, ModelShape shape, string source)
    {
        if (layers.ValueKind != JsonValueKind.Array) throw JsonWeightFile.Fail(source, $"layers: expected an array, found {JsonWeightFile.Describe(layers)}.");
        if (root.TryGetProperty("in_shape", out JsonElement inShape))
        {
            int? width = inShape.ValueKind == JsonValueKind.Array && inShape.GetArrayLength() > 0 && inShape[inShape.GetArrayLength() - 1].TryGetInt32(out int w) ? w : null;
            if (width != shape.InputSize)
                throw JsonWeightFile.Fail(source, $"in_shape: expected {shape.InputSize} input(s) per step (the model's Inputs), found {inShape.GetRawText()}.");
        }
        // A layer LstmGen has no equivalent for is named first, wherever it is.
        int position = 0;
        foreach (JsonElement layer in layers.EnumerateArray())
        {
            string type = layer.ValueKind == JsonValueKind.Object && layer.TryGetProperty("type", out JsonElement t0) && t0.ValueKind == JsonValueKind.String ? t0.GetString()! : "";
            if (type is not ("lstm" or "gru" or "dense" or "time-distributed-dense" or "activation"))
                throw JsonWeightFile.Fail(source, $"layer {position} ('{type}'): not supported; LstmGen loads RTNeural's lstm, gru and dense layers (a Dense head with activation '', sigmoid or softmax).");
            position++;
        }
        var block = new float[shape.ParameterCount];
        int recurrent = 0, index = -1;
        bool dense = false;
        Head? head = null;
        foreach (JsonElement layer in layers.EnumerateArray())
        {
            index++;
            if (layer.ValueKind != JsonValueKind.Object) throw JsonWeightFile.Fail(source, $"layers[{index}]: expected an object, found {JsonWeightFile.Describe(layer)}.");
            string type = layer.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
            string activation = layer.TryGetProperty("activation", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "";
            string where = $"layer {index} ('{type}')";
            switch (type)
            {
                case "lstm" or "gru":
                    if (dense) throw JsonWeightFile.Fail(source, $"{where}: a recurrent layer after a Dense layer; LstmGen models are recurrent layers followed by one Dense head.");
                    if (recurrent >= shape.LayerCount) throw JsonWeightFile.Fail(source, $"{where}: expected {shape.LayerCount} recurrent layer(s) (the model's Layers), found more.");
                    ReadRecurrent(layer, type, recurrent, shape, block, source, where);
                    recurrent++;
                    break;
                case "dense" or "time-distributed-dense":
                    if (recurrent == 0) throw JsonWeightFile.Fail(source, $"{where}: a Dense layer before the recurrent layers; LstmGen models start with their LSTM/GRU layers (the input goes straight into the first one).");
                    if (dense) throw JsonWeightFile.Fail(source, $"{where}: a second Dense layer; LstmGen models end in one Dense head (its activation linear, sigmoid or softmax).");
                    if (shape.Head == Head.None) throw JsonWeightFile.Fail(source, $"{where}: the model has no head (Outputs unset); this file ends in a Dense layer.");
                    if (recurrent != shape.LayerCount) throw JsonWeightFile.Fail(source, $"{where}: expected {shape.LayerCount} recurrent layer(s) before the Dense head (the model's Layers), found {recurrent}.");
                    ReadDense(layer, shape, block, source, where);
                    head = HeadOf(activation, source, where);
                    dense = true;
                    break;
                case "activation":
                    if (!dense || head != Head.Linear)
                        throw JsonWeightFile.Fail(source, $"{where}: an activation layer ('{activation}') {(dense ? "after a Dense that already has one" : "outside the head")}; LstmGen applies an activation only to its head's output.");
                    head = HeadOf(activation, source, where);
                    break;
                default:
                    throw JsonWeightFile.Fail(source, $"{where}: not supported; LstmGen loads RTNeural's lstm, gru and dense layers (a Dense head with activation '', sigmoid or softmax).");
            }
        }
        if (recurrent != shape.LayerCount) throw JsonWeightFile.Fail(source, $"expected {shape.LayerCount} recurrent layer(s) (the model's Layers), found {recurrent}.");
        if (shape.Head != Head.None && !dense) throw JsonWeightFile.Fail(source, $"expected a Dense head ({shape.OutputSize} outputs, the model's Head is {shape.Head}), found none.");
        if (head is { } h && h != shape.Head) throw JsonWeightFile.Fail(source, $"the Dense head's activation is Head.{h}; the model's Head is {shape.Head}.");
        return block;
    }

    private static Head HeadOf(string activation, string source, string where) => activation switch
    {
        "" or "linear" => Head.Linear,
        "sigmoid" => Head.Sigmoid,
        "softmax" => Head.Softmax,
        _ => throw JsonWeightFile.Fail(source, $"{where}: activation '{activation}' is not one LstmGen's head computes ('' for linear, sigmoid, softmax)."),
    };

    private static void ReadRecurrent(JsonElement layer, string type, int k, ModelShape shape, float[] block, string source, string where)
    {
        bool gru = type == "gru";
        if (gru != (shape.Cell == RecurrentCell.Gru))
            throw JsonWeightFile.Fail(source, $"{where}: the model's cell is {shape.Cell} (declare Cell = RecurrentCell.{(gru ? "Gru" : "Lstm")} for this file).");
        int h = shape.HiddenSize, g = shape.GatesPerUnit, input = shape.LayerInputSize(k);
        JsonElement weights = Weights(layer, 3, source, where);
        int[]? kernelShape = JsonWeightFile.ShapeOf(weights[0]);
        if (kernelShape is not { Length: 2 } || kernelShape[1] % g != 0)
            throw JsonWeightFile.Fail(source, $"{where}: weights[0] (kernel): expected [{input}, {g * h}], found {JsonWeightFile.ShapeText(kernelShape)}.");
        int units = kernelShape[1] / g;
        if (layer.TryGetProperty("shape", out JsonElement declared) && declared.ValueKind == JsonValueKind.Array && declared.GetArrayLength() > 0
            && declared[declared.GetArrayLength() - 1].TryGetInt32(out int stated) && stated != units)
            throw JsonWeightFile.Fail(source, $"{where}: its shape says {stated} units, its weights have {units} ({g} × {units} kernel columns); the file is inconsistent.");
        if (units != h) throw JsonWeightFile.Fail(source, $"{where}: expected {h} units (the model's Hidden), found {units}.");
        var kernel = new float[input * g * h];
        var recurrentKernel = new float[h * g * h];
        JsonWeightFile.Read(weights[0], new[] { input, g * h }, kernel, source, where + " weights[0] (kernel)");
        JsonWeightFile.Read(weights[1], new[] { h, g * h }, recurrentKernel, source, where + " weights[1] (recurrent kernel)");
        var bias = new float[(gru ? 2 : 1) * g * h];
        int[]? biasShape = JsonWeightFile.ShapeOf(weights[2]);
        if (gru && biasShape is { Length: 1 })
            throw JsonWeightFile.Fail(source, $"{where}: a GRU bias of shape {JsonWeightFile.ShapeText(biasShape)}: Keras' reset_after=False GRU, a different function than PyTorch's GRU, which LstmGen computes; export a GRU with reset_after=True.");
        JsonWeightFile.Read(weights[2], gru ? new[] { 2, g * h } : new[] { g * h }, bias, source, where + " weights[2] (bias)");
        KerasLayout.CopyCell(shape, k, 0, kernel, recurrentKernel, bias, gru, block);
    }

    private static void ReadDense(JsonElement layer, ModelShape shape, float[] block, string source, string where)
    {
        int o = shape.OutputSize, f = shape.LayerOutputSize;
        if (!layer.TryGetProperty("weights", out JsonElement weights) || weights.ValueKind != JsonValueKind.Array || weights.GetArrayLength() is < 1 or > 2)
            throw JsonWeightFile.Fail(source, $"{where}: expected 'weights': [kernel, bias], found {(weights.ValueKind == JsonValueKind.Undefined ? "none" : JsonWeightFile.Describe(weights))}.");
        var kernel = new float[f * o];
        JsonWeightFile.Read(weights[0], new[] { f, o }, kernel, source, where + " weights[0] (kernel)");
        Span<float> w = block.AsSpan(shape.GetTensor(ModelShape.HeadWeightName).Offset, o * f);
        for (int r = 0; r < o; r++)
            for (int c = 0; c < f; c++) w[r * f + c] = kernel[c * o + r];
        Span<float> b = block.AsSpan(shape.GetTensor(ModelShape.HeadBiasName).Offset, o);
        if (weights.GetArrayLength() == 2) JsonWeightFile.Read(weights[1], new[] { o }, b, source, where + " weights[1] (bias)");
        else b.Clear();
    }

    private static JsonElement Weights(JsonElement layer, int count, string source, string where)
    {
        if (!layer.TryGetProperty("weights", out JsonElement weights) || weights.ValueKind != JsonValueKind.Array || weights.GetArrayLength() != count)
            throw JsonWeightFile.Fail(source, $"{where}: expected 'weights' with {count} arrays (kernel, recurrent kernel, bias), found {(weights.ValueKind == JsonValueKind.Undefined ? "none" : JsonWeightFile.Describe(weights))}.");
        return weights;
    }

    // ---- the PyTorch state_dict ------------------------------------------------------------------

    private static readonly string[] s_suffixes = { "weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l" };

    private static float[] ReadStateDict(JsonElement root, ModelShape shape, string source)
    {
        // Recurrent modules in file order, each with its layer indices.
        var modules = new List<string>();
        var layersOf = new Dictionary<string, SortedSet<int>>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            string name = property.Name;
            foreach (string suffix in s_suffixes)
            {
                int at = name.LastIndexOf(suffix, StringComparison.Ordinal);
                if (at < 0 || (at > 0 && name[at - 1] != '.')) continue;
                string tail = name[(at + suffix.Length)..];
                if (tail.EndsWith("_reverse", StringComparison.Ordinal))
                    throw JsonWeightFile.Fail(source, $"'{name}': a bidirectional layer ('_reverse' weights); RTNeural and this loader read one-way layers.");
                if (!int.TryParse(tail, NumberStyles.None, CultureInfo.InvariantCulture, out int layer)) continue;
                string module = at == 0 ? "" : name[..(at - 1)];
                if (!layersOf.TryGetValue(module, out var set)) { set = new SortedSet<int>(); layersOf[module] = set; modules.Add(module); }
                set.Add(layer);
            }
        }
        if (modules.Count == 0)
            throw JsonWeightFile.Fail(source, "expected RTNeural JSON: an object with 'layers' (a Keras model's export) or PyTorch state_dict names ('lstm.weight_ih_l0' …), found neither.");
        var block = new float[shape.ParameterCount];
        int h = shape.HiddenSize, g = shape.GatesPerUnit, k = 0;
        foreach (string module in modules)
        {
            foreach (int layer in layersOf[module])
            {
                string prefix = (module.Length == 0 ? "" : module + ".");
                string what = $"'{prefix}…_l{layer}'";
                if (k >= shape.LayerCount)
                    throw JsonWeightFile.Fail(source, $"{what}: expected {shape.LayerCount} recurrent layer(s) (the model's Layers) in all modules ({string.Join(", ", modules.Select(m => "'" + m + "'"))}), found more.");
                int input = shape.LayerInputSize(k);
                int[][] dims = { new[] { g * h, input }, new[] { g * h, h }, new[] { g * h }, new[] { g * h } };
                LayerParameter[] parameters = { LayerParameter.WeightIh, LayerParameter.WeightHh, LayerParameter.BiasIh, LayerParameter.BiasHh };
                for (int i = 0; i < 4; i++)
                {
                    string name = prefix + s_suffixes[i] + layer.ToString(CultureInfo.InvariantCulture);
                    if (!root.TryGetProperty(name, out JsonElement value))
                        throw JsonWeightFile.Fail(source, $"'{name}': expected a tensor of shape [{string.Join(", ", dims[i])}] (model layer {k}), found none.");
                    int[]? found = JsonWeightFile.ShapeOf(value);
                    if (found is null || !found.AsSpan().SequenceEqual(dims[i]))
                    {
                        string hint = found is { Length: >= 1 } && found[0] == (g == 4 ? 3 : 4) * h ? $" ({found[0] / h} x hidden rows: this looks like a{(g == 4 ? " GRU" : "n LSTM")}, the model is a{(g == 4 ? "n LSTM" : " GRU")})" : "";
                        throw JsonWeightFile.Fail(source, $"'{name}': expected shape [{string.Join(", ", dims[i])}] (model layer {k}), found {JsonWeightFile.ShapeText(found)}{hint}.");
                    }
                    ParameterTensor tensor = shape.GetLayerTensor(parameters[i], k, 0);
                    JsonWeightFile.Read(value, dims[i], block.AsSpan(tensor.Offset, tensor.Length), source, "'" + name + "'");
                    used.Add(name);
                }
                k++;
            }
        }
        if (k != shape.LayerCount)
            throw JsonWeightFile.Fail(source, $"expected {shape.LayerCount} recurrent layer(s) (the model's Layers), found {k} in {string.Join(", ", modules.Select(m => "'" + m + "'"))}.");
        if (shape.Head != Head.None) ReadStateDictHead(root, shape, block, used, source);
        var extra = root.EnumerateObject().Select(p => p.Name).Where(n => !used.Contains(n)).ToList();
        if (extra.Count > 0)
            throw JsonWeightFile.Fail(source, $"{string.Join(", ", extra.Take(5).Select(n => "'" + n + "'"))}{(extra.Count > 5 ? $" and {extra.Count - 5} more" : "")}: not a weight of the model (expected recurrent layers{(shape.Head != Head.None ? " and one linear head" : "")}).");
        return block;
    }

    private static void ReadStateDictHead(JsonElement root, ModelShape shape, float[] block, HashSet<string> used, string source)
    {
        int o = shape.OutputSize, f = shape.LayerOutputSize;
        var candidates = new List<string>();
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!property.Name.EndsWith(".weight", StringComparison.Ordinal) || used.Contains(property.Name)) continue;
            string module = property.Name[..^".weight".Length];
            if (JsonWeightFile.ShapeOf(property.Value) is [int rows, int columns] && rows == o && columns == f
                && root.TryGetProperty(module + ".bias", out JsonElement bias) && JsonWeightFile.ShapeOf(bias) is [int length] && length == o)
                candidates.Add(module);
        }
        if (candidates.Count != 1)
            throw JsonWeightFile.Fail(source, $"expected one linear head: 'X.weight' [{o}, {f}] and 'X.bias' [{o}], found {(candidates.Count == 0 ? "none" : string.Join(", ", candidates.Select(c => "'" + c + "'")))}.");
        string weightName = candidates[0] + ".weight", biasName = candidates[0] + ".bias";
        JsonWeightFile.Read(root.GetProperty(weightName), new[] { o, f }, block.AsSpan(shape.GetTensor(ModelShape.HeadWeightName).Offset, o * f), source, "'" + weightName + "'");
        JsonWeightFile.Read(root.GetProperty(biasName), new[] { o }, block.AsSpan(shape.GetTensor(ModelShape.HeadBiasName).Offset, o), source, "'" + biasName + "'");
        used.Add(weightName);
        used.Add(biasName);
    }
}

/// <summary>Keras' recurrent layouts (kernel [in, gates·H], one LSTM bias, GRU bias [2, 3H], gate columns i, f, c, o / z, r, h) into PyTorch's.</summary>
internal static class KerasLayout
{
    /// <summary>Writes one Keras cell into layer <paramref name="layer"/>, direction <paramref name="direction"/> of <paramref name="block"/>.</summary>
    public static void CopyCell(ModelShape shape, int layer, int direction, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> bias, bool gru, Span<float> block)
    {
        int h = shape.HiddenSize, g = shape.GatesPerUnit, input = shape.LayerInputSize(layer);
        // Keras column block for each PyTorch row block: LSTM i,f,c,o = i,f,g,o; GRU z,r,h → r,z,n.
        ReadOnlySpan<int> kerasBlock = gru ? stackalloc int[] { 1, 0, 2 } : stackalloc int[] { 0, 1, 2, 3 };
        ParameterTensor t = shape.GetLayerTensor(LayerParameter.WeightIh, layer, direction);
        Span<float> wIh = block.Slice(t.Offset, t.Length);
        t = shape.GetLayerTensor(LayerParameter.WeightHh, layer, direction);
        Span<float> wHh = block.Slice(t.Offset, t.Length);
        t = shape.GetLayerTensor(LayerParameter.BiasIh, layer, direction);
        Span<float> bIh = block.Slice(t.Offset, t.Length);
        t = shape.GetLayerTensor(LayerParameter.BiasHh, layer, direction);
        Span<float> bHh = block.Slice(t.Offset, t.Length);
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
}
