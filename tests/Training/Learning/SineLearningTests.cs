// Next value of sin(x) from the 15 values before it: an LSTM regression that must reach a test MSE below 1e-3.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Training.Learning;

public class SineLearningTests(ITestOutputHelper output)
{
    [Fact]
    public void PredictsTheNextValueOfASine()
    {
        var clock = Stopwatch.StartNew();
        const int Window = 15, Windows = 1000;
        const double Step = 0.1;

        // sin(0.1 t), min–max scaled to [−1, 1]; window i = values i … i+14, target value i+15.
        float[] series = new float[Windows + Window];
        for (int t = 0; t < series.Length; t++) series[t] = (float)Math.Sin(t * Step);
        float min = float.MaxValue, max = float.MinValue;
        foreach (float v in series) (min, max) = (Math.Min(min, v), Math.Max(max, v));
        for (int t = 0; t < series.Length; t++) series[t] = (series[t] - min) / (max - min) * 2 - 1;

        // The first 80 % of windows train, the last 20 % (later in time) test.
        var train = (X: new List<float[]>(), Y: new List<float[]>());
        var test = (X: new List<float[]>(), Y: new List<float[]>());
        for (int i = 0; i < Windows; i++)
        {
            var set = i < Windows * 8 / 10 ? train : test;
            set.X.Add(series[i..(i + Window)]);
            set.Y.Add(new[] { series[i + Window] });
        }
        var trainData = SequenceDataset.FromFloats(train.X, 1, train.Y, HeadOn.LastStep);
        var testData = SequenceDataset.FromFloats(test.X, 1, test.Y, HeadOn.LastStep);

        var shape = new ModelShape(1, 0, 0, 16, 1, 1, Head.Linear, HeadOn.LastStep);
        var model = LearningModels.Create(shape, seed: 1, output);
        var training = Stopwatch.StartNew();
        var trainer = new LstmGen.Training.Trainer(model, new TrainingOptions { Epochs = 10, BatchSize = 32, Seed = 1, Threads = 2, Optimizer = new Adam(0.01) });
        trainer.Fit(trainData, testData, new LearningModels.Log(output));

        // Test MSE computed from the model's own predictions.
        double squared = 0;
        float[] prediction = new float[1];
        var floatModel = (IFloatSequenceModel)model;
        for (int i = 0; i < test.X.Count; i++)
        {
            floatModel.Predict(test.X[i], prediction);
            double error = prediction[0] - test.Y[i][0];
            squared += error * error;
        }
        double mse = squared / test.X.Count;
        output.WriteLine($"test MSE {mse:G4}; training {training.Elapsed.TotalSeconds:F2} s, whole test {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(mse < 1e-3, $"test MSE {mse}");
    }
}
