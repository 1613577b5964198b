// Builds the model a learning test trains: the generated model of the shape (compiled in memory),
// initialised the PyTorch way from a seed, so the learning tests exercise generated training code.
using System;
using System.Diagnostics;
using LstmGen.Tests.Generator;
using LstmGen.Training;
using Xunit.Abstractions;

namespace LstmGen.Tests.Training.Learning;

internal static class LearningModels
{
    /// <summary>The generated model of <paramref name="shape"/> with weights from <paramref name="seed"/>; writes its build time to <paramref name="output"/>.</summary>
    public static ITrainableModel Create(ModelShape shape, ulong seed, ITestOutputHelper output, ParameterInitOptions? init = null)
    {
        var clock = Stopwatch.StartNew();
        ILstmModel generated = ModelCompiler.CreateModel(shape);
        ITrainableModel model = generated as ITrainableModel
            ?? throw new InvalidOperationException($"The generated model {generated.GetType().Name} does not implement ITrainableModel.");
        ParameterInit.Initialize(shape, model.Parameters, seed, init);
        model.ParametersChanged();
        output.WriteLine($"generated model {shape}, generated and compiled in {clock.Elapsed.TotalSeconds:F1} s");
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
