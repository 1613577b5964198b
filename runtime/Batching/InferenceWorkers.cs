// The process's worker threads for inference calls that spread sequences over cores: created on first use, shared,
// and never allocating per call. A call that finds them busy runs on its own thread instead.
using System;
using System.Threading;
using LstmGen.Training;

namespace LstmGen;

/// <summary>Runs numbered work items on the shared inference workers, or on the calling thread when they are busy.</summary>
internal static class InferenceWorkers
{
    private static readonly object s_gate = new();
    private static TrainerWorkerPool? s_pool;

    /// <summary>Runs <paramref name="work"/>(worker, item) for items 0 … <paramref name="items"/>−1, on every core when <paramref name="allCores"/>.</summary>
    public static void Run(int items, bool allCores, Action<int, int> work)
    {
        if (!allCores || items <= 1 || Environment.ProcessorCount == 1 || !Monitor.TryEnter(s_gate))
        {
            for (int i = 0; i < items; i++) work(0, i);
            return;
        }
        try
        {
            s_pool ??= new TrainerWorkerPool(Environment.ProcessorCount);
            s_pool.Run(items, work);
        }
        finally
        {
            Monitor.Exit(s_gate);
        }
    }
}
