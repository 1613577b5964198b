// A few long-lived threads that share out numbered work items, so every minibatch runs in parallel
// without the per-call allocations of Parallel.For or the thread pool's scheduling.
using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace LstmGen.Training;

/// <summary>
/// Runs <c>work(worker, item)</c> for items 0 … n−1 on the calling thread (worker 0) and
/// <c>threads − 1</c> helper threads (workers 1 …). Which worker takes which item varies from run to run;
/// callers make results independent of that by writing each item's result to its own slot.
/// A run allocates nothing. Dispose to end the helper threads.
/// </summary>
internal sealed class TrainerWorkerPool : IDisposable
{
    private readonly Thread[] _helpers;
    private readonly long[] _helperAllocations;
    private readonly SemaphoreSlim _start = new(0);
    private readonly object _gate = new(); // helpers report completion under it (allocated here, so runs allocate nothing)
    private int _pending;
    private Action<int, int>? _work;
    private int _next;
    private int _count;
    private ExceptionDispatchInfo? _error;
    private volatile bool _disposed;

    public TrainerWorkerPool(int threads)
    {
        if (threads <= 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Threads must be positive.");
        Threads = threads;
        _helpers = new Thread[threads - 1];
        _helperAllocations = new long[threads - 1];
        for (int i = 0; i < _helpers.Length; i++)
        {
            int worker = i + 1;
            _helpers[i] = new Thread(() => HelperLoop(worker)) { IsBackground = true, Name = $"LstmGen trainer {worker}" };
            _helpers[i].Start();
        }
    }

    /// <summary>Workers, including the calling thread.</summary>
    public int Threads { get; }

    /// <summary>Runs <paramref name="work"/>(worker, item) for every item and returns when all are done; rethrows the first exception.</summary>
    public void Run(int items, Action<int, int> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (items <= 0) return;
        _work = work;
        _error = null;
        _count = items;
        Volatile.Write(ref _next, -1);
        int helpers = Math.Min(_helpers.Length, items - 1);
        _pending = helpers;
        if (helpers > 0) _start.Release(helpers);
        Drain(0);
        WaitForHelpers();
        _work = null;
        _error?.Throw();
    }

    /// <summary>Bytes the helper threads had allocated when they last finished a run (for allocation tests).</summary>
    public long HelperAllocatedBytes
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _helperAllocations.Length; i++) sum += Volatile.Read(ref _helperAllocations[i]);
            return sum;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_helpers.Length > 0) _start.Release(_helpers.Length);
        foreach (var thread in _helpers) thread.Join();
        _start.Dispose();
    }

    private void HelperLoop(int worker)
    {
        while (true)
        {
            _start.Wait();
            if (_disposed) return;
            Drain(worker);
            Volatile.Write(ref _helperAllocations[worker - 1], GC.GetAllocatedBytesForCurrentThread());
            lock (_gate)
            {
                if (--_pending == 0) Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>Spins briefly (helpers usually finish about when the caller does), then sleeps until the last helper reports.</summary>
    private void WaitForHelpers()
    {
        var spinner = new SpinWait();
        while (Volatile.Read(ref _pending) > 0 && !spinner.NextSpinWillYield) spinner.SpinOnce();
        lock (_gate)
        {
            while (_pending > 0) Monitor.Wait(_gate);
        }
    }

    private void Drain(int worker)
    {
        var work = _work!;
        int item;
        while ((item = Interlocked.Increment(ref _next)) < _count)
        {
            try
            {
                work(worker, item);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
                Volatile.Write(ref _next, _count); // stop handing out items
            }
        }
    }
}
