// One step of one recurrent layer with random weights, state and input, and what the references say about it: the
// double-precision test model's h1, c1 and (by finite differences) the gradients of a random loss, and the float
// reference model's. The cell tests feed the layer's packed gate sums to the runtime's cells and compare.
using System;
using System.Linq;
using LstmGen.CompilerServices;
using LstmGen.Reference;
using LstmGen.Tests.Reference;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Numeric;

/// <summary>A one-layer model (3 inputs, 20 units: two 16-unit blocks, the second half padding) at one step.</summary>
internal sealed class OneStepLayer
{
    public const int Inputs = 3;
    public int Hidden => 20;
    public int P => 32;
    public int Blocks => 2;

    private readonly ModelShape _shape;
    private readonly float[] _parameters, _packed;
    private readonly ScalarLstm _scalar;
    private readonly double[] _h1, _c1;
    private readonly ReferenceLstm _reference;
    private readonly float[] _referenceH1, _referenceC1, _referenceGradients, _referenceDc0;

    public float[] X { get; }
    public float[] H0 { get; }
    public float[] C0 { get; }

    /// <summary>dLoss/dh1 and dLoss/dc1 of the loss L = Σ LossH·h1 + Σ LossC·c1 (a GRU has no c: LossC is zero).</summary>
    public float[] LossH { get; }
    public float[] LossC { get; }

    private bool Gru => _shape.Cell == RecurrentCell.Gru;

    private OneStepLayer(RecurrentCell cell, bool peephole, int seed)
    {
        var random = new Random(seed);
        float Next(double scale) => (float)((random.NextDouble() * 2 - 1) * scale);
        _shape = new ModelShape(Inputs, 0, 0, Hidden, 1, 0, Head.None, HeadOn.LastStep, cell, peephole: peephole);
        _parameters = Enumerable.Range(0, _shape.ParameterCount).Select(_ => Next(0.6)).ToArray();
        X = Enumerable.Range(0, Inputs).Select(_ => Next(1)).ToArray();
        H0 = Enumerable.Range(0, Hidden).Select(_ => Next(0.8)).ToArray();
        C0 = Enumerable.Range(0, Hidden).Select(_ => Gru ? 0f : Next(1.5)).ToArray();
        LossH = Enumerable.Range(0, Hidden).Select(_ => Next(1)).ToArray();
        LossC = Enumerable.Range(0, Hidden).Select(_ => Gru ? 0f : Next(1)).ToArray();

        _packed = new float[(peephole ? 2 : 1) * 4 * P + (Inputs + Hidden) * 4 * P];
        ParameterTensor Tensor(LayerParameter which) => _shape.GetLayerTensor(which, 0);
        Span<float> Of(LayerParameter which) => _parameters.AsSpan(Tensor(which).Offset, Tensor(which).Length);
        int layerLength = (1 + Inputs + Hidden) * 4 * P;
        if (Gru) GateLayout.PackGruLayer(Of(LayerParameter.WeightIh), Of(LayerParameter.WeightHh), Of(LayerParameter.BiasIh), Of(LayerParameter.BiasHh), Inputs, Hidden, _packed.AsSpan(0, layerLength));
        else GateLayout.PackLayer(Of(LayerParameter.WeightIh), Of(LayerParameter.WeightHh), Of(LayerParameter.BiasIh), Of(LayerParameter.BiasHh), Inputs, Hidden, _packed.AsSpan(0, layerLength));
        if (peephole) GateLayout.PackPeepholes(Of(LayerParameter.WeightCh), Hidden, _packed.AsSpan(layerLength, 4 * P));

        _scalar = ScalarLstm.For(_shape, _parameters);
        (_h1, _c1) = RunScalar();

        _reference = new ReferenceLstm(_shape);
        _parameters.CopyTo(_reference.Parameters);
        _reference.ParametersChanged();
        (_referenceH1, _referenceC1, _referenceGradients, _referenceDc0) = RunReference();
    }

    public static OneStepLayer Create(RecurrentCell cell, bool peephole, int seed) => new(cell, peephole, seed);

    /// <summary>A copy of <paramref name="values"/> padded to P floats (what the cells read and write).</summary>
    public float[] Padded(float[] values)
    {
        var padded = new float[P];
        values.CopyTo(padded, 0);
        return padded;
    }

    /// <summary>The packed gate sums <c>z = row 0 + Σ x_j·row(1 + j) + Σ h_j·row(1 + I + j)</c>, in double.</summary>
    public double[] SumsInDouble()
    {
        int row = 4 * P;
        var z = new double[row];
        for (int col = 0; col < row; col++)
        {
            double sum = _packed[col];
            for (int j = 0; j < Inputs; j++) sum += (double)X[j] * _packed[(1 + j) * row + col];
            for (int j = 0; j < Hidden; j++) sum += (double)H0[j] * _packed[(1 + Inputs + j) * row + col];
            z[col] = sum;
        }
        return z;
    }

    /// <summary>The gate sums rounded to float, as a kernel leaves them.</summary>
    public float[] Sums() => SumsInDouble().Select(v => (float)v).ToArray();

    /// <summary>The packed peephole row (p_i, p_f, 0, p_o in the gate columns).</summary>
    public float[] PeepholeRow() => _packed.AsSpan((1 + Inputs + Hidden) * 4 * P, 4 * P).ToArray();

    /// <summary>The step's record made by <typeparamref name="T"/>'s LSTM cell (gates, c, tanh(c), h).</summary>
    public float[] Record<T>() where T : struct
    {
        float[] h = Padded(H0), c = Padded(C0), z = Sums(), record = new float[7 * P];
        LstmCell.RecordBlocks<T>(ref z[0], ref c[0], ref h[0], ref record[0], (nuint)Blocks);
        return record;
    }

    /// <summary>h1 (and c1) against both references; the padding units stay exactly zero.</summary>
    public void AssertState(float[] h, float[]? c, string width)
    {
        for (int u = 0; u < Hidden; u++)
        {
            Assert.True(Math.Abs(h[u] - _h1[u]) <= 5e-6, $"{width}: h[{u}] = {h[u]:R}, the double model {_h1[u]:R}");
            Assert.True(Math.Abs(h[u] - _referenceH1[u]) <= 5e-6, $"{width}: h[{u}] = {h[u]:R}, the reference model {_referenceH1[u]:R}");
            if (c is null) continue;
            Assert.True(Math.Abs(c[u] - _c1[u]) <= 5e-6, $"{width}: c[{u}] = {c[u]:R}, the double model {_c1[u]:R}");
            Assert.True(Math.Abs(c[u] - _referenceC1[u]) <= 5e-6, $"{width}: c[{u}] = {c[u]:R}, the reference model {_referenceC1[u]:R}");
        }
        for (int u = Hidden; u < P; u++)
        {
            Assert.Equal(0f, h[u]);
            if (c is not null) Assert.Equal(0f, c[u]);
        }
    }

    /// <summary>
    /// The gate gradients (packed columns) against dLoss/d(bias) by finite differences on the double model and the
    /// reference model's bias gradient: an LSTM's (and a GRU's r, z) slot k of unit u is b_ih[k·H + u]; a GRU's n_x
    /// and n_h slots are b_in and b_hn.
    /// </summary>
    public void AssertGateGradients(float[] dz, string width)
    {
        string prefix = Gru ? "gru" : "lstm";
        int biasIh = Offset($"{prefix}.bias_ih_l0"), biasHh = Offset($"{prefix}.bias_hh_l0");
        double scale = 1e-3;
        var expected = new (int Column, int Parameter)[Hidden * 4];
        for (int u = 0; u < Hidden; u++)
        {
            for (int slot = 0; slot < 4; slot++)
            {
                int parameter = Gru && slot == 3 ? biasHh + 2 * Hidden + u : biasIh + slot * Hidden + u;
                expected[u * 4 + slot] = (GateLayout.Column(slot, u), parameter);
            }
        }
        double[] fd = expected.Select(e => ParameterDerivative(e.Parameter)).ToArray();
        scale = Math.Max(scale, fd.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            var (column, parameter) = expected[i];
            Assert.True(Math.Abs(dz[column] - fd[i]) <= 2e-5 * scale, $"{width}: dz[{column}] = {dz[column]:R}, finite differences {fd[i]:R}");
            Assert.True(Math.Abs(dz[column] - _referenceGradients[parameter]) <= 2e-5 * scale, $"{width}: dz[{column}] = {dz[column]:R}, the reference model {_referenceGradients[parameter]:R}");
        }
    }

    /// <summary>The carried dc (dLoss/dc0 once the step is through) against finite differences and the reference model.</summary>
    public void AssertCellGradient(float[] dc, string width)
    {
        double[] fd = Enumerable.Range(0, Hidden).Select(u => StateDerivative(cell: true, u)).ToArray();
        double scale = Math.Max(1e-3, fd.Max(Math.Abs));
        for (int u = 0; u < Hidden; u++)
        {
            Assert.True(Math.Abs(dc[u] - fd[u]) <= 2e-5 * scale, $"{width}: dc0[{u}] = {dc[u]:R}, finite differences {fd[u]:R}");
            Assert.True(Math.Abs(dc[u] - _referenceDc0[u]) <= 2e-5 * scale, $"{width}: dc0[{u}] = {dc[u]:R}, the reference model {_referenceDc0[u]:R}");
        }
    }

    /// <summary>The peephole row's gradients (columns of p_i, p_f, p_o) against dLoss/d(weight_ch) by finite differences.</summary>
    public void AssertPeepholeGradients(float[] dp, string width)
    {
        int weights = Offset("lstm.weight_ch_l0");
        for (int u = 0; u < Hidden; u++)
        {
            foreach (var (gate, block) in new[] { (0, 0), (1, 1), (3, 2) })
            {
                double fd = ParameterDerivative(weights + block * Hidden + u);
                Assert.True(Math.Abs(dp[GateLayout.Column(gate, u)] - fd) <= 2e-5 * Math.Max(1, Math.Abs(fd)), $"{width}: dp of gate {gate}, unit {u}: {dp[GateLayout.Column(gate, u)]:R}, finite differences {fd:R}");
            }
        }
    }

    /// <summary>
    /// A GRU's direct part of dLoss/dh0 (what its gradients leave in dh): finite differences on h0, less the part through
    /// the recurrent weights, W_hhᵀ·dz (from the packed rows and the tested dz).
    /// </summary>
    public void AssertDirectHiddenGradient(float[] dh, float[] dz, string width)
    {
        int row = 4 * P;
        for (int u = 0; u < Hidden; u++)
        {
            double throughWeights = 0;
            for (int col = 0; col < row; col++) throughWeights += (double)_packed[(1 + Inputs + u) * row + col] * dz[col];
            double expected = StateDerivative(cell: false, u) - throughWeights;
            Assert.True(Math.Abs(dh[u] - expected) <= 2e-5 * Math.Max(1, Math.Abs(expected)), $"{width}: direct dh0[{u}] = {dh[u]:R}, expected {expected:R}");
        }
    }

    private int Offset(string name) => _scalar.Offsets.Single(o => o.Name == name).Offset;

    private (double[] H, double[] C) RunScalar()
    {
        ScalarLstm.Result result = _scalar.RunFloat(X, new[] { H0.Select(v => (double)v).ToArray() }, new[] { C0.Select(v => (double)v).ToArray() }, logits: true);
        return (result.H[0], result.C[0]);
    }

    private double Loss(double[] h, double[] c)
    {
        double loss = 0;
        for (int u = 0; u < Hidden; u++) loss += LossH[u] * h[u] + LossC[u] * c[u];
        return loss;
    }

    /// <summary>dLoss/d(parameter) by central differences on the double model.</summary>
    private double ParameterDerivative(int parameter)
    {
        const double epsilon = 1e-6;
        double saved = _scalar.Parameters[parameter];
        _scalar.Parameters[parameter] = saved + epsilon;
        var (hp, cp) = RunScalar();
        _scalar.Parameters[parameter] = saved - epsilon;
        var (hm, cm) = RunScalar();
        _scalar.Parameters[parameter] = saved;
        return (Loss(hp, cp) - Loss(hm, cm)) / (2 * epsilon);
    }

    /// <summary>dLoss/dc0[u] (or dh0[u]) by central differences on the double model.</summary>
    private double StateDerivative(bool cell, int u)
    {
        const double epsilon = 1e-6;
        double[] h0 = H0.Select(v => (double)v).ToArray(), c0 = C0.Select(v => (double)v).ToArray();
        double[] nudged = cell ? c0 : h0;
        double saved = nudged[u];
        nudged[u] = saved + epsilon;
        ScalarLstm.Result plus = _scalar.RunFloat(X, new[] { h0 }, new[] { c0 }, logits: true);
        nudged[u] = saved - epsilon;
        ScalarLstm.Result minus = _scalar.RunFloat(X, new[] { h0 }, new[] { c0 }, logits: true);
        return (Loss(plus.H[0], plus.C[0]) - Loss(minus.H[0], minus.C[0])) / (2 * epsilon);
    }

    /// <summary>The reference model's step and its backward pass with the loss's gradients: h1, c1, the parameter gradients and dLoss/dc0.</summary>
    private (float[] H1, float[] C1, float[] Gradients, float[] Dc0) RunReference()
    {
        LstmState state = _reference.CreateState();
        H0.CopyTo(state.Hidden(0));
        C0.CopyTo(state.Cell(0));
        TrainingTape tape = _reference.CreateTape(1);
        var h1 = new float[Hidden];
        _reference.Forward(X, h1, state, tape);
        float[] c1 = state.Cell(0).ToArray();
        GradientBuffer gradients = _reference.CreateGradients();
        LstmState final = _reference.CreateState(), initial = _reference.CreateState();
        LossC.CopyTo(final.Cell(0));
        _reference.Backward(tape, LossH, gradients, default, initial, final);
        var parameters = new float[_shape.ParameterCount];
        _reference.CopyGradients(gradients, parameters);
        return (h1, c1, parameters, initial.Cell(0).ToArray());
    }
}
