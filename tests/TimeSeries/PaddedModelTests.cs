// A model declared wider than a forecast needs (more input columns, more outputs) trains exactly like a model of
// the needed size when the unused inputs are zero, the unused head rows start at zero with zero targets, and sample
// weights (outputs / H) restore the loss's mean over the real outputs — what samples/Forecast relies on to serve any
// horizon and covariate count from one compile-time shape. Both run through the generated training code.
using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Tests.Generator;
using LstmGen.TimeSeries;
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using Xunit;

namespace LstmGen.Tests.TimeSeries;

public sealed class PaddedModelTests
{
    private const int Hidden = 8, Columns = 2, Horizon = 3, WideInputs = 5, WideOutputs = 7, Window = 6;

    [Fact]
    public void ZeroPaddedInputsAndOutputsTrainLikeTheExactShape()
    {
        var random = new Random(4);
        double[] series = Enumerable.Range(0, 120).Select(i => Math.Sin(i * 0.4) + 0.2 * random.NextDouble()).ToArray();
        double[] covariate = Enumerable.Range(0, 120).Select(i => Math.Cos(i * 0.1)).ToArray();
        var windows = new ForecastWindows(new[] { series, covariate }, series, Window, Horizon);
        SequenceDataset exactData = windows.ToDataset(windows.FirstOrigin, windows.LastTargetOrigin);

        var inputs = new List<float[]>();
        var targets = new List<float[]>();
        var weights = new List<float>();
        var packed = new float[Window * Columns];
        var target = new double[Horizon];
        for (int origin = windows.FirstOrigin; origin <= windows.LastTargetOrigin; origin++)
        {
            windows.CopyInputs(origin, packed);
            var wide = new float[Window * WideInputs];
            for (int t = 0; t < Window; t++) packed.AsSpan(t * Columns, Columns).CopyTo(wide.AsSpan(t * WideInputs));
            inputs.Add(wide);
            windows.CopyTargets(origin, target);
            var padded = new float[WideOutputs];
            for (int k = 0; k < Horizon; k++) padded[k] = (float)target[k];
            targets.Add(padded);
            weights.Add((float)WideOutputs / Horizon);
        }
        SequenceDataset wideData = SequenceDataset.FromFloats(inputs, WideInputs, targets, HeadOn.LastStep, weights);

        var exactShape = new ModelShape(Columns, 0, 0, Hidden, 1, Horizon, Head.Linear, HeadOn.LastStep);
        var wideShape = new ModelShape(WideInputs, 0, 0, Hidden, 1, WideOutputs, Head.Linear, HeadOn.LastStep);
        var exact = (ITrainableModel)ModelCompiler.CreateModel(exactShape);
        var wideModel = (ITrainableModel)ModelCompiler.CreateModel(wideShape);
        ParameterInit.Initialize(exactShape, exact.Parameters, seed: 3);
        ParameterInit.Initialize(wideShape, wideModel.Parameters, seed: 9); // unused input columns keep these values
        CopyInto(exactShape, exact.Parameters, wideShape, wideModel.Parameters);
        exact.ParametersChanged();
        wideModel.ParametersChanged();
        float[] wideBefore = wideModel.Parameters.ToArray();

        TrainingOptions Options() => new() { Epochs = 3, BatchSize = 8, Seed = 5, Threads = 1, Optimizer = new Adam(1e-2), ClipGradientNorm = 1 };
        using (var trainer = new Trainer(exact, Options())) trainer.Fit(exactData);
        using (var trainer = new Trainer(wideModel, Options())) trainer.Fit(wideData);

        var expected = wideBefore.ToArray();
        CopyInto(exactShape, exact.Parameters, wideShape, expected);
        float[] actual = wideModel.Parameters.ToArray();
        double scale = expected.Max(v => Math.Abs(v));
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * scale, $"parameter {i}: padded {actual[i]} vs exact {expected[i]}");
        ParameterTensor headWeight = wideShape.GetTensor(ModelShape.HeadWeightName), headBias = wideShape.GetTensor(ModelShape.HeadBiasName);
        Assert.All(actual.AsSpan(headWeight.Offset + Horizon * Hidden, (WideOutputs - Horizon) * Hidden).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(actual.AsSpan(headBias.Offset + Horizon, WideOutputs - Horizon).ToArray(), v => Assert.Equal(0f, v));
    }

    /// <summary>
    /// The exact model's values into the wide block: weight_ih's first columns, the recurrent tensors as they are, the
    /// head's first rows; the wide head's other rows become 0 (the unused weight_ih columns are left alone).
    /// </summary>
    private static void CopyInto(ModelShape exactShape, ReadOnlySpan<float> exact, ModelShape wideShape, Span<float> wide)
    {
        foreach (ParameterTensor e in exactShape.Tensors)
        {
            ParameterTensor w = wideShape.GetTensor(e.Name);
            ReadOnlySpan<float> from = exact.Slice(e.Offset, e.Length);
            Span<float> to = wide.Slice(w.Offset, w.Length);
            if (e.Name == ModelShape.WeightIhName(0))
            {
                for (int r = 0; r < e.Shape[0]; r++) from.Slice(r * Columns, Columns).CopyTo(to.Slice(r * WideInputs));
            }
            else if (e.Name is ModelShape.HeadWeightName or ModelShape.HeadBiasName)
            {
                to.Clear();
                from.CopyTo(to);
            }
            else
            {
                from.CopyTo(to);
            }
        }
    }
}
