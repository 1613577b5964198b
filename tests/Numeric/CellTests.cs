// The runtime's cells (LstmCell, PeepholeLstmCell, GruCell) on every vector width — Vector512, Vector256, Vector128
// and scalar, whatever the machine accelerates — against the double-precision test model (ScalarLstm, with finite
// differences for the gradients) and the float reference model (ReferenceLstm), one step of one layer.
using System;
using System.Linq;
using System.Runtime.Intrinsics;
using LstmGen.CompilerServices;
using LstmGen.Tests.Reference;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Numeric;

public sealed class CellTests
{
    public static TheoryData<string> Widths => new() { "512", "256", "128", "scalar" };

    /// <summary>Calls the action made for the width's type argument (Vector512&lt;float&gt; … float).</summary>
    internal static void OnWidth(string width, Action v512, Action v256, Action v128, Action scalar)
    {
        switch (width)
        {
            case "512": v512(); break;
            case "256": v256(); break;
            case "128": v128(); break;
            default: scalar(); break;
        }
    }

    // Bounds: the activations' error (σ 2e-7 absolute, tanh 4e-7 relative) through a step; a wrong equation is off by 1e-2 or more.
    private const double StateTolerance = 5e-6, GradientTolerance = 2e-5;

    [Theory]
    [MemberData(nameof(Widths))]
    public void LstmUpdateMatchesBothReferences(string width)
    {
        var layer = OneStepLayer.Create(RecurrentCell.Lstm, peephole: false, seed: 1);
        void Check<T>() where T : struct
        {
            float[] h = layer.Padded(layer.H0), c = layer.Padded(layer.C0), z = layer.Sums();
            LstmCell.UpdateBlocks<T>(ref z[0], ref c[0], ref h[0], (nuint)layer.Blocks);
            layer.AssertState(h, c, width);
        }
        OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void LstmUpdateFromRegistersEqualsTheUpdateFromMemory(string width)
    {
        var layer = OneStepLayer.Create(RecurrentCell.Lstm, peephole: false, seed: 2);
        void Check<T>() where T : struct
        {
            float[] h1 = layer.Padded(layer.H0), c1 = layer.Padded(layer.C0), h2 = layer.Padded(layer.H0), c2 = layer.Padded(layer.C0), z = layer.Sums();
            LstmCell.UpdateBlocks<T>(ref z[0], ref c1[0], ref h1[0], (nuint)layer.Blocks);
            int n = Lanes.Count<T>();
            for (int unit = 0; unit < layer.P; unit += n)
            {
                int column = GateLayout.Column(0, unit);
                LstmCell.Update(Lanes.Load<T>(ref z[0], (nuint)column), Lanes.Load<T>(ref z[0], (nuint)column + 16), Lanes.Load<T>(ref z[0], (nuint)column + 32),
                    Lanes.Load<T>(ref z[0], (nuint)column + 48), ref c2[0], ref h2[0], (nuint)unit);
            }
            Assert.Equal(h1, h2);
            Assert.Equal(c1, c2);
        }
        OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void LstmRecordHoldsTheActivations(string width)
    {
        var layer = OneStepLayer.Create(RecurrentCell.Lstm, peephole: false, seed: 3);
        void Check<T>() where T : struct
        {
            float[] h = layer.Padded(layer.H0), c = layer.Padded(layer.C0), z = layer.Sums(), record = new float[7 * layer.P];
            LstmCell.RecordBlocks<T>(ref z[0], ref c[0], ref h[0], ref record[0], (nuint)layer.Blocks);
            layer.AssertState(h, c, width);
            double[] zd = layer.SumsInDouble();
            for (int u = 0; u < layer.Hidden; u++)
            {
                for (int gate = 0; gate < 4; gate++)
                {
                    double s = zd[GateLayout.Column(gate, u)], expected = gate == 2 ? Math.Tanh(s) : 1 / (1 + Math.Exp(-s));
                    Assert.True(Math.Abs(record[GateLayout.Column(gate, u)] - expected) < 1e-6, $"{width}: gate {gate} of unit {u}");
                }
                Assert.Equal(c[u], record[4 * layer.P + u]);
                Assert.True(Math.Abs(record[5 * layer.P + u] - Math.Tanh(c[u])) < 1e-6, $"{width}: tanh(c) of unit {u}");
                Assert.Equal(h[u], record[6 * layer.P + u]);
            }
        }
        OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void LstmGradientsMatchFiniteDifferencesAndTheReferenceModel(string width)
    {
        var layer = OneStepLayer.Create(RecurrentCell.Lstm, peephole: false, seed: 4);
        void Check<T>() where T : struct
        {
            float[] record = layer.Record<T>();
            float[] dh = layer.Padded(layer.LossH), dc = layer.Padded(layer.LossC), cPrevious = layer.Padded(layer.C0), dz = new float[4 * layer.P];
            LstmCell.Gradients<T>(ref record[0], ref dh[0], ref dc[0], ref cPrevious[0], ref dz[0], (nuint)layer.Blocks);
            layer.AssertGateGradients(dz, width);
            layer.AssertCellGradient(dc, width);
        }
        OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void PeepholeUpdateAndGradientsMatchTheReferences(string width)
    {
        var layer = OneStepLayer.Create(RecurrentCell.Lstm, peephole: true, seed: 5);
        void Check<T>() where T : struct
        {
            float[] h = layer.Padded(layer.H0), c = layer.Padded(layer.C0), z = layer.Sums(), peepholes = layer.PeepholeRow();
            PeepholeLstmCell.UpdateBlocks<T>(ref z[0], ref c[0], ref h[0], ref peepholes[0], (nuint)layer.Blocks);
            layer.AssertState(h, c, width);

            float[] record = new float[7 * layer.P];
            float[] h2 = layer.Padded(layer.H0), c2 = layer.Padded(layer.C0);
            PeepholeLstmCell.RecordBlocks<T>(ref z[0], ref c2[0], ref h2[0], ref peepholes[0], ref record[0], (nuint)layer.Blocks);
            Assert.Equal(h, h2);
            float[] dh = layer.Padded(layer.LossH), dc = layer.Padded(layer.LossC), cPrevious = layer.Padded(layer.C0), dz = new float[4 * layer.P], dp = new float[4 * layer.P];
            PeepholeLstmCell.Gradients<T>(ref record[0], ref dh[0], ref dc[0], ref cPrevious[0], ref peepholes[0], ref dp[0], ref dz[0], (nuint)layer.Blocks);
            layer.AssertGateGradients(dz, width);
            layer.AssertCellGradient(dc, width);
            layer.AssertPeepholeGradients(dp, width);
        }
        OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void GruUpdateAndGradientsMatchTheReferences(string width)
    {
        var layer = OneStepLayer.Create(RecurrentCell.Gru, peephole: false, seed: 6);
        void Check<T>() where T : struct
        {
            float[] h = layer.Padded(layer.H0), z = layer.Sums();
            GruCell.UpdateBlocks<T>(ref z[0], ref h[0], (nuint)layer.Blocks);
            layer.AssertState(h, null, width);

            float[] record = new float[7 * layer.P], h2 = layer.Padded(layer.H0);
            GruCell.RecordBlocks<T>(ref z[0], ref h2[0], ref record[0], (nuint)layer.Blocks);
            Assert.Equal(h, h2);
            Assert.Equal(h.AsSpan(0, layer.P).ToArray(), record.AsSpan(6 * layer.P, layer.P).ToArray());
            float[] dh = layer.Padded(layer.LossH), hPrevious = layer.Padded(layer.H0), dz = new float[4 * layer.P];
            GruCell.Gradients<T>(ref record[0], ref dh[0], ref hPrevious[0], ref dz[0], (nuint)layer.Blocks);
            layer.AssertGateGradients(dz, width);
            layer.AssertDirectHiddenGradient(dh, dz, width);
        }
        OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ProjectionStepMatchesItsDefinition(string width)
    {
        const int hidden = 20, projection = 7, columns = 16;
        var random = new Random(7);
        float[] weightHr = Enumerable.Range(0, projection * hidden).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] packed = new float[GateLayout.ProjectionLength(hidden, projection)];
        GateLayout.PackProjection(weightHr, hidden, projection, packed);
        float[] m = Enumerable.Range(0, 32).Select(i => i < hidden ? (float)(random.NextDouble() - 0.5) : 0f).ToArray();
        float[] dh = Enumerable.Range(0, columns).Select(i => i < projection ? (float)(random.NextDouble() - 0.5) : 0f).ToArray();
        void Check<T>() where T : struct
        {
            float[] h = new float[columns], dm = Enumerable.Repeat(9f, 32).ToArray(), gradients = new float[packed.Length];
            ProjectionStep.Forward<T>(ref packed[0], ref m[0], hidden, ref h[0], columns);
            ProjectionStep.Backward<T>(ref packed[0], ref gradients[0], ref dh[0], ref m[0], hidden, ref dm[0], 32, columns);
            for (int r = 0; r < columns; r++)
            {
                double expected = 0;
                for (int j = 0; r < projection && j < hidden; j++) expected += (double)weightHr[r * hidden + j] * m[j];
                Assert.True(Math.Abs(h[r] - expected) < 1e-5, $"{width}: h[{r}] = {h[r]}, expected {expected}");
            }
            for (int j = 0; j < 32; j++)
            {
                double expected = 0;
                for (int r = 0; j < hidden && r < projection; r++) expected += (double)weightHr[r * hidden + j] * dh[r];
                Assert.True(Math.Abs(dm[j] - expected) < 1e-5, $"{width}: dm[{j}] = {dm[j]}, expected {expected}");
            }
            for (int j = 0; j < hidden; j++)
                for (int r = 0; r < projection; r++)
                    Assert.True(Math.Abs(gradients[(1 + j) * columns + r] - (double)dh[r] * m[j]) < 1e-6, $"{width}: dW_hr[{r}, {j}]");
        }
        OnWidth(width, Check<Vector512<float>>, Check<Vector256<float>>, Check<Vector128<float>>, Check<float>);
    }
}
