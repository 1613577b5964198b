// Checkpoints: everything needed to continue training exactly where it stopped (weights, optimizer
// state, epoch, step, shuffle generator, best-epoch bookkeeping) in one atomically written safetensors file.
using System;
using System.Collections.Generic;
using System.Globalization;
using LstmGen.IO;

namespace LstmGen.Training;

public sealed partial class Trainer
{
    /// <summary>The <c>checkpoint</c> metadata value that marks a training checkpoint.</summary>
    public const string CheckpointFormat = "lstmgen-checkpoint-v1";

    private const string OptimizerPrefix = "optimizer/";
    private const string BestPrefix = "best/";

    /// <summary>
    /// Writes a checkpoint to <paramref name="path"/> atomically (a crash mid-write leaves the old file):
    /// the weights under their canonical names (so the file also loads as a weight file), the optimizer's
    /// state tensors under <c>optimizer/</c>, the best epoch's weights under <c>best/</c> (with early stopping
    /// and <see cref="TrainingOptions.RestoreBestWeights"/>), and in the metadata the epoch, step, shuffle
    /// generator state, best metric and the settings a resume must match. <see cref="Fit"/> calls it after every epoch
    /// when <see cref="TrainingOptions.CheckpointPath"/> is set.
    /// </summary>
    public void SaveCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var writer = new SafetensorsWriter();
        ModelWeights.AddTo(writer, _shape, _model.Parameters);

        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        Optimizer.SaveState(tensors, metadata);
        var names = new List<string>(tensors.Keys);
        names.Sort(StringComparer.Ordinal);
        foreach (string name in names) writer.Add(OptimizerPrefix + name, tensors[name], tensors[name].Length);
        foreach (var (key, value) in metadata) writer.SetMetadata(OptimizerPrefix + key, value);
        if (_bestWeights is not null)
        {
            foreach (var tensor in _shape.Tensors)
                writer.Add(BestPrefix + tensor.Name.Replace('.', '/'), _bestWeights.AsSpan(tensor.Offset, tensor.Length), tensor.Shape.ToArray());
        }

        writer.SetMetadata("checkpoint", CheckpointFormat);
        writer.SetMetadata("trainer.epoch", Text(_epoch));
        writer.SetMetadata("trainer.step", Text(_step));
        writer.SetMetadata("trainer.random", _random.GetState().ToString());
        writer.SetMetadata("trainer.best_epoch", Text(_bestEpoch));
        writer.SetMetadata("trainer.best_metric", _bestMetric.ToString("R", CultureInfo.InvariantCulture));
        writer.SetMetadata("trainer.epochs_without_improvement", Text(_epochsWithoutImprovement));
        writer.SetMetadata("trainer.seed", Options.Seed.ToString(CultureInfo.InvariantCulture));
        writer.SetMetadata("trainer.batch_size", Text(Options.BatchSize));
        writer.SetMetadata("trainer.loss", LossKind.ToString());
        writer.SetMetadata("trainer.optimizer", Optimizer.Name);
        writer.Save(path);
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint"/> into this trainer and its model, so the
    /// next <see cref="Fit"/> continues from the epoch after it. With the same data and options, the resumed run
    /// ends with exactly the weights of a run that never stopped. Nothing changes when the file does not fit.
    /// </summary>
    /// <exception cref="ArgumentException">The file is not a checkpoint, or was written for another model, optimizer, seed, batch size or loss.</exception>
    public void LoadCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = SafetensorsFile.Open(path);
        var meta = file.Metadata;
        if (!meta.TryGetValue("checkpoint", out string? format) || format != CheckpointFormat)
            throw new ArgumentException($"'{path}' is not a training checkpoint (no 'checkpoint' = '{CheckpointFormat}' metadata); for a plain weight file use the model's Load.", nameof(path));
        string shapeJson = ModelWeights.ShapeJson(_shape);
        if (!meta.TryGetValue("shape", out string? fileShape) || fileShape != shapeJson)
            throw new ArgumentException($"'{path}' was written for a model of shape {fileShape ?? "(unknown)"}; this model is {shapeJson}.", nameof(path));
        Expect(meta, path, "trainer.optimizer", Optimizer.Name, "optimizer");
        Expect(meta, path, "trainer.loss", LossKind.ToString(), "loss");
        Expect(meta, path, "trainer.seed", Options.Seed.ToString(CultureInfo.InvariantCulture), "seed (TrainingOptions.Seed)");
        Expect(meta, path, "trainer.batch_size", Text(Options.BatchSize), "batch size (TrainingOptions.BatchSize)");

        int epoch = ParseInt(meta, path, "trainer.epoch");
        long step = long.Parse(Require(meta, path, "trainer.step"), NumberStyles.None, CultureInfo.InvariantCulture);
        SeededRandomState randomState = SeededRandomState.Parse(Require(meta, path, "trainer.random"));
        int bestEpoch = ParseInt(meta, path, "trainer.best_epoch");
        double bestMetric = double.Parse(Require(meta, path, "trainer.best_metric"), NumberStyles.Float, CultureInfo.InvariantCulture);
        int withoutImprovement = ParseInt(meta, path, "trainer.epochs_without_improvement");

        // Read everything into staging first; the trainer and model change only once all of it fits.
        float[] weights = new float[_shape.ParameterCount];
        ModelWeights.Load(file, _shape, weights, new WeightLoadOptions { Names = WeightNames.Default, IgnoreExtraTensors = true });
        var optimizerTensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (string name in file.Names)
        {
            if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) optimizerTensors[name[OptimizerPrefix.Length..]] = file.ReadFloat32(name);
        }
        var optimizerMetadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in meta)
        {
            if (key.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) optimizerMetadata[key[OptimizerPrefix.Length..]] = value;
        }
        float[]? best = null;
        if (file.Contains(BestPrefix + _shape.Tensors[0].Name.Replace('.', '/')))
        {
            best = new float[_shape.ParameterCount];
            foreach (var tensor in _shape.Tensors) file.ReadFloat32(BestPrefix + tensor.Name.Replace('.', '/'), best.AsSpan(tensor.Offset, tensor.Length));
        }

        Optimizer.LoadState(optimizerTensors, optimizerMetadata);
        using (new WeightChange(_model))
        {
            weights.CopyTo(_model.Parameters);
            _model.ParametersChanged();
        }
        _random.SetState(randomState);
        _epoch = epoch;
        _step = step;
        _bestEpoch = bestEpoch;
        _bestMetric = bestMetric;
        _epochsWithoutImprovement = withoutImprovement;
        _bestWeights = best;
        _checkpointEpoch = epoch;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Require(IReadOnlyDictionary<string, string> meta, string path, string key) =>
        meta.TryGetValue(key, out string? value) ? value : throw new ArgumentException($"The checkpoint '{path}' has no '{key}' metadata.", nameof(path));

    private static int ParseInt(IReadOnlyDictionary<string, string> meta, string path, string key) =>
        int.Parse(Require(meta, path, key), NumberStyles.None, CultureInfo.InvariantCulture);

    private static void Expect(IReadOnlyDictionary<string, string> meta, string path, string key, string expected, string what)
    {
        string actual = Require(meta, path, key);
        if (actual != expected)
            throw new ArgumentException($"The checkpoint '{path}' was written with {what} '{actual}'; this trainer uses '{expected}'. Resume with the settings of the original run.", nameof(path));
    }
}
