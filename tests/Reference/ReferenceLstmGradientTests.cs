// Checks the reference LSTM's backward pass against central finite differences of the independent
// double-precision ScalarLstm, so the float gradients are measured against derivatives that share none
// of their arithmetic (and none of float32's rounding noise).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LstmGen.Reference;
using LstmGen.Tests.Golden;
using LstmGen.Training;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Reference;

public sealed class ReferenceLstmGradientTests
{
    /// <summary>
    /// Max-normalised error (golden README section 6) allowed per tensor between the float gradients
    /// and the double-precision finite differences. Measured worst over all 48 rows: 1.0e-6 (grad.h0 of a
    /// 3-layer model; weights 8e-7, everything else below); the bound leaves 5× headroom and is 20× tighter
    /// than the golden gradient budget of 1e-4. Using c_t for c_{t−1} in the forget gate's gradient fails
    /// every row.
    /// </summary>
    private const double Tolerance = 5e-6;

    /// <summary>
    /// Central-difference step, in doubles. Truncation error ~h²·|L'''|/6 ≈ 1e-10 and rounding error
    /// ~1e-16·|L|/h ≈ 1e-10 for these objectives (|L| of a few units), both ~1000× under the float
    /// gradients' own error, so the comparison measures the float implementation alone.
    /// </summary>
    private const double Step = 1e-5;

    /// <summary>Tensors longer than this are checked at a seeded sample of entries (plus their largest one), not at all.</summary>
    private const int FullCheckLimit = 100;
    private const int SampledEntries = 40;

    private static readonly List<string> AllNames = [.. RandomModels.Shapes.Keys, .. RandomModels.Variants.Keys];

    private readonly ITestOutputHelper _output;

    public ReferenceLstmGradientTests(ITestOutputHelper output) => _output = output;

    /// <summary>Every random shape (LSTM, GRU, bidirectional LSTM and GRU) at T = 1 from a zero state, and at T = 6 from a random h0/c0 and from zero.</summary>
    public static TheoryData<string, int, bool> Cases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string name in AllNames)
        {
            data.Add(name, 1, false);
            data.Add(name, 6, true);
            data.Add(name, 6, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchFiniteDifferencesOfTheDoubleModel(string name, int steps, bool withState)
    {
        ModelShape shape = RandomModels.Get(name);
        int seed = 1000 * steps + (withState ? 500 : 0) + AllNames.IndexOf(name);
        ReferenceLstm model = RandomModels.Create(shape, seed);
        float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed + 1);
        int[] tokens = shape.IsTokenModel ? TokensWithRepeat(shape, steps, seed + 2) : [];
        LstmState state;
        double[][] h0, c0;
        if (withState)
        {
            (state, h0, c0) = RandomModels.State(model, seed + 3);
        }
        else
        {
            state = model.CreateState();
            h0 = Zeros(shape.StateSlotCount, shape.HiddenStateSize);
            c0 = Zeros(shape.StateSlotCount, shape.HiddenSize);
        }

        // The objective is a fixed random linear function of the outputs, L = Σ v·output, so dL/doutput = v.
        float[] v = RandomVector(shape.OutputLength(steps), seed + 4);
        var outputs = new float[shape.OutputLength(steps)];
        TrainingTape tape = model.CreateTape(steps);
        Forward(model, inputs, tokens, outputs, state, tape);
        GradientBuffer gradients = model.CreateGradients();
        var inputGradients = new float[steps * shape.InputSize];
        LstmState stateGradients = model.CreateState();
        model.Backward(tape, v, gradients, inputGradients, stateGradients);
        var parameterGradients = new float[shape.ParameterCount];
        model.CopyGradients(gradients, parameterGradients);

        var scalar = ScalarLstm.For(shape, model.Parameters);
        double[][] xs = ToVectors(inputs, shape.InputSize);
        double Objective()
        {
            double[] y = shape.IsTokenModel ? scalar.RunTokens(tokens, h0, c0, logits: true).Output : scalar.RunVectors(xs, h0, c0, logits: true).Output;
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += v[i] * y[i];
            return sum;
        }

        var failures = new List<string>();
        var random = new Random(seed + 5);
        foreach (ParameterTensor tensor in shape.Tensors)
        {
            ReadOnlySpan<float> impl = parameterGradients.AsSpan(tensor.Offset, tensor.Length);
            int[] entries = Entries(impl, random);
            var sampled = new float[entries.Length];
            var reference = new double[entries.Length];
            for (int n = 0; n < entries.Length; n++)
            {
                sampled[n] = impl[entries[n]];
                reference[n] = Derivative(scalar.Parameters, tensor.Offset + entries[n], Objective);
            }
            Compare($"grad.{tensor.Name} ({entries.Length} of {tensor.Length})", sampled, reference, failures);
        }

        if (!shape.IsTokenModel)
        {
            var reference = new double[inputGradients.Length];
            for (int t = 0; t < steps; t++)
                for (int j = 0; j < shape.InputSize; j++) reference[t * shape.InputSize + j] = Derivative(xs[t], j, Objective);
            Compare("grad.input", inputGradients, reference, failures);
        }

        CompareState("grad.h0", stateGradients, h0, k => stateGradients.Hidden(k), Objective, failures);
        CompareState("grad.c0", stateGradients, c0, k => stateGradients.Cell(k), Objective, failures);

        Assert.True(failures.Count == 0, $"{name}, T={steps}{(withState ? ", h0/c0" : "")}:\n" + string.Join("\n", failures));
    }

    /// <summary>Compares one tensor, logs its error, and records it if out of tolerance.</summary>
    private void Compare(string label, ReadOnlySpan<float> impl, double[] reference, List<string> failures)
    {
        NormalisedError e = NormalisedError.Of(impl, reference);
        string line = string.Create(CultureInfo.InvariantCulture, $"{label}: {e}");
        _output.WriteLine(line);
        if (!(e.Error <= Tolerance)) failures.Add(line);
    }

    private void CompareState(string label, LstmState gradients, double[][] initial, Func<int, Span<float>> layerOf, Func<double> objective, List<string> failures)
    {
        int layers = gradients.SlotCount, hidden = layerOf(0).Length; // h is HiddenStateSize wide, c HiddenSize
        var impl = new float[layers * hidden];
        var reference = new double[layers * hidden];
        for (int k = 0; k < layers; k++)
        {
            layerOf(k).CopyTo(impl.AsSpan(k * hidden));
            for (int u = 0; u < hidden; u++) reference[k * hidden + u] = Derivative(initial[k], u, objective);
        }
        Compare(label, impl, reference, failures);
    }

    /// <summary>Central difference of <paramref name="objective"/> with respect to <paramref name="values"/>[<paramref name="index"/>].</summary>
    private static double Derivative(double[] values, int index, Func<double> objective)
    {
        double saved = values[index];
        values[index] = saved + Step;
        double up = objective();
        values[index] = saved - Step;
        double down = objective();
        values[index] = saved;
        return (up - down) / (2 * Step);
    }

    /// <summary>All entries of a short tensor; for a long one, a seeded sample plus the entry with the largest gradient (which sets the error's scale).</summary>
    private static int[] Entries(ReadOnlySpan<float> gradient, Random random)
    {
        if (gradient.Length <= FullCheckLimit) return Enumerable.Range(0, gradient.Length).ToArray();
        var entries = new SortedSet<int>();
        int largest = 0;
        for (int i = 1; i < gradient.Length; i++) if (Math.Abs(gradient[i]) > Math.Abs(gradient[largest])) largest = i;
        entries.Add(largest);
        while (entries.Count < SampledEntries) entries.Add(random.Next(gradient.Length));
        return entries.ToArray();
    }

    internal static void Forward(ReferenceLstm model, float[] inputs, int[] tokens, Span<float> outputs, LstmState state, TrainingTape tape)
    {
        if (model.Shape.IsTokenModel) ((ITokenTrainableModel)model).Forward(tokens, outputs, state, tape);
        else ((IFloatTrainableModel)model).Forward(inputs, outputs, state, tape);
    }

    /// <summary>Random tokens with the first and last ids and one id used twice, so an embedding row accumulates over steps.</summary>
    internal static int[] TokensWithRepeat(ModelShape shape, int steps, int seed)
    {
        int[] tokens = RandomModels.Tokens(shape, steps, seed);
        if (steps > 3) tokens[steps - 1] = tokens[2];
        return tokens;
    }

    internal static float[] RandomVector(int length, int seed)
    {
        var random = new Random(seed);
        var v = new float[length];
        for (int i = 0; i < length; i++) v[i] = (float)(random.NextDouble() * 2 - 1);
        return v;
    }

    private static double[][] ToVectors(float[] inputs, int width)
    {
        if (width == 0) return [];
        var xs = new double[inputs.Length / width][];
        for (int t = 0; t < xs.Length; t++)
        {
            xs[t] = new double[width];
            for (int j = 0; j < width; j++) xs[t][j] = inputs[t * width + j];
        }
        return xs;
    }

    private static double[][] Zeros(int layers, int hidden)
    {
        var a = new double[layers][];
        for (int k = 0; k < layers; k++) a[k] = new double[hidden];
        return a;
    }
}
