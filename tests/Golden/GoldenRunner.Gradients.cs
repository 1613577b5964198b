// The training half of the golden check: for a trainable model, Forward → the case's loss → Backward
// over the batch, producing the loss and every gradient tensor the golden file holds.
using System;
using LstmGen.IO;
using LstmGen.Training;

namespace LstmGen.Tests.Golden;

public static partial class GoldenRunner
{
    /// <summary>
    /// Trains on the case once, the way a trainer would: for each batch element b, <c>Forward</c> from a
    /// state carrying h0/c0 (when the case has them), the loss of that element and its gradient with the
    /// <see cref="Loss"/> functions at weight 1/N (N as the case's mean defines it, README section 4),
    /// <c>Backward</c> into one gradient buffer for the whole batch (with the input and initial-state
    /// gradients where the case has them), then <see cref="ITrainableModel.CopyGradients"/> to PyTorch
    /// layout. Adds <c>expected.loss</c> (sum of the elements' losses), every <c>grad.&lt;param&gt;</c>,
    /// <c>grad.input</c>, <c>grad.h0</c>, <c>grad.c0</c>, <c>grad.logits</c> and <c>grad.rnn_output</c>, plus
    /// Forward's own outputs and final state (against <c>expected.logits</c> / <c>expected.output</c>,
    /// <c>expected.h_n</c>, <c>expected.c_n</c>).
    /// </summary>
    private static void ProduceGradients(GoldenCase c, ITrainableModel model, SafetensorsFile file, Produced produced, GoldenReport report)
    {
        ModelShape shape = model.Shape;
        int steps = c.T, batch = c.B, hidden = c.Hidden, slots = model.Shape.StateSlotCount, inputs = c.InputSize, hWidth = model.Shape.HiddenStateSize;
        bool token = c.IsTokenCase;
        int outputLength = shape.OutputLength(steps);
        int stepOut = shape.StepOutputSize;
        int outSteps = outputLength / stepOut;

        if (token && model is not ITokenTrainableModel) throw new InvalidOperationException($"Case {c.Name} reads tokens; {model.GetType().Name} is not an ITokenTrainableModel.");
        if (!token && model is not IFloatTrainableModel) throw new InvalidOperationException($"Case {c.Name} reads floats; {model.GetType().Name} is not an IFloatTrainableModel.");
        LossKind? loss = LossOf(c, report);
        if (loss is null) return;

        int[] tokenInput = token ? file.ReadInt32("input") : [];
        float[] floatInput = token ? [] : file.ReadFloat32("input");
        float[]? h0 = file.Contains("h0") ? file.ReadFloat32("h0") : null;
        float[]? c0 = file.Contains("c0") ? file.ReadFloat32("c0") : null;

        // Targets (README section 2): mse F32 shaped like the output, bce F32 [B, 1], ce I32 [B] or [B, T].
        int positions = batch * outSteps;
        float[] floatTarget = loss == LossKind.SoftmaxCrossEntropy ? [] : file.ReadFloat32("target");
        int[] classTarget = loss == LossKind.SoftmaxCrossEntropy ? file.ReadInt32("target") : [];
        if (loss == LossKind.SoftmaxCrossEntropy) CheckLength(classTarget.Length, positions, "target");
        else CheckLength(floatTarget.Length, batch * outputLength, "target");

        // The mean's N: every element of the output for mse and bce, every position (B or B·T) for ce.
        int count = loss == LossKind.SoftmaxCrossEntropy ? positions : batch * outputLength;
        float weight = 1f / count;

        TrainingTape tape = model.CreateTape(steps);
        GradientBuffer gradients = model.CreateGradients();
        LstmState state = model.CreateState();
        LstmState stateGradients = model.CreateState();
        var outputs = new float[outputLength];
        var forwardOutputs = new float[batch * outputLength];
        var outputGradients = new float[batch * outputLength];
        var hN = new float[slots * batch * hWidth];
        var cN = new float[slots * batch * hidden];
        var inputGradients = new float[token ? 0 : batch * steps * inputs];
        var h0Gradients = new float[slots * batch * hWidth];
        var c0Gradients = new float[slots * batch * hidden];
        double totalLoss = 0;

        for (int b = 0; b < batch; b++)
        {
            state.Reset();
            SetInitialState(state, h0, c0, b, batch);
            if (token) ((ITokenTrainableModel)model).Forward(tokenInput.AsSpan(b * steps, steps), outputs, state, tape);
            else ((IFloatTrainableModel)model).Forward(floatInput.AsSpan(b * steps * inputs, steps * inputs), outputs, state, tape);
            outputs.CopyTo(forwardOutputs.AsSpan(b * outputLength));
            CopyFinalState(state, hN, cN, b, batch);

            Span<float> dOutput = outputGradients.AsSpan(b * outputLength, outputLength);
            for (int p = 0; p < outSteps; p++)
            {
                ReadOnlySpan<float> position = outputs.AsSpan(p * stepOut, stepOut);
                Span<float> dPosition = dOutput.Slice(p * stepOut, stepOut);
                int at = b * outputLength + p * stepOut;
                totalLoss += loss switch
                {
                    LossKind.MeanSquaredError => LossFunctions.MeanSquaredError(position, floatTarget.AsSpan(at, stepOut), dPosition, weight),
                    LossKind.BinaryCrossEntropy => LossFunctions.BinaryCrossEntropy(position, floatTarget.AsSpan(at, stepOut), dPosition, weight),
                    _ => LossFunctions.SoftmaxCrossEntropy(position, classTarget[b * outSteps + p], dPosition, weight),
                };
            }

            Span<float> dInput = token ? Span<float>.Empty : inputGradients.AsSpan(b * steps * inputs, steps * inputs);
            model.Backward(tape, dOutput, gradients, dInput, c.State ? stateGradients : null);
            if (c.State) CopyFinalState(stateGradients, h0Gradients, c0Gradients, b, batch);
        }

        var parameterGradients = new float[shape.ParameterCount];
        model.CopyGradients(gradients, parameterGradients);
        foreach (ParameterTensor tensor in shape.Tensors)
            produced.Add(Gradient + tensor.Name, "Backward, CopyGradients", parameterGradients.AsSpan(tensor.Offset, tensor.Length).ToArray());
        if (!token) produced.Add("grad.input", "Backward", inputGradients);
        if (c.State)
        {
            produced.Add("grad.h0", "Backward", h0Gradients);
            if (shape.HasCellState) produced.Add("grad.c0", "Backward", c0Gradients);
        }
        produced.Add(LossName, "Forward, Loss." + loss, [(float)totalLoss]);
        produced.Add("expected.h_n", "Forward", hN);
        if (shape.HasCellState) produced.Add("expected.c_n", "Forward", cN);
        if (c.HasHead)
        {
            produced.Add("expected.logits", "Forward", forwardOutputs);
            produced.Add("grad.logits", "Loss." + loss, outputGradients);
            produced.Add("grad.rnn_output", "Loss, through head.weight", ThroughHead(model, outputGradients, c));
        }
        else
        {
            produced.Add("expected.output", "Forward", forwardOutputs);
            produced.Add("grad.rnn_output", "Loss." + loss, outputGradients);
        }
    }

    /// <summary>The loss the case's gradients were taken with, or null (and a failure) when the runner does not know it.</summary>
    private static LossKind? LossOf(GoldenCase c, GoldenReport report)
    {
        switch (c.Loss)
        {
            case "mse" when c.HasHead && c.Act != "none":
                report.Fail(LossName, $"loss mse on a head with activation '{c.Act}': the golden files define mse only on raw outputs");
                return null;
            case "mse":
                return LossKind.MeanSquaredError;
            case "ce" when c.HasHead:
                return LossKind.SoftmaxCrossEntropy;
            case "bce" when c.HasHead:
                return LossKind.BinaryCrossEntropy;
            default:
                report.Fail(LossName, c.Loss.Length == 0 ? "the case's config has no 'loss'" : $"loss '{c.Loss}' {(c.HasHead ? "is unknown" : "needs a head")}");
                return null;
        }
    }

    /// <summary>
    /// dLoss/d(rnn_output) [B, T, D·H] from dLoss/dlogits: <c>head.weightᵀ · dlogits</c> at the steps with a
    /// head output, zero elsewhere. Read from the model's PyTorch-layout parameters; independent of Backward.
    /// </summary>
    private static float[] ThroughHead(ITrainableModel model, float[] logitGradients, GoldenCase c)
    {
        ParameterTensor headWeight = model.Shape.GetTensor(ModelShape.HeadWeightName);
        ReadOnlySpan<float> weight = model.Parameters.Slice(headWeight.Offset, headWeight.Length);
        int steps = c.T, width = model.Shape.LayerOutputSize, classes = c.HeadOut;
        var result = new float[c.B * steps * width];
        for (int b = 0; b < c.B; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                int p = c.HeadAtEveryStep ? t : t == steps - 1 ? 0 : -1;
                if (p < 0) continue;
                ReadOnlySpan<float> dLogits = logitGradients.AsSpan((b * (c.HeadAtEveryStep ? steps : 1) + p) * classes, classes);
                for (int j = 0; j < width; j++)
                {
                    double sum = 0;
                    for (int o = 0; o < classes; o++) sum += (double)weight[o * width + j] * dLogits[o];
                    result[(b * steps + t) * width + j] = (float)sum;
                }
            }
        }
        return result;
    }
}
