// Builds the model a learning test trains: the generated model of the shape when the generator emits
// training code, otherwise the reference LSTM, initialised the PyTorch way from a seed.
using System;
using System.Diagnostics;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Training;
using Xunit.Abstractions;

namespace LstmGen.Tests.Training.Learning;

internal static class LearningModels
{
    /// <summary>A trainable model of <paramref name="shape"/> with weights from <paramref name="seed"/>; writes which kind it is to <paramref name="output"/>.</summary>
    public static ITrainableModel Create(ModelShape shape, ulong seed, ITestOutputHelper output, ParameterInitOptions? init = null)
    {
        var clock = Stopwatch.StartNew();
        ILstmModel generated = ModelCompiler.CreateModel(shape);
        ITrainableModel model = generated as ITrainableModel ?? new ReferenceLstm(shape);
        ParameterInit.Initialize(shape, model.Parameters, seed, init);
        model.ParametersChanged();
        output.WriteLine($"model: {(model is ReferenceLstm ? "ReferenceLstm (the generated model has no training code yet)" : "generated " + model.GetType().Name)}, {shape}, built in {clock.Elapsed.TotalSeconds:F1} s");
        return model;
    }

    /// <summary>Prints each epoch's line, for the test log.</summary>
    public sealed class Log(ITestOutputHelper output) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Phase == TrainingPhase.EpochEnd) output.WriteLine(ConsoleProgressBar.EpochLine(value));
        }
    }
}
