// The golden PyTorch cases through the many-sequence path: the case's batch, repeated three times so that lane models
// fill several lanes, runs in one PredictBatch call from the case's h0/c0, and every copy's outputs and final states
// must match the golden tensors with the forward tolerance.
using System;
using System.Linq;
using LstmGen.IO;
using LstmGen.Tests.Generator;
using Xunit;

namespace LstmGen.Tests.Golden;

public sealed class GoldenBatchTests
{
    private const int Copies = 3;

    public static TheoryData<string> Cases() => GoldenCases.Names();

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void PredictBatchMatchesGoldenOutputs(string name)
    {
        GoldenCase c = GoldenCases.Get(name);
        Skip.If(c.Problem is not null, $"Golden file {c.Path} is not a readable case (GoldenTests reports it): {c.Problem}");
        Skip.If(c.SkipReason is not null, $"Golden case {name}: {c.SkipReason}.");
        ModelShape shape = c.ToShape();
        ILstmModel model = ModelCompiler.CreateModel(shape);
        model.Load(c.Path, GoldenRunner.LoadOptionsFor(shape));
        using SafetensorsFile file = SafetensorsFile.Open(c.Path);

        int steps = c.T, batch = c.B, count = batch * Copies, hidden = c.Hidden, hWidth = shape.HiddenStateSize;
        float[]? h0 = file.Contains("h0") ? file.ReadFloat32("h0") : null;
        float[]? c0 = file.Contains("c0") ? file.ReadFloat32("c0") : null;
        LstmState[] states = Enumerable.Range(0, count).Select(_ => model.CreateState()).ToArray();
        for (int i = 0; i < count; i++)
        {
            for (int k = 0; k < shape.StateSlotCount; k++)
            {
                int b = i % batch;
                if (h0 is not null) h0.AsSpan((k * batch + b) * hWidth, hWidth).CopyTo(states[i].Hidden(k));
                if (c0 is not null) c0.AsSpan((k * batch + b) * hidden, hidden).CopyTo(states[i].Cell(k));
            }
        }
        int[] lengths = Enumerable.Repeat(steps, count).ToArray();
        var outputs = new float[model.BatchOutputLength(lengths)];
        string expectedName = c.HasHead && file.Contains("expected.logits") ? "expected.logits" : "expected.output";
        var options = new BatchOptions { States = states, Kind = expectedName == "expected.logits" ? HeadOutput.Logits : HeadOutput.Activated };
        if (c.IsTokenCase)
        {
            int[] input = file.ReadInt32("input");
            ((ITokenSequenceModel)model).PredictBatch(Repeat(input), lengths, outputs, options);
        }
        else
        {
            float[] input = file.ReadFloat32("input");
            ((IFloatSequenceModel)model).PredictBatch(Repeat(input), lengths, outputs, options);
        }

        var failures = new System.Text.StringBuilder();
        void Compare(string tensor, float[] values)
        {
            if (!file.Contains(tensor)) return;
            double[] reference = file.Contains(tensor + ".f64") ? file.ReadFloat64(tensor + ".f64") : Array.ConvertAll(file.ReadFloat32(tensor), v => (double)v);
            int per = values.Length / Copies;
            for (int copy = 0; copy < Copies; copy++)
            {
                NormalisedError e = NormalisedError.Of(values.AsSpan(copy * per, per), reference);
                if (!(e.Error <= NormalisedError.ForwardTolerance)) failures.AppendLine($"{tensor}, copy {copy}: {e}");
            }
        }
        Compare(expectedName, outputs);
        // Final states, copy after copy, each as [L·D, B, H] like PyTorch's h_n and c_n.
        var hN = new float[count * shape.StateSlotCount * hWidth];
        var cN = new float[count * shape.StateSlotCount * hidden];
        for (int i = 0; i < count; i++)
        {
            int copy = i / batch, b = i % batch;
            for (int k = 0; k < shape.StateSlotCount; k++)
            {
                states[i].Hidden(k).CopyTo(hN.AsSpan(copy * hN.Length / Copies + (k * batch + b) * hWidth, hWidth));
                if (shape.HasCellState) states[i].Cell(k).CopyTo(cN.AsSpan(copy * cN.Length / Copies + (k * batch + b) * hidden, hidden));
            }
        }
        Compare("expected.h_n", hN);
        if (shape.HasCellState) Compare("expected.c_n", cN);
        Assert.True(failures.Length == 0, $"{name} through PredictBatch ({count} sequences):\n{failures}");
    }

    private static T[] Repeat<T>(T[] values) => Enumerable.Range(0, Copies).SelectMany(_ => values).ToArray();
}
