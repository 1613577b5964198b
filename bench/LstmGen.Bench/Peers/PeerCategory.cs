// The benchmark categories of the peers, and the check that a peer's native library loads here, so a
// peer that cannot run is left out of the suite with a message instead of failing every benchmark.
using System;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using LstmGen.Bench.Peers.Onnx;

namespace LstmGen.Bench.Peers;

public static class PeerCategory
{
    public const string OnnxRuntime = "OnnxRuntime";

    /// <summary>Adds a filter that drops the benchmarks of every peer that does not load on this machine.</summary>
    public static IConfig WithoutUnavailablePeers(IConfig config)
    {
        try
        {
            Console.WriteLine($"// Peer ONNX Runtime: native library {OnnxSettings.Version} loads.");
        }
        catch (Exception e) // a probe: whatever stops the library from loading is reported, not thrown
        {
            Exception cause = e.GetBaseException();
            string firstLine = cause.Message.Split('\n', 2)[0].Trim();
            Console.WriteLine($"// Peer ONNX Runtime skipped, its benchmarks are left out: the native library does not load here ({cause.GetType().Name}: {firstLine}).");
            config = config.AddFilter(new SimpleFilter(b => Array.IndexOf(b.Descriptor.Categories, OnnxRuntime) < 0));
        }
        return config;
    }
}
