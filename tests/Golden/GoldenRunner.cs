// Runs any ILstmModel (reference or generated) through a golden case the way a user would — public
// loader, Step and Predict, and for trainable models Forward/Backward — and compares every forward
// tensor, the loss and every gradient with PyTorch's float64 reference.
using System;
using System.Collections.Generic;
using System.Globalization;
using LstmGen.IO;
using LstmGen.Training;
using Xunit.Sdk;

namespace LstmGen.Tests.Golden;

/// <summary>
/// Checks a model against a golden case. Knows nothing of any particular implementation: give it a
/// model of the case's shape (see <see cref="GoldenCase.ToShape"/>).
/// </summary>
/// <remarks>
/// <para>For each batch element b the runner creates a state, sets h0/c0 (slot <c>layer·D + direction</c>
/// of the <c>[L·D, B, H]</c> tensors, D = 2 for a bidirectional model) when the case has them, and runs all T
/// steps with <c>Step</c>: the top layer's h after step t is <c>rnn_output[b, t]</c>; at the steps that
/// have a head output it also takes the logits (<see cref="HeadOutput.Logits"/>, from a copy of the state
/// before the step) and the output (<see cref="HeadOutput.Activated"/>); the final state gives <c>h_n</c>,
/// <c>c_n</c> (a GRU has no c). Then it runs the whole sequence once more with <c>Predict</c> from a fresh
/// state carrying h0/c0, and compares its output and final state too. A bidirectional model cannot
/// <c>Step</c>: it runs only <c>Predict</c>, once activated and once for the logits; without a head its
/// every-step output is <c>rnn_output</c> [T, 2H], with a head <c>rnn_output</c> fails as not producible
/// (no public call returns it).</para>
/// <para>When the model is an <see cref="LstmGen.Training.ITrainableModel"/>, the runner also trains on
/// the case (GoldenRunner.Gradients.cs): <c>Forward</c>, the case's loss, <c>Backward</c> for every batch
/// element into one gradient buffer, and compares the loss and every <c>grad.*</c> tensor.</para>
/// <para>Every <c>expected.*</c> and <c>grad.*</c> tensor in the file is compared against its <c>.f64</c>
/// twin (or itself if it has none) with <see cref="NormalisedError"/> ≤
/// <see cref="NormalisedError.ForwardTolerance"/> (forward) or <see cref="NormalisedError.GradientTolerance"/>
/// (gradients); <c>expected.loss</c> by its relative error ≤ <see cref="NormalisedError.LossTolerance"/>.
/// For a model that is not trainable the loss and the gradients are reported as not checked. Any
/// other tensor the runner cannot produce fails, as does a missing one it needs.</para>
/// </remarks>
public static partial class GoldenRunner
{
    /// <summary>Options that load an LSTM golden file's PyTorch names and ignore its inputs, targets and gradients (see <see cref="LoadOptionsFor"/> for any cell).</summary>
    public static WeightLoadOptions LoadOptions { get; } = new() { Names = WeightNames.Default, IgnoreExtraTensors = true };

    /// <summary>
    /// Options that load a golden file's PyTorch names for <paramref name="shape"/> — modules <c>embed</c>,
    /// <c>lstm</c> or <c>gru</c>, <c>head</c> — and ignore its inputs, targets and gradients.
    /// </summary>
    public static WeightLoadOptions LoadOptionsFor(ModelShape shape) =>
        shape.Cell == RecurrentCell.Lstm ? LoadOptions
        : new() { Names = WeightNames.Default with { Lstm = shape.RecurrentModule }, IgnoreExtraTensors = true };

    private const string Expected = "expected.";
    private const string Gradient = "grad.";
    private const string LossName = "expected.loss";
    private const string Twin = ".f64";

    /// <summary>Loads the case's weights into <paramref name="model"/>, runs it and compares; throws with the full report if any tensor fails.</summary>
    public static GoldenReport Check(GoldenCase c, ILstmModel model)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(model);
        GoldenReport report = Run(c, model);
        if (!report.Passed) throw new XunitException(report.ToString());
        return report;
    }

    /// <summary>Like <see cref="Check"/> but returns a failed report instead of throwing.</summary>
    public static GoldenReport Run(GoldenCase c, ILstmModel model)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(model);
        if (c.SkipReason is not null) throw new NotSupportedException($"Golden case {c.Name} cannot run on an LstmGen model: {c.SkipReason}.");
        var report = new GoldenReport(c, model.GetType().Name);
        ModelShape shape = c.ToShape();
        if (!shape.Equals(model.Shape))
        {
            report.Fail("model shape", $"the case needs {shape}; the model is {model.Shape}");
            return report;
        }

        model.Load(c.Path, LoadOptionsFor(shape));
        using SafetensorsFile file = SafetensorsFile.Open(c.Path);
        Produced produced = Produce(c, model, file, report);
        bool trainable = model is ITrainableModel;
        // A forward-only case (weights, input, expected outputs; no loss or gradients) is checked for what it holds.
        if (model is ITrainableModel trainableModel && HasGradients(file)) ProduceGradients(c, trainableModel, file, produced, report);
        Compare(file, produced, trainable, report);
        return report;
    }

    /// <summary>True when the case's file holds a loss or any gradient (else it is a forward-only case).</summary>
    public static bool HasGradients(GoldenCase c)
    {
        using SafetensorsFile file = SafetensorsFile.Open(c.Path);
        return HasGradients(file);
    }

    private static bool HasGradients(SafetensorsFile file)
    {
        foreach (string name in file.Names)
            if (name == LossName || name.StartsWith(Gradient, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>Tensors the runner computed, keyed by the expected tensor they are compared with.</summary>
    private sealed class Produced
    {
        public readonly List<(string Expected, string Label, float[] Values)> Tensors = [];

        /// <summary>Tensors the runner knows it cannot produce for this model, with the reason.</summary>
        public readonly Dictionary<string, string> Unavailable = new(StringComparer.Ordinal);

        public void Add(string expected, string label, float[] values) => Tensors.Add((expected, label, values));

        public void CannotProduce(string expected, string reason) => Unavailable[expected] = reason;
    }

    private static Produced Produce(GoldenCase c, ILstmModel model, SafetensorsFile file, GoldenReport report)
    {
        ModelShape shape = model.Shape;
        int steps = c.T, batch = c.B, hidden = c.Hidden, slots = shape.StateSlotCount, inputs = c.InputSize;
        int width = shape.LayerOutputSize, hWidth = shape.HiddenStateSize;
        bool token = c.IsTokenCase;

        int[] tokenInput = token ? file.ReadInt32("input") : [];
        float[] floatInput = token ? [] : file.ReadFloat32("input");
        CheckLength(token ? tokenInput.Length : floatInput.Length, batch * steps * (token ? 1 : inputs), "input");
        float[]? h0 = file.Contains("h0") ? file.ReadFloat32("h0") : null;
        float[]? c0 = file.Contains("c0") ? file.ReadFloat32("c0") : null;
        if (h0 is not null) CheckLength(h0.Length, slots * batch * hWidth, "h0");
        if (c0 is not null) CheckLength(c0.Length, slots * batch * hidden, "c0");

        if (token && model is not ITokenSequenceModel) throw new InvalidOperationException($"Case {c.Name} reads tokens; {model.GetType().Name} is not an ITokenSequenceModel.");
        if (!token && model is not IFloatSequenceModel) throw new InvalidOperationException($"Case {c.Name} reads floats; {model.GetType().Name} is not an IFloatSequenceModel.");
        var sequence = new SequenceInputs(model, token, tokenInput, floatInput, steps, inputs);
        return shape.Bidirectional
            ? ProduceWholeSequences(c, model, sequence, h0, c0)
            : ProduceStepByStep(c, model, sequence, h0, c0, report);
    }

    /// <summary>A unidirectional model: every step with Step (rnn_output, logits, output, final state), then the whole sequence with Predict.</summary>
    private static Produced ProduceStepByStep(GoldenCase c, ILstmModel model, SequenceInputs sequence, float[]? h0, float[]? c0, GoldenReport report)
    {
        ModelShape shape = model.Shape;
        int steps = c.T, batch = c.B, hidden = c.Hidden, slots = shape.StateSlotCount, hWidth = shape.HiddenStateSize;
        int stepOut = shape.StepOutputSize;

        // Which steps carry a head output: every step (head 'all', or no head: the output is h), else the last.
        bool everyStep = shape.HeadOn == HeadOn.EveryStep;
        int outSteps = everyStep ? steps : 1;
        var rnnOutput = new float[batch * steps * hWidth];
        var hN = new float[slots * batch * hWidth];
        var cN = new float[slots * batch * hidden];
        var logits = new float[batch * outSteps * stepOut];
        var stepOutput = new float[batch * outSteps * stepOut];
        var predictOutput = new float[batch * outSteps * stepOut];
        var predictH = new float[slots * batch * hWidth];
        var predictC = new float[slots * batch * hidden];
        bool statesAgree = true;

        for (int b = 0; b < batch; b++)
        {
            LstmState state = model.CreateState();
            LstmState spare = model.CreateState();
            SetInitialState(state, h0, c0, b, batch);
            for (int t = 0; t < steps; t++)
            {
                bool emit = everyStep || t == steps - 1;
                if (emit)
                {
                    int o = (b * outSteps + (everyStep ? t : 0)) * stepOut;
                    state.CopyTo(spare);
                    sequence.Step(b, t, logits.AsSpan(o, stepOut), spare, HeadOutput.Logits);
                    sequence.Step(b, t, stepOutput.AsSpan(o, stepOut), state, HeadOutput.Activated);
                    statesAgree &= SameState(state, spare);
                }
                else
                {
                    sequence.Step(b, t, Span<float>.Empty, state, HeadOutput.Activated);
                }
                state.Hidden(shape.LayerCount - 1).CopyTo(rnnOutput.AsSpan((b * steps + t) * hWidth, hWidth));
            }
            CopyFinalState(state, hN, cN, b, batch);

            // The whole sequence at once, from a fresh state carrying the same h0/c0.
            LstmState fresh = model.CreateState();
            SetInitialState(fresh, h0, c0, b, batch);
            sequence.Predict(b, predictOutput.AsSpan(b * outSteps * stepOut, outSteps * stepOut), fresh, HeadOutput.Activated);
            CopyFinalState(fresh, predictH, predictC, b, batch);
        }

        if (!statesAgree) report.Fail("Step consistency", "Step with HeadOutput.Logits and with HeadOutput.Activated left different states");

        var produced = new Produced();
        produced.Add("expected.rnn_output", "Step, top layer h", rnnOutput);
        produced.Add("expected.h_n", "Step", hN);
        if (shape.HasCellState) produced.Add("expected.c_n", "Step", cN);
        produced.Add("expected.h_n", "Predict", predictH);
        if (shape.HasCellState) produced.Add("expected.c_n", "Predict", predictC);
        produced.Add("expected.output", "Step", stepOutput);
        produced.Add("expected.output", "Predict", predictOutput);
        if (c.HasHead) produced.Add("expected.logits", "Step, HeadOutput.Logits", logits);
        return produced;
    }

    /// <summary>
    /// A bidirectional model, which cannot Step: Predict over the whole sequence from a state carrying h0/c0
    /// (slot layer·2 + direction), once with <see cref="HeadOutput.Activated"/> and once with
    /// <see cref="HeadOutput.Logits"/>; h_n/c_n from the final state's slots. Without a head Predict's output
    /// at every step is the top layer's [h_forward, h_backward], i.e. <c>rnn_output</c>. With a head no public
    /// call returns the top layer's outputs, so <c>rnn_output</c> is reported as not producible.
    /// </summary>
    private static Produced ProduceWholeSequences(GoldenCase c, ILstmModel model, SequenceInputs sequence, float[]? h0, float[]? c0)
    {
        ModelShape shape = model.Shape;
        int steps = c.T, batch = c.B, hidden = c.Hidden, slots = shape.StateSlotCount, hWidth = shape.HiddenStateSize;
        int outputLength = shape.OutputLength(steps);
        var output = new float[batch * outputLength];
        var logits = new float[batch * outputLength];
        var hN = new float[slots * batch * hWidth];
        var cN = new float[slots * batch * hidden];
        var logitsH = new float[slots * batch * hWidth];
        var logitsC = new float[slots * batch * hidden];

        for (int b = 0; b < batch; b++)
        {
            LstmState state = model.CreateState();
            SetInitialState(state, h0, c0, b, batch);
            sequence.Predict(b, output.AsSpan(b * outputLength, outputLength), state, HeadOutput.Activated);
            CopyFinalState(state, hN, cN, b, batch);

            LstmState again = model.CreateState();
            SetInitialState(again, h0, c0, b, batch);
            sequence.Predict(b, logits.AsSpan(b * outputLength, outputLength), again, HeadOutput.Logits);
            CopyFinalState(again, logitsH, logitsC, b, batch);
        }

        var produced = new Produced();
        produced.Add("expected.h_n", "Predict", hN);
        produced.Add("expected.h_n", "Predict, HeadOutput.Logits", logitsH);
        if (shape.HasCellState)
        {
            produced.Add("expected.c_n", "Predict", cN);
            produced.Add("expected.c_n", "Predict, HeadOutput.Logits", logitsC);
        }
        produced.Add("expected.output", "Predict", output);
        if (c.HasHead)
        {
            produced.Add("expected.logits", "Predict, HeadOutput.Logits", logits);
            produced.CannotProduce("expected.rnn_output",
                "a bidirectional model cannot Step, and Predict with a head returns only the head's output: no public call returns the top layer's outputs [T, 2H]");
        }
        else
        {
            produced.Add("expected.rnn_output", "Predict, top layer [h_forward, h_backward]", output);
        }
        return produced;
    }

    /// <summary>One batch element's inputs, fed to Step or Predict of whichever form the model has.</summary>
    private sealed class SequenceInputs(ILstmModel model, bool token, int[] tokens, float[] floats, int steps, int inputs)
    {
        public void Step(int b, int t, Span<float> output, LstmState state, HeadOutput kind)
        {
            int at = b * steps + t;
            if (token) ((ITokenSequenceModel)model).Step(tokens[at], output, state, kind);
            else ((IFloatSequenceModel)model).Step(floats.AsSpan(at * inputs, inputs), output, state, kind);
        }

        public void Predict(int b, Span<float> output, LstmState state, HeadOutput kind)
        {
            if (token) ((ITokenSequenceModel)model).Predict(tokens.AsSpan(b * steps, steps), output, state, kind);
            else ((IFloatSequenceModel)model).Predict(floats.AsSpan(b * steps * inputs, steps * inputs), output, state, kind);
        }
    }

    private static void Compare(SafetensorsFile file, Produced produced, bool trainable, GoldenReport report)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int uncheckedGradients = 0;
        foreach (string name in file.Names)
        {
            bool gradient = name.StartsWith(Gradient, StringComparison.Ordinal);
            if (!(gradient || name.StartsWith(Expected, StringComparison.Ordinal)) || name.EndsWith(Twin, StringComparison.Ordinal)) continue;
            seen.Add(name);
            if (!trainable && name == LossName)
            {
                report.Add(new GoldenTensorResult(name, GoldenStatus.NotChecked, 0, "-", double.NaN, double.NaN, "the model is not an ITrainableModel"));
                continue;
            }
            if (!trainable && gradient)
            {
                uncheckedGradients++;
                continue;
            }

            bool any = false;
            foreach (var (expected, label, values) in produced.Tensors)
            {
                if (expected != name) continue;
                any = true;
                CompareOne(file, name, $"{name} ({label})", values, report);
            }
            if (!any)
                report.Fail(name, produced.Unavailable.TryGetValue(name, out string? reason)
                    ? "the file has it but the runner cannot produce it: " + reason
                    : "the file has it but the runner cannot produce it");
        }
        if (uncheckedGradients > 0)
            report.Add(new GoldenTensorResult("grad.*", GoldenStatus.NotChecked, 0, "-", double.NaN, double.NaN,
                string.Create(CultureInfo.InvariantCulture, $"{uncheckedGradients} gradient tensors; the model is not an ITrainableModel")));
        // What the runner computes but the file does not hold is not checked (a case from elsewhere may carry fewer
        // tensors); a file that leaves nothing to compare fails.
        int compared = 0;
        foreach (var (expected, _, _) in produced.Tensors)
        {
            if (seen.Contains(expected)) compared++;
            else if (seen.Add(expected + " (absent)"))
                report.Add(new GoldenTensorResult(expected, GoldenStatus.NotChecked, 0, "-", double.NaN, double.NaN, "the file does not hold it"));
        }
        if (compared == 0) report.Fail("expected.*", "the file holds no expected output the model produces: nothing to check");
    }

    private static void CompareOne(SafetensorsFile file, string name, string label, float[] values, GoldenReport report)
    {
        bool hasTwin = file.Contains(name + Twin);
        string source = hasTwin ? name + Twin : name;
        int[] shape = file.GetInfo(source).Shape.ToArray();
        double[] reference;
        if (hasTwin)
        {
            reference = file.ReadFloat64(source);
        }
        else
        {
            float[] f = file.ReadFloat32(source);
            reference = new double[f.Length];
            for (int i = 0; i < f.Length; i++) reference[i] = f[i];
        }
        if (reference.Length != values.Length)
        {
            report.Fail(label, $"the file's {source} has {reference.Length} values (shape [{string.Join(", ", shape)}]); the runner produced {values.Length}");
            return;
        }
        string note = hasTwin ? "" : "no .f64 twin, against the F32 tensor";
        if (name == LossName)
        {
            // The loss is one number: its relative error, not the max-normalised one.
            double relative = Math.Abs(values[0] - reference[0]) / Math.Max(Math.Abs(reference[0]), double.Epsilon);
            if (double.IsNaN(relative)) relative = double.PositiveInfinity;
            GoldenStatus lossStatus = relative <= NormalisedError.LossTolerance ? GoldenStatus.Passed : GoldenStatus.Failed;
            report.Add(new GoldenTensorResult(label, lossStatus, relative, "[0]", values[0], reference[0], note.Length > 0 ? "relative error; " + note : "relative error"));
            return;
        }
        NormalisedError e = NormalisedError.Of(values, reference);
        double tolerance = name.StartsWith(Gradient, StringComparison.Ordinal) ? NormalisedError.GradientTolerance : NormalisedError.ForwardTolerance;
        GoldenStatus status = e.Error <= tolerance ? GoldenStatus.Passed : GoldenStatus.Failed;
        report.Add(new GoldenTensorResult(label, status, e.Error, e.IndexText(shape), e.Implementation, e.Reference, note));
    }

    /// <summary>Sets h and c of every state slot from the [L·D, B, H] tensors (h [L·D, B, P] with a projection; slot layer·D + direction, as in PyTorch), for batch element <paramref name="b"/>.</summary>
    private static void SetInitialState(LstmState state, float[]? h0, float[]? c0, int b, int batch)
    {
        int hidden = state.HiddenSize, hWidth = state.HiddenStateSize;
        for (int k = 0; k < state.SlotCount; k++)
        {
            if (h0 is not null) h0.AsSpan((k * batch + b) * hWidth, hWidth).CopyTo(state.Hidden(k));
            if (c0 is not null) c0.AsSpan((k * batch + b) * hidden, hidden).CopyTo(state.Cell(k));
        }
    }

    /// <summary>Copies h and c of every state slot into [L·D, B, H] tensors at batch element <paramref name="b"/>.</summary>
    private static void CopyFinalState(LstmState state, float[] h, float[] c, int b, int batch)
    {
        int hidden = state.HiddenSize, hWidth = state.HiddenStateSize;
        for (int k = 0; k < state.SlotCount; k++)
        {
            state.Hidden(k).CopyTo(h.AsSpan((k * batch + b) * hWidth, hWidth));
            state.Cell(k).CopyTo(c.AsSpan((k * batch + b) * hidden, hidden));
        }
    }

    private static bool SameState(LstmState a, LstmState b)
    {
        for (int k = 0; k < a.SlotCount; k++)
        {
            if (!a.Hidden(k).SequenceEqual(b.Hidden(k)) || !a.Cell(k).SequenceEqual(b.Cell(k))) return false;
        }
        return true;
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The golden tensor '{name}' has {actual} values; the config implies {expected}."));
    }
}
