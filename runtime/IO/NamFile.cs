// Loads Neural Amp Modeler (.nam) LSTM models: the weights into an LstmGen model, and the learned initial h and c —
// which a .nam LSTM stores with its weights — into a stream state.
using System;
using System.Globalization;
using System.Text.Json;

namespace LstmGen.IO;

/// <summary>
/// A Neural Amp Modeler model file (<c>.nam</c>, JSON) with <c>"architecture": "LSTM"</c>, loaded into a matching model:
/// <c>Inputs</c> = <c>input_size</c> (1: the audio sample), <c>Hidden</c> = <c>hidden_size</c>, <c>Layers</c> =
/// <c>num_layers</c>, <c>Outputs</c> = <c>out_channels</c> (1) with a linear head, one-way LSTM. NAM outputs a value
/// at every sample: stream it with <c>Step</c> (or declare <see cref="HeadOn.EveryStep"/> and use <c>Predict</c> with
/// <see cref="CreateState"/>).
/// </summary>
/// <remarks>
/// <para>The flat <c>weights</c> array holds, per layer, the matrix [4H, in + H] (row-major; its first <c>in</c> columns are
/// <c>weight_ih</c>, the rest <c>weight_hh</c>, gate rows i, f, g, o as PyTorch's), one bias [4H] (the sum of PyTorch's two:
/// loaded as <c>bias_ih</c>, <c>bias_hh</c> = 0), then the layer's initial h [H] and initial c [H]; after the layers the
/// head weight [out, H] and bias [out]. The initial states are the ones NAM found by running silence through the
/// trained model; NAM's plugin starts every stream from them (and by default runs half a second of silence more on
/// reset, which <c>Step</c> with zeros reproduces). Other architectures (WaveNet, ConvNet, Linear, …) are rejected by name.</para>
/// </remarks>
public sealed class NamFile
{
    private readonly LstmState _initialState;

    private NamFile(LstmState initialState, string version, double? sampleRate, string? name)
    {
        _initialState = initialState;
        Version = version;
        SampleRate = sampleRate;
        Name = name;
    }

    /// <summary>The file's format version (e.g. <c>0.5.4</c>).</summary>
    public string Version { get; }

    /// <summary>The sample rate the model was trained at (<c>sample_rate</c>), or null when the file does not say.</summary>
    public double? SampleRate { get; }

    /// <summary>The model's name from the file's metadata, or null.</summary>
    public string? Name { get; }

    /// <summary>A copy of the learned initial state (h and c of every layer) for a new stream.</summary>
    public LstmState CreateState() => _initialState.Clone();

    /// <summary>
    /// Loads the NAM LSTM at <paramref name="path"/> into <paramref name="model"/> (and repacks it, as <c>model.Load</c>
    /// does); the result carries the file's learned initial state (<see cref="CreateState"/>).
    /// </summary>
    /// <exception cref="WeightFileException">The file is not a NAM LSTM model, or its sizes do not fit the model.</exception>
    public static NamFile Load(string path, ILstmModel model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        using JsonDocument document = JsonWeightFile.Parse(path, "NAM (.nam)");
        return Load(document.RootElement, model, $"'{path}'");
    }

    /// <summary>As <see cref="Load(string, ILstmModel)"/>, from the UTF-8 bytes of a .nam file.</summary>
    /// <exception cref="WeightFileException">The bytes are not a NAM LSTM model, or its sizes do not fit the model.</exception>
    public static NamFile Load(ReadOnlySpan<byte> nam, ILstmModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using JsonDocument document = JsonWeightFile.Parse(nam.ToArray(), ".nam file", "NAM (.nam)");
        return Load(document.RootElement, model, ".nam file");
    }

    private static NamFile Load(JsonElement root, ILstmModel model, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw JsonWeightFile.Fail(source, $"expected a JSON object (a .nam model), found {JsonWeightFile.Describe(root)}.");
        string architecture = root.TryGetProperty("architecture", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "";
        if (architecture != "LSTM")
            throw JsonWeightFile.Fail(source, architecture.Length == 0
                ? "expected a .nam model with \"architecture\": \"LSTM\", found no architecture (is this a .nam file?)."
                : $"architecture '{architecture}' is not supported; LstmGen loads NAM's LSTM models (a '{architecture}' has no LSTM equivalent).");
        if (!root.TryGetProperty("config", out JsonElement config) || config.ValueKind != JsonValueKind.Object)
            throw JsonWeightFile.Fail(source, "config: expected an object with input_size, hidden_size and num_layers, found none.");
        int inputSize = ConfigInt(config, "input_size", source, 1);
        int hidden = ConfigInt(config, "hidden_size", source, null);
        int layers = ConfigInt(config, "num_layers", source, null);
        int inChannels = ConfigInt(config, "in_channels", source, 1);
        int outChannels = ConfigInt(config, "out_channels", source, 1);
        if (inChannels != inputSize)
            throw JsonWeightFile.Fail(source, $"config: in_channels {inChannels} and input_size {inputSize} differ (extra conditioning inputs are not supported).");

        ModelShape shape = model.Shape;
        var problems = new System.Collections.Generic.List<string>();
        if (shape.IsTokenModel || shape.InputSize != inputSize) problems.Add($"input_size {inputSize}: the model reads {(shape.IsTokenModel ? "token ids" : shape.InputSize.ToString(CultureInfo.InvariantCulture) + " input(s) per step")} (declare Inputs = {inputSize}).");
        if (shape.HiddenSize != hidden) problems.Add($"hidden_size {hidden}: the model's Hidden is {shape.HiddenSize}.");
        if (shape.LayerCount != layers) problems.Add($"num_layers {layers}: the model's Layers is {shape.LayerCount}.");
        if (shape.Head != Head.Linear || shape.OutputSize != outChannels) problems.Add($"a linear head of {outChannels} output(s): the model has {(shape.Head == Head.None ? "no head" : $"Head {shape.Head} with {shape.OutputSize} output(s)")} (declare Outputs = {outChannels}).");
        if (shape.Cell != RecurrentCell.Lstm || shape.Bidirectional || shape.Peephole || shape.HasProjection) problems.Add("a one-way LSTM without peepholes or projection: the model is not.");
        if (problems.Count > 0)
            throw new WeightFileException($"{source} (NAM LSTM) does not fit the model ({shape}): " + string.Join(" ", problems), problems, null);

        if (!root.TryGetProperty("weights", out JsonElement weights) || weights.ValueKind != JsonValueKind.Array)
            throw JsonWeightFile.Fail(source, "weights: expected an array of numbers, found none.");
        long expected = (long)outChannels * hidden + outChannels;
        for (int k = 0; k < layers; k++) expected += 4L * hidden * ((k == 0 ? inputSize : hidden) + hidden) + 4L * hidden + 2L * hidden;
        if (weights.GetArrayLength() != expected)
            throw JsonWeightFile.Fail(source, $"weights: expected {expected} numbers for {layers} layer(s) of {hidden} units with {inputSize} input(s) and {outChannels} output(s), found {weights.GetArrayLength()}.");

        var flat = new float[expected];
        JsonWeightFile.Read(weights, new[] { (int)expected }, flat, source, "weights");
        var block = new float[shape.ParameterCount];
        LstmState initial = model.CreateState();
        int at = 0;
        for (int k = 0; k < layers; k++)
        {
            int input = k == 0 ? inputSize : hidden, columns = input + hidden;
            Span<float> wIh = Tensor(shape, block, LayerParameter.WeightIh, k), wHh = Tensor(shape, block, LayerParameter.WeightHh, k);
            for (int row = 0; row < 4 * hidden; row++)
            {
                flat.AsSpan(at + row * columns, input).CopyTo(wIh.Slice(row * input, input));
                flat.AsSpan(at + row * columns + input, hidden).CopyTo(wHh.Slice(row * hidden, hidden));
            }
            at += 4 * hidden * columns;
            flat.AsSpan(at, 4 * hidden).CopyTo(Tensor(shape, block, LayerParameter.BiasIh, k));
            at += 4 * hidden;
            flat.AsSpan(at, hidden).CopyTo(initial.Hidden(k));
            at += hidden;
            flat.AsSpan(at, hidden).CopyTo(initial.Cell(k));
            at += hidden;
        }
        flat.AsSpan(at, outChannels * hidden).CopyTo(block.AsSpan(shape.GetTensor(ModelShape.HeadWeightName).Offset));
        at += outChannels * hidden;
        flat.AsSpan(at, outChannels).CopyTo(block.AsSpan(shape.GetTensor(ModelShape.HeadBiasName).Offset));

        ModelWeights.Apply(model, block, source);
        string version = root.TryGetProperty("version", out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        double? sampleRate = root.TryGetProperty("sample_rate", out JsonElement s) && s.ValueKind == JsonValueKind.Number && s.TryGetDouble(out double rate) ? rate : null;
        string? name = root.TryGetProperty("metadata", out JsonElement m) && m.ValueKind == JsonValueKind.Object
            && m.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        return new NamFile(initial, version, sampleRate, name);
    }

    private static Span<float> Tensor(ModelShape shape, float[] block, LayerParameter parameter, int layer)
    {
        ParameterTensor t = shape.GetLayerTensor(parameter, layer);
        return block.AsSpan(t.Offset, t.Length);
    }

    private static int ConfigInt(JsonElement config, string name, string source, int? fallback)
    {
        if (!config.TryGetProperty(name, out JsonElement value))
            return fallback ?? throw JsonWeightFile.Fail(source, $"config.{name}: expected a positive integer, found none.");
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n) || n < 1 || n > 1 << 16)
            throw JsonWeightFile.Fail(source, $"config.{name}: expected a positive integer up to 65536, found {value.GetRawText()}.");
        return n;
    }
}
