// Moves a model's parameter block in and out of safetensors files with PyTorch state_dict names,
// checking every tensor against the model so a wrong file fails loudly instead of loading garbage.
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace LstmGen.IO;

/// <summary>
/// Loads and saves a model's parameter block (see <see cref="ModelShape"/> for its layout) as a
/// safetensors file with PyTorch <c>state_dict</c> names.
/// </summary>
/// <remarks>
/// <para>Which file tensor fills which parameter: with <see cref="WeightLoadOptions.Names"/>, exactly
/// <c>{Embedding}.weight</c>, <c>{Lstm}.weight_ih_l{k}</c>, <c>{Lstm}.weight_hh_l{k}</c>,
/// <c>{Lstm}.bias_ih_l{k}</c>, <c>{Lstm}.bias_hh_l{k}</c> (and, with peepholes, <c>{Lstm}.weight_ch_l{k}</c>),
/// <c>{Head}.weight</c>, <c>{Head}.bias</c>.
/// Without it, each module uses its default name (<c>embed</c>, <c>lstm</c>, <c>head</c>) when the
/// file has it, and is otherwise recognised: the LSTM by the nn.LSTM suffixes (one prefix, which may
/// contain dots or be empty), the embedding as the one <c>X.weight</c> of shape [Vocabulary, Embedding]
/// with no <c>X.bias</c>, the head as the one module with <c>X.weight</c> [Outputs, Hidden] and
/// <c>X.bias</c> [Outputs].</para>
/// <para>Dtypes: F32 loads as is; F16 and BF16 are widened exactly; F64 is rounded to the nearest
/// float. Any other dtype is an error. After loading, a NaN or infinity anywhere is an error.</para>
/// </remarks>
public static class ModelWeights
{
    /// <summary>The <c>format</c> metadata value <see cref="Save(string, ModelShape, ReadOnlySpan{float})"/> writes.</summary>
    public const string FormatName = "lstmgen-v1";

    /// <summary>
    /// Reads every parameter of <paramref name="shape"/> from the safetensors file at
    /// <paramref name="path"/> into <paramref name="parameters"/>. On any error,
    /// <paramref name="parameters"/> is left unchanged.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not have <see cref="ModelShape.ParameterCount"/> floats.</exception>
    /// <exception cref="SafetensorsFormatException">The file is not a well-formed safetensors file.</exception>
    /// <exception cref="WeightFileException">The file does not fit the model.</exception>
    public static void Load(string path, ModelShape shape, Span<float> parameters, WeightLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(shape);
        CheckLength(shape, parameters.Length, nameof(parameters));
        using var file = SafetensorsFile.Open(path);
        Load(file, shape, parameters, options);
    }

    /// <summary>
    /// Reads every parameter of <paramref name="shape"/> from the safetensors file in <paramref name="stream"/> (read to its
    /// end from its current position, not closed) into <paramref name="parameters"/>; unchanged on any error.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not have <see cref="ModelShape.ParameterCount"/> floats.</exception>
    /// <exception cref="SafetensorsFormatException">The stream does not hold a well-formed safetensors file.</exception>
    /// <exception cref="WeightFileException">The file does not fit the model.</exception>
    public static void Load(System.IO.Stream stream, ModelShape shape, Span<float> parameters, WeightLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(shape);
        CheckLength(shape, parameters.Length, nameof(parameters));
        using var file = SafetensorsFile.Open(stream);
        Load(file, shape, parameters, options);
    }

    /// <summary>
    /// Reads every parameter of <paramref name="shape"/> from safetensors bytes (an embedded resource, a download) into
    /// <paramref name="parameters"/>; unchanged on any error.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not have <see cref="ModelShape.ParameterCount"/> floats.</exception>
    /// <exception cref="SafetensorsFormatException">The bytes are not a well-formed safetensors file.</exception>
    /// <exception cref="WeightFileException">The file does not fit the model.</exception>
    public static void Load(ReadOnlyMemory<byte> bytes, ModelShape shape, Span<float> parameters, WeightLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        CheckLength(shape, parameters.Length, nameof(parameters));
        using var file = SafetensorsFile.Open(bytes);
        Load(file, shape, parameters, options);
    }

    /// <summary>
    /// Reads every parameter of <paramref name="shape"/> from an open file (e.g. a checkpoint that
    /// also holds other tensors) into <paramref name="parameters"/>; unchanged on any error.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not have <see cref="ModelShape.ParameterCount"/> floats.</exception>
    /// <exception cref="WeightFileException">The file does not fit the model.</exception>
    public static void Load(SafetensorsFile file, ModelShape shape, Span<float> parameters, WeightLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(shape);
        CheckLength(shape, parameters.Length, nameof(parameters));

        var names = WeightNameResolver.Resolve(file, shape, options);
        CheckStructure(file, shape, names);
        CheckTensors(file, shape, names, options?.IgnoreExtraTensors ?? false);

        // Read into a staging block first, so a failure (e.g. a NaN found late) leaves the caller's
        // parameters unchanged. Not pooled: loads are rare and a pooled block would stay alive.
        float[] staging = GC.AllocateUninitializedArray<float>(shape.ParameterCount);
        foreach (var tensor in shape.Tensors)
        {
            string fileName = names.FileName(tensor.Name);
            Span<float> destination = staging.AsSpan(tensor.Offset, tensor.Length);
            file.ReadFloat32(fileName, destination);
            CheckFinite(file, fileName, destination);
        }
        if ((options?.VerifyReferenceVectors ?? true) && file.Metadata.TryGetValue(ReferenceVectors.MetadataKey, out string? vectors))
            ReferenceVectors.Parse(vectors).Verify(shape, staging, $"'{file.Path}'");
        staging.CopyTo(parameters);
    }

    /// <summary>
    /// Writes <paramref name="parameters"/> to <paramref name="path"/> atomically under the canonical
    /// names (<see cref="ModelShape.Tensors"/>), as F32, with metadata <c>format</c> =
    /// <c>lstmgen-v1</c> and <c>shape</c> = the sizes as JSON. Non-finite values are written as they are.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not have <see cref="ModelShape.ParameterCount"/> floats.</exception>
    public static void Save(string path, ModelShape shape, ReadOnlySpan<float> parameters) => Save(path, shape, parameters, null);

    /// <summary>
    /// As <see cref="Save(string, ModelShape, ReadOnlySpan{float})"/>, with <paramref name="referenceVectors"/> (e.g.
    /// <see cref="ReferenceVectors.Record"/> of the model) in the metadata under <see cref="ReferenceVectors.MetadataKey"/>,
    /// which <see cref="Load(string, ModelShape, Span{float}, WeightLoadOptions?)"/> checks.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not have <see cref="ModelShape.ParameterCount"/> floats, or a vector does not fit the shape.</exception>
    public static void Save(string path, ModelShape shape, ReadOnlySpan<float> parameters, ReferenceVectors? referenceVectors)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var writer = new SafetensorsWriter();
        AddTo(writer, shape, parameters, referenceVectors);
        writer.Save(path);
    }

    /// <summary>Writes the parameters as <see cref="Save(string, ModelShape, ReadOnlySpan{float})"/> does, to <paramref name="stream"/> (not closed).</summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not have <see cref="ModelShape.ParameterCount"/> floats.</exception>
    public static void Save(System.IO.Stream stream, ModelShape shape, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var writer = new SafetensorsWriter();
        AddTo(writer, shape, parameters);
        writer.Save(stream);
    }

    /// <summary>
    /// Adds the parameters (canonical names, F32) and the <c>format</c> and <c>shape</c> metadata to
    /// <paramref name="writer"/>, for files that hold more than the weights (e.g. training checkpoints).
    /// </summary>
    public static void AddTo(SafetensorsWriter writer, ModelShape shape, ReadOnlySpan<float> parameters) => AddTo(writer, shape, parameters, null);

    /// <summary>As <see cref="AddTo(SafetensorsWriter, ModelShape, ReadOnlySpan{float})"/>, with reference vectors in the metadata.</summary>
    /// <exception cref="ArgumentException">A vector does not fit the shape.</exception>
    public static void AddTo(SafetensorsWriter writer, ModelShape shape, ReadOnlySpan<float> parameters, ReferenceVectors? referenceVectors)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(shape);
        CheckLength(shape, parameters.Length, nameof(parameters));
        writer.SetMetadata("format", FormatName);
        writer.SetMetadata("shape", ShapeJson(shape));
        if (referenceVectors is not null)
        {
            for (int v = 0; v < referenceVectors.Vectors.Count; v++)
                if (referenceVectors.Vectors[v].Misfit(shape) is { } misfit)
                    throw new ArgumentException($"Reference vector {v}: {misfit}.", nameof(referenceVectors));
            writer.SetMetadata(ReferenceVectors.MetadataKey, referenceVectors.ToJson());
        }
        foreach (var tensor in shape.Tensors)
            writer.Add(tensor.Name, parameters.Slice(tensor.Offset, tensor.Length), tensor.Shape.ToArray());
    }

    /// <summary>The sizes of <paramref name="shape"/> as a JSON object, as stored in the <c>shape</c> metadata.</summary>
    public static string ShapeJson(ModelShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("inputs", shape.InputSize);
            json.WriteNumber("vocabulary", shape.VocabularySize);
            json.WriteNumber("embedding", shape.EmbeddingSize);
            json.WriteNumber("hidden", shape.HiddenSize);
            json.WriteNumber("layers", shape.LayerCount);
            json.WriteNumber("outputs", shape.OutputSize);
            json.WriteString("head", shape.Head.ToString());
            json.WriteString("head_on", shape.HeadOn.ToString());
            if (shape.Cell != RecurrentCell.Lstm) json.WriteString("cell", shape.Cell.ToString());
            if (shape.Bidirectional) json.WriteBoolean("bidirectional", true);
            if (shape.Peephole) json.WriteBoolean("peephole", true);
            if (shape.HasProjection) json.WriteNumber("projection", shape.ProjectionSize);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void CheckLength(ModelShape shape, int actual, string paramName)
    {
        if (actual != shape.ParameterCount)
            throw new ArgumentException($"The parameter block must hold {shape.ParameterCount} floats for {shape}; it holds {actual}.", paramName);
    }

    private static string Kind(ModelShape shape) => shape.Cell == RecurrentCell.Gru ? "GRU" : "LSTM";

    /// <summary>Rejects files whose recurrent layers are of a different kind: bidirectional, projected, or deeper.</summary>
    private static void CheckStructure(SafetensorsFile file, ModelShape shape, ResolvedNames names)
    {
        bool anyReverse = false;
        int deepest = -1;
        string? deepestName = null;
        foreach (string name in file.Names)
        {
            if (!LstmTensorName.TryParse(name, out var parsed) || parsed.Prefix != names.Lstm) continue;
            string quoted = SafetensorsHeaderParser.Quote(name);
            if (parsed.Reverse && !shape.Bidirectional)
                throw Problem(file, names, $"{quoted}: this file holds a bidirectional {Kind(shape)} (it has '_reverse' weights); the model is not bidirectional.", name);
            anyReverse |= parsed.Reverse;
            if (parsed.Kind == "weight_hr" && !shape.HasProjection)
                throw Problem(file, names, $"{quoted}: this file holds an LSTM with projections (nn.LSTM proj_size > 0); the model has none (Projection = 0).", name);
            if (parsed.Kind == "weight_ch" && !shape.Peephole)
                throw Problem(file, names, $"{quoted}: this file holds a peephole LSTM (it has 'weight_ch' peephole weights); the model has no peepholes (Peephole = false).", name);
            if (parsed.Layer > deepest)
            {
                deepest = parsed.Layer;
                deepestName = name;
            }
        }
        if (deepest >= shape.LayerCount)
            throw Problem(file, names, $"{SafetensorsHeaderParser.Quote(deepestName!)}: expected {shape.LayerCount} {Kind(shape)} layer(s) (l0..l{shape.LayerCount - 1}), found a tensor of layer {deepest}.", deepestName);
        if (shape.Bidirectional && deepest >= 0 && !anyReverse)
            throw Problem(file, names, $"this file holds a unidirectional {(names.Lstm.Length == 0 ? "model" : $"'{SafetensorsHeaderParser.Quote(names.Lstm)}'")} (no '_reverse' weights); the model is bidirectional.", null);
    }

    /// <summary>Checks presence, dtype and shape of every parameter and rejects unknown tensors; reports all problems at once.</summary>
    private static void CheckTensors(SafetensorsFile file, ModelShape shape, ResolvedNames names, bool ignoreExtra)
    {
        var problems = new List<string>();
        string? firstTensor = null;
        var used = new HashSet<string>(StringComparer.Ordinal);
        void Report(string tensor, string text)
        {
            problems.Add(text);
            firstTensor ??= tensor;
        }

        foreach (var tensor in shape.Tensors)
        {
            string fileName = names.FileName(tensor.Name);
            used.Add(fileName);
            string quoted = SafetensorsHeaderParser.Quote(fileName);
            string parameter = fileName == tensor.Name ? "" : $" (model parameter {tensor.Name})";
            if (!file.TryGetInfo(fileName, out var info))
            {
                bool peephole = LstmTensorName.TryParse(tensor.Name, out var parsed) && parsed.Kind == "weight_ch";
                Report(fileName, $"{quoted}: expected a tensor of shape {tensor.ShapeText}{parameter}, found none{(peephole ? " (the model has peepholes, Peephole = true: p_i, p_f, p_o per unit; PyTorch's nn.LSTM has none)" : "")}.");
                continue;
            }
            if (!SafetensorsDtypes.IsConvertibleToSingle(info.Dtype))
                Report(fileName, $"{quoted}: expected dtype F32 (F16, BF16 and F64 are converted), found {SafetensorsDtypes.ToHeaderName(info.Dtype)}.");
            if (!info.Shape.SequenceEqual(tensor.Shape))
                Report(fileName, $"{quoted}: expected shape {tensor.ShapeText}{parameter}, found {info.ShapeText}{ShapeHint(shape, tensor, info)}.");
        }

        if (!ignoreExtra)
        {
            var extra = file.Names.Where(n => !used.Contains(n)).ToList();
            const int Listed = 10;
            foreach (string name in extra.Take(Listed))
                Report(name, $"{SafetensorsHeaderParser.Quote(name)}: not a parameter of the model (set WeightLoadOptions.IgnoreExtraTensors to skip such tensors).");
            if (extra.Count > Listed)
                problems.Add($"… and {extra.Count - Listed} more tensors that are not parameters of the model.");
        }

        if (problems.Count == 1) throw Problem(file, names, problems[0], firstTensor);
        if (problems.Count > 1)
        {
            var message = new StringBuilder();
            message.Append($"'{file.Path}' does not fit the model ({shape}); {problems.Count} problems:");
            foreach (string p in problems) message.Append("\n  ").Append(p);
            message.Append($"\nModule names: {names.Describe()}.");
            throw new WeightFileException(message.ToString(), problems, firstTensor);
        }
    }

    private static string ShapeHint(ModelShape shape, ParameterTensor tensor, SafetensorsTensorInfo info)
    {
        bool gateTensor = LstmTensorName.TryParse(tensor.Name, out var parsed) && parsed.Kind != "weight_ch";
        if (gateTensor && info.Shape.Length >= 1 && shape.Cell == RecurrentCell.Lstm && info.Shape[0] == 3 * shape.HiddenSize)
            return $" (3 x hidden rows: this looks like a GRU, the model is an LSTM with {ModelShape.GateCount} x {shape.HiddenSize} gate rows)";
        if (gateTensor && info.Shape.Length >= 1 && shape.Cell == RecurrentCell.Gru && info.Shape[0] == ModelShape.GateCount * shape.HiddenSize)
            return $" (4 x hidden rows: this looks like an LSTM, the model is a GRU with 3 x {shape.HiddenSize} gate rows)";
        return "";
    }

    /// <summary>
    /// Puts a parameter block read from any format into <paramref name="model"/> the way <c>model.Load</c> does: checks that
    /// every value is finite and, when <paramref name="referenceVectors"/> are given, that the weights reproduce them;
    /// then copies them into <see cref="ILstmModel.Parameters"/> and calls <see cref="ILstmModel.ParametersChanged"/>, so
    /// the model runs the new weights. On any error the model is left unchanged. The loaders of other formats
    /// (RTNeural, NAM, ONNX, Keras) end with it.
    /// </summary>
    /// <param name="model">The model to fill.</param>
    /// <param name="parameters">The new parameter block, in the layout of <see cref="ModelShape.Tensors"/>.</param>
    /// <param name="source">How error messages name the file, e.g. <c>'model.onnx'</c>.</param>
    /// <param name="referenceVectors">Input/output pairs the weights must reproduce, or null.</param>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not have the model's <see cref="ModelShape.ParameterCount"/> floats.</exception>
    /// <exception cref="WeightFileException">A value is NaN or infinite (the message names the tensor and index), or a reference vector is not reproduced.</exception>
    public static void Apply(ILstmModel model, ReadOnlySpan<float> parameters, string source, ReferenceVectors? referenceVectors = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        ModelShape shape = model.Shape;
        CheckLength(shape, parameters.Length, nameof(parameters));
        if (FindNonFinite(shape, parameters) is { } bad)
        {
            string problem = $"{bad.Tensor.Name}: expected finite values, found {bad.Value} at flat index {bad.Index} of {bad.Tensor.Length}.";
            throw new WeightFileException($"{source}: {problem}", new[] { problem }, bad.Tensor.Name);
        }
        referenceVectors?.Verify(shape, parameters, source);
        using var change = new LstmGen.Training.WeightChange(model); // inference on other threads never sees half of it
        parameters.CopyTo(model.Parameters);
        model.ParametersChanged();
    }

    /// <summary>The first NaN or infinity in a parameter block (which tensor, where, what), or null when all are finite; for the converting loaders.</summary>
    internal static (ParameterTensor Tensor, int Index, float Value)? FindNonFinite(ModelShape shape, ReadOnlySpan<float> parameters)
    {
        foreach (ParameterTensor tensor in shape.Tensors)
        {
            ReadOnlySpan<float> values = parameters.Slice(tensor.Offset, tensor.Length);
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i])) return (tensor, i, values[i]);
        }
        return null;
    }

    private static void CheckFinite(SafetensorsFile file, string fileName, ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsFinite(values[i])) continue;
            var info = file.GetInfo(fileName);
            string converted = info.Dtype == SafetensorsDtype.F32 ? "" : $" (after conversion from {SafetensorsDtypes.ToHeaderName(info.Dtype)})";
            string found = float.IsNaN(values[i]) ? "NaN" : values[i] > 0 ? "+infinity" : "-infinity";
            throw new WeightFileException(
                $"'{file.Path}': {SafetensorsHeaderParser.Quote(fileName)}: expected finite values, found {found} at flat index {i} of {values.Length}{converted}.",
                new[] { $"{SafetensorsHeaderParser.Quote(fileName)}: {found} at flat index {i}" }, fileName);
        }
    }

    private static WeightFileException Problem(SafetensorsFile file, ResolvedNames names, string problem, string? tensor) =>
        new($"'{file.Path}': {problem} Module names: {names.Describe()}.", new[] { problem }, tensor);
}
