// Measures steady-state allocation of repeated calls, past the JIT's tiered recompilation.
using System;
using System.Threading;

namespace LstmGen.Tests;

internal static class AllocationProbe
{
    /// <summary>
    /// Bytes the current thread allocates in <paramref name="calls"/> repetitions of <paramref name="action"/>,
    /// in the cleanest of three windows, after warming up past tiered compilation (tier-0 code, then tier-1
    /// recompiles after 30 calls and a background delay that a loaded machine stretches). An allocation per
    /// call shows in every window; a one-off allocation by the runtime in at most one.
    /// </summary>
    public static long SteadyStateBytes(Action action, int calls = 100)
    {
        for (int i = 0; i < 100; i++) action();
        Thread.Sleep(300);
        for (int i = 0; i < 100; i++) action();
        long best = long.MaxValue;
        for (int window = 0; window < 3 && best != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) action();
            best = Math.Min(best, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return best;
    }
}
