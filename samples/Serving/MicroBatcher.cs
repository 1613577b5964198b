// Dynamic micro-batching: requests from any number of connections wait in one queue; a single background loop takes
// the first waiting request, gathers more until it has MaxBatch or MaxWait has passed since that first one, scores
// them all in one PredictBatch call (one model instance, lanes on every core), and completes each request.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using LstmGen;
using Sentiment;

namespace Serving;

/// <summary>A score and the size of the batch it was computed in.</summary>
public readonly record struct BatchedScore(float Probability, int BatchSize);

public sealed class MicroBatcher : IAsyncDisposable
{
    private readonly SentimentModel _model;
    private readonly int _maxBatch;
    private readonly TimeSpan _maxWait;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _requests, _batches;

    private sealed record Pending(int[] Ids, TaskCompletionSource<BatchedScore> Completion);

    /// <param name="model">The one model every request is scored with (its PredictBatch is safe to call from any thread).</param>
    /// <param name="maxBatch">Most requests per PredictBatch call.</param>
    /// <param name="maxWait">How long the first request of a batch waits for others; zero takes only what is already queued.</param>
    public MicroBatcher(SentimentModel model, int maxBatch, TimeSpan maxWait)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);
        _model = model;
        _maxBatch = maxBatch;
        _maxWait = maxWait;
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Requests scored so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>PredictBatch calls so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Queues one review's word ids (at least one) and completes when its batch has been scored.</summary>
    public Task<BatchedScore> ScoreAsync(int[] ids)
    {
        ArgumentOutOfRangeException.ThrowIfZero(ids.Length, nameof(ids));
        var pending = new Pending(ids, new TaskCompletionSource<BatchedScore>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(MicroBatcher));
        return pending.Completion.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(_maxBatch);
        var lengths = new int[_maxBatch];
        var probabilities = new float[_maxBatch];
        var tokens = new int[4096];
        ChannelReader<Pending> reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // The first request opens the batch; gather until the batch is full or the first one has waited MaxWait.
            if (!reader.TryRead(out Pending? first)) continue;
            batch.Clear();
            batch.Add(first);
            long opened = Stopwatch.GetTimestamp();
            while (batch.Count < _maxBatch)
            {
                if (reader.TryRead(out Pending? next)) { batch.Add(next); continue; }
                TimeSpan remaining = _maxWait - Stopwatch.GetElapsedTime(opened);
                if (remaining <= TimeSpan.Zero || !await WaitForMore(reader, remaining).ConfigureAwait(false)) break;
            }
            Score(batch, ref tokens, lengths, probabilities);
        }
    }

    /// <summary>True when another request arrived within <paramref name="wait"/>.</summary>
    private static async Task<bool> WaitForMore(ChannelReader<Pending> reader, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One PredictBatch call over the batch (sequences back to back), then every request completed.</summary>
    private void Score(List<Pending> batch, ref int[] tokens, int[] lengths, float[] probabilities)
    {
        int total = 0;
        foreach (Pending p in batch) total += p.Ids.Length;
        if (tokens.Length < total) tokens = new int[Math.Max(total, 2 * tokens.Length)];
        int at = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].Ids.CopyTo(tokens, at);
            at += lengths[i] = batch[i].Ids.Length;
        }
        try
        {
            // A batch of one runs on this thread; more spread over every core (the results are the same either way).
            _model.PredictBatch(tokens.AsMemory(0, total), lengths.AsMemory(0, batch.Count), probabilities.AsMemory(0, batch.Count),
                new BatchOptions { UseAllCores = batch.Count > 1 });
            for (int i = 0; i < batch.Count; i++) batch[i].Completion.SetResult(new BatchedScore(probabilities[i], batch.Count));
        }
        catch (Exception e)
        {
            foreach (Pending p in batch) p.Completion.TrySetException(e);
        }
        Interlocked.Add(ref _requests, batch.Count);
        Interlocked.Increment(ref _batches);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
