// A NaN or infinite loss or gradient must stop training at once, name the step, skip the update and leave the last good checkpoint alone.
using System;
using System.IO;
using LstmGen.Reference;
using Xunit;

namespace LstmGen.Tests.Training.Trainer;

using LstmGen.Training;

public sealed class DivergenceTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "lstmgen-diverge-" + Guid.NewGuid().ToString("N"));

    public DivergenceTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void HugeLearningRateStopsWithTheStepAndKeepsTheCheckpoint()
    {
        var shape = TrainerFixtures.FloatRegressor();
        var model = TrainerFixtures.Model(shape, 3);
        var data = TrainerFixtures.FloatData(20, 4);
        string checkpoint = Path.Combine(_folder, "good.safetensors");
        byte[]? afterEpoch1 = null;
        float[]? weightsBeforeBadStep = null;
        var trainer = new Trainer(model, new TrainingOptions
        {
            Epochs = 5, BatchSize = 5, Threads = 2, Optimizer = TrainerFixtures.Sgd(0.01, momentum: 0), CheckpointPath = checkpoint,
            LearningRateSchedule = new TrainerFixtures.Schedule((step, _) => step < 4 ? 0.01 : 1e38), // epoch 1 (steps 0–3) is fine, then the weights blow up
        });
        var progress = new SynchronousProgress(p =>
        {
            if (p.Phase == TrainingPhase.EpochEnd && p.Epoch == 1) afterEpoch1 = File.ReadAllBytes(checkpoint);
            weightsBeforeBadStep = model.Parameters.ToArray();
        });

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data, progress: progress));

        Assert.Equal(2, e.Epoch);
        Assert.Equal(e.Step, (e.Epoch - 1) * 4 + e.Batch);
        Assert.True(e.Step >= 6, $"diverged already at step {e.Step}");
        Assert.Contains($"step {e.Step}", e.Message);
        Assert.Contains("epoch 2", e.Message);
        Assert.Contains("was left as it was", e.Message);
        Assert.Equal(checkpoint, e.CheckpointPath);
        Assert.False(double.IsFinite(e.Value));
        Assert.Equal(afterEpoch1, File.ReadAllBytes(checkpoint));
        Assert.Equal(e.Step - 1, trainer.CompletedSteps);
        Assert.True(TrainerFixtures.BitwiseEqual(weightsBeforeBadStep, model.Parameters), "the bad update was applied");
        Assert.Single(Directory.GetFiles(_folder)); // no temporary files left behind
    }

    [Fact]
    public void InjectedNaNWeightStopsAtTheNextBatchWithANonFiniteLoss()
    {
        var shape = TrainerFixtures.TokenClassifier();
        var model = TrainerFixtures.Model(shape, 3);
        string checkpoint = Path.Combine(_folder, "nan.safetensors");
        byte[]? afterEpoch2 = null;
        var trainer = new Trainer(model, new TrainingOptions { Epochs = 4, BatchSize = 6, Threads = 2, Optimizer = TrainerFixtures.Sgd(), CheckpointPath = checkpoint });
        var progress = new SynchronousProgress(p =>
        {
            if (p.Phase != TrainingPhase.EpochEnd || p.Epoch != 2) return;
            afterEpoch2 = File.ReadAllBytes(checkpoint);
            model.Parameters[shape.GetTensor(ModelShape.HeadBiasName).Offset] = float.NaN;
        });

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(TrainerFixtures.TokenData(18, 2), progress: progress));

        Assert.Equal(DivergedQuantity.Loss, e.Quantity);
        Assert.True(double.IsNaN(e.Value));
        Assert.Equal((3, 1, 7L), (e.Epoch, e.Batch, e.Step));
        Assert.Contains("epoch 3, batch 1, step 7: the loss of batch 1 is NaN", e.Message);
        Assert.Contains("(epoch 2) was left as it was", e.Message);
        Assert.Equal(afterEpoch2, File.ReadAllBytes(checkpoint));
    }

    [Fact]
    public void NonFiniteGradientWithFiniteLossIsReportedAsTheGradient()
    {
        var shape = TrainerFixtures.FloatRegressor();
        var model = new GradientPoisoningModel(TrainerFixtures.Model(shape, 3), poisonAtCopy: 3);
        var trainer = new Trainer(model, new TrainingOptions { Epochs = 2, BatchSize = 10, Optimizer = TrainerFixtures.Sgd() });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(TrainerFixtures.FloatData(20, 1)));
        Assert.Equal(DivergedQuantity.Gradient, e.Quantity);
        Assert.Equal((2, 1, 3L), (e.Epoch, e.Batch, e.Step));
        Assert.Contains("the gradient of batch 1 is not finite", e.Message);
        Assert.Null(e.CheckpointPath);
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    internal sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>Delegates to a reference model but writes +infinity into the n-th gradient it converts.</summary>
    private sealed class GradientPoisoningModel(ReferenceLstm inner, int poisonAtCopy) : IFloatTrainableModel
    {
        private int _copies;

        public ModelShape Shape => inner.Shape;
        public Span<float> Parameters => inner.Parameters;
        public void ParametersChanged() => inner.ParametersChanged();
        public LstmState CreateState() => inner.CreateState();
        public void Load(string path, LstmGen.IO.WeightLoadOptions? options = null) => inner.Load(path, options);
        public void Save(string path) => inner.Save(path);
        public void Save(System.IO.Stream stream) => inner.Save(stream);
        public void Load(System.IO.Stream stream, LstmGen.IO.WeightLoadOptions? options = null) => inner.Load(stream, options);
        public void Load(ReadOnlyMemory<byte> bytes, LstmGen.IO.WeightLoadOptions? options = null) => inner.Load(bytes, options);
        public void Initialize(ulong seed = 0, ParameterInitOptions? options = null) => inner.Initialize(seed, options);
        public string Summary() => inner.Summary();
        public void Predict(ReadOnlySpan<float> inputs, Span<float> output) => inner.Predict(inputs, output);
        public void Predict(ReadOnlySpan<float> inputs, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated) => inner.Predict(inputs, output, state, kind);
        public void Step(ReadOnlySpan<float> input, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated) => inner.Step(input, output, state, kind);
        public TrainingTape CreateTape(int maxSteps) => inner.CreateTape(maxSteps);
        public GradientBuffer CreateGradients() => inner.CreateGradients();
        public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, LstmState state, TrainingTape tape) => inner.Forward(inputs, outputs, state, tape);

        public void Backward(TrainingTape tape, ReadOnlySpan<float> outputGradients, GradientBuffer gradients, Span<float> inputGradients = default, LstmState? initialStateGradients = null, LstmState? finalStateGradients = null) =>
            inner.Backward(tape, outputGradients, gradients, inputGradients, initialStateGradients, finalStateGradients);

        public void CopyGradients(GradientBuffer source, Span<float> destination)
        {
            inner.CopyGradients(source, destination);
            if (++_copies == poisonAtCopy) destination[5] = float.PositiveInfinity;
        }
    }
}
