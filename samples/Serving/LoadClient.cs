// A bounded load test of a running server on this machine (loopback only): first every review's single-request
// answer, then a fixed number of requests at each number of concurrent clients, each answer checked against the
// single-request one bit for bit; throughput and p50/p99 latency per level, and the mean batch the server formed.
using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Threading;
using System.Threading.Tasks;
using LstmGen.Samples;
using LstmGen.Text;

namespace Serving;

public static class LoadClient
{
    private sealed record Score(float Probability, int Batch);

    /// <summary>One level's outcome.</summary>
    private sealed record Level(int Clients, int Requests, int Errors, int Mismatches, double Seconds, double P50, double P99, double MeanBatch);

    /// <summary>The <c>load</c> command.</summary>
    public static Command Command()
    {
        var url = new Option<string>("--url") { Description = "the server (loopback only)", DefaultValueFactory = _ => "http://127.0.0.1:5000", HelpName = "URL" };
        var clients = new Option<string>("--clients") { Description = "concurrent clients per level, comma-separated", DefaultValueFactory = _ => "1,8,64", HelpName = "N,N,…" };
        var requests = SampleOptions.AtLeast("--requests", 1, 2000, "requests per level (fewer if --seconds runs out first)");
        var seconds = SampleOptions.Between("--seconds", 0.1, 3600, 30, "most seconds per level");
        var texts = SampleOptions.AtLeast("--texts", 1, 200, "distinct reviews sent, the first N of --data, cycled");
        var data = SampleOptions.Data("reviews to send, a CSV with a text column (default: the bundled fine-food reviews)");
        var command = new Command("load", "Sends a bounded load to a running server on this machine and checks every answer against the single-request one. Exits 1 on any error or mismatch.")
        {
            url, clients, requests, seconds, texts, data,
        };
        SampleOptions.SetAction(command, r =>
        {
            int[] levels = r.GetValue(clients)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(c => int.TryParse(c, out int n) && n >= 1 ? n : throw new ArgumentException($"--clients needs whole numbers ≥ 1, not '{c}'.")).ToArray();
            string[] reviews = CsvTable.Load(r.GetValue(data) ?? SampleOutput.Bundled("fine_foods_train.csv")).GetColumn("text").Take(r.GetValue(texts)).ToArray();
            return Run(Loopback(r.GetValue(url)!), levels, r.GetValue(requests), TimeSpan.FromSeconds(r.GetValue(seconds)), reviews).GetAwaiter().GetResult();
        });
        return command;
    }

    /// <summary>The URL, refused unless it names this machine.</summary>
    private static Uri Loopback(string url)
    {
        var uri = new Uri(url);
        bool local = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));
        return local ? uri : throw new ArgumentException($"The load client only talks to this machine (localhost, 127.0.0.0/8, ::1), not {uri.Host}.");
    }

    private static async Task<int> Run(Uri server, int[] levels, int requests, TimeSpan limit, string[] reviews)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = levels.Max() }) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };

        // The reference: each review scored alone (Predict, no batching).
        var expected = new float[reviews.Length];
        for (int i = 0; i < reviews.Length; i++)
            expected[i] = (await Post(http, "/api/score/single", reviews[i])).Probability;
        Console.WriteLine($"{reviews.Length} distinct reviews scored one at a time (/api/score/single) as the reference.");

        var results = new List<Level>();
        Console.WriteLine("clients  requests  errors  mismatches  requests/s  p50 ms  p99 ms  mean batch");
        foreach (int clients in levels)
        {
            Level level = await RunLevel(http, clients, requests, limit, reviews, expected);
            results.Add(level);
            Console.WriteLine(SampleOutput.Invariant(
                $"{level.Clients,7}  {level.Requests,8}  {level.Errors,6}  {level.Mismatches,10}  {level.Requests / level.Seconds,10:F0}  {level.P50,6:F2}  {level.P99,6:F2}  {level.MeanBatch,10:F1}"));
        }
        foreach (Level l in results)
            SampleOutput.KeyValues($"load clients={l.Clients} requests={l.Requests} errors={l.Errors} mismatches={l.Mismatches} throughput={l.Requests / l.Seconds:F0} p50_ms={l.P50:F2} p99_ms={l.P99:F2} mean_batch={l.MeanBatch:F2}");
        int errors = results.Sum(l => l.Errors), mismatches = results.Sum(l => l.Mismatches);
        SampleOutput.KeyValues($"requests={results.Sum(l => l.Requests)} errors={errors} mismatches={mismatches}");
        return errors == 0 && mismatches == 0 ? 0 : 1;
    }

    /// <summary><paramref name="clients"/> loops sending one request after another until <paramref name="requests"/> are sent or time runs out.</summary>
    private static async Task<Level> RunLevel(HttpClient http, int clients, int requests, TimeSpan limit, string[] reviews, float[] expected)
    {
        var latencies = new double[requests];
        var batches = new int[requests];
        int next = -1, errors = 0, mismatches = 0;
        var clock = Stopwatch.StartNew();
        async Task Client()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests && clock.Elapsed < limit)
            {
                int review = i % reviews.Length;
                long start = Stopwatch.GetTimestamp();
                try
                {
                    Score score = await Post(http, "/api/score", reviews[review]);
                    latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    batches[i] = score.Batch;
                    if (BitConverter.SingleToInt32Bits(score.Probability) != BitConverter.SingleToInt32Bits(expected[review])) Interlocked.Increment(ref mismatches);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                {
                    latencies[i] = double.NaN;
                    if (Interlocked.Increment(ref errors) <= 3) Console.Error.WriteLine($"request {i}: {e.Message}");
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(Client)));
        double seconds = clock.Elapsed.TotalSeconds;
        int sent = Math.Min(requests, next);
        double[] done = latencies.Take(sent).Where(l => !double.IsNaN(l)).Order().ToArray();
        double Percentile(double q) => done.Length == 0 ? double.NaN : done[(int)Math.Round(q * (done.Length - 1))];
        double meanBatch = sent == errors ? double.NaN : batches.Take(sent).Where(b => b > 0).Average();
        return new Level(clients, sent, errors, mismatches, seconds, Percentile(0.50), Percentile(0.99), meanBatch);
    }

    private static async Task<Score> Post(HttpClient http, string path, string text)
    {
        using HttpResponseMessage response = await http.PostAsJsonAsync(path, new ReviewRequest(text));
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{path}: HTTP {(int)response.StatusCode}");
        return await response.Content.ReadFromJsonAsync<Score>() ?? throw new HttpRequestException($"{path}: an empty answer");
    }
}
