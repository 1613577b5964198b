// Checks what is particular to bidirectional and GRU reference models: a bidirectional layer is exactly a
// forward unidirectional layer plus a unidirectional layer run on the reversed sequence (the definition, with
// the golden-checked unidirectional cells as building blocks), Step is refused, the state's slots are h0/c0 in
// and h_n/c_n out, a GRU ignores the cell state, and one GRU step worked out by hand.
using System;
using System.Linq;
using LstmGen.Reference;
using Xunit;

namespace LstmGen.Tests.Reference;

public sealed class ReferenceBidirectionalTests
{
    public static TheoryData<string> Bidirectional() => RandomModels.BidirectionalNames();

    [Theory]
    [InlineData(RecurrentCell.Lstm, Head.None, HeadOn.EveryStep)]
    [InlineData(RecurrentCell.Gru, Head.None, HeadOn.EveryStep)]
    [InlineData(RecurrentCell.Lstm, Head.Softmax, HeadOn.EveryStep)]
    [InlineData(RecurrentCell.Gru, Head.Linear, HeadOn.LastStep)]
    [InlineData(RecurrentCell.Gru, Head.None, HeadOn.LastStep)]
    [InlineData(RecurrentCell.Lstm, Head.Softmax, HeadOn.EveryStep, true)]
    public void ABidirectionalModelIsTwoUnidirectionalRunsPerLayer(RecurrentCell cell, Head head, HeadOn on, bool peephole = false)
    {
        const int inputs = 3, hidden = 5, layers = 2, steps = 7, outputs = 4;
        var shape = new ModelShape(inputs, 0, 0, hidden, layers, head == Head.None ? 0 : outputs, head, on, cell, bidirectional: true, peephole);
        ReferenceLstm model = RandomModels.Create(shape, seed: 101);
        float[] x = RandomModels.Inputs(shape, steps, seed: 102);
        var (state, _, _) = RandomModels.State(model, seed: 103);
        LstmState initial = state.Clone();
        var output = new float[shape.OutputLength(steps)];
        var logits = new float[shape.OutputLength(steps)];
        model.Predict(x, output, state, HeadOutput.Activated);
        model.Predict(x, logits, initial.Clone(), HeadOutput.Logits);

        // Compose the same computation from unidirectional one-layer models: direction 0 over the sequence,
        // direction 1 over the reversed sequence with the _reverse weights, its outputs reversed back.
        float[] sequence = x;
        for (int k = 0; k < layers; k++)
        {
            int width = shape.LayerInputSize(k);
            var next = new float[steps * 2 * hidden];
            for (int d = 0; d < 2; d++)
            {
                var single = new ModelShape(width, 0, 0, hidden, 1, 0, Head.None, HeadOn.EveryStep, cell, peephole: peephole);
                var part = new ReferenceLstm(single);
                foreach (LayerParameter p in Enum.GetValues<LayerParameter>())
                {
                    if (p == LayerParameter.WeightCh && !peephole) continue; // only a peephole layer has it
                    if (p == LayerParameter.WeightHr) continue; // a bidirectional model has no projection
                    ParameterTensor from = shape.GetLayerTensor(p, k, d), to = single.GetLayerTensor(p, 0);
                    model.Parameters.Slice(from.Offset, from.Length).CopyTo(part.Parameters.Slice(to.Offset, to.Length));
                }
                LstmState partState = part.CreateState();
                initial.Hidden(k * 2 + d).CopyTo(partState.Hidden(0));
                initial.Cell(k * 2 + d).CopyTo(partState.Cell(0));
                float[] input = d == 0 ? sequence : Reverse(sequence, width);
                var h = new float[steps * hidden];
                part.Predict(input, h, partState);
                if (d == 1) h = Reverse(h, hidden);
                for (int t = 0; t < steps; t++) h.AsSpan(t * hidden, hidden).CopyTo(next.AsSpan(t * 2 * hidden + d * hidden));

                // The slot's final state: the forward direction's at t = T−1, the reverse direction's at t = 0.
                Assert.Equal(partState.Hidden(0).ToArray(), state.Hidden(k * 2 + d).ToArray());
                Assert.Equal(partState.Cell(0).ToArray(), state.Cell(k * 2 + d).ToArray());
            }
            sequence = next;
        }

        // The head reads [h_forward, h_backward] of the top layer (2H wide).
        int top = 2 * hidden;
        int[] emitted = on == HeadOn.EveryStep ? Enumerable.Range(0, steps).ToArray() : [steps - 1];
        if (head == Head.None)
        {
            float[] expected = emitted.SelectMany(t => sequence.AsSpan(t * top, top).ToArray()).ToArray();
            Assert.Equal(expected, output);
            return;
        }
        ParameterTensor weight = shape.GetTensor(ModelShape.HeadWeightName), bias = shape.GetTensor(ModelShape.HeadBiasName);
        Assert.Equal([outputs, top], weight.Shape.ToArray());
        var expectedLogits = new double[emitted.Length * outputs];
        for (int e = 0; e < emitted.Length; e++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double sum = model.Parameters[bias.Offset + o];
                for (int j = 0; j < top; j++) sum += (double)model.Parameters[weight.Offset + o * top + j] * sequence[emitted[e] * top + j];
                expectedLogits[e * outputs + o] = sum;
            }
        }
        Assert.True(Golden.NormalisedError.Of(logits, expectedLogits).Error < 1e-6, Golden.NormalisedError.Of(logits, expectedLogits).ToString());
    }

    [Theory]
    [MemberData(nameof(Bidirectional))]
    public void StepIsRefusedWithAPointerToPredict(string name)
    {
        ModelShape shape = RandomModels.Get(name);
        ReferenceLstm model = RandomModels.Create(shape, seed: 111);
        var (state, _, _) = RandomModels.State(model, seed: 112);
        LstmState before = state.Clone();
        var output = new float[shape.StepOutputSize];
        NotSupportedException e = shape.IsTokenModel
            ? Assert.Throws<NotSupportedException>(() => model.Step(0, output, state))
            : Assert.Throws<NotSupportedException>(() => model.Step(new float[shape.InputSize], output, state));
        Assert.Contains("bidirectional", e.Message);
        Assert.Contains("Use Predict (the whole sequence)", e.Message);
        for (int s = 0; s < shape.StateSlotCount; s++) Assert.Equal(before.Hidden(s).ToArray(), state.Hidden(s).ToArray());
    }

    [Fact]
    public void TheStateHasOneSlotPerLayerAndDirection()
    {
        var shape = new ModelShape(2, 0, 0, 6, 3, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru, bidirectional: true);
        var model = new ReferenceLstm(shape);
        LstmState state = model.CreateState();
        Assert.Equal(6, state.SlotCount);
        Assert.Equal(6, state.HiddenSize);

        // A state of a unidirectional model of the same sizes has too few slots.
        var unidirectional = new ReferenceLstm(new ModelShape(2, 0, 0, 6, 3, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru));
        var e = Assert.Throws<ArgumentException>(() => model.Predict(new float[4], new float[24], unidirectional.CreateState()));
        Assert.Equal("state", e.ParamName);
        Assert.Contains("3 slot(s)", e.Message);
    }

    [Fact]
    public void TwoSequencesFromOneCarriedStateAreNotOneLongSequence()
    {
        // The reverse direction of the second call starts from the first call's reverse final state (at its
        // t = 0), not from the future: a bidirectional model cannot split a sequence. Documented, so checked.
        var shape = new ModelShape(1, 0, 0, 3, 1, 0, Head.None, HeadOn.EveryStep, bidirectional: true);
        ReferenceLstm model = RandomModels.Create(shape, seed: 121);
        float[] x = RandomModels.Inputs(shape, 6, seed: 122);
        var whole = new float[36];
        model.Predict(x, whole);
        LstmState carried = model.CreateState();
        var first = new float[18];
        var second = new float[18];
        model.Predict(x.AsSpan(0, 3), first, carried);
        model.Predict(x.AsSpan(3), second, carried);
        // Forward halves agree with the whole run (same recurrence); backward halves do not.
        for (int t = 0; t < 3; t++) Assert.Equal(whole.AsSpan(t * 6, 3).ToArray(), first.AsSpan(t * 6, 3).ToArray());
        Assert.NotEqual(whole.AsSpan(3, 3).ToArray(), first.AsSpan(3, 3).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AGruIgnoresAndKeepsTheCellState(bool bidirectional)
    {
        var shape = new ModelShape(0, 7, 3, 4, 2, 2, Head.Sigmoid, HeadOn.EveryStep, RecurrentCell.Gru, bidirectional);
        ReferenceLstm model = RandomModels.Create(shape, seed: 131);
        int[] tokens = RandomModels.Tokens(shape, 5, seed: 132);
        LstmState zero = model.CreateState(), withCell = model.CreateState();
        for (int s = 0; s < shape.StateSlotCount; s++) withCell.Cell(s).Fill(3f);
        var a = new float[shape.OutputLength(5)];
        var b = new float[a.Length];
        model.Predict(tokens, a, zero);
        model.Predict(tokens, b, withCell);
        Assert.Equal(a, b);
        for (int s = 0; s < shape.StateSlotCount; s++)
        {
            Assert.All(zero.Cell(s).ToArray(), v => Assert.Equal(0f, v));
            Assert.All(withCell.Cell(s).ToArray(), v => Assert.Equal(3f, v));
            Assert.Equal(zero.Hidden(s).ToArray(), withCell.Hidden(s).ToArray());
        }
    }

    /// <summary>
    /// One GRU unit, one step, by hand: x = 1, h0 = 0.5, weights chosen so r = z = σ(0) = 0.5, the n gate's
    /// input part is 1 and its recurrent part W_hn·h0 + b_hn = 2 (every term exact in float). PyTorch puts b_hn
    /// inside the reset product: n = tanh(1 + r·2) = tanh(2); with b_hn outside it would be tanh(2.5).
    /// </summary>
    [Fact]
    public void OneGruUnitOneStepMatchesHandComputation()
    {
        var shape = new ModelShape(1, 0, 0, 1, 1, 0, Head.None, HeadOn.LastStep, RecurrentCell.Gru);
        var model = new ReferenceLstm(shape);
        // Block order: W_ih [3,1] at 0, W_hh [3,1] at 3, b_ih [3] at 6, b_hh [3] at 9; rows r, z, n.
        float[] p = [0.5f, -0.5f, 1f, /* W_hh */ -1f, 2f, 2f, /* b_ih */ 0f, -0.5f, 0f, /* b_hh */ 0f, 0f, 1f];
        p.CopyTo(model.Parameters);
        Assert.Equal(p.Length, shape.ParameterCount);
        LstmState state = model.CreateState();
        state.Hidden(0)[0] = 0.5f;
        Span<float> h = stackalloc float[1];
        model.Step([1f], h, state);
        // r = σ(0 + 0 + 0.5 − 0.5) = 0.5, z = σ(−0.5 + 0 − 0.5 + 1) = 0.5, n = tanh(0 + 1 + 0.5·(1 + 1)) = tanh(2)
        // h = (1 − z)·n + z·h0 = 0.5·0.9640275800758169 + 0.25 = 0.7320137900379085
        Assert.Equal(0.7320137900379085, h[0], 1e-6);
        Assert.Equal(h[0], state.Hidden(0)[0]);
        Assert.Equal(0f, state.Cell(0)[0]);
    }

    private static float[] Reverse(float[] sequence, int width)
    {
        int steps = sequence.Length / width;
        var reversed = new float[sequence.Length];
        for (int t = 0; t < steps; t++) sequence.AsSpan(t * width, width).CopyTo(reversed.AsSpan((steps - 1 - t) * width));
        return reversed;
    }
}
