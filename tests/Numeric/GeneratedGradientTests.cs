// Finite-difference checks of the generated backward pass: gradients of every parameter, of float
// inputs and of h0/c0, against central differences of the independent double-precision LSTM.
using System;
using System.Collections.Generic;
using LstmGen.Tests.Generator;
using LstmGen.Tests.Reference;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Numeric;

public sealed class GeneratedGradientTests
{
    /// <summary>
    /// Max-normalised error bound. The analytic gradient is float32 (error ~1e-6 relative); the
    /// numerical one is a double central difference with float-representable steps of ~1e-3, whose
    /// truncation error is O(h²) ≈ 1e-6 relative for these smooth functions.
    /// </summary>
    private const double Tolerance = 2e-4;

    public static TheoryData<string> RandomShapes() => RandomModels.Names();

    public static TheoryData<string> SizeClasses() => new()
    {
        "Inputs = 5, Hidden = 37, Layers = 2, Outputs = 4, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep",
        "Vocabulary = 50, Embedding = 10, Hidden = 128, Outputs = 1, Head = LstmGen.Head.Sigmoid",
        "Vocabulary = 30, Embedding = 8, Hidden = 72, Layers = 3, Outputs = 30, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep",
        "Inputs = 3, Hidden = 300, Outputs = 20, HeadOn = LstmGen.HeadOn.EveryStep",
        "Inputs = 4, Hidden = 100, Layers = 3, Outputs = 5, HeadOn = LstmGen.HeadOn.EveryStep, Cell = LstmGen.RecurrentCell.Gru",
        "Vocabulary = 30, Embedding = 8, Hidden = 40, Layers = 2, Outputs = 3, Head = LstmGen.Head.Softmax, Bidirectional = true",
        "Inputs = 5, Hidden = 150, Layers = 2, Outputs = 3, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep, Bidirectional = true, Cell = LstmGen.RecurrentCell.Gru",
    };

    /// <summary>The GRU, bidirectional LSTM and bidirectional GRU forms (<see cref="RandomModels.Variants"/>).</summary>
    public static TheoryData<string> Variants() => RandomModels.VariantNames();

    [Theory]
    [MemberData(nameof(Variants))]
    public void EveryGruAndBidirectionalFormMatchesFiniteDifferences(string name) => Check(RandomModels.Variants[name], seed: name.Length * 31, steps: 6, maxChecked: 200);

    [Theory]
    [MemberData(nameof(RandomShapes))]
    public void EveryFormMatchesFiniteDifferences(string name) => Check(RandomModels.Shapes[name], seed: name.Length * 31, steps: 6, maxChecked: 300);

    [Theory]
    [MemberData(nameof(SizeClasses))]
    public void EverySizeClassMatchesFiniteDifferences(string arguments) =>
        Check(ModelCompiler.CreateModel(arguments).Shape, seed: arguments.Length, steps: 4, maxChecked: 150);

    /// <summary>
    /// Checks a generated model of <paramref name="shape"/> against the double model: Forward's outputs, then
    /// every (or a sample of) parameter, input and h0/c0 gradient by central differences. With dropout, the
    /// tape's seed fixes the masks and the double model applies the same ones (a fixed mask makes the loss a
    /// smooth function of everything else).
    /// </summary>
    internal static void Check(ModelShape shape, int seed, int steps, int maxChecked)
    {
        ulong dropoutSeed = (ulong)seed * 7919 + 1;
        ScalarLstm Scalar(float[] p)
        {
            ScalarLstm scalar = ScalarLstm.For(shape, p);
            if (shape.HasDropout) scalar.DropoutScale = ScalarLstm.Dropout(shape, dropoutSeed);
            return scalar;
        }
        var model = (ITrainableModel)ModelCompiler.CreateModel(shape);
        RandomModels.Create(shape, seed).Parameters.CopyTo(model.Parameters);
        model.ParametersChanged();
        var random = new Random(seed);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed) : Array.Empty<int>();
        float[] inputs = shape.IsTokenModel ? Array.Empty<float>() : RandomModels.Inputs(shape, steps, seed);
        var h0 = new double[shape.StateSlotCount][];
        var c0 = new double[shape.StateSlotCount][];
        for (int k = 0; k < shape.StateSlotCount; k++)
        {
            // h is HiddenStateSize wide (the projection size, or Hidden), c Hidden.
            h0[k] = new double[shape.HiddenStateSize];
            c0[k] = new double[shape.HiddenSize];
            for (int j = 0; j < shape.HiddenSize; j++)
            {
                if (j < shape.HiddenStateSize) h0[k][j] = (float)(random.NextDouble() - 0.5);
                c0[k][j] = (float)(random.NextDouble() - 0.5);
            }
        }
        // The loss is a random linear function of the outputs (logits, or h without a head): dL/doutputs = weights.
        var weights = new float[shape.OutputLength(steps)];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() * 2 - 1);

        // Analytic gradients from the generated code.
        LstmState state = model.CreateState();
        for (int k = 0; k < shape.StateSlotCount; k++)
        {
            for (int j = 0; j < shape.HiddenStateSize; j++) state.Hidden(k)[j] = (float)h0[k][j];
            for (int j = 0; j < shape.HiddenSize; j++) state.Cell(k)[j] = (float)c0[k][j];
        }
        TrainingTape tape = model.CreateTape(steps);
        tape.DropoutSeed = dropoutSeed;
        var outputs = new float[weights.Length];
        if (shape.IsTokenModel) ((ITokenTrainableModel)model).Forward(tokens, outputs, state, tape);
        else ((IFloatTrainableModel)model).Forward(inputs, outputs, state, tape);
        GradientBuffer buffer = model.CreateGradients();
        var inputGradients = new float[inputs.Length];
        LstmState stateGradients = new(shape.StateSlotCount, shape.HiddenSize, 0, shape.ProjectionSize);
        model.Backward(tape, weights, buffer, inputGradients, stateGradients);
        var parameterGradients = new float[shape.ParameterCount];
        model.CopyGradients(buffer, parameterGradients);

        float[] parameters = model.Parameters.ToArray();
        double Loss(float[] p, float[] x, double[][] hh, double[][] cc)
        {
            ScalarLstm scalar = Scalar(p);
            double[] o = shape.IsTokenModel ? scalar.RunTokens(tokens, hh, cc, logits: true).Output : scalar.RunFloat(x, hh, cc, logits: true).Output;
            double sum = 0;
            for (int i = 0; i < o.Length; i++) sum += weights[i] * o[i];
            return sum;
        }

        // The forward outputs themselves must agree with the double reference first.
        double[] reference = shape.IsTokenModel ? Scalar(parameters).RunTokens(tokens, h0, c0, true).Output : Scalar(parameters).RunFloat(inputs, h0, c0, true).Output;
        AssertClose(reference, Array.ConvertAll(outputs, v => (double)v), 2e-5, $"{shape}: Forward outputs");

        // Parameters: all of them up to maxChecked, else a seeded sample that spans every tensor.
        var indices = new List<int>();
        for (int i = 0; i < parameters.Length; i++) indices.Add(i);
        if (indices.Count > maxChecked)
        {
            for (int i = indices.Count - 1; i > 0; i--) { int j = random.Next(i + 1); (indices[i], indices[j]) = (indices[j], indices[i]); }
            indices.RemoveRange(maxChecked, indices.Count - maxChecked);
        }
        var numeric = new double[indices.Count];
        var analytic = new double[indices.Count];
        for (int n = 0; n < indices.Count; n++)
        {
            numeric[n] = Central(parameters, indices[n], () => Loss(parameters, inputs, h0, c0));
            analytic[n] = parameterGradients[indices[n]];
        }
        AssertClose(numeric, analytic, Tolerance, $"{shape}: parameter gradients");

        if (!shape.IsTokenModel)
        {
            var numericInputs = new double[inputs.Length];
            for (int i = 0; i < inputs.Length; i++) numericInputs[i] = Central(inputs, i, () => Loss(parameters, inputs, h0, c0));
            AssertClose(numericInputs, Array.ConvertAll(inputGradients, v => (double)v), Tolerance, $"{shape}: input gradients");
        }

        // h0 and c0: up to 24 units per layer, evenly spread.
        int stride = Math.Max(1, shape.HiddenSize / 24);
        for (int k = 0; k < shape.StateSlotCount; k++)
        {
            var numericState = new List<double>();
            var analyticState = new List<double>();
            for (int j = 0; j < shape.HiddenSize; j += stride)
            {
                if (j < shape.HiddenStateSize)
                {
                    numericState.Add(CentralState(h0, k, j));
                    analyticState.Add(stateGradients.Hidden(k)[j]);
                }
                if (!shape.HasCellState) continue; // a GRU ignores c0 (its gradient is zero)
                numericState.Add(CentralState(c0, k, j));
                analyticState.Add(stateGradients.Cell(k)[j]);
            }
            AssertClose(numericState.ToArray(), analyticState.ToArray(), Tolerance, $"{shape}: dh0, dc0 of layer {k}");
        }

        double CentralState(double[][] s, int k, int j)
        {
            const double step = 1e-4;
            double saved = s[k][j];
            s[k][j] = saved + step;
            double plus = Loss(parameters, inputs, h0, c0);
            s[k][j] = saved - step;
            double minus = Loss(parameters, inputs, h0, c0);
            s[k][j] = saved;
            return (plus - minus) / (2 * step);
        }
    }

    /// <summary>
    /// dLoss/d<paramref name="vector"/>[<paramref name="index"/>] by a central difference with a float-representable step
    /// of about 2^−10 (the actual steps after rounding to float are used in the quotient); the vector is restored.
    /// </summary>
    internal static double Central(float[] vector, int index, Func<double> loss)
    {
        const float step = 1f / 1024;
        float saved = vector[index];
        vector[index] = saved + step;
        double plusDelta = (double)vector[index] - saved, plus = loss();
        vector[index] = saved - step;
        double minusDelta = saved - (double)vector[index], minus = loss();
        vector[index] = saved;
        return (plus - minus) / (plusDelta + minusDelta);
    }

    /// <summary>Fails unless the max-normalised error (floor 1e-3) of <paramref name="actual"/> against <paramref name="expected"/> is within <paramref name="tolerance"/>.</summary>
    internal static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        double max = 1e-3, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i]));
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Abs(expected[i] - actual[i]);
            if (!(e <= worst)) { worst = e; at = i; }
        }
        if (!(worst / max <= tolerance))
            Assert.Fail($"{what}: err {worst / max:E2} (tolerance {tolerance:E1}) at {at}: analytic {actual[at]:R}, numeric {expected[at]:R}");
    }
}
