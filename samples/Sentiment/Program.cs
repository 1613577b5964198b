// Trains an LSTM on review sentiment from C# (or loads a saved one), reports validation accuracy and ROC AUC, saves
// the model with its vocabulary, and scores sentences and held-out review files many at a time on every core.
using System;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using LstmGen;
using LstmGen.Samples;
using LstmGen.Text;
using LstmGen.Training;

namespace Sentiment;

public static class Program
{
    public static int Main(string[] args)
    {
        var defaults = new TrainingSettings();
        var data = SampleOptions.Data("train on a CSV with text,label columns (default: the bundled 4,000 fine-food reviews)");
        var test = SampleOptions.Test("score a held-out CSV with text,label columns; the last line is accuracy=… auc=… scored_per_second=…");
        var model = SampleOptions.Model("use a saved model (FILE and its .vocab.txt) instead of training");
        var output = SampleOptions.Out("sentiment.safetensors", "where to save the trained model (and its vocabulary, FILE's .vocab.txt)");
        var predict = new Option<string[]>("--predict") { Description = "score this sentence (repeatable; default: a few examples)", HelpName = "TEXT" };
        var epochs = SampleOptions.Epochs(defaults.Epochs, "most training epochs (early stopping on validation ROC AUC, patience 3)");
        var learningRate = SampleOptions.LearningRate(defaults.LearningRate);
        var maxLength = SampleOptions.AtLeast("--max-length", 1, defaults.MaxLength, "words kept per review, the last N");
        var threads = SampleOptions.Threads("training threads (scoring uses every core)");
        var seed = SampleOptions.Seed("seed of the validation split, the initialisation and the shuffling");
        var init = new Option<string>("--init") { Description = "initialisation: keras (Keras' initialisers) or pytorch (PyTorch's, with forget-gate bias 1)", DefaultValueFactory = _ => "keras" };
        init.AcceptOnlyFromAmong("keras", "pytorch");
        var exportSplit = new Option<string?>("--export-split") { Description = "also write the encoded training and validation reviews (train.tsv, validation.tsv: label, then word ids) for pytorch/compare.py", HelpName = "DIR" };

        var root = new RootCommand("Review sentiment with a bidirectional LSTM: trains on reviews (or loads a saved model), reports validation accuracy and ROC AUC, scores sentences and held-out files.")
        {
            data, test, model, output, predict, epochs, learningRate, maxLength, threads, seed, init, exportSplit,
        };
        return SampleOptions.Run(root, args, result =>
        {
            string? modelPath = result.GetValue(model), dataPath = result.GetValue(data);
            if (modelPath is not null && dataPath is not null)
                throw new ArgumentException("--model uses a saved model; --data trains a new one. Choose one.");
            var settings = new TrainingSettings
            {
                Epochs = result.GetValue(epochs),
                LearningRate = result.GetValue(learningRate),
                MaxLength = result.GetValue(maxLength),
                Threads = result.GetValue(threads),
                Seed = result.GetValue(seed),
                KerasInit = result.GetValue(init) == "keras",
                ExportSplitPath = result.GetValue(exportSplit),
            };
            string[] sentences = result.GetValue(predict) is { Length: > 0 } given ? given : Reviews.Examples;
            return Run(dataPath ?? SampleOutput.Bundled("fine_foods_train.csv"), modelPath, result.GetValue(output)!, result.GetValue(test), sentences, settings);
        });
    }

    private static int Run(string dataPath, string? modelPath, string outputPath, string? testPath, string[] sentences, TrainingSettings settings)
    {
        var model = new SentimentModel();
        Vocabulary vocabulary;
        if (modelPath is not null)
        {
            model.Load(modelPath);
            vocabulary = Vocabulary.Load(SentimentTraining.VocabularyPath(modelPath));
            Console.WriteLine($"Loaded {modelPath} ({vocabulary.Count} words).");
        }
        else
        {
            TrainedSentiment trained = SentimentTraining.Train(model, dataPath, settings, Console.Out, new ConsoleProgressBar());
            vocabulary = trained.Vocabulary;
            EvaluationResult v = trained.Validation;
            Console.WriteLine(SampleOutput.Invariant(
                $"Trained {trained.Result.CompletedEpochs} epochs in {trained.Elapsed.TotalSeconds:F0} s (best epoch {trained.Result.BestEpoch}, {trained.Result.StopReason})."));
            Console.WriteLine(SampleOutput.Invariant(
                $"Validation: accuracy {v.Accuracy:F3}, ROC AUC {v.RocAuc:F3}, loss {v.Loss:F4} ({trained.ValidationReviews} reviews)."));
            Console.WriteLine(SampleOutput.Invariant($"Five stars: precision {v.Precision:F3}, recall {v.Recall:F3}, F1 {v.F1:F3}."));
            Console.Write(v.Confusion!.ToString(ClassName));
            model.Save(outputPath);
            vocabulary.Save(SentimentTraining.VocabularyPath(outputPath));
            Console.WriteLine($"Saved {outputPath} and {SentimentTraining.VocabularyPath(outputPath)}.");
        }

        // The sentences: all of them in one call.
        Console.WriteLine();
        Console.WriteLine("P(five stars) for some sentences:");
        float[] probabilities = Score(model, sentences.Select(s => Reviews.Encode(s, vocabulary, settings.MaxLength)).ToArray(), useAllCores: false);
        for (int i = 0; i < sentences.Length; i++) Console.WriteLine(SampleOutput.Invariant($"  {probabilities[i]:F3}  {sentences[i]}"));

        if (testPath is not null) Test(model, vocabulary, testPath, settings.MaxLength);
        return 0;
    }

    /// <summary>Scores every review of a held-out file in one many-sequence call on every core; the last line is accuracy=… auc=… scored_per_second=….</summary>
    private static void Test(SentimentModel model, Vocabulary vocabulary, string path, int maxLength)
    {
        var (ids, labels) = Reviews.Encode(Reviews.Load(path), vocabulary, maxLength);
        Score(model, ids[..Math.Min(ids.Length, 64)], useAllCores: true); // warm-up: the timed call below measures scoring alone
        var clock = Stopwatch.StartNew();
        float[] probabilities = Score(model, ids, useAllCores: true);
        double seconds = clock.Elapsed.TotalSeconds;

        int[] predicted = probabilities.Select(p => p > 0.5f ? 1 : 0).ToArray();
        ConfusionMatrix confusion = ConfusionMatrix.From(labels, predicted, classes: 2);
        double auc = Metrics.RocAuc(probabilities, labels.Select(l => l == 1).ToArray());
        Console.WriteLine();
        Console.WriteLine(SampleOutput.Invariant(
            $"Test file {path}: {labels.Length} reviews in {seconds * 1e3:F0} ms on {Environment.ProcessorCount} cores. Five stars: precision {confusion.Precision(1):F3}, recall {confusion.Recall(1):F3}, F1 {confusion.F1(1):F3}."));
        Console.Write(confusion.ToString(ClassName));
        SampleOutput.KeyValues($"accuracy={confusion.Accuracy:F3} auc={auc:F3} scored_per_second={labels.Length / seconds:F0}");
    }

    /// <summary>P(five stars) of each sequence: one <c>PredictBatch</c> call over all of them.</summary>
    private static float[] Score(SentimentModel model, int[][] sequences, bool useAllCores)
    {
        var (tokens, lengths) = Reviews.Pack(sequences);
        var probabilities = new float[model.BatchOutputLength(lengths)]; // one per review: the head reads the final states
        model.PredictBatch(tokens, lengths, probabilities, new BatchOptions { UseAllCores = useAllCores });
        return probabilities;
    }

    private static string ClassName(int k) => k == 1 ? "five stars" : "other";
}
