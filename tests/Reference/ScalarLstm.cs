// An independent double-precision LSTM / GRU (optionally bidirectional, an LSTM optionally with peepholes)
// written from PyTorch's (and Gers & Schmidhuber's) equations, so the float reference model is checked against arithmetic it does not share (not even the
// parameter offsets).
using System;
using System.Collections.Generic;

namespace LstmGen.Tests.Reference;

/// <summary>
/// Embedding → stacked LSTM or GRU (one or two directions) → linear head → softmax / sigmoid in doubles,
/// over a flat parameter array in PyTorch <c>state_dict</c> order. Offsets and names are computed here,
/// not taken from <see cref="ModelShape"/>, and one test checks both agree. Runs layer by layer: a
/// layer's forward direction over t = 0…T−1, its reverse direction over t = T−1…0, output at t =
/// [h_forward(t), h_backward(t)].
/// </summary>
internal sealed class ScalarLstm
{
    private readonly double[] _p;
    private readonly int _input;
    private readonly int _vocabulary;
    private readonly int _embedding;
    private readonly int _hidden;
    private readonly int _layers;
    private readonly int _outputs;
    private readonly Head _head;
    private readonly HeadOn _headOn;
    private readonly bool _gru;
    private readonly int _directions;
    private readonly string _module;
    private readonly bool _peephole;
    private readonly int _projection; // 0: h is Hidden wide

    public ScalarLstm(int inputs, int vocabulary, int embedding, int hidden, int layers, int outputs, Head head, HeadOn headOn, ReadOnlySpan<float> parameters,
        RecurrentCell cell = RecurrentCell.Lstm, bool bidirectional = false, bool peephole = false, int projection = 0)
    {
        _input = vocabulary > 0 ? embedding : inputs;
        _vocabulary = vocabulary;
        _embedding = embedding;
        _hidden = hidden;
        _layers = layers;
        _outputs = outputs;
        _head = head;
        _headOn = headOn;
        _gru = cell == RecurrentCell.Gru;
        _directions = bidirectional ? 2 : 1;
        _module = _gru ? "gru" : "lstm";
        _peephole = peephole;
        _projection = projection;
        int hw = projection > 0 ? projection : hidden;
        _p = new double[parameters.Length];
        for (int i = 0; i < parameters.Length; i++) _p[i] = parameters[i];

        // PyTorch state_dict order: embed.weight, per layer and direction W_ih, W_hh, b_ih, b_hh (and the peepholes
        // weight_ch: p_i, p_f, p_o), then head.weight, head.bias.
        int offset = 0;
        int gates = Gates * hidden;
        var offsets = new List<(string, int)>();
        void Add(string name, int length) { offsets.Add((name, offset)); offset += length; }
        if (vocabulary > 0) Add("embed.weight", vocabulary * embedding);
        for (int k = 0; k < layers; k++)
        {
            int inK = k == 0 ? _input : _directions * hw;
            for (int d = 0; d < _directions; d++)
            {
                Add(TensorName("weight_ih", k, d), gates * inK);
                Add(TensorName("weight_hh", k, d), gates * hw);
                Add(TensorName("bias_ih", k, d), gates);
                Add(TensorName("bias_hh", k, d), gates);
                if (projection > 0) Add(TensorName("weight_hr", k, d), projection * hidden);
                if (peephole) Add(TensorName("weight_ch", k, d), 3 * hidden);
            }
        }
        if (head != Head.None)
        {
            Add("head.weight", outputs * _directions * hw);
            Add("head.bias", outputs);
        }
        Offsets = offsets;
        ParameterCount = offset;
        if (parameters.Length != offset) throw new ArgumentException($"Expected {offset} parameters, got {parameters.Length}.");
    }

    /// <summary>Gate row blocks per unit: i, f, g, o or r, z, n.</summary>
    private int Gates => _gru ? 3 : 4;

    private string TensorName(string kind, int layer, int direction) => $"{_module}.{kind}_l{layer}{(direction == 1 ? "_reverse" : "")}";

    public static ScalarLstm For(ModelShape s, ReadOnlySpan<float> parameters) =>
        new(s.InputSize, s.VocabularySize, s.EmbeddingSize, s.HiddenSize, s.LayerCount, s.OutputSize, s.Head, s.HeadOn, parameters, s.Cell, s.Bidirectional, s.Peephole, s.ProjectionSize);

    /// <summary>
    /// Training-mode dropout: when set, layer k's input value j at step t is multiplied by
    /// <c>DropoutScale(t, k, j)</c> (see <see cref="Dropout(ModelShape, ulong)"/>). Null: no dropout (inference).
    /// </summary>
    public Func<int, int, int, double>? DropoutScale { get; set; }

    /// <summary>The masks a model of <paramref name="shape"/> draws with <paramref name="seed"/>, as a <see cref="DropoutScale"/>.</summary>
    public static Func<int, int, int, double> Dropout(ModelShape shape, ulong seed) => (t, k, j) =>
    {
        float rate = k == 0 ? shape.InputDropout : shape.Dropout;
        return rate == 0 ? 1.0 : LstmGen.CompilerServices.DropoutMask.IsKept(rate, seed, t, k, j) ? 1.0 / (1.0 - rate) : 0.0;
    };

    /// <summary>(name, offset) of every tensor in block order.</summary>
    public IReadOnlyList<(string Name, int Offset)> Offsets { get; }

    public int ParameterCount { get; }

    /// <summary>The parameters in doubles, in block order; writable, so finite-difference tests can nudge one.</summary>
    public double[] Parameters => _p;

    private int OffsetOf(string name)
    {
        foreach (var (n, o) in Offsets) if (n == name) return o;
        throw new KeyNotFoundException(name);
    }

    /// <summary>
    /// The result of one sequence: the output as the model returns it, the final h and c per state slot
    /// (layer·directions + direction; a GRU's c is its c0, untouched), and the top layer's output at every step.
    /// </summary>
    public sealed record Result(double[] Output, double[][] H, double[][] C, double[][] TopH);

    /// <summary>Runs float inputs ([T, Inputs] flattened). h0/c0 (one vector per state slot) may be null for a zero state.</summary>
    public Result RunFloat(ReadOnlySpan<float> inputs, double[][]? h0, double[][]? c0, bool logits)
    {
        int steps = inputs.Length / _input;
        var xs = new double[steps][];
        for (int t = 0; t < steps; t++)
        {
            xs[t] = new double[_input];
            for (int j = 0; j < _input; j++) xs[t][j] = inputs[t * _input + j];
        }
        return Run(xs, h0, c0, logits);
    }

    /// <summary>Runs layer-0 input vectors given in doubles (<paramref name="xs"/>[t] holds Inputs values).</summary>
    public Result RunVectors(double[][] xs, double[][]? h0, double[][]? c0, bool logits)
    {
        foreach (double[] x in xs)
        {
            if (x.Length != _input) throw new ArgumentException($"Expected input vectors of {_input} values, got {x.Length}.", nameof(xs));
        }
        return Run(xs, h0, c0, logits);
    }

    /// <summary>Runs token ids through the embedding table.</summary>
    public Result RunTokens(ReadOnlySpan<int> tokens, double[][]? h0, double[][]? c0, bool logits)
    {
        int e = OffsetOf("embed.weight");
        var xs = new double[tokens.Length][];
        for (int t = 0; t < tokens.Length; t++)
        {
            if (tokens[t] < 0 || tokens[t] >= _vocabulary) throw new ArgumentOutOfRangeException(nameof(tokens));
            xs[t] = new double[_embedding];
            Array.Copy(_p, e + tokens[t] * _embedding, xs[t], 0, _embedding);
        }
        return Run(xs, h0, c0, logits);
    }

    private Result Run(double[][] xs, double[][]? h0, double[][]? c0, bool logits)
    {
        // h is hw wide (the projection size, or H); c is H wide.
        int hsz = _hidden, hw = _projection > 0 ? _projection : _hidden, steps = xs.Length, slots = _layers * _directions;
        var h = new double[slots][];
        var c = new double[slots][];
        for (int s = 0; s < slots; s++)
        {
            h[s] = h0 is null ? new double[hw] : (double[])h0[s].Clone();
            c[s] = c0 is null ? new double[hsz] : (double[])c0[s].Clone();
        }

        double[][] sequence = xs;
        for (int k = 0; k < _layers; k++)
        {
            if (DropoutScale is { } scale)
            {
                // Training-mode dropout on this layer's input: each value times its mask's scale (0 or 1 / (1 − p)).
                var masked = new double[steps][];
                for (int t = 0; t < steps; t++)
                {
                    masked[t] = new double[sequence[t].Length];
                    for (int j = 0; j < masked[t].Length; j++) masked[t][j] = sequence[t][j] * scale(t, k, j);
                }
                sequence = masked;
            }
            var next = new double[steps][];
            for (int t = 0; t < steps; t++) next[t] = new double[_directions * hw];
            for (int d = 0; d < _directions; d++)
            {
                int s = k * _directions + d;
                int inK = sequence.Length > 0 ? sequence[0].Length : 0;
                double[] wih = Slice(OffsetOf(TensorName("weight_ih", k, d)), Gates * hsz * inK);
                double[] whh = Slice(OffsetOf(TensorName("weight_hh", k, d)), Gates * hsz * hw);
                double[] whr = _projection > 0 ? Slice(OffsetOf(TensorName("weight_hr", k, d)), _projection * hsz) : [];
                double[] bih = Slice(OffsetOf(TensorName("bias_ih", k, d)), Gates * hsz);
                double[] bhh = Slice(OffsetOf(TensorName("bias_hh", k, d)), Gates * hsz);
                double[] peep = _peephole ? Slice(OffsetOf(TensorName("weight_ch", k, d)), 3 * hsz) : new double[3 * hsz];
                for (int n = 0; n < steps; n++)
                {
                    int t = d == 0 ? n : steps - 1 - n;
                    double[] x = sequence[t];
                    // The input part and the recurrent part of every gate row, kept apart (a GRU's n gate needs them so).
                    var a = new double[Gates * hsz];
                    var b = new double[Gates * hsz];
                    for (int r = 0; r < Gates * hsz; r++)
                    {
                        double si = bih[r], sh = bhh[r];
                        for (int j = 0; j < x.Length; j++) si += wih[r * x.Length + j] * x[j];
                        for (int j = 0; j < hw; j++) sh += whh[r * hw + j] * h[s][j];
                        a[r] = si;
                        b[r] = sh;
                    }
                    var hNew = new double[hsz];
                    for (int u = 0; u < hsz; u++)
                    {
                        if (_gru)
                        {
                            double rg = Sigma(a[u] + b[u]), zg = Sigma(a[hsz + u] + b[hsz + u]);
                            double ng = Math.Tanh(a[2 * hsz + u] + rg * b[2 * hsz + u]);
                            hNew[u] = (1 - zg) * ng + zg * h[s][u];
                        }
                        else
                        {
                            // Peepholes (zero without): i and f see c_{t−1}, o sees c_t.
                            double cPrev = c[s][u];
                            double i = Sigma(a[u] + b[u] + peep[u] * cPrev), f = Sigma(a[hsz + u] + b[hsz + u] + peep[hsz + u] * cPrev);
                            double g = Math.Tanh(a[2 * hsz + u] + b[2 * hsz + u]);
                            c[s][u] = f * cPrev + i * g;
                            double o = Sigma(a[3 * hsz + u] + b[3 * hsz + u] + peep[2 * hsz + u] * c[s][u]);
                            hNew[u] = o * Math.Tanh(c[s][u]);
                        }
                    }
                    if (_projection > 0)
                    {
                        // h = W_hr·(o·tanh(c)).
                        var projected = new double[hw];
                        for (int r = 0; r < hw; r++)
                            for (int u = 0; u < hsz; u++) projected[r] += whr[r * hsz + u] * hNew[u];
                        hNew = projected;
                    }
                    h[s] = hNew;
                    Array.Copy(hNew, 0, next[t], d * hw, hw);
                }
            }
            sequence = next;
        }

        int stepOut = _head == Head.None ? _directions * hw : _outputs;
        var output = new double[_headOn == HeadOn.EveryStep ? steps * stepOut : stepOut];
        if (_headOn == HeadOn.FinalState && _directions == 2)
        {
            // The final state of each direction: forward h after the last step, reverse h after step 0.
            var final = new double[2 * hw];
            Array.Copy(sequence[steps - 1], 0, final, 0, hw);
            Array.Copy(sequence[0], hw, final, hw, hw);
            Array.Copy(HeadOf(final, logits), 0, output, 0, stepOut);
            return new Result(output, h, c, sequence);
        }
        for (int t = 0; t < steps; t++)
        {
            bool emit = _headOn == HeadOn.EveryStep || t == steps - 1;
            if (!emit) continue;
            int at = _headOn == HeadOn.EveryStep ? t * stepOut : 0;
            double[] y = HeadOf(sequence[t], logits);
            Array.Copy(y, 0, output, at, stepOut);
        }
        return new Result(output, h, c, sequence);
    }

    private double[] HeadOf(double[] top, bool logits)
    {
        if (_head == Head.None) return (double[])top.Clone();
        int width = top.Length;
        double[] w = Slice(OffsetOf("head.weight"), _outputs * width);
        double[] b = Slice(OffsetOf("head.bias"), _outputs);
        var y = new double[_outputs];
        for (int o = 0; o < _outputs; o++)
        {
            double s = b[o];
            for (int j = 0; j < width; j++) s += w[o * width + j] * top[j];
            y[o] = s;
        }
        if (logits) return y;
        if (_head == Head.Sigmoid)
        {
            for (int o = 0; o < _outputs; o++) y[o] = Sigma(y[o]);
        }
        else if (_head == Head.Softmax)
        {
            double max = double.NegativeInfinity;
            foreach (double v in y) max = Math.Max(max, v);
            double sum = 0;
            for (int o = 0; o < _outputs; o++) sum += Math.Exp(y[o] - max);
            for (int o = 0; o < _outputs; o++) y[o] = Math.Exp(y[o] - max) / sum;
        }
        return y;
    }

    private double[] Slice(int offset, int length)
    {
        var a = new double[length];
        Array.Copy(_p, offset, a, 0, length);
        return a;
    }

    private static double Sigma(double x) => 1.0 / (1.0 + Math.Exp(-x));
}
