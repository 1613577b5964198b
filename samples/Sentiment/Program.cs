// Trains an LSTM on review sentiment from C# (or loads a saved one), reports validation accuracy and
// ROC AUC, saves the model with its vocabulary, and scores sentences. Flags take the user's own data.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using LstmGen.Text;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace Sentiment;

public static class Program
{
    private static readonly string[] Examples =
    {
        "Beyond comprehension",
        "I rate it so-so",
        "Unbelievable service",
        "I wish I could say the movie was great but I can't",
        "Absolutely delicious, my kids love these and I will buy them again!",
        "Stale, tasteless and overpriced. Never again.",
    };

    public static int Main(string[] args)
    {
        try
        {
            return Run(SampleOptions.Parse(args));
        }
        catch (SampleUsageException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(SampleOptions.Usage);
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or KeyNotFoundException or TrainingDivergedException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Run(SampleOptions options)
    {
        var model = new SentimentModel();
        Vocabulary vocabulary;
        if (options.ModelPath is not null)
        {
            model.Load(options.ModelPath);
            vocabulary = Vocabulary.Load(VocabularyPath(options.ModelPath));
            Console.WriteLine($"Loaded {options.ModelPath} ({vocabulary.Count} words).");
        }
        else
        {
            vocabulary = Train(model, options);
        }

        if (options.TestPath is not null)
        {
            var (ids, labels) = Encode(LoadReviews(options.TestPath), vocabulary, options.MaxLength);
            EvaluationResult test = new Trainer(model, new TrainingOptions { Threads = options.Threads }).Evaluate(SequenceDataset.FromTokens(ids, labels));
            Console.WriteLine($"Test file {options.TestPath}: {labels.Count} reviews.");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy={test.Accuracy:F3} auc={test.RocAuc:F3}"));
        }

        Console.WriteLine();
        Console.WriteLine("P(five stars) for some sentences:");
        var output = new float[1];
        foreach (string sentence in options.Sentences.Count > 0 ? options.Sentences.ToArray() : Examples)
        {
            int[] ids = SequencePadding.Truncate(vocabulary.Encode(WordTokenizer.Tokenize(sentence)), options.MaxLength);
            model.Predict(ids, output);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {output[0]:F3}  {sentence}"));
        }
        return 0;
    }

    private static Vocabulary Train(SentimentModel model, SampleOptions options)
    {
        string path = options.TrainPath ?? Path.Combine(AppContext.BaseDirectory, "data", "fine_foods_train.csv");
        List<(List<string> Words, int Label)> reviews = LoadReviews(path);
        Console.WriteLine($"Read {reviews.Count} reviews from {path}.");

        // A stratified, seeded split: the vocabulary is built from the training part only.
        var (trainIndex, validationIndex) = StratifiedSplit(reviews.Select(r => r.Label).ToList(), options.ValidationFraction, options.Seed);
        var trainReviews = trainIndex.Select(i => reviews[i]).ToList();
        var validationReviews = validationIndex.Select(i => reviews[i]).ToList();
        Vocabulary vocabulary = Vocabulary.Build(trainReviews.Select(r => (IReadOnlyList<string>)r.Words), SentimentModel.VocabularySize, minCount: 2);
        var (trainIds, trainLabels) = Encode(trainReviews, vocabulary, options.MaxLength);
        var (validationIds, validationLabels) = Encode(validationReviews, vocabulary, options.MaxLength);
        Console.WriteLine($"Training on {trainIds.Count}, validating on {validationIds.Count}; vocabulary {vocabulary.Count} words; at most {options.MaxLength} words per review.");
        if (options.ExportSplitPath is { } exportPath)
        {
            Directory.CreateDirectory(exportPath);
            ExportSplit(Path.Combine(exportPath, "train.tsv"), trainIds, trainLabels);
            ExportSplit(Path.Combine(exportPath, "validation.tsv"), validationIds, validationLabels);
            Console.WriteLine($"Wrote the encoded split to {exportPath} (train.tsv, validation.tsv).");
        }

        ParameterInit.Initialize(model.Shape, model.Parameters, options.Seed, options.KerasInit ? ParameterInitOptions.Keras : new ParameterInitOptions { ForgetGateBias = 1f });
        model.ParametersChanged();
        var trainer = new Trainer(model, new TrainingOptions
        {
            Epochs = options.Epochs,
            BatchSize = 32,
            Seed = options.Seed,
            Threads = options.Threads,
            Optimizer = new Adam(learningRate: options.LearningRate),
            ClipGradientNorm = 1.0,
            EarlyStoppingPatience = 3,
            EarlyStoppingMetric = EarlyStoppingMetric.RocAuc,
            RestoreBestWeights = true,
        });
        var clock = Stopwatch.StartNew();
        TrainingResult result = trainer.Fit(SequenceDataset.FromTokens(trainIds, trainLabels), SequenceDataset.FromTokens(validationIds, validationLabels), new ConsoleProgressBar());
        EvaluationResult validation = trainer.Evaluate(SequenceDataset.FromTokens(validationIds, validationLabels));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Trained {result.CompletedEpochs} epochs in {clock.Elapsed.TotalSeconds:F0} s (best epoch {result.BestEpoch}, {result.StopReason})."));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Validation: accuracy {validation.Accuracy:F3}, ROC AUC {validation.RocAuc:F3}, loss {validation.Loss:F4} ({validationIds.Count} reviews)."));

        string output = options.OutputPath;
        model.Save(output);
        vocabulary.Save(VocabularyPath(output));
        Console.WriteLine($"Saved {output} and {VocabularyPath(output)}.");
        return vocabulary;
    }

    /// <summary>One review per line: the label, a tab, the word ids separated by spaces (what pytorch/compare.py reads).</summary>
    private static void ExportSplit(string path, List<int[]> ids, List<int> labels)
    {
        using var writer = new StreamWriter(path);
        for (int i = 0; i < ids.Count; i++)
            writer.WriteLine(labels[i].ToString(CultureInfo.InvariantCulture) + "\t" + string.Join(' ', ids[i].Select(id => id.ToString(CultureInfo.InvariantCulture))));
    }

    private static string VocabularyPath(string modelPath) => Path.ChangeExtension(modelPath, ".vocab.txt");

    private static List<(List<string> Words, int Label)> LoadReviews(string path)
    {
        CsvTable table = CsvTable.Load(path);
        string[] texts = table.GetColumn("text");
        double[] labels = table.GetNumbers("label");
        var reviews = new List<(List<string>, int)>(texts.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            if (labels[i] is not (0 or 1)) throw new InvalidDataException($"{path}: row {i + 1}: label must be 0 or 1, not {labels[i].ToString(CultureInfo.InvariantCulture)}.");
            reviews.Add((WordTokenizer.Tokenize(texts[i]), (int)labels[i]));
        }
        return reviews;
    }

    private static (List<int[]> Ids, List<int> Labels) Encode(List<(List<string> Words, int Label)> reviews, Vocabulary vocabulary, int maxLength) =>
        (reviews.Select(r => SequencePadding.Truncate(vocabulary.Encode(r.Words), maxLength)).ToList(), reviews.Select(r => r.Label).ToList());

    private static (List<int> Train, List<int> Validation) StratifiedSplit(List<int> labels, double validationFraction, ulong seed)
    {
        var random = new SeededRandom(seed);
        var train = new List<int>();
        var validation = new List<int>();
        foreach (int label in labels.Distinct().Order())
        {
            int[] members = Enumerable.Range(0, labels.Count).Where(i => labels[i] == label).ToArray();
            random.Shuffle(members.AsSpan());
            int held = (int)Math.Round(members.Length * validationFraction);
            validation.AddRange(members.Take(held));
            train.AddRange(members.Skip(held));
        }
        train.Sort();
        validation.Sort();
        return (train, validation);
    }
}
