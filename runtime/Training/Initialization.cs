// Seeded parameter initialisation over a model's PyTorch-layout block (LSTM or GRU, one or two
// directions): PyTorch's defaults, Xavier, orthogonal recurrent blocks and the LSTM forget-gate bias,
// reproducible from a seed alone.
using System;

namespace LstmGen.Training;

/// <summary>The base initialisation scheme of <see cref="ParameterInitOptions"/>.</summary>
public enum InitScheme
{
    /// <summary><see cref="ParameterInit.PyTorchDefault(ModelShape, Span{float}, SeededRandom)"/>.</summary>
    PyTorchDefault = 0,

    /// <summary><see cref="ParameterInit.Xavier(ModelShape, Span{float}, SeededRandom)"/>.</summary>
    Xavier = 1,

    /// <summary><see cref="ParameterInit.Keras(ModelShape, Span{float}, SeededRandom)"/>: Keras' default initialisers.</summary>
    Keras = 2,
}

/// <summary>What <see cref="ParameterInit.Initialize"/> does: a base scheme, then the optional adjustments in this order.</summary>
public sealed record ParameterInitOptions
{
    /// <summary>Keras' default initialisation in one line: <c>ParameterInit.Initialize(shape, parameters, seed, ParameterInitOptions.Keras)</c>.</summary>
    public static ParameterInitOptions Keras { get; } = new() { Scheme = InitScheme.Keras };

    /// <summary>The scheme filling every tensor first.</summary>
    public InitScheme Scheme { get; init; } = InitScheme.PyTorchDefault;

    /// <summary>Then replace each recurrent gate block by a random orthogonal matrix (<see cref="ParameterInit.Orthogonal(ModelShape, Span{float}, SeededRandom)"/>).</summary>
    public bool OrthogonalRecurrent { get; init; }

    /// <summary>
    /// Then, when set, give the forget gate this total bias (<see cref="ParameterInit.SetForgetGateBias"/>); 1 is
    /// the usual choice. LSTMs only: a GRU has no forget gate, and <see cref="ParameterInit.Initialize"/> refuses
    /// this option for one (a GRU's biases all keep the base scheme's values, as in PyTorch).
    /// </summary>
    public float? ForgetGateBias { get; init; }
}

/// <summary>
/// Fills a model's parameter block (PyTorch <c>state_dict</c> layout, see <see cref="ModelShape"/>)
/// with seeded random values. Tensors are drawn in block order, each row-major, from one
/// <see cref="SeededRandom"/>, so a seed fixes every value. Uniform samples are
/// <c>low + (high − low)·u</c> in double with u in [0, 1), rounded to float.
/// </summary>
public static class ParameterInit
{
    /// <summary>Applies <paramref name="options"/> (default: PyTorch's initialisation) with one generator seeded by <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not hold <see cref="ModelShape.ParameterCount"/> floats,
    /// or <see cref="ParameterInitOptions.ForgetGateBias"/> is set for a GRU (checked before anything is written).</exception>
    public static void Initialize(ModelShape shape, Span<float> parameters, ulong seed, ParameterInitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        options ??= new ParameterInitOptions();
        if (options.ForgetGateBias is not null) RequireLstm(shape, nameof(options));
        var random = new SeededRandom(seed);
        switch (options.Scheme)
        {
            case InitScheme.PyTorchDefault: PyTorchDefault(shape, parameters, random); break;
            case InitScheme.Xavier: Xavier(shape, parameters, random); break;
            case InitScheme.Keras: Keras(shape, parameters, random); break;
            default: throw new ArgumentOutOfRangeException(nameof(options), options.Scheme, "Unknown InitScheme.");
        }
        if (options.OrthogonalRecurrent) Orthogonal(shape, parameters, random);
        if (options.ForgetGateBias is float bias) SetForgetGateBias(shape, parameters, bias);
    }

    /// <inheritdoc cref="PyTorchDefault(ModelShape, Span{float}, SeededRandom)"/>
    public static void PyTorchDefault(ModelShape shape, Span<float> parameters, ulong seed) =>
        PyTorchDefault(shape, parameters, new SeededRandom(seed));

    /// <summary>
    /// PyTorch's own initialisation: every recurrent weight and bias, of every layer and direction,
    /// U(−1/√H, 1/√H) (<c>nn.LSTM</c> and <c>nn.GRU</c> <c>reset_parameters</c>, the projection <c>weight_hr</c> included; peephole weights, which PyTorch
    /// does not have, the same); the embedding N(0, 1)
    /// (<c>nn.Embedding</c>); the head's weight and bias U(−1/√fan_in, 1/√fan_in) with fan_in = the top
    /// layer's output width, H or 2H bidirectional (<c>nn.Linear</c>: kaiming_uniform with a = √5 gives
    /// exactly this bound).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not hold <see cref="ModelShape.ParameterCount"/> floats.</exception>
    public static void PyTorchDefault(ModelShape shape, Span<float> parameters, SeededRandom random)
    {
        CheckBlock(shape, parameters, random);
        double recurrentBound = 1 / Math.Sqrt(shape.HiddenSize);
        double headBound = 1 / Math.Sqrt(shape.LayerOutputSize);
        foreach (ParameterTensor tensor in shape.Tensors)
        {
            Span<float> values = parameters.Slice(tensor.Offset, tensor.Length);
            if (tensor.Name == ModelShape.EmbeddingWeightName)
            {
                for (int i = 0; i < values.Length; i++) values[i] = (float)random.NextGaussian();
            }
            else if (tensor.Name is ModelShape.HeadWeightName or ModelShape.HeadBiasName)
            {
                Uniform(values, headBound, random);
            }
            else
            {
                Uniform(values, recurrentBound, random);
            }
        }
    }

    /// <inheritdoc cref="Xavier(ModelShape, Span{float}, SeededRandom)"/>
    public static void Xavier(ModelShape shape, Span<float> parameters, ulong seed) =>
        Xavier(shape, parameters, new SeededRandom(seed));

    /// <summary>
    /// Glorot/Xavier uniform (<c>torch.nn.init.xavier_uniform_</c>, gain 1) for every weight matrix
    /// as a whole: U(−b, b) with b = √(6 / (fan_in + fan_out)), fan_in = columns, fan_out = rows
    /// (e.g. <c>weight_ih</c> [4H, in]: fan_in = in, fan_out = 4H; the embedding [vocab, E] included);
    /// every bias 0, and the peephole weights (vectors, like the biases) 0: the model starts as a plain LSTM.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not hold <see cref="ModelShape.ParameterCount"/> floats.</exception>
    public static void Xavier(ModelShape shape, Span<float> parameters, SeededRandom random)
    {
        CheckBlock(shape, parameters, random);
        foreach (ParameterTensor tensor in shape.Tensors)
        {
            Span<float> values = parameters.Slice(tensor.Offset, tensor.Length);
            ReadOnlySpan<int> dims = tensor.Shape;
            if (dims.Length == 2)
                Uniform(values, Math.Sqrt(6.0 / (dims[1] + dims[0])), random);
            else
                values.Clear();
        }
    }

    /// <inheritdoc cref="Keras(ModelShape, Span{float}, SeededRandom)"/>
    public static void Keras(ModelShape shape, Span<float> parameters, ulong seed) =>
        Keras(shape, parameters, new SeededRandom(seed));

    /// <summary>
    /// Keras' default initialisers, mapped onto PyTorch's layout: the embedding U(−0.05, 0.05) (<c>Embedding</c>'s
    /// <c>uniform</c>); each layer's input kernel <c>weight_ih</c> [G·H, in] Glorot-uniform over the whole matrix,
    /// U(±√(6 / (in + G·H))); the recurrent kernel <c>weight_hh</c> [G·H, H] orthogonal as one matrix (Keras draws its
    /// [H, G·H] kernel with orthonormal rows, so here the columns of the whole G·H × H block are orthonormal — unlike
    /// <see cref="Orthogonal(ModelShape, Span{float}, SeededRandom)"/>, which makes each gate block orthogonal);
    /// biases 0 except an LSTM's forget gate, whose total bias is 1 (<c>unit_forget_bias=True</c>: Keras has one bias
    /// vector, PyTorch two, so <c>b_ih</c>'s f block is 1 and <c>b_hh</c> is 0, and b_ih + b_hh equals Keras' bias);
    /// the head (<c>Dense</c>) Glorot-uniform with a zero bias. Tensors Keras does not have (a projection
    /// <c>weight_hr</c>: Glorot-uniform; peephole weights: 0) get the nearest equivalent. Every layer and direction
    /// is drawn in parameter-block order from one generator.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not hold <see cref="ModelShape.ParameterCount"/> floats.</exception>
    public static void Keras(ModelShape shape, Span<float> parameters, SeededRandom random)
    {
        CheckBlock(shape, parameters, random);
        var recurrent = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
        for (int layer = 0; layer < shape.LayerCount; layer++)
        {
            for (int direction = 0; direction < shape.DirectionCount; direction++) recurrent.Add(shape.LayerTensorName(LayerParameter.WeightHh, layer, direction));
        }
        double[]? q = null;
        foreach (ParameterTensor tensor in shape.Tensors)
        {
            Span<float> values = parameters.Slice(tensor.Offset, tensor.Length);
            ReadOnlySpan<int> dims = tensor.Shape;
            if (tensor.Name == ModelShape.EmbeddingWeightName)
            {
                Uniform(values, 0.05, random);
            }
            else if (recurrent.Contains(tensor.Name))
            {
                q ??= new double[tensor.Length];
                RandomOrthogonal(q, dims[0], dims[1], random);
                for (int i = 0; i < values.Length; i++) values[i] = (float)q[i];
            }
            else if (dims.Length == 2)
            {
                Uniform(values, Math.Sqrt(6.0 / (dims[1] + dims[0])), random);
            }
            else
            {
                values.Clear();
            }
        }
        if (shape.Cell == RecurrentCell.Lstm) SetForgetGateBias(shape, parameters, 1f);
    }

    /// <inheritdoc cref="Orthogonal(ModelShape, Span{float}, SeededRandom)"/>
    public static void Orthogonal(ModelShape shape, Span<float> parameters, ulong seed) =>
        Orthogonal(shape, parameters, new SeededRandom(seed));

    /// <summary>
    /// Replaces each gate block (LSTM i, f, g, o; GRU r, z, n: H×H each, H×ProjectionSize with a projection, then with
    /// orthonormal columns) of every layer's and direction's
    /// <c>weight_hh</c> by a random orthogonal matrix, drawn in parameter-block order (layer, direction,
    /// gate), as <c>torch.nn.init.orthogonal_</c> does to a square tensor: the Q of the
    /// QR decomposition of a matrix of N(0, 1) samples, with R's diagonal made positive (so Q is
    /// unique). Q is computed in double by modified Gram–Schmidt, applied twice to each column
    /// ("twice is enough": orthogonal to about 1e-15 before rounding to float). Other tensors are untouched.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not hold <see cref="ModelShape.ParameterCount"/> floats.</exception>
    public static void Orthogonal(ModelShape shape, Span<float> parameters, SeededRandom random)
    {
        CheckBlock(shape, parameters, random);
        int h = shape.HiddenSize, columns = shape.HiddenStateSize;
        var q = new double[h * columns];
        for (int layer = 0; layer < shape.LayerCount; layer++)
        {
            for (int direction = 0; direction < shape.DirectionCount; direction++)
            {
                ParameterTensor tensor = shape.GetLayerTensor(LayerParameter.WeightHh, layer, direction);
                for (int gate = 0; gate < shape.GatesPerUnit; gate++)
                {
                    RandomOrthogonal(q, h, columns, random);
                    Span<float> block = parameters.Slice(tensor.Offset + gate * h * columns, h * columns);
                    for (int i = 0; i < block.Length; i++) block[i] = (float)q[i];
                }
            }
        }
    }

    /// <summary>
    /// Sets each LSTM layer's (and direction's) forget-gate bias so that <c>b_ih + b_hh = value</c> (f block,
    /// rows H..2H−1): <c>b_ih</c>'s f block to <paramref name="value"/> and <c>b_hh</c>'s to 0 (Jozefowicz
    /// et al. 2015; Keras' <c>unit_forget_bias</c>). Other tensors are untouched.
    /// </summary>
    /// <remarks>
    /// A GRU has no forget gate, so this throws for one rather than guess: its update gate z (h' = (1 − z)·n + z·h)
    /// plays a similar role, but neither PyTorch nor Keras gives it a special initial bias, and a GRU keeps the
    /// biases of its base scheme.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not hold <see cref="ModelShape.ParameterCount"/> floats, or the model is a GRU.</exception>
    public static void SetForgetGateBias(ModelShape shape, Span<float> parameters, float value = 1f)
    {
        CheckBlock(shape, parameters, random: null, needsRandom: false);
        RequireLstm(shape, nameof(shape));
        int h = shape.HiddenSize;
        for (int layer = 0; layer < shape.LayerCount; layer++)
        {
            for (int direction = 0; direction < shape.DirectionCount; direction++)
            {
                parameters.Slice(shape.GetLayerTensor(LayerParameter.BiasIh, layer, direction).Offset + h, h).Fill(value);
                parameters.Slice(shape.GetLayerTensor(LayerParameter.BiasHh, layer, direction).Offset + h, h).Clear();
            }
        }
    }

    private static void RequireLstm(ModelShape shape, string paramName)
    {
        if (shape.Cell != RecurrentCell.Lstm)
            throw new ArgumentException(
                $"The forget-gate bias applies to LSTMs only; this model ({shape}) is a {shape.Cell}, which has no forget gate. Leave ParameterInitOptions.ForgetGateBias null for it.", paramName);
    }

    /// <summary>Fills <paramref name="values"/> with U(−bound, bound).</summary>
    private static void Uniform(Span<float> values, double bound, SeededRandom random)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(-bound + 2 * bound * random.NextDouble());
    }

    /// <summary>
    /// Writes into <paramref name="q"/> (<paramref name="rows"/>×<paramref name="columns"/>, row-major, rows ≥ columns) the
    /// orthogonal factor of a fresh Gaussian matrix: orthonormal columns (a square matrix is orthogonal).
    /// </summary>
    internal static void RandomOrthogonal(double[] q, int rows, int columns, SeededRandom random)
    {
        // The Gaussian matrix, drawn row-major as torch's normal_ fills it.
        for (int i = 0; i < rows * columns; i++) q[i] = random.NextGaussian();
        // Column by column: subtract the projections on the earlier columns (twice), then normalise.
        // The norms are R's diagonal, positive by construction: the sign fix orthogonal_ applies.
        for (int c = 0; c < columns; c++)
        {
            for (int pass = 0; pass < 2; pass++)
            {
                for (int k = 0; k < c; k++)
                {
                    double dot = 0;
                    for (int r = 0; r < rows; r++) dot += q[r * columns + k] * q[r * columns + c];
                    for (int r = 0; r < rows; r++) q[r * columns + c] -= dot * q[r * columns + k];
                }
            }
            double norm = 0;
            for (int r = 0; r < rows; r++) norm += q[r * columns + c] * q[r * columns + c];
            norm = Math.Sqrt(norm);
            if (!(norm > 0))
                throw new InvalidOperationException($"The random {rows}×{columns} matrix is singular (column {c}); use another seed.");
            for (int r = 0; r < rows; r++) q[r * columns + c] /= norm;
        }
    }

    private static void CheckBlock(ModelShape shape, Span<float> parameters, SeededRandom? random, bool needsRandom = true)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (needsRandom) ArgumentNullException.ThrowIfNull(random);
        if (parameters.Length != shape.ParameterCount)
            throw new ArgumentException($"Expected a parameter block of {shape.ParameterCount} floats for a model of shape ({shape}), got {parameters.Length}.", nameof(parameters));
    }
}
