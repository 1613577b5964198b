// TrainingOptions.FrozenTensors: a frozen tensor keeps every bit through training, even under decoupled weight
// decay (which moves weights with a zero gradient), while the other tensors train; unknown names are refused.
using System;
using System.Linq;
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using Xunit;

namespace LstmGen.Tests.Training.Trainer;

public sealed class FrozenTensorTests
{
    [Fact]
    public void AFrozenEmbeddingKeepsItsValuesWhileTheRestTrains()
    {
        ModelShape shape = TrainerFixtures.TokenClassifier();
        var model = TrainerFixtures.Model(shape);
        float[] before = model.Parameters.ToArray();
        using var trainer = new LstmGen.Training.Trainer(model, new TrainingOptions
        {
            Epochs = 3, BatchSize = 8, Threads = 1,
            Optimizer = new AdamW(learningRate: 1e-2, weightDecay: 0.1), // decays every weight, gradient or not
            FrozenTensors = [ModelShape.EmbeddingWeightName],
        });
        trainer.Fit(TrainerFixtures.TokenData(64, seed: 3));

        ParameterTensor embedding = shape.GetTensor(ModelShape.EmbeddingWeightName);
        float[] after = model.Parameters.ToArray();
        Assert.Equal(before.AsSpan(embedding.Offset, embedding.Length).ToArray(), after.AsSpan(embedding.Offset, embedding.Length).ToArray());
        foreach (ParameterTensor t in shape.Tensors.Where(t => t.Name != ModelShape.EmbeddingWeightName))
            Assert.False(before.AsSpan(t.Offset, t.Length).SequenceEqual(after.AsSpan(t.Offset, t.Length)), $"{t.Name} did not train");
    }

    [Fact]
    public void WithoutFreezingTheSameRunChangesTheEmbedding()
    {
        ModelShape shape = TrainerFixtures.TokenClassifier();
        var model = TrainerFixtures.Model(shape);
        float[] before = model.Parameters.ToArray();
        using var trainer = new LstmGen.Training.Trainer(model, new TrainingOptions { Epochs = 1, BatchSize = 8, Threads = 1, Optimizer = new Adam(1e-2) });
        trainer.Fit(TrainerFixtures.TokenData(64, seed: 3));
        ParameterTensor embedding = shape.GetTensor(ModelShape.EmbeddingWeightName);
        Assert.False(before.AsSpan(embedding.Offset, embedding.Length).SequenceEqual(model.Parameters.Slice(embedding.Offset, embedding.Length)));
    }

    [Fact]
    public void UnknownOrRepeatedNamesAreRefused()
    {
        var model = TrainerFixtures.Model(TrainerFixtures.TokenClassifier());
        var unknown = Assert.Throws<ArgumentException>(() => new LstmGen.Training.Trainer(model, new TrainingOptions { FrozenTensors = ["embedding.weight"] }));
        Assert.Equal("FrozenTensors", unknown.ParamName);
        Assert.Contains("'embedding.weight'", unknown.Message);
        Assert.Contains(ModelShape.EmbeddingWeightName, unknown.Message);
        var twice = Assert.Throws<ArgumentException>(() => new LstmGen.Training.Trainer(model, new TrainingOptions { FrozenTensors = [ModelShape.HeadBiasName, ModelShape.HeadBiasName] }));
        Assert.Contains("twice", twice.Message);
    }
}
