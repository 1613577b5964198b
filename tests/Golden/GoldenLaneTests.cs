// The golden PyTorch cases through the lane path: a generated model of the case's shape runs the whole
// batch as lanes (ForwardLanes, the case's loss, BackwardLanes), and every grad.<param>, the outputs,
// the final states and the loss must match the golden tensors with the per-sample path's tolerances.
using System;
using LstmGen.IO;
using LstmGen.Tests.Generator;
using LstmGen.Training;
using Xunit;
using LstmGen.CompilerServices;

namespace LstmGen.Tests.Golden;

public sealed class GoldenLaneTests
{
    public static TheoryData<string> Cases() => GoldenCases.Names();

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void LanePathMatchesGoldenGradients(string name)
    {
        GoldenCase c = GoldenCases.Get(name);
        Skip.If(c.Problem is not null, $"Golden file {c.Path} is not a readable case (GoldenTests reports it): {c.Problem}");
        Skip.If(c.SkipReason is not null, $"Golden case {name}: {c.SkipReason}.");
        Skip.If(!GoldenRunner.HasGradients(c), $"Golden case {name} holds no gradients (a forward-only case).");
        Skip.If(c.Loss.Length == 0 || (c.Loss == "mse" && c.HasHead && c.Act != "none"), $"Golden case {name} has no loss the trainer defines.");
        ModelShape shape = c.ToShape();
        Skip.If(shape.Cell != RecurrentCell.Lstm || shape.Bidirectional, $"Golden case {name}: lane training is generated for unidirectional LSTMs only; {shape} trains sample by sample (GoldenTests.Generated checks that path).");
        var model = (ILaneTrainableModel)ModelCompiler.CreateModel(shape);
        model.Load(c.Path, GoldenRunner.LoadOptionsFor(shape));
        using SafetensorsFile file = SafetensorsFile.Open(c.Path);

        int steps = c.T, batch = c.B, hidden = c.Hidden, layers = c.Layers, inputs = c.InputSize;
        bool token = c.IsTokenCase;
        int outputLength = shape.OutputLength(steps), stepOut = shape.StepOutputSize, outSteps = outputLength / stepOut;
        LossKind loss = c.Loss switch { "ce" => LossKind.SoftmaxCrossEntropy, "bce" => LossKind.BinaryCrossEntropy, _ => LossKind.MeanSquaredError };
        float[]? h0 = file.Contains("h0") ? file.ReadFloat32("h0") : null;
        float[]? c0 = file.Contains("c0") ? file.ReadFloat32("c0") : null;

        LaneTape tape = model.CreateLaneTape(batch, steps);
        var states = new LstmState[batch];
        int[] tokenInput = token ? file.ReadInt32("input") : [];
        float[] floatInput = token ? [] : file.ReadFloat32("input");
        for (int b = 0; b < batch; b++)
        {
            states[b] = model.CreateState();
            for (int k = 0; k < layers; k++)
            {
                int at = (k * batch + b) * hidden;
                if (h0 is not null) h0.AsSpan(at, hidden).CopyTo(states[b].Hidden(k));
                if (c0 is not null) c0.AsSpan(at, hidden).CopyTo(states[b].Cell(k));
            }
            if (token) tokenInput.AsSpan(b * steps, steps).CopyTo(tape.Tokens(b));
            else floatInput.AsSpan(b * steps * inputs, steps * inputs).CopyTo(tape.Inputs(b));
        }
        var outputs = new float[batch * outputLength];
        model.ForwardLanes(tape, steps, states, outputs);

        // The case's loss (a mean over every output element for mse and bce, over every position for ce).
        float[] floatTarget = loss == LossKind.SoftmaxCrossEntropy ? [] : file.ReadFloat32("target");
        int[] classTarget = loss == LossKind.SoftmaxCrossEntropy ? file.ReadInt32("target") : [];
        float weight = 1f / (loss == LossKind.SoftmaxCrossEntropy ? batch * outSteps : batch * outputLength);
        var dOut = new float[outputs.Length];
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            for (int p = 0; p < outSteps; p++)
            {
                int at = b * outputLength + p * stepOut;
                ReadOnlySpan<float> position = outputs.AsSpan(at, stepOut);
                Span<float> dPosition = dOut.AsSpan(at, stepOut);
                total += loss switch
                {
                    LossKind.MeanSquaredError => LossFunctions.MeanSquaredError(position, floatTarget.AsSpan(at, stepOut), dPosition, weight),
                    LossKind.BinaryCrossEntropy => LossFunctions.BinaryCrossEntropy(position, floatTarget.AsSpan(at, stepOut), dPosition, weight),
                    _ => LossFunctions.SoftmaxCrossEntropy(position, classTarget[b * outSteps + p], dPosition, weight),
                };
            }
        }
        GradientBuffer buffer = model.CreateGradients();
        model.BackwardLanes(tape, dOut, buffer);
        var gradients = new float[shape.ParameterCount];
        model.CopyGradients(buffer, gradients);

        var failures = new System.Text.StringBuilder();
        void Compare(string tensor, ReadOnlySpan<float> values, double tolerance)
        {
            double[] reference = file.Contains(tensor + ".f64") ? file.ReadFloat64(tensor + ".f64") : Array.ConvertAll(file.ReadFloat32(tensor), v => (double)v);
            NormalisedError e = NormalisedError.Of(values, reference);
            if (!(e.Error <= tolerance)) failures.AppendLine($"{tensor}: {e}");
        }
        foreach (ParameterTensor tensor in shape.Tensors)
            Compare("grad." + tensor.Name, gradients.AsSpan(tensor.Offset, tensor.Length), NormalisedError.GradientTolerance);
        Compare(c.HasHead ? "expected.logits" : "expected.output", outputs, NormalisedError.ForwardTolerance);
        var hN = new float[layers * batch * hidden];
        for (int b = 0; b < batch; b++)
            for (int k = 0; k < layers; k++) states[b].Hidden(k).CopyTo(hN.AsSpan((k * batch + b) * hidden, hidden));
        Compare("expected.h_n", hN, NormalisedError.ForwardTolerance);
        double expectedLoss = file.Contains("expected.loss.f64") ? file.ReadFloat64("expected.loss.f64")[0] : file.ReadFloat32("expected.loss")[0];
        if (!(Math.Abs(total - expectedLoss) <= NormalisedError.LossTolerance * Math.Abs(expectedLoss))) failures.AppendLine($"loss {total} vs {expectedLoss}");
        Assert.True(failures.Length == 0, $"{name} through the lane path ({batch} lanes):\n{failures}");
    }
}
