// A Keras model's config (Keras 3 config.json, Keras 2 model_config): the layers in order with the settings that
// decide what they compute, checked against the model so that a layer LstmGen does not compute is named, not guessed.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using LstmGen.IO;

namespace LstmGen.Keras;

/// <summary>One layer's config: the fields the mapping reads.</summary>
internal sealed record KerasLayerConfig(
    string ClassName, string Name, int? Units, string? Activation, string? RecurrentActivation, bool? UseBias,
    bool? ReturnSequences, bool? GoBackwards, bool? ResetAfter, string? MergeMode, int? InputDim, int? OutputDim,
    KerasLayerConfig? Inner)
{
    public string Describe() => $"layer '{Name}' ({ClassName}{(Inner is null ? "" : "(" + Inner.ClassName + ")")})";
}

/// <summary>The model's layers from its config.</summary>
internal sealed class KerasModelConfig
{
    private const int MaxLayers = 10_000;

    private KerasModelConfig(List<KerasLayerConfig> layers) => Layers = layers;

    public IReadOnlyList<KerasLayerConfig> Layers { get; }

    /// <summary>Parses Keras 3 <c>config.json</c> or Keras 2 <c>model_config</c>: a Sequential or Functional model's <c>layers</c>.</summary>
    public static KerasModelConfig Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new KerasFormatProblem($"{source}: the model config: expected JSON, found text that does not parse ({e.Message}).");
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("config", out JsonElement config))
                throw new KerasFormatProblem($"{source}: the model config: expected an object with 'class_name' and 'config', found {root.ValueKind}.");
            string modelClass = String(root, "class_name") ?? "?";
            // Keras 2.2 wrote a Sequential's config as the list of layers itself.
            JsonElement layers = config.ValueKind == JsonValueKind.Array ? config
                : config.ValueKind == JsonValueKind.Object && config.TryGetProperty("layers", out JsonElement l) && l.ValueKind == JsonValueKind.Array ? l
                : throw new KerasFormatProblem($"{source}: the model config: expected a {modelClass} with a list 'layers', found none (a subclassed model's config does not list its layers; save it as a Sequential or Functional model).");
            if (layers.GetArrayLength() > MaxLayers)
                throw new KerasFormatProblem($"{source}: the model config: expected at most {MaxLayers} layers, found {layers.GetArrayLength()}.");
            var list = new List<KerasLayerConfig>();
            foreach (JsonElement layer in layers.EnumerateArray()) list.Add(Layer(layer, source, list.Count));
            return new KerasModelConfig(list);
        }
    }

    private static KerasLayerConfig Layer(JsonElement layer, string source, int index)
    {
        if (layer.ValueKind != JsonValueKind.Object)
            throw new KerasFormatProblem($"{source}: the model config: layer {index}: expected an object, found {layer.ValueKind}.");
        string className = String(layer, "class_name") ?? throw new KerasFormatProblem($"{source}: the model config: layer {index}: expected a 'class_name'.");
        JsonElement config = layer.TryGetProperty("config", out JsonElement c) && c.ValueKind == JsonValueKind.Object ? c : default;
        bool has = config.ValueKind == JsonValueKind.Object;
        string name = (has ? String(config, "name") : null) ?? String(layer, "name") ?? className.ToLowerInvariant() + "#" + index.ToString(CultureInfo.InvariantCulture);
        KerasLayerConfig? inner = null;
        if (has && config.TryGetProperty("layer", out JsonElement wrapped) && wrapped.ValueKind == JsonValueKind.Object)
            inner = Layer(wrapped, source, index);
        return new KerasLayerConfig(
            className, name,
            has ? Int(config, "units") : null,
            has ? Activation(config, "activation") : null,
            has ? Activation(config, "recurrent_activation") : null,
            has ? Bool(config, "use_bias") : null,
            has ? Bool(config, "return_sequences") : null,
            has ? Bool(config, "go_backwards") : null,
            has ? Bool(config, "reset_after") : null,
            has ? String(config, "merge_mode") : null,
            has ? Int(config, "input_dim") : null,
            has ? Int(config, "output_dim") : null,
            inner);
    }

    private static string? String(JsonElement o, string name) =>
        o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement o, string name) =>
        o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : null;

    private static bool? Bool(JsonElement o, string name) =>
        o.TryGetProperty(name, out JsonElement v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>An activation: a name, or Keras 3's serialized function <c>{"class_name": "function", "config": "tanh"}</c>.</summary>
    private static string? Activation(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out JsonElement v)) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind == JsonValueKind.Null) return "linear";
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("config", out JsonElement c) && c.ValueKind == JsonValueKind.String) return c.GetString();
        return v.ToString();
    }

    /// <summary>
    /// Throws unless the layers are what <paramref name="shape"/> computes: [Embedding] → LSTM/GRU or Bidirectional layers →
    /// [Dense], with Dropout (inactive at inference) anywhere; every mismatch names the layer.
    /// </summary>
    public void Check(ModelShape shape, string source)
    {
        var problems = new List<string>();
        string kind = shape.Cell == RecurrentCell.Gru ? "GRU" : "LSTM";
        int recurrent = 0, dense = 0, embedding = 0;
        KerasLayerConfig? lastRecurrent = null;
        foreach (KerasLayerConfig layer in Layers)
        {
            string where = layer.Describe();
            switch (layer.ClassName)
            {
                case "InputLayer" or "Dropout" or "SpatialDropout1D":
                    break;
                case "Embedding":
                    embedding++;
                    if (!shape.IsTokenModel) problems.Add($"{where}: the model reads floats (Inputs = {shape.InputSize}), not token ids; declare it with Vocabulary and Embedding.");
                    else if (layer.InputDim is { } v && v != shape.VocabularySize || layer.OutputDim is { } e && e != shape.EmbeddingSize)
                        problems.Add($"{where}: expected input_dim {shape.VocabularySize} and output_dim {shape.EmbeddingSize} (the model's Vocabulary and Embedding), found {layer.InputDim} and {layer.OutputDim}.");
                    break;
                case "LSTM" or "GRU" or "Bidirectional":
                    if (dense > 0) problems.Add($"{where}: a recurrent layer after a Dense layer; LstmGen models end in one Dense head.");
                    CheckRecurrent(layer, shape, kind, problems);
                    recurrent++;
                    lastRecurrent = layer;
                    break;
                case "Dense":
                    dense++;
                    if (dense > 1) { problems.Add($"{where}: a second Dense layer; LstmGen models end in one Dense head (its activation linear, sigmoid or softmax)."); break; }
                    if (shape.Head == Head.None) { problems.Add($"{where}: the model has no head (Outputs unset); declare Outputs = {layer.Units?.ToString(CultureInfo.InvariantCulture) ?? "…"} and a Head."); break; }
                    if (layer.Units is { } units && units != shape.OutputSize) problems.Add($"{where}: expected {shape.OutputSize} units (the model's Outputs), found {units}.");
                    if (layer.UseBias == false) problems.Add($"{where}: expected use_bias=True (LstmGen's head has a bias), found False.");
                    Head? head = (layer.Activation ?? "linear") switch { "linear" => Head.Linear, "sigmoid" => Head.Sigmoid, "softmax" => Head.Softmax, _ => null };
                    if (head is null) problems.Add($"{where}: activation '{layer.Activation}' is not one LstmGen's head computes (linear, sigmoid, softmax).");
                    else if (head != shape.Head) problems.Add($"{where}: activation '{layer.Activation ?? "linear"}' is Head.{head}; the model's Head is {shape.Head}.");
                    break;
                default:
                    problems.Add($"{where}: not supported; LstmGen maps Embedding, LSTM, GRU, Bidirectional and Dense layers (Dropout is skipped: it does nothing at inference).");
                    break;
            }
        }
        if (shape.IsTokenModel && embedding != 1) problems.Add($"expected one Embedding layer (the model reads token ids), found {embedding}.");
        if (recurrent != shape.LayerCount) problems.Add($"expected {shape.LayerCount} recurrent layer(s) (the model's Layers), found {recurrent}.");
        if (shape.Head != Head.None && dense == 0) problems.Add($"expected a Dense layer (the model's head: {shape.OutputSize} outputs, {shape.Head}), found none.");
        if (lastRecurrent is not null)
        {
            KerasLayerConfig cell = lastRecurrent.Inner ?? lastRecurrent;
            bool sequences = cell.ReturnSequences ?? false;
            if (sequences != (shape.HeadOn == HeadOn.EveryStep))
                problems.Add($"{lastRecurrent.Describe()}: return_sequences={(sequences ? "True" : "False")} gives {(sequences ? "an output at every step" : "one output per sequence")}; the model has HeadOn = {shape.HeadOn}{(sequences ? " (use HeadOn.EveryStep)" : " (use HeadOn.LastStep, or FinalState for a Bidirectional)")}.");
            else if (!sequences && lastRecurrent.ClassName == "Bidirectional" && shape.HeadOn != HeadOn.FinalState)
                problems.Add($"{lastRecurrent.Describe()}: a Bidirectional with return_sequences=False hands on each direction's final state (the reverse one after the first step); the model reads the last step (HeadOn = {shape.HeadOn}): use HeadOn.FinalState.");
        }
        if (problems.Count == 1) throw new WeightFileException($"{source}: {problems[0]}", problems, null);
        if (problems.Count > 1)
            throw new WeightFileException($"{source} does not fit the model ({shape}); {problems.Count} problems:\n  " + string.Join("\n  ", problems), problems, null);
    }

    private static void CheckRecurrent(KerasLayerConfig layer, ModelShape shape, string kind, List<string> problems)
    {
        string where = layer.Describe();
        bool bidirectional = layer.ClassName == "Bidirectional";
        if (bidirectional != shape.Bidirectional)
        {
            problems.Add(bidirectional ? $"{where}: a bidirectional layer; the model is not bidirectional (Bidirectional = false)." : $"{where}: a one-way layer; the model is bidirectional.");
            return;
        }
        if (bidirectional && (layer.MergeMode ?? "concat") != "concat")
            problems.Add($"{where}: expected merge_mode 'concat' (forward h then reverse h), found '{layer.MergeMode}'.");
        KerasLayerConfig cell = layer.Inner ?? layer;
        if (bidirectional && layer.Inner is null) { problems.Add($"{where}: expected the wrapped layer's config ('layer'), found none."); return; }
        if (cell.ClassName is not ("LSTM" or "GRU")) { problems.Add($"{where}: wraps a {cell.ClassName}; LstmGen runs LSTM and GRU layers."); return; }
        if (cell.ClassName != kind) problems.Add($"{where}: a {cell.ClassName}; the model's cell is {shape.Cell} (Cell = RecurrentCell.{(cell.ClassName == "GRU" ? "Gru" : "Lstm")} for this file).");
        if (cell.Units is { } units && units != shape.HiddenSize) problems.Add($"{where}: expected {shape.HiddenSize} units (the model's Hidden), found {units}.");
        if ((cell.Activation ?? "tanh") != "tanh") problems.Add($"{where}: expected activation 'tanh', found '{cell.Activation}'.");
        if ((cell.RecurrentActivation ?? "sigmoid") != "sigmoid")
            problems.Add($"{where}: expected recurrent_activation 'sigmoid', found '{cell.RecurrentActivation}'{(cell.RecurrentActivation == "hard_sigmoid" ? " (Keras 2's old default; retrain with 'sigmoid')" : "")}.");
        if (cell.UseBias == false) problems.Add($"{where}: expected use_bias=True (LstmGen's layers have biases), found False.");
        if (cell.GoBackwards == true && !bidirectional) problems.Add($"{where}: go_backwards=True (reads the sequence backwards alone) has no LstmGen equivalent; use a Bidirectional layer.");
        if (cell.ClassName == "GRU" && cell.ResetAfter == false)
            problems.Add($"{where}: reset_after=False applies the reset gate before the recurrent weights, a different function than PyTorch's GRU, which LstmGen computes; retrain with reset_after=True (Keras' default).");
    }
}
