// Checks the float reference LSTM's numbers against the independent double-precision ScalarLstm and
// against values worked out by hand.
using System;
using LstmGen.Reference;
using LstmGen.Tests.Golden;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Reference;

public sealed class ReferenceLstmAgreementTests
{
    /// <summary>
    /// Max-normalised error (golden README section 6) allowed between the float model and the double
    /// one on random models. Measured worst over the LSTM rows: 3.7e-7 (float sums over ≤ 34 terms, ≤ 15
    /// steps). A single small logit that is a sum of 26 cancelling terms (bigru-token-L2-H13-Sigmoid1-FinalState:
    /// |logit| 6.2e-3, absolute error 1.9e-8) reaches 3e-6, so the bound is 5e-6 — still 4× tighter than
    /// the golden forward budget of 2e-5.
    /// </summary>
    private const double Tolerance = 5e-6;

    private readonly ITestOutputHelper _output;

    public ReferenceLstmAgreementTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Shapes() => RandomModels.AllNames();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ParameterLayoutMatchesPyTorchOrder(string name)
    {
        ModelShape shape = RandomModels.Get(name);
        var scalar = ScalarLstm.For(shape, new float[shape.ParameterCount]);
        Assert.Equal(shape.ParameterCount, scalar.ParameterCount);
        Assert.Equal(shape.Tensors.Count, scalar.Offsets.Count);
        for (int i = 0; i < shape.Tensors.Count; i++)
        {
            Assert.Equal(scalar.Offsets[i].Name, shape.Tensors[i].Name);
            Assert.Equal(scalar.Offsets[i].Offset, shape.Tensors[i].Offset);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ZeroStatePredictMatchesDoublePrecision(string name)
    {
        ModelShape shape = RandomModels.Get(name);
        foreach (int steps in new[] { 1, 2, 9 })
        {
            ReferenceLstm model = RandomModels.Create(shape, seed: 100 + steps);
            float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed: 200 + steps);
            int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed: 300 + steps) : [];
            var output = new float[shape.OutputLength(steps)];
            if (shape.IsTokenModel) ((ITokenSequenceModel)model).Predict(tokens, output);
            else ((IFloatSequenceModel)model).Predict(inputs, output);

            var scalar = ScalarLstm.For(shape, model.Parameters);
            ScalarLstm.Result expected = shape.IsTokenModel
                ? scalar.RunTokens(tokens, null, null, logits: false)
                : scalar.RunFloat(inputs, null, null, logits: false);
            AssertClose($"{name} T={steps} output", output, expected.Output);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CarriedStatePredictMatchesDoublePrecision(string name)
    {
        ModelShape shape = RandomModels.Get(name);
        const int steps = 7;
        foreach (HeadOutput kind in new[] { HeadOutput.Activated, HeadOutput.Logits })
        {
            ReferenceLstm model = RandomModels.Create(shape, seed: 11);
            float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed: 12);
            int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed: 13) : [];
            var (state, h0, c0) = RandomModels.State(model, seed: 14);
            var output = new float[shape.OutputLength(steps)];
            RandomModels.Predict(model, inputs, tokens, output, state, kind);

            var scalar = ScalarLstm.For(shape, model.Parameters);
            bool logits = kind == HeadOutput.Logits;
            ScalarLstm.Result expected = shape.IsTokenModel
                ? scalar.RunTokens(tokens, h0, c0, logits)
                : scalar.RunFloat(inputs, h0, c0, logits);
            AssertClose($"{name} {kind} output", output, expected.Output);
            for (int k = 0; k < shape.StateSlotCount; k++)
            {
                AssertClose($"{name} h_n[{k}]", state.Hidden(k), expected.H[k]);
                AssertClose($"{name} c_n[{k}]", state.Cell(k), expected.C[k]);
            }
        }
    }

    [Fact]
    public void SaturatedGatesMatchDoublePrecision()
    {
        // Weights ×4 and inputs ×5, as in the golden "saturated" case: sigmoid and tanh run in their tails.
        var shape = new ModelShape(3, 0, 0, 7, 2, 5, Head.Softmax, HeadOn.EveryStep);
        ReferenceLstm model = RandomModels.Create(shape, seed: 5, scale: 4f);
        float[] inputs = RandomModels.Inputs(shape, 15, seed: 6, scale: 5f);
        var output = new float[shape.OutputLength(15)];
        ((IFloatSequenceModel)model).Predict(inputs, output);
        AssertClose("saturated", output, ScalarLstm.For(shape, model.Parameters).RunFloat(inputs, null, null, false).Output);
    }

    [Fact]
    public void SoftmaxOfHugeLogitsDoesNotOverflow()
    {
        // h = 0 after a step with all-zero LSTM weights, so the logits are the head bias itself.
        var shape = new ModelShape(1, 0, 0, 2, 1, 3, Head.Softmax, HeadOn.LastStep);
        var model = new ReferenceLstm(shape);
        new float[] { 1000f, 999f, -1000f }.CopyTo(model.Parameters.Slice(shape.GetTensor(ModelShape.HeadBiasName).Offset, 3));
        var output = new float[3];
        model.Predict([0.5f], output);
        double e = Math.Exp(-1);
        AssertClose("softmax(1000, 999, -1000)", output, [1 / (1 + e), e / (1 + e), 0]);
    }

    /// <summary>
    /// One unit, one step, worked out by hand: x = 1, h0 = 0.5, c0 = 0.4, and weights chosen so that
    /// z = (b_ih + b_hh) + W_ih·x + W_hh·h0 = [1, 0, 1, 1] for gates i, f, g, o (every term exact in float).
    /// </summary>
    [Fact]
    public void OneUnitOneStepMatchesHandComputation()
    {
        var shape = new ModelShape(1, 0, 0, 1, 1, 1, Head.Sigmoid, HeadOn.LastStep);
        var model = new ReferenceLstm(shape);
        Span<float> p = model.Parameters;
        // Block order: W_ih [4,1] at 0, W_hh [4,1] at 4, b_ih [4] at 8, b_hh [4] at 12, head.weight [1,1] at 16, head.bias [1] at 17.
        float[] weightIh = [0.5f, -0.5f, 1f, 2f];
        float[] weightHh = [0.5f, -1f, 0f, -2f];
        float[] biasIh = [0.125f, 0.5f, -0.5f, 0f];
        float[] biasHh = [0.125f, 0.5f, 0.5f, 0f];
        weightIh.CopyTo(p.Slice(0));
        weightHh.CopyTo(p.Slice(4));
        biasIh.CopyTo(p.Slice(8));
        biasHh.CopyTo(p.Slice(12));
        p[16] = 2f;
        p[17] = -0.25f;
        model.ParametersChanged();

        LstmState state = model.CreateState();
        state.Hidden(0)[0] = 0.5f;
        state.Cell(0)[0] = 0.4f;
        Span<float> logit = stackalloc float[1];
        Span<float> probability = stackalloc float[1];
        LstmState copy = state.Clone();
        model.Step([1f], logit, state, HeadOutput.Logits);
        model.Step([1f], probability, copy, HeadOutput.Activated);

        // z_i = 0.25 + 0.5 + 0.25 = 1, z_f = 1 − 0.5 − 0.5 = 0, z_g = 0 + 1 + 0 = 1, z_o = 0 + 2 − 1 = 1
        // i = o = σ(1) = 0.7310585786300049, f = σ(0) = 0.5, g = tanh(1) = 0.7615941559557649
        // c = f·c0 + i·g = 0.2 + 0.5567699411459397 = 0.7567699411459397
        // h = o·tanh(c) = 0.7310585786300049 · 0.6391704496395569 = 0.46727104041579565
        // logit = 2h − 0.25 = 0.6845420808315913, σ(logit) = 0.6647516876683529
        Assert.Equal(0.7567699411459397, state.Cell(0)[0], 1e-6);
        Assert.Equal(0.46727104041579565, state.Hidden(0)[0], 1e-6);
        Assert.Equal(0.6845420808315913, logit[0], 1e-6);
        Assert.Equal(0.6647516876683529, probability[0], 1e-6);
        Assert.Equal(state.Hidden(0)[0], copy.Hidden(0)[0]);
    }

    private void AssertClose(string what, ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        NormalisedError e = NormalisedError.Of(actual, expected);
        _output.WriteLine($"{what}: {e}");
        Assert.True(e.Error <= Tolerance, $"{what}: {e}, tolerance {Tolerance:E1}");
    }
}
