// Training the sentiment model on a review file: a stratified validation split, the vocabulary from the training part,
// Keras-style (or PyTorch-style) initialisation, Adam with clipping, early stopping on validation ROC AUC.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using LstmGen;
using LstmGen.Text;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace Sentiment;

/// <summary>How to train: the defaults are the sample's.</summary>
public sealed record TrainingSettings
{
    public int Epochs { get; init; } = 12;
    public double LearningRate { get; init; } = 2e-3;
    public int MaxLength { get; init; } = 200;
    public int Threads { get; init; } = Environment.ProcessorCount;
    public ulong Seed { get; init; } = 1;
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>Keras' initialisers (the default) or PyTorch's with forget-gate bias 1.</summary>
    public bool KerasInit { get; init; } = true;

    /// <summary>Also write the encoded split here (train.tsv, validation.tsv) for pytorch/compare.py.</summary>
    public string? ExportSplitPath { get; init; }
}

/// <summary>What training left: the vocabulary the model reads and the scores on the validation split.</summary>
public sealed record TrainedSentiment(Vocabulary Vocabulary, EvaluationResult Validation, TrainingResult Result, int ValidationReviews, TimeSpan Elapsed);

public static class SentimentTraining
{
    /// <summary>The model's vocabulary file next to its weights: <c>sentiment.safetensors</c> → <c>sentiment.vocab.txt</c>.</summary>
    public static string VocabularyPath(string modelPath) => Path.ChangeExtension(modelPath, ".vocab.txt");

    /// <summary>Trains <paramref name="model"/> on the reviews of <paramref name="path"/>; progress and results go to <paramref name="log"/>.</summary>
    public static TrainedSentiment Train(SentimentModel model, string path, TrainingSettings settings, TextWriter log, IProgress<TrainingProgress>? progress = null)
    {
        List<Review> reviews = Reviews.Load(path);
        log.WriteLine($"Read {reviews.Count} reviews from {path}.");

        // A stratified, seeded split; the vocabulary is built from the training part only.
        var (trainIndex, validationIndex) = Reviews.StratifiedSplit(reviews.Select(r => r.Label).ToList(), settings.ValidationFraction, settings.Seed);
        var trainReviews = trainIndex.Select(i => reviews[i]).ToList();
        var validationReviews = validationIndex.Select(i => reviews[i]).ToList();
        Vocabulary vocabulary = Vocabulary.Build(trainReviews.Select(r => (IReadOnlyList<string>)r.Words), SentimentModel.VocabularySize, minCount: 2);
        var (trainIds, trainLabels) = Reviews.Encode(trainReviews, vocabulary, settings.MaxLength);
        var (validationIds, validationLabels) = Reviews.Encode(validationReviews, vocabulary, settings.MaxLength);
        log.WriteLine($"Training on {trainIds.Length}, validating on {validationIds.Length}; vocabulary {vocabulary.Count} words; at most {settings.MaxLength} words per review.");
        if (settings.ExportSplitPath is { } exportPath)
        {
            Directory.CreateDirectory(exportPath);
            ExportSplit(Path.Combine(exportPath, "train.tsv"), trainIds, trainLabels);
            ExportSplit(Path.Combine(exportPath, "validation.tsv"), validationIds, validationLabels);
            log.WriteLine($"Wrote the encoded split to {exportPath} (train.tsv, validation.tsv).");
        }

        model.Initialize(settings.Seed, settings.KerasInit ? ParameterInitOptions.Keras : new ParameterInitOptions { ForgetGateBias = 1f });
        using var trainer = new Trainer(model, new TrainingOptions
        {
            Epochs = settings.Epochs,
            BatchSize = 32,
            Seed = settings.Seed,
            Threads = settings.Threads,
            Optimizer = new Adam(learningRate: settings.LearningRate),
            ClipGradientNorm = 1.0,
            EarlyStoppingPatience = 3,
            EarlyStoppingMetric = EarlyStoppingMetric.RocAuc,
            RestoreBestWeights = true,
        });
        var clock = Stopwatch.StartNew();
        SequenceDataset validation = SequenceDataset.FromTokens(validationIds, validationLabels);
        TrainingResult result = trainer.Fit(SequenceDataset.FromTokens(trainIds, trainLabels), validation, progress);
        TimeSpan elapsed = clock.Elapsed;
        EvaluationResult scores = model.Evaluate(validation, threads: settings.Threads);
        return new TrainedSentiment(vocabulary, scores, result, validationIds.Length, elapsed);
    }

    /// <summary>One review per line: the label, a tab, the word ids separated by spaces (what pytorch/compare.py reads).</summary>
    private static void ExportSplit(string path, int[][] ids, int[] labels)
    {
        using var writer = new StreamWriter(path);
        for (int i = 0; i < ids.Length; i++)
            writer.WriteLine(labels[i].ToString(CultureInfo.InvariantCulture) + "\t" + string.Join(' ', ids[i].Select(id => id.ToString(CultureInfo.InvariantCulture))));
    }
}
