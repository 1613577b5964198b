// Checks Backward's finalStateGradients (dLoss/d(h_n, c_n), as an encoder receives it from its decoder) for the
// generated models and the reference model against central differences of the double-precision ScalarLstm.
using System;
using System.Collections.Generic;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Tests.Reference;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Numeric;

public sealed class FinalStateGradientTests
{
    /// <summary>As <see cref="GeneratedGradientTests"/>: float32 analytic gradients against double central differences with float steps of 2^−10.</summary>
    private const double Tolerance = 2e-4;

    private const int Steps = 5;

    /// <summary>LSTM and GRU, 1 and 2 layers, with and without a head, float and token inputs; and bidirectional forms.</summary>
    public static TheoryData<string> Cases() => new()
    {
        "lstm-float-L1-nohead", "lstm-token-L1-softmax-every", "lstm-float-L2-nohead", "lstm-token-L2-linear-last",
        "gru-float-L1-nohead", "gru-token-L1-softmax-every", "gru-float-L2-linear-last", "gru-token-L2-nohead",
        "bilstm-float-L2-nohead", "bilstm-token-L1-sigmoid-final", "bigru-float-L2-linear-every",
    };

    private static ModelShape Shape(string name)
    {
        string[] parts = name.Split('-');
        RecurrentCell cell = parts[0].EndsWith("gru", StringComparison.Ordinal) ? RecurrentCell.Gru : RecurrentCell.Lstm;
        bool bidirectional = parts[0].StartsWith("bi", StringComparison.Ordinal);
        bool token = parts[1] == "token";
        int layers = parts[2] == "L2" ? 2 : 1;
        (Head head, int outputs) = parts[3] switch
        {
            "softmax" => (Head.Softmax, 4),
            "linear" => (Head.Linear, 3),
            "sigmoid" => (Head.Sigmoid, 2),
            _ => (Head.None, 0),
        };
        HeadOn on = parts.Length < 5 ? HeadOn.LastStep : parts[4] switch { "every" => HeadOn.EveryStep, "final" => HeadOn.FinalState, _ => HeadOn.LastStep };
        int hidden = 5 + 2 * layers + (cell == RecurrentCell.Gru ? 1 : 0); // 7 … 10: padding lanes in every vector
        return token
            ? new ModelShape(0, 9, 4, hidden, layers, outputs, head, on, cell, bidirectional)
            : new ModelShape(3, 0, 0, hidden, layers, outputs, head, on, cell, bidirectional);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratedFinalStateGradientsMatchFiniteDifferences(string name)
    {
        ModelShape shape = Shape(name);
        var model = (ITrainableModel)ModelCompiler.CreateModel(shape);
        RandomModels.Create(shape, name.Length).Parameters.CopyTo(model.Parameters);
        model.ParametersChanged();
        Check(model, name.Length, withOutputs: true);
        Check(model, name.Length + 1, withOutputs: false);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReferenceFinalStateGradientsMatchFiniteDifferences(string name)
    {
        ModelShape shape = Shape(name);
        ReferenceLstm model = RandomModels.Create(shape, name.Length);
        Check(model, name.Length, withOutputs: true);
        Check(model, name.Length + 1, withOutputs: false);
    }

    [Fact]
    public void WithoutFinalStateGradientsBackwardIsUnchangedAndAZeroOneAddsNothing()
    {
        ModelShape shape = Shape("lstm-token-L2-linear-last");
        var model = (ITrainableModel)ModelCompiler.CreateModel(shape);
        RandomModels.Create(shape, 3).Parameters.CopyTo(model.Parameters);
        model.ParametersChanged();
        int[] tokens = RandomModels.Tokens(shape, Steps, 3);
        var outputs = new float[shape.OutputLength(Steps)];
        TrainingTape tape = model.CreateTape(Steps);
        ((ITokenTrainableModel)model).Forward(tokens, outputs, model.CreateState(), tape);
        var dOut = new float[outputs.Length];
        dOut.AsSpan().Fill(0.5f);
        float[] Run(LstmState? final)
        {
            GradientBuffer g = model.CreateGradients();
            model.Backward(tape, dOut, g, default, null, final);
            var p = new float[shape.ParameterCount];
            model.CopyGradients(g, p);
            return p;
        }
        float[] none = Run(null);
        Assert.Equal(none, Run(model.CreateState()));
        // A second Backward on the same tape after one with a final-state gradient starts from zero again.
        LstmState some = model.CreateState();
        some.Hidden(1).Fill(1f);
        Assert.NotEqual(none, Run(some));
        Assert.Equal(none, Run(null));
    }

    [Fact]
    public void AFinalStateGradientOfAnotherShapeIsRefused()
    {
        ModelShape shape = Shape("lstm-float-L2-nohead");
        var generated = (IFloatTrainableModel)ModelCompiler.CreateModel(shape);
        ReferenceLstm reference = RandomModels.Create(shape, 1);
        foreach (IFloatTrainableModel model in new IFloatTrainableModel[] { generated, reference })
        {
            TrainingTape tape = model.CreateTape(Steps);
            var outputs = new float[shape.OutputLength(Steps)];
            model.Forward(new float[Steps * shape.InputSize], outputs, model.CreateState(), tape);
            var e = Assert.Throws<ArgumentException>(() => model.Backward(tape, outputs, model.CreateGradients(), default, null, new LstmState(1, shape.HiddenSize)));
            Assert.Equal("finalStateGradients", e.ParamName);
            Assert.Matches($"has 1 (layer|slot)\\(s\\) of {shape.HiddenSize} units", e.Message);
            Assert.Contains("CreateState()", e.Message);
        }
    }

    /// <summary>
    /// The loss is Σ a·outputs (when <paramref name="withOutputs"/>) + Σ b·h_n + Σ e·c_n (LSTM) over every state
    /// slot, from a random initial state: Backward gets a as output gradients and (b, e) as finalStateGradients;
    /// every parameter, every float input and h0/c0 are compared with central differences.
    /// </summary>
    private static void Check(ITrainableModel model, int seed, bool withOutputs)
    {
        ModelShape shape = model.Shape;
        var random = new Random(seed);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, Steps, seed) : Array.Empty<int>();
        float[] inputs = shape.IsTokenModel ? Array.Empty<float>() : RandomModels.Inputs(shape, Steps, seed);
        int slots = shape.StateSlotCount, hidden = shape.HiddenSize;
        var h0 = new double[slots][];
        var c0 = new double[slots][];
        var b = new double[slots][];
        var e = new double[slots][];
        LstmState state = model.CreateState();
        LstmState finalGradients = model.CreateState();
        for (int k = 0; k < slots; k++)
        {
            h0[k] = new double[hidden];
            c0[k] = new double[hidden];
            b[k] = new double[hidden];
            e[k] = new double[hidden];
            for (int j = 0; j < hidden; j++)
            {
                h0[k][j] = state.Hidden(k)[j] = (float)(random.NextDouble() - 0.5);
                c0[k][j] = state.Cell(k)[j] = (float)(random.NextDouble() - 0.5);
                b[k][j] = finalGradients.Hidden(k)[j] = (float)(random.NextDouble() * 2 - 1);
                // A GRU ignores the cell part: a non-zero value there must not change anything.
                e[k][j] = finalGradients.Cell(k)[j] = (float)(random.NextDouble() * 2 - 1);
                if (!shape.HasCellState) e[k][j] = 0;
            }
        }
        var a = new float[shape.OutputLength(Steps)];
        if (withOutputs)
        {
            for (int i = 0; i < a.Length; i++) a[i] = (float)(random.NextDouble() * 2 - 1);
        }

        TrainingTape tape = model.CreateTape(Steps);
        var outputs = new float[a.Length];
        if (shape.IsTokenModel) ((ITokenTrainableModel)model).Forward(tokens, outputs, state, tape);
        else ((IFloatTrainableModel)model).Forward(inputs, outputs, state, tape);
        GradientBuffer buffer = model.CreateGradients();
        var inputGradients = new float[inputs.Length];
        LstmState initialGradients = model.CreateState();
        model.Backward(tape, a, buffer, inputGradients, initialGradients, finalGradients);
        var parameterGradients = new float[shape.ParameterCount];
        model.CopyGradients(buffer, parameterGradients);

        float[] parameters = model.Parameters.ToArray();
        double Loss()
        {
            ScalarLstm scalar = ScalarLstm.For(shape, parameters);
            ScalarLstm.Result r = shape.IsTokenModel ? scalar.RunTokens(tokens, h0, c0, logits: true) : scalar.RunFloat(inputs, h0, c0, logits: true);
            double sum = 0;
            for (int i = 0; i < r.Output.Length; i++) sum += a[i] * r.Output[i];
            for (int k = 0; k < slots; k++)
            {
                for (int j = 0; j < hidden; j++) sum += b[k][j] * r.H[k][j] + e[k][j] * r.C[k][j];
            }
            return sum;
        }

        string what = $"{model.GetType().Name} {shape}{(withOutputs ? "" : ", final state only")}";
        var numeric = new double[parameters.Length];
        for (int i = 0; i < parameters.Length; i++) numeric[i] = GeneratedGradientTests.Central(parameters, i, Loss);
        GeneratedGradientTests.AssertClose(numeric, Array.ConvertAll(parameterGradients, v => (double)v), Tolerance, $"{what}: parameter gradients");

        if (!shape.IsTokenModel)
        {
            var numericInputs = new double[inputs.Length];
            for (int i = 0; i < inputs.Length; i++) numericInputs[i] = GeneratedGradientTests.Central(inputs, i, Loss);
            GeneratedGradientTests.AssertClose(numericInputs, Array.ConvertAll(inputGradients, v => (double)v), Tolerance, $"{what}: input gradients");
        }

        // h0 and c0 (c0 only for an LSTM): the final-state gradient flows all the way back.
        var numericState = new List<double>();
        var analyticState = new List<double>();
        for (int k = 0; k < slots; k++)
        {
            for (int j = 0; j < hidden; j++)
            {
                numericState.Add(CentralState(h0, k, j));
                analyticState.Add(initialGradients.Hidden(k)[j]);
                if (!shape.HasCellState) continue;
                numericState.Add(CentralState(c0, k, j));
                analyticState.Add(initialGradients.Cell(k)[j]);
            }
        }
        GeneratedGradientTests.AssertClose(numericState.ToArray(), analyticState.ToArray(), Tolerance, $"{what}: dh0, dc0");

        double CentralState(double[][] s, int k, int j)
        {
            const double step = 1e-4;
            double saved = s[k][j];
            s[k][j] = saved + step;
            double plus = Loss();
            s[k][j] = saved - step;
            double minus = Loss();
            s[k][j] = saved;
            return (plus - minus) / (2 * step);
        }
    }
}
