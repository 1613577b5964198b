// An independent double-precision LSTM written from PyTorch's equations, so the float reference
// model is checked against arithmetic it does not share (not even the parameter offsets).
using System;
using System.Collections.Generic;

namespace LstmGen.Tests.Reference;

/// <summary>
/// Embedding → stacked LSTM → linear head → softmax / sigmoid in doubles, over a flat parameter
/// array in PyTorch <c>state_dict</c> order. Offsets are computed here, not taken from
/// <see cref="ModelShape"/>, and one test checks both agree.
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

    public ScalarLstm(int inputs, int vocabulary, int embedding, int hidden, int layers, int outputs, Head head, HeadOn headOn, ReadOnlySpan<float> parameters)
    {
        _input = vocabulary > 0 ? embedding : inputs;
        _vocabulary = vocabulary;
        _embedding = embedding;
        _hidden = hidden;
        _layers = layers;
        _outputs = outputs;
        _head = head;
        _headOn = headOn;
        _p = new double[parameters.Length];
        for (int i = 0; i < parameters.Length; i++) _p[i] = parameters[i];

        // PyTorch state_dict order: embed.weight, per layer W_ih, W_hh, b_ih, b_hh, then head.weight, head.bias.
        int offset = 0;
        var offsets = new List<(string, int)>();
        void Add(string name, int length) { offsets.Add((name, offset)); offset += length; }
        if (vocabulary > 0) Add("embed.weight", vocabulary * embedding);
        for (int k = 0; k < layers; k++)
        {
            int inK = k == 0 ? _input : hidden;
            Add($"lstm.weight_ih_l{k}", 4 * hidden * inK);
            Add($"lstm.weight_hh_l{k}", 4 * hidden * hidden);
            Add($"lstm.bias_ih_l{k}", 4 * hidden);
            Add($"lstm.bias_hh_l{k}", 4 * hidden);
        }
        if (head != Head.None)
        {
            Add("head.weight", outputs * hidden);
            Add("head.bias", outputs);
        }
        Offsets = offsets;
        ParameterCount = offset;
        if (parameters.Length != offset) throw new ArgumentException($"Expected {offset} parameters, got {parameters.Length}.");
    }

    public static ScalarLstm For(ModelShape s, ReadOnlySpan<float> parameters) =>
        new(s.Inputs, s.Vocabulary, s.Embedding, s.Hidden, s.Layers, s.Outputs, s.Head, s.HeadOn, parameters);

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

    /// <summary>The result of one sequence: the output as the model returns it, and the final h, c per layer.</summary>
    public sealed record Result(double[] Output, double[][] H, double[][] C, double[][] TopH);

    /// <summary>Runs float inputs ([T, Inputs] flattened). h0/c0 may be null for a zero state.</summary>
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
        int hsz = _hidden;
        var h = new double[_layers][];
        var c = new double[_layers][];
        for (int k = 0; k < _layers; k++)
        {
            h[k] = h0 is null ? new double[hsz] : (double[])h0[k].Clone();
            c[k] = c0 is null ? new double[hsz] : (double[])c0[k].Clone();
        }
        int stepOut = _head == Head.None ? hsz : _outputs;
        var output = new double[_headOn == HeadOn.EveryStep ? xs.Length * stepOut : stepOut];
        var topH = new double[xs.Length][];

        for (int t = 0; t < xs.Length; t++)
        {
            double[] x = xs[t];
            for (int k = 0; k < _layers; k++)
            {
                double[] wih = Slice(OffsetOf($"lstm.weight_ih_l{k}"), 4 * hsz * x.Length);
                double[] whh = Slice(OffsetOf($"lstm.weight_hh_l{k}"), 4 * hsz * hsz);
                double[] bih = Slice(OffsetOf($"lstm.bias_ih_l{k}"), 4 * hsz);
                double[] bhh = Slice(OffsetOf($"lstm.bias_hh_l{k}"), 4 * hsz);
                var z = new double[4 * hsz];
                for (int r = 0; r < 4 * hsz; r++)
                {
                    double s = bih[r] + bhh[r];
                    for (int j = 0; j < x.Length; j++) s += wih[r * x.Length + j] * x[j];
                    for (int j = 0; j < hsz; j++) s += whh[r * hsz + j] * h[k][j];
                    z[r] = s;
                }
                var hNew = new double[hsz];
                for (int u = 0; u < hsz; u++)
                {
                    double i = Sigma(z[u]), f = Sigma(z[hsz + u]), g = Math.Tanh(z[2 * hsz + u]), o = Sigma(z[3 * hsz + u]);
                    c[k][u] = f * c[k][u] + i * g;
                    hNew[u] = o * Math.Tanh(c[k][u]);
                }
                h[k] = hNew;
                x = hNew;
            }
            topH[t] = (double[])h[_layers - 1].Clone();

            bool emit = _headOn == HeadOn.EveryStep || t == xs.Length - 1;
            if (!emit) continue;
            int at = _headOn == HeadOn.EveryStep ? t * stepOut : 0;
            double[] y = HeadOf(h[_layers - 1], logits);
            Array.Copy(y, 0, output, at, stepOut);
        }
        return new Result(output, h, c, topH);
    }

    private double[] HeadOf(double[] top, bool logits)
    {
        if (_head == Head.None) return (double[])top.Clone();
        double[] w = Slice(OffsetOf("head.weight"), _outputs * _hidden);
        double[] b = Slice(OffsetOf("head.bias"), _outputs);
        var y = new double[_outputs];
        for (int o = 0; o < _outputs; o++)
        {
            double s = b[o];
            for (int j = 0; j < _hidden; j++) s += w[o * _hidden + j] * top[j];
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
