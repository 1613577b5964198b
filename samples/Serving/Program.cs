// Serving the Sentiment model over HTTP with ASP.NET Core: one model instance shared by every request, concurrent
// requests gathered into one PredictBatch call (MicroBatcher), a page that shows how P(five stars) moves word by word,
// and a load client (`Serving load`) that checks every batched answer against the single-request one.
using System;
using System.CommandLine;
using System.IO;
using LstmGen;
using LstmGen.Samples;
using LstmGen.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sentiment;

namespace Serving;

/// <summary>The body of the scoring endpoints.</summary>
public sealed record ReviewRequest(string? Text);

public static class Program
{
    public static int Main(string[] args)
    {
        var defaults = new TrainingSettings();
        var model = SampleOptions.Model("a saved Sentiment model (FILE and its .vocab.txt, as samples/Sentiment --out writes) instead of training at startup");
        var data = SampleOptions.Data("train at startup on a CSV with text,label columns (default: the bundled fine-food reviews)");
        var epochs = SampleOptions.Epochs(2, "training epochs at startup, without --model (the model is best after 1-2)");
        var learningRate = SampleOptions.LearningRate(defaults.LearningRate);
        var seed = SampleOptions.Seed("seed of the training run at startup");
        var output = new Option<string?>("--out") { Description = "also save the model trained at startup (and its vocabulary)", HelpName = "FILE" };
        var urls = new Option<string>("--urls") { Description = "where to listen; port 0 picks a free one (the address is printed)", DefaultValueFactory = _ => "http://127.0.0.1:5000", HelpName = "URL" };
        var maxBatch = SampleOptions.AtLeast("--max-batch", 1, 64, "most requests scored in one PredictBatch call");
        var maxWait = SampleOptions.Between("--max-wait-ms", 0, 1000, 2, "how long the first request of a batch waits for others to join it (0: only those already waiting)");
        var root = new RootCommand("Serves the sentiment model over HTTP: concurrent requests are gathered into one PredictBatch call; GET / shows P(five stars) word by word.")
        {
            model, data, epochs, learningRate, seed, output, urls, maxBatch, maxWait,
        };
        SampleOptions.SetAction(root, r =>
        {
            string? modelPath = r.GetValue(model), dataPath = r.GetValue(data);
            if (modelPath is not null && dataPath is not null) throw new ArgumentException("--model uses a saved model; --data trains a new one. Choose one.");
            var settings = defaults with { Epochs = r.GetValue(epochs), LearningRate = r.GetValue(learningRate), Seed = r.GetValue(seed) };
            return Serve(modelPath, dataPath ?? SampleOutput.Bundled("fine_foods_train.csv"), r.GetValue(output), settings, r.GetValue(urls)!,
                r.GetValue(maxBatch), TimeSpan.FromMilliseconds(r.GetValue(maxWait)));
        });
        root.Add(LoadClient.Command());
        return root.Parse(args).Invoke();
    }

    private static int Serve(string? modelPath, string dataPath, string? outputPath, TrainingSettings settings, string urls, int maxBatch, TimeSpan maxWait)
    {
        // One model for the whole process: inference on it is safe from any number of threads.
        var model = new SentimentModel();
        Vocabulary vocabulary;
        string summary;
        if (modelPath is not null)
        {
            model.Load(modelPath);
            vocabulary = Vocabulary.Load(SentimentTraining.VocabularyPath(modelPath));
            summary = $"Model: {Path.GetFileName(modelPath)}, a bidirectional LSTM(64) over 32-wide word vectors, {vocabulary.Count} words.";
        }
        else
        {
            TrainedSentiment trained = SentimentTraining.Train(model, dataPath, settings, Console.Out);
            vocabulary = trained.Vocabulary;
            summary = SampleOutput.Invariant(
                $"Model: a bidirectional LSTM(64) over 32-wide word vectors, trained at startup for {trained.Result.CompletedEpochs} epoch(s) in {trained.Elapsed.TotalSeconds:F0} s; validation accuracy {trained.Validation.Accuracy:F3}, ROC AUC {trained.Validation.RocAuc:F3} ({trained.ValidationReviews} reviews).");
            Console.WriteLine(summary);
            if (outputPath is not null)
            {
                model.Save(outputPath);
                vocabulary.Save(SentimentTraining.VocabularyPath(outputPath));
                Console.WriteLine($"Saved {outputPath} and {SentimentTraining.VocabularyPath(outputPath)}.");
            }
        }
        int maxLength = settings.MaxLength;
        var batcher = new MicroBatcher(model, maxBatch, maxWait);
        string Batching() => SampleOutput.Invariant(
            $"Requests are gathered into batches of up to {maxBatch} (waiting at most {maxWait.TotalMilliseconds:0.##} ms): {batcher.Requests:N0} requests in {batcher.Batches:N0} PredictBatch calls so far.");

        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(urls);
        WebApplication app = builder.Build();

        // The page, and the part of it that the page's script redraws while typing.
        app.MapGet("/", (string? text) =>
        {
            text ??= Reviews.Examples[3];
            WordByWord scores = PrefixScores.Score(model, vocabulary, text, maxLength);
            return Results.Content(ServingPage.Render(text, scores, Reviews.Examples, summary, Batching()), "text/html; charset=utf-8");
        });
        app.MapGet("/result", (string? text) => Results.Content(ServingPage.Result(PrefixScores.Score(model, vocabulary, text ?? "", maxLength)), "text/html; charset=utf-8"));

        // P(five stars) of one review, scored in a batch with whatever other requests are waiting.
        app.MapPost("/api/score", async (ReviewRequest request) =>
        {
            if (request.Text is null) return Results.BadRequest("Expected {\"text\": \"…\"}.");
            BatchedScore score = await batcher.ScoreAsync(Reviews.Encode(request.Text, vocabulary, maxLength));
            return Results.Ok(new { probability = score.Probability, batch = score.BatchSize });
        });
        // The same review scored alone with Predict: what every batched answer must equal.
        app.MapPost("/api/score/single", (ReviewRequest request) =>
        {
            if (request.Text is null) return Results.BadRequest("Expected {\"text\": \"…\"}.");
            var probability = new float[SentimentModel.OutputSize];
            model.Predict(Reviews.Encode(request.Text, vocabulary, maxLength), probability);
            return Results.Ok(new { probability = probability[0] });
        });
        // P(five stars) after every word, all prefixes in one PredictBatch call.
        app.MapPost("/api/prefixes", (ReviewRequest request) =>
        {
            if (request.Text is null) return Results.BadRequest("Expected {\"text\": \"…\"}.");
            WordByWord scores = PrefixScores.Score(model, vocabulary, request.Text, maxLength);
            return Results.Ok(new { words = scores.Words, probabilities = scores.Probabilities });
        });
        app.MapGet("/api/stats", () => Results.Ok(new { requests = batcher.Requests, batches = batcher.Batches }));

        app.StartAsync().GetAwaiter().GetResult();
        Console.WriteLine($"Serving on {string.Join(", ", app.Urls)} (Ctrl+C stops)");
        app.WaitForShutdownAsync().GetAwaiter().GetResult();
        batcher.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }
}
