// HeadOn.FinalState on bidirectional models: the head reads the forward h after the last step and the
// reverse h after the first (PyTorch's cat(h_n[-2], h_n[-1])). Checked against the double-precision test
// model's per-step top outputs (its head applied in the test), forward and by finite differences.
using System;
using LstmGen.Tests.Generator;
using LstmGen.Tests.Reference;
using LstmGen.Training;
using Xunit;

namespace LstmGen.Tests.Numeric;

public sealed class FinalStateHeadTests
{
    public static TheoryData<string> Shapes() => new()
    {
        "Inputs = 3, Hidden = 7, Layers = 2, Bidirectional = true, Outputs = 2, HeadOn = LstmGen.HeadOn.FinalState",
        "Vocabulary = 12, Embedding = 5, Hidden = 9, Bidirectional = true, Outputs = 3, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.FinalState, Cell = LstmGen.RecurrentCell.Gru",
        "Inputs = 2, Hidden = 6, Bidirectional = true, HeadOn = LstmGen.HeadOn.FinalState",
        "Inputs = 2, Hidden = 6, Layers = 2, Outputs = 1, HeadOn = LstmGen.HeadOn.FinalState",
    };

    /// <summary>The logits (or, without a head, the concatenated h) from the final states, in doubles: the head on [top forward h at T−1, top reverse h at 0].</summary>
    private static double[] Expected(ModelShape shape, float[] parameters, float[] inputs, int[] tokens, double[][]? h0, double[][]? c0)
    {
        // The same layers without a head, every step: its top outputs per step; the head is applied here.
        var layers = new ModelShape(shape.InputSize, shape.VocabularySize, shape.EmbeddingSize, shape.HiddenSize, shape.LayerCount, 0, Head.None, HeadOn.EveryStep, shape.Cell, shape.Bidirectional);
        ScalarLstm scalar = ScalarLstm.For(layers, parameters.AsSpan(0, layers.ParameterCount));
        ScalarLstm.Result r = shape.IsTokenModel ? scalar.RunTokens(tokens, h0, c0, logits: true) : scalar.RunFloat(inputs, h0, c0, logits: true);
        int steps = r.TopH.Length, h = shape.HiddenSize, width = shape.LayerOutputSize;
        var top = new double[width];
        Array.Copy(r.TopH[steps - 1], 0, top, 0, h);
        if (shape.Bidirectional) Array.Copy(r.TopH[0], h, top, h, h);
        if (shape.Head == Head.None) return top;
        ParameterTensor w = shape.GetTensor(ModelShape.HeadWeightName), b = shape.GetTensor(ModelShape.HeadBiasName);
        var y = new double[shape.OutputSize];
        for (int o = 0; o < shape.OutputSize; o++)
        {
            double sum = parameters[b.Offset + o];
            for (int j = 0; j < width; j++) sum += (double)parameters[w.Offset + o * width + j] * top[j];
            y[o] = sum;
        }
        return y;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndGradientsMatchTheDoubleModel(string arguments)
    {
        ILstmModel probe = ModelCompiler.CreateModel(arguments);
        ModelShape shape = probe.Shape;
        var model = (ITrainableModel)probe;
        RandomModels.Create(shape, seed: 5).Parameters.CopyTo(model.Parameters);
        model.ParametersChanged();
        const int steps = 5;
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, 6) : Array.Empty<int>();
        float[] inputs = shape.IsTokenModel ? Array.Empty<float>() : RandomModels.Inputs(shape, steps, 6);
        float[] parameters = model.Parameters.ToArray();

        // Predict (logits) and Forward against the double model.
        double[] expected = Expected(shape, parameters, inputs, tokens, null, null);
        var predicted = new float[shape.StepOutputSize];
        LstmState state = model.CreateState();
        if (shape.IsTokenModel) ((ITokenSequenceModel)model).Predict(tokens, predicted, state, HeadOutput.Logits);
        else ((IFloatSequenceModel)model).Predict(inputs, predicted, state, HeadOutput.Logits);
        GeneratedGradientTests.AssertClose(expected, Array.ConvertAll(predicted, v => (double)v), 2e-5, "Predict");
        if (shape.Head == Head.None)
        {
            // Without a head the output is the final h of the top layer's directions: the state's last slots.
            int top = shape.StateSlotCount - shape.DirectionCount;
            for (int d = 0; d < shape.DirectionCount; d++)
                Assert.Equal(state.Hidden(top + d).ToArray(), predicted.AsSpan(d * shape.HiddenSize, shape.HiddenSize).ToArray());
        }

        TrainingTape tape = model.CreateTape(steps);
        var outputs = new float[shape.StepOutputSize];
        state.Reset();
        if (shape.IsTokenModel) ((ITokenTrainableModel)model).Forward(tokens, outputs, state, tape);
        else ((IFloatTrainableModel)model).Forward(inputs, outputs, state, tape);
        GeneratedGradientTests.AssertClose(expected, Array.ConvertAll(outputs, v => (double)v), 2e-5, "Forward");

        // Gradients of a random linear loss against central differences of the double model.
        var random = new Random(7);
        var weights = new float[outputs.Length];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() * 2 - 1);
        GradientBuffer buffer = model.CreateGradients();
        var inputGradients = new float[inputs.Length];
        model.Backward(tape, weights, buffer, inputGradients);
        var analytic = new float[shape.ParameterCount];
        model.CopyGradients(buffer, analytic);
        double Loss()
        {
            double[] y = Expected(shape, parameters, inputs, tokens, null, null);
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += weights[i] * y[i];
            return sum;
        }
        var numeric = new double[parameters.Length];
        for (int i = 0; i < parameters.Length; i++) numeric[i] = GeneratedGradientTests.Central(parameters, i, Loss);
        GeneratedGradientTests.AssertClose(numeric, Array.ConvertAll(analytic, v => (double)v), 2e-4, "parameter gradients");
        if (!shape.IsTokenModel)
        {
            var numericInputs = new double[inputs.Length];
            for (int i = 0; i < inputs.Length; i++) numericInputs[i] = GeneratedGradientTests.Central(inputs, i, Loss);
            GeneratedGradientTests.AssertClose(numericInputs, Array.ConvertAll(inputGradients, v => (double)v), 2e-4, "input gradients");
        }
    }
}
