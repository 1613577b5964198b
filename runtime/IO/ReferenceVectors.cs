// A few inputs and the outputs a model computed for them, stored with its weights (as keras2c and frugally-deep
// do) so that whoever loads the file can check the moved weights still compute the same function.
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LstmGen.Reference;

namespace LstmGen.IO;

/// <summary>
/// Input/output pairs recorded from a model when it is saved or exported, and checked when the file is loaded.
/// <see cref="ModelWeights.Save(string, ModelShape, ReadOnlySpan{float}, ReferenceVectors?)"/> stores them in the
/// safetensors metadata (key <see cref="MetadataKey"/>), the ONNX exporter in the model's <c>metadata_props</c>;
/// <see cref="ModelWeights.Load(string, ModelShape, Span{float}, WeightLoadOptions?)"/> and the ONNX loader recompute
/// every output from the loaded weights and reject the file if one differs by more than <see cref="Tolerance"/>.
/// </summary>
/// <remarks>
/// The error of one vector is the largest absolute difference divided by the largest absolute expected value
/// (max-normalised). The check on load runs the weights through <see cref="ReferenceLstm"/> (float32, exact
/// activations), independently of the generated model; <see cref="Verify(ILstmModel)"/> checks any model itself.
/// </remarks>
public sealed class ReferenceVectors
{
    /// <summary>The metadata key under which files carry the vectors as JSON.</summary>
    public const string MetadataKey = "lstmgen.reference_vectors";

    /// <summary>The default largest max-normalised error a loaded model may show: 1e-4 (float32 runtimes agree within about 1e-6).</summary>
    public const double DefaultTolerance = 1e-4;

    /// <summary>Most vectors a file may carry.</summary>
    public const int MaxVectors = 64;

    /// <summary>Most steps one vector may have.</summary>
    public const int MaxSteps = 4096;

    private const int MaxTotalValues = 1 << 20;

    private readonly ReferenceVector[] _vectors;

    /// <summary>Creates a set from vectors already computed.</summary>
    /// <exception cref="ArgumentException">No vector, more than <see cref="MaxVectors"/>, or a tolerance that is not positive and finite.</exception>
    public ReferenceVectors(IEnumerable<ReferenceVector> vectors, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        _vectors = new List<ReferenceVector>(vectors).ToArray();
        if (_vectors.Length == 0 || _vectors.Length > MaxVectors)
            throw new ArgumentException($"Expected 1 to {MaxVectors} reference vectors, got {_vectors.Length}.", nameof(vectors));
        if (!(tolerance > 0) || double.IsInfinity(tolerance))
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be positive and finite.");
        Tolerance = tolerance;
    }

    /// <summary>The input/output pairs.</summary>
    public IReadOnlyList<ReferenceVector> Vectors => _vectors;

    /// <summary>The largest max-normalised error a loaded model may show on any vector.</summary>
    public double Tolerance { get; }

    /// <summary>
    /// Runs <paramref name="model"/> on <paramref name="count"/> seeded random sequences of <paramref name="steps"/> steps
    /// (floats uniform in [−1, 1], or token ids uniform over the vocabulary) from a zero state and records its outputs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> or <paramref name="steps"/> is out of range.</exception>
    public static ReferenceVectors Record(ILstmModel model, int count = 3, int steps = 16, int seed = 1, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (count < 1 || count > MaxVectors) throw new ArgumentOutOfRangeException(nameof(count), count, $"Record 1 to {MaxVectors} vectors.");
        if (steps < 1 || steps > MaxSteps) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"A vector has 1 to {MaxSteps} steps.");
        ModelShape shape = model.Shape;
        var random = new Random(seed);
        var vectors = new List<ReferenceVector>(count);
        for (int v = 0; v < count; v++)
        {
            var output = new float[shape.OutputLength(steps)];
            if (shape.IsTokenModel)
            {
                var tokens = new int[steps];
                for (int t = 0; t < steps; t++) tokens[t] = random.Next(shape.VocabularySize);
                Predict(model, tokens, output);
                vectors.Add(new ReferenceVector(tokens, output));
            }
            else
            {
                var inputs = new float[steps * shape.InputSize];
                for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)(random.NextDouble() * 2 - 1);
                Predict(model, inputs, output);
                vectors.Add(new ReferenceVector(steps, inputs, output));
            }
        }
        return new ReferenceVectors(vectors, tolerance);
    }

    /// <summary>The largest max-normalised error of <paramref name="model"/> over all vectors.</summary>
    /// <exception cref="ArgumentException">A vector does not fit the model's shape.</exception>
    public double MaxError(ILstmModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        double worst = 0;
        for (int v = 0; v < _vectors.Length; v++) worst = Math.Max(worst, Error(model, v));
        return worst;
    }

    /// <summary>Throws unless <paramref name="model"/> reproduces every output within <see cref="Tolerance"/>.</summary>
    /// <exception cref="WeightFileException">A vector's outputs differ by more than the tolerance (the message names the vector and the error).</exception>
    public void Verify(ILstmModel model) => Verify(model, "the model");

    /// <summary>
    /// Throws unless the weights <paramref name="parameters"/> of <paramref name="shape"/>, run by <see cref="ReferenceLstm"/>,
    /// reproduce every output within <see cref="Tolerance"/>. Loaders call it before they change the model.
    /// </summary>
    /// <exception cref="WeightFileException">A vector does not fit the shape, or its outputs differ by more than the tolerance.</exception>
    public void Verify(ModelShape shape, ReadOnlySpan<float> parameters, string source)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (parameters.Length != shape.ParameterCount)
            throw new ArgumentException($"The parameter block must hold {shape.ParameterCount} floats for {shape}; it holds {parameters.Length}.", nameof(parameters));
        var reference = new ReferenceLstm(shape);
        parameters.CopyTo(reference.Parameters);
        Verify(reference, source);
    }

    private void Verify(ILstmModel model, string source)
    {
        for (int v = 0; v < _vectors.Length; v++)
        {
            string? misfit = _vectors[v].Misfit(model.Shape);
            if (misfit is not null)
                throw new WeightFileException($"{source}: reference vector {v}: {misfit}", new[] { $"reference vector {v}: {misfit}" }, null);
            double error = Error(model, v);
            if (!(error <= Tolerance))
            {
                string problem = FormattableString.Invariant(
                    $"reference vector {v} of {_vectors.Length}: expected the recorded outputs within a max-normalised error of {Tolerance:G3}, found {error:G3}: the loaded weights do not compute what the saved model computed.");
                throw new WeightFileException($"{source}: {problem}", new[] { problem }, null);
            }
        }
    }

    private double Error(ILstmModel model, int index)
    {
        ReferenceVector vector = _vectors[index];
        string? misfit = vector.Misfit(model.Shape);
        if (misfit is not null) throw new ArgumentException($"Reference vector {index}: {misfit}", nameof(model));
        var actual = new float[vector.Outputs.Length];
        if (vector.IsTokens) Predict(model, vector.Tokens.Span, actual);
        else Predict(model, vector.Inputs.Span, actual);
        return MaxNormalisedError(vector.Outputs.Span, actual);
    }

    /// <summary>max |expected − actual| / max |expected| (the denominator at least 1e-6); NaN anywhere gives infinity.</summary>
    internal static double MaxNormalisedError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double scale = 1e-6, worst = 0;
        for (int i = 0; i < expected.Length; i++) scale = Math.Max(scale, Math.Abs((double)expected[i]));
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - actual[i]);
            if (double.IsNaN(d)) return double.PositiveInfinity;
            worst = Math.Max(worst, d);
        }
        return worst / scale;
    }

    private static void Predict(ILstmModel model, ReadOnlySpan<int> tokens, Span<float> output)
    {
        if (model is not ITokenSequenceModel tokenModel) throw new ArgumentException($"The model ({model.Shape}) does not read token ids.", nameof(model));
        tokenModel.Predict(tokens, output, model.CreateState());
    }

    private static void Predict(ILstmModel model, ReadOnlySpan<float> inputs, Span<float> output)
    {
        if (model is not IFloatSequenceModel floatModel) throw new ArgumentException($"The model ({model.Shape}) does not read float inputs.", nameof(model));
        floatModel.Predict(inputs, output, model.CreateState());
    }

    // ---- JSON ------------------------------------------------------------------------------------

    /// <summary>The vectors as JSON: <c>{"version":1,"tolerance":…,"vectors":[{"steps":T,"inputs":[…]|"tokens":[…],"outputs":[…]},…]}</c>, floats in shortest round-trip form.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("version", 1);
            json.WriteNumber("tolerance", Tolerance);
            json.WriteStartArray("vectors");
            foreach (ReferenceVector vector in _vectors)
            {
                json.WriteStartObject();
                json.WriteNumber("steps", vector.Steps);
                if (vector.IsTokens)
                {
                    json.WriteStartArray("tokens");
                    foreach (int token in vector.Tokens.Span) json.WriteNumberValue(token);
                }
                else
                {
                    json.WriteStartArray("inputs");
                    foreach (float value in vector.Inputs.Span) json.WriteNumberValue(value);
                }
                json.WriteEndArray();
                json.WriteStartArray("outputs");
                foreach (float value in vector.Outputs.Span) json.WriteNumberValue(value);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads vectors written by <see cref="ToJson"/>, checking every count before anything is allocated.</summary>
    /// <exception cref="WeightFileException">The text is not such JSON (the message names the field).</exception>
    public static ReferenceVectors Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Malformed($"expected JSON, found text that does not parse ({e.Message})");
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Malformed($"expected a JSON object, found {root.ValueKind}");
            if (!root.TryGetProperty("version", out JsonElement version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int v) || v != 1)
                throw Malformed("version: expected 1");
            double tolerance = DefaultTolerance;
            if (root.TryGetProperty("tolerance", out JsonElement t))
            {
                if (t.ValueKind != JsonValueKind.Number || !t.TryGetDouble(out tolerance) || !(tolerance > 0) || double.IsInfinity(tolerance))
                    throw Malformed("tolerance: expected a positive number");
            }
            if (!root.TryGetProperty("vectors", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
                throw Malformed("vectors: expected an array");
            int count = list.GetArrayLength();
            if (count < 1 || count > MaxVectors) throw Malformed($"vectors: expected 1 to {MaxVectors} vectors, found {count}");
            var vectors = new List<ReferenceVector>(count);
            long total = 0;
            int index = 0;
            foreach (JsonElement item in list.EnumerateArray())
            {
                string where = "vectors[" + index.ToString(CultureInfo.InvariantCulture) + "]";
                if (item.ValueKind != JsonValueKind.Object) throw Malformed($"{where}: expected an object");
                if (!item.TryGetProperty("steps", out JsonElement s) || s.ValueKind != JsonValueKind.Number || !s.TryGetInt32(out int steps) || steps < 1 || steps > MaxSteps)
                    throw Malformed($"{where}.steps: expected an integer from 1 to {MaxSteps}");
                bool tokens = item.TryGetProperty("tokens", out JsonElement tokenList);
                if (!tokens && !item.TryGetProperty("inputs", out _)) throw Malformed($"{where}: expected 'inputs' or 'tokens'");
                JsonElement inputList = tokens ? tokenList : item.GetProperty("inputs");
                if (!item.TryGetProperty("outputs", out JsonElement outputList)) throw Malformed($"{where}: expected 'outputs'");
                total += Length(inputList, where + (tokens ? ".tokens" : ".inputs")) + Length(outputList, where + ".outputs");
                if (total > MaxTotalValues) throw Malformed($"expected at most {MaxTotalValues} values in all vectors, found more");
                float[] outputs = Floats(outputList, where + ".outputs");
                vectors.Add(tokens
                    ? new ReferenceVector(Ints(tokenList, where + ".tokens"), outputs, steps)
                    : new ReferenceVector(Floats(inputList, where + ".inputs"), outputs, steps));
                index++;
            }
            return new ReferenceVectors(vectors, tolerance);
        }
    }

    private static int Length(JsonElement array, string where) =>
        array.ValueKind == JsonValueKind.Array ? array.GetArrayLength() : throw Malformed($"{where}: expected an array");

    private static float[] Floats(JsonElement array, string where)
    {
        var values = new float[Length(array, where)];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetSingle(out float value) || !float.IsFinite(value))
                throw Malformed($"{where}[{i}]: expected a finite number");
            values[i++] = value;
        }
        return values;
    }

    private static int[] Ints(JsonElement array, string where)
    {
        var values = new int[Length(array, where)];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int value) || value < 0)
                throw Malformed($"{where}[{i}]: expected a non-negative integer");
            values[i++] = value;
        }
        return values;
    }

    private static WeightFileException Malformed(string problem)
    {
        string message = $"{MetadataKey}: {problem}.";
        return new WeightFileException(message, new[] { message }, null);
    }
}

/// <summary>One recorded input sequence (floats or token ids) and the outputs the model computed for it from a zero state.</summary>
public sealed class ReferenceVector
{
    /// <summary>A float-input vector of <paramref name="steps"/> steps: <paramref name="inputs"/> holds the steps' inputs one after the other.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is not positive, or does not divide the inputs.</exception>
    public ReferenceVector(int steps, ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputs)
        : this(inputs.ToArray(), outputs.ToArray(), steps)
    {
        if (steps < 1 || inputs.Length % steps != 0)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"Expected a positive number of steps that divides the {inputs.Length} inputs.");
    }

    /// <summary>A token vector: one token id per step.</summary>
    public ReferenceVector(ReadOnlySpan<int> tokens, ReadOnlySpan<float> outputs)
        : this(tokens.ToArray(), outputs.ToArray(), tokens.Length)
    {
    }

    internal ReferenceVector(float[] inputs, float[] outputs, int steps)
    {
        Inputs = inputs;
        Outputs = outputs;
        Steps = steps;
    }

    internal ReferenceVector(int[] tokens, float[] outputs, int steps)
    {
        Tokens = tokens;
        Outputs = outputs;
        Steps = steps;
        IsTokens = true;
    }

    /// <summary>The inputs of a float model (steps × inputs per step), empty for tokens.</summary>
    public ReadOnlyMemory<float> Inputs { get; }

    /// <summary>The token ids of a token model, empty for floats.</summary>
    public ReadOnlyMemory<int> Tokens { get; }

    /// <summary>The outputs recorded (<see cref="ModelShape.OutputLength"/> of the steps).</summary>
    public ReadOnlyMemory<float> Outputs { get; }

    /// <summary>True when the vector holds token ids.</summary>
    public bool IsTokens { get; }

    /// <summary>Time steps.</summary>
    public int Steps { get; }

    /// <summary>Why the vector does not fit <paramref name="shape"/>, or null when it does.</summary>
    internal string? Misfit(ModelShape shape)
    {
        if (IsTokens != shape.IsTokenModel)
            return IsTokens ? "holds token ids; the model reads floats" : "holds float inputs; the model reads token ids";
        if (IsTokens)
        {
            if (Tokens.Length != Steps) return $"expected {Steps} token ids (one per step), found {Tokens.Length}";
            foreach (int token in Tokens.Span)
                if (token >= shape.VocabularySize) return $"token id {token} is outside the model's vocabulary of {shape.VocabularySize}";
        }
        else
        {
            if ((long)Steps * shape.InputSize != Inputs.Length)
                return $"expected steps × {shape.InputSize} input floats, found {Inputs.Length} for {Steps} step(s)";
        }
        if (Outputs.Length != shape.OutputLength(Steps))
            return $"expected {shape.OutputLength(Steps)} output floats for {Steps} step(s) of {shape}, found {Outputs.Length}";
        return null;
    }
}
