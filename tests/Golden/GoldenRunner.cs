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
/// <para>For each batch element b the runner creates a state, sets h0/c0 (index <c>layer·1 + 0</c> of
/// the <c>[L, B, H]</c> tensors) when the case has them, and runs all T steps with <c>Step</c>: the top
/// layer's h after step t is <c>rnn_output[b, t]</c>; at the steps that have a head output it also
/// takes the logits (<see cref="HeadOutput.Logits"/>, from a copy of the state before the step) and the
/// output (<see cref="HeadOutput.Activated"/>); the final state gives <c>h_n</c>, <c>c_n</c> (a GRU has no c). Then it runs
/// the whole sequence once more with <c>Predict</c> from a fresh state carrying h0/c0, and compares
/// its output and final state too.</para>
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
    /// <summary>Options that load a golden file's PyTorch names and ignore its inputs, targets and gradients.</summary>
    public static WeightLoadOptions LoadOptions { get; } = new() { Names = WeightNames.Default, IgnoreExtraTensors = true };

    /// <summary>Like <see cref="LoadOptions"/> with the recurrent module of <paramref name="shape"/> (<c>lstm</c> or <c>gru</c>).</summary>
    public static WeightLoadOptions LoadOptionsFor(ModelShape shape) =>
        new() { Names = WeightNames.Default with { Lstm = shape.RecurrentModule }, IgnoreExtraTensors = true };

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
        if (model is ITrainableModel trainableModel) ProduceGradients(c, trainableModel, file, produced, report);
        Compare(file, produced, trainable, report);
        return report;
    }

    /// <summary>Tensors the runner computed, keyed by the expected tensor they are compared with.</summary>
    private sealed class Produced
    {
        public readonly List<(string Expected, string Label, float[] Values)> Tensors = [];

        public void Add(string expected, string label, float[] values) => Tensors.Add((expected, label, values));
    }

    private static Produced Produce(GoldenCase c, ILstmModel model, SafetensorsFile file, GoldenReport report)
    {
        ModelShape shape = model.Shape;
        int steps = c.T, batch = c.B, hidden = c.Hidden, layers = c.Layers, inputs = c.InputSize;
        int stepOut = shape.StepOutputSize;
        bool token = c.IsTokenCase;

        int[] tokenInput = token ? file.ReadInt32("input") : [];
        float[] floatInput = token ? [] : file.ReadFloat32("input");
        CheckLength(token ? tokenInput.Length : floatInput.Length, batch * steps * (token ? 1 : inputs), "input");
        float[]? h0 = file.Contains("h0") ? file.ReadFloat32("h0") : null;
        float[]? c0 = file.Contains("c0") ? file.ReadFloat32("c0") : null;
        if (h0 is not null) CheckLength(h0.Length, layers * batch * hidden, "h0");
        if (c0 is not null) CheckLength(c0.Length, layers * batch * hidden, "c0");

        var tokens = token ? (ITokenSequenceModel)model : null;
        var floats = token ? null : (IFloatSequenceModel)model;
        if (token && model is not ITokenSequenceModel) throw new InvalidOperationException($"Case {c.Name} reads tokens; {model.GetType().Name} is not an ITokenSequenceModel.");
        if (!token && model is not IFloatSequenceModel) throw new InvalidOperationException($"Case {c.Name} reads floats; {model.GetType().Name} is not an IFloatSequenceModel.");

        // Which steps carry a head output: every step (head 'all', or no head: the output is h), else the last.
        bool everyStep = shape.HeadOn == HeadOn.EveryStep;
        int outSteps = everyStep ? steps : 1;
        var rnnOutput = new float[batch * steps * hidden];
        var hN = new float[layers * batch * hidden];
        var cN = new float[layers * batch * hidden];
        var logits = new float[batch * outSteps * stepOut];
        var stepOutput = new float[batch * outSteps * stepOut];
        var predictOutput = new float[batch * outSteps * stepOut];
        var predictH = new float[layers * batch * hidden];
        var predictC = new float[layers * batch * hidden];
        bool statesAgree = true;

        for (int b = 0; b < batch; b++)
        {
            LstmState state = model.CreateState();
            LstmState spare = model.CreateState();
            SetInitialState(state, h0, c0, b, batch);
            for (int t = 0; t < steps; t++)
            {
                int at = b * steps + t;
                bool emit = everyStep || t == steps - 1;
                if (emit)
                {
                    int o = (b * outSteps + (everyStep ? t : 0)) * stepOut;
                    state.CopyTo(spare);
                    if (token)
                    {
                        tokens!.Step(tokenInput[at], logits.AsSpan(o, stepOut), spare, HeadOutput.Logits);
                        tokens.Step(tokenInput[at], stepOutput.AsSpan(o, stepOut), state, HeadOutput.Activated);
                    }
                    else
                    {
                        floats!.Step(floatInput.AsSpan(at * inputs, inputs), logits.AsSpan(o, stepOut), spare, HeadOutput.Logits);
                        floats.Step(floatInput.AsSpan(at * inputs, inputs), stepOutput.AsSpan(o, stepOut), state, HeadOutput.Activated);
                    }
                    statesAgree &= SameState(state, spare);
                }
                else if (token)
                {
                    tokens!.Step(tokenInput[at], Span<float>.Empty, state);
                }
                else
                {
                    floats!.Step(floatInput.AsSpan(at * inputs, inputs), Span<float>.Empty, state);
                }
                state.Hidden(layers - 1).CopyTo(rnnOutput.AsSpan(at * hidden, hidden));
            }
            CopyFinalState(state, hN, cN, b, batch);

            // The whole sequence at once, from a fresh state carrying the same h0/c0.
            LstmState fresh = model.CreateState();
            SetInitialState(fresh, h0, c0, b, batch);
            Span<float> predicted = predictOutput.AsSpan(b * outSteps * stepOut, outSteps * stepOut);
            if (token) tokens!.Predict(tokenInput.AsSpan(b * steps, steps), predicted, fresh, HeadOutput.Activated);
            else floats!.Predict(floatInput.AsSpan(b * steps * inputs, steps * inputs), predicted, fresh, HeadOutput.Activated);
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
            if (!any) report.Fail(name, "the file has it but the runner cannot produce it");
        }
        if (uncheckedGradients > 0)
            report.Add(new GoldenTensorResult("grad.*", GoldenStatus.NotChecked, 0, "-", double.NaN, double.NaN,
                string.Create(CultureInfo.InvariantCulture, $"{uncheckedGradients} gradient tensors; the model is not an ITrainableModel")));
        foreach (var (expected, _, _) in produced.Tensors)
        {
            if (seen.Add(expected)) report.Fail(expected, "the runner produced it but the file lacks it");
        }
    }

    private static void CompareOne(SafetensorsFile file, string name, string label, float[] values, GoldenReport report)
    {
        bool hasTwin = file.Contains(name + Twin);
        string source = hasTwin ? name + Twin : name;
        int[] shape = file.GetInfo(source).GetShape();
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

    /// <summary>Sets h and c of every layer from the [L, B, H] tensors (index layer·1 + 0: unidirectional), for batch element <paramref name="b"/>.</summary>
    private static void SetInitialState(LstmState state, float[]? h0, float[]? c0, int b, int batch)
    {
        int hidden = state.HiddenSize;
        for (int k = 0; k < state.Layers; k++)
        {
            int at = (k * batch + b) * hidden;
            if (h0 is not null) h0.AsSpan(at, hidden).CopyTo(state.Hidden(k));
            if (c0 is not null) c0.AsSpan(at, hidden).CopyTo(state.Cell(k));
        }
    }

    private static void CopyFinalState(LstmState state, float[] h, float[] c, int b, int batch)
    {
        int hidden = state.HiddenSize;
        for (int k = 0; k < state.Layers; k++)
        {
            int at = (k * batch + b) * hidden;
            state.Hidden(k).CopyTo(h.AsSpan(at, hidden));
            state.Cell(k).CopyTo(c.AsSpan(at, hidden));
        }
    }

    private static bool SameState(LstmState a, LstmState b)
    {
        for (int k = 0; k < a.Layers; k++)
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
