// Random small models of every form (float/token input, 1–3 layers, every head and HeadOn, odd
// sizes; LSTM, and as variants GRU, bidirectional LSTM, bidirectional GRU, and peephole LSTM, one- and
// two-directional) with seeded weights and inputs, shared by the reference model's tests.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LstmGen.Reference;
using Xunit;

namespace LstmGen.Tests.Reference;

internal static class RandomModels
{
    /// <summary>Every combination of input form × head × HeadOn of a unidirectional LSTM, with layers 1–3 and odd sizes, by name.</summary>
    public static IReadOnlyDictionary<string, ModelShape> Shapes { get; } = BuildShapes(RecurrentCell.Lstm, bidirectional: false, seed: 20240611);

    /// <summary>
    /// The same combinations for a GRU, a bidirectional LSTM and a bidirectional GRU (other sizes), and for a
    /// peephole LSTM (every combination) and a bidirectional peephole LSTM (every other one, and the FinalState
    /// ones), and for an LSTM with a projection (every combination), a peephole LSTM with one (every other) and a bidirectional
    /// LSTM with one (every other, and the FinalState ones), by name (<c>gru-…</c>, <c>bilstm-…</c>, <c>bigru-…</c>,
    /// <c>peephole-…</c>, <c>bipeephole-…</c>, <c>proj-…</c>, <c>peepholeproj-…</c>, <c>biproj-…</c>).
    /// Kept apart from <see cref="Shapes"/>, which the generated-model tests also run.
    /// </summary>
    public static IReadOnlyDictionary<string, ModelShape> Variants { get; } = BuildVariants();

    /// <summary>The LSTM shape names (<see cref="Shapes"/>) as theory data.</summary>
    public static TheoryData<string> Names() => ToTheoryData(Shapes.Keys);

    /// <summary>The names of <see cref="Variants"/> (GRU, bidirectional LSTM, bidirectional GRU) as theory data.</summary>
    public static TheoryData<string> VariantNames() => ToTheoryData(Variants.Keys);

    /// <summary>The names of <see cref="Shapes"/> and <see cref="Variants"/> as theory data.</summary>
    public static TheoryData<string> AllNames() => ToTheoryData([.. Shapes.Keys, .. Variants.Keys]);

    /// <summary>The names of every shape that can stream with Step (all but the bidirectional ones).</summary>
    public static TheoryData<string> StreamableNames() =>
        ToTheoryData([.. Shapes.Keys, .. Variants.Where(v => !v.Value.Bidirectional).Select(v => v.Key)]);

    /// <summary>The names of the bidirectional shapes.</summary>
    public static TheoryData<string> BidirectionalNames() => ToTheoryData(Variants.Where(v => v.Value.Bidirectional).Select(v => v.Key));

    /// <summary>A shape of <see cref="Shapes"/> or <see cref="Variants"/> by name.</summary>
    public static ModelShape Get(string name) => Shapes.TryGetValue(name, out ModelShape? shape) ? shape : Variants[name];

    private static TheoryData<string> ToTheoryData(IEnumerable<string> names)
    {
        var data = new TheoryData<string>();
        foreach (string name in names) data.Add(name);
        return data;
    }

    private static Dictionary<string, ModelShape> BuildVariants()
    {
        var variants = new Dictionary<string, ModelShape>(StringComparer.Ordinal);
        foreach (var (cell, bidirectional, seed) in new[] { (RecurrentCell.Gru, false, 31), (RecurrentCell.Lstm, true, 32), (RecurrentCell.Gru, true, 33) })
        {
            foreach (var (name, shape) in BuildShapes(cell, bidirectional, seed)) variants.Add(name, shape);
        }
        foreach (var (name, shape) in BuildShapes(RecurrentCell.Lstm, bidirectional: false, seed: 34, peephole: true)) variants.Add(name, shape);
        int n = 0;
        foreach (var (name, shape) in BuildShapes(RecurrentCell.Lstm, bidirectional: true, seed: 35, peephole: true))
        {
            if (n++ % 2 == 0 || shape.HeadOn == HeadOn.FinalState) variants.Add(name, shape);
        }
        foreach (var (name, shape) in BuildShapes(RecurrentCell.Lstm, bidirectional: false, seed: 36, projection: true)) variants.Add(name, shape);
        n = 0;
        foreach (var (name, shape) in BuildShapes(RecurrentCell.Lstm, bidirectional: false, seed: 37, peephole: true, projection: true))
        {
            if (n++ % 2 == 1) variants.Add(name, shape);
        }
        n = 0;
        foreach (var (name, shape) in BuildShapes(RecurrentCell.Lstm, bidirectional: true, seed: 38, projection: true))
        {
            if (n++ % 2 == 0 || shape.HeadOn == HeadOn.FinalState) variants.Add(name, shape);
        }
        return variants;
    }

    private static Dictionary<string, ModelShape> BuildShapes(RecurrentCell cell, bool bidirectional, int seed, bool peephole = false, bool projection = false)
    {
        var shapes = new Dictionary<string, ModelShape>(StringComparer.Ordinal);
        var random = new Random(seed);
        var projections = new Random(seed + 2000); // projection sizes: a stream of their own, so the other draws stay as they were
        string kind = (bidirectional ? "bi" : "") + (cell == RecurrentCell.Gru ? "gru" : peephole ? "peephole" : projection ? "" : "lstm") + (projection ? "proj" : "");
        string prefix = cell == RecurrentCell.Lstm && !bidirectional && !peephole && !projection ? "" : kind + "-";
        int n = 0;
        foreach (bool token in new[] { false, true })
        {
            foreach (Head head in new[] { Head.None, Head.Linear, Head.Sigmoid, Head.Softmax })
            {
                foreach (HeadOn on in new[] { HeadOn.LastStep, HeadOn.EveryStep })
                {
                    int layers = 1 + n % 3;
                    int hidden = 1 + 2 * random.Next(0, 9);          // 1, 3, …, 17
                    int outputs = head == Head.None ? 0 : 1 + 2 * random.Next(0, 4); // 1 … 7
                    if (head == Head.Softmax && outputs == 1) outputs = 3;
                    if (projection && hidden == 1) hidden = 3;
                    int projected = projection ? 1 + projections.Next(0, hidden - 1) : 0; // 1 … hidden − 1
                    ModelShape shape = token
                        ? new ModelShape(0, 3 + 2 * random.Next(0, 8), 1 + 2 * random.Next(0, 3), hidden, layers, outputs, head, on, cell, bidirectional, peephole, projected)
                        : new ModelShape(1 + 2 * random.Next(0, 3), 0, 0, hidden, layers, outputs, head, on, cell, bidirectional, peephole, projected);
                    string name = string.Create(CultureInfo.InvariantCulture,
                        $"{prefix}{(token ? "token" : "float")}-L{layers}-H{hidden}{(projection ? $"-P{projected}" : "")}-{head}{(head == Head.None ? "" : outputs.ToString(CultureInfo.InvariantCulture))}-{on}");
                    shapes.Add(name, shape);
                    n++;
                }
            }
        }
        if (bidirectional)
        {
            // HeadOn.FinalState: the head reads [forward h after the last step, reverse h after the first].
            var final = new Random(seed + 1000);
            foreach (bool token in new[] { false, true })
            {
                foreach (Head head in new[] { Head.None, Head.Sigmoid })
                {
                    int layers = 1 + n++ % 3, hidden = 1 + 2 * final.Next(0, 9), outputs = head == Head.None ? 0 : 1 + 2 * final.Next(0, 4);
                    ModelShape shape = token
                        ? new ModelShape(0, 3 + 2 * final.Next(0, 8), 1 + 2 * final.Next(0, 3), hidden, layers, outputs, head, HeadOn.FinalState, cell, bidirectional, peephole)
                        : new ModelShape(1 + 2 * final.Next(0, 3), 0, 0, hidden, layers, outputs, head, HeadOn.FinalState, cell, bidirectional, peephole);
                    shapes.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{prefix}{(token ? "token" : "float")}-L{layers}-H{hidden}-{head}{(head == Head.None ? "" : outputs.ToString(CultureInfo.InvariantCulture))}-{HeadOn.FinalState}"), shape);
                }
            }
        }
        return shapes;
    }

    /// <summary>A model with PyTorch-like weights U(−s/√H, s/√H) drawn from <paramref name="seed"/>.</summary>
    public static ReferenceLstm Create(ModelShape shape, int seed, float scale = 1f)
    {
        var model = new ReferenceLstm(shape);
        var random = new Random(seed);
        float bound = scale / MathF.Sqrt(shape.HiddenSize);
        Span<float> p = model.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] = (float)(random.NextDouble() * 2 - 1) * bound;
        if (shape.IsTokenModel)
        {
            // Embedding rows are N(0, 1) in PyTorch; uniform with a similar spread is enough here.
            ParameterTensor embed = shape.GetTensor(ModelShape.EmbeddingWeightName);
            for (int i = 0; i < embed.Length; i++) p[embed.Offset + i] = (float)(random.NextDouble() * 3.4 - 1.7);
        }
        model.ParametersChanged();
        return model;
    }

    /// <summary>Float inputs N(0, s²) for <paramref name="steps"/> steps.</summary>
    public static float[] Inputs(ModelShape shape, int steps, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var x = new float[steps * shape.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = (float)Normal(random) * scale;
        return x;
    }

    /// <summary>Token ids for <paramref name="steps"/> steps, covering the first and last id.</summary>
    public static int[] Tokens(ModelShape shape, int steps, int seed)
    {
        var random = new Random(seed);
        var x = new int[steps];
        for (int i = 0; i < x.Length; i++) x[i] = random.Next(0, shape.VocabularySize);
        x[0] = shape.VocabularySize - 1;
        if (steps > 1) x[1] = 0;
        return x;
    }

    /// <summary>
    /// A random state (h, c ~ N(0, 0.25)) for every state slot of the model, plus the same values in doubles.
    /// A GRU's c is random too: the model must ignore it.
    /// </summary>
    public static (LstmState State, double[][] H, double[][] C) State(ReferenceLstm model, int seed)
    {
        var random = new Random(seed);
        LstmState state = model.CreateState();
        ModelShape s = model.Shape;
        var h = new double[s.StateSlotCount][];
        var c = new double[s.StateSlotCount][];
        for (int k = 0; k < s.StateSlotCount; k++)
        {
            h[k] = new double[s.HiddenStateSize];
            c[k] = new double[s.HiddenSize];
            for (int u = 0; u < s.HiddenSize; u++)
            {
                float hv = (float)(Normal(random) * 0.5), cv = (float)(Normal(random) * 0.5);
                if (u < s.HiddenStateSize)
                {
                    state.Hidden(k)[u] = hv;
                    h[k][u] = hv;
                }
                state.Cell(k)[u] = cv;
                c[k][u] = cv;
            }
        }
        return (state, h, c);
    }

    /// <summary>Runs Predict with a caller state in whichever form the model has.</summary>
    public static void Predict(ReferenceLstm model, float[] inputs, int[] tokens, Span<float> output, LstmState state, HeadOutput kind)
    {
        if (model.Shape.IsTokenModel) ((ITokenSequenceModel)model).Predict(tokens, output, state, kind);
        else ((IFloatSequenceModel)model).Predict(inputs, output, state, kind);
    }

    /// <summary>Runs one Step of whichever form the model has.</summary>
    public static void Step(ReferenceLstm model, float[] inputs, int[] tokens, int t, Span<float> output, LstmState state, HeadOutput kind)
    {
        if (model.Shape.IsTokenModel) ((ITokenSequenceModel)model).Step(tokens[t], output, state, kind);
        else ((IFloatSequenceModel)model).Step(inputs.AsSpan(t * model.Shape.InputSize, model.Shape.InputSize), output, state, kind);
    }

    private static double Normal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
