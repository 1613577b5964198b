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
    public const string TorchSharp = "TorchSharp";

    /// <summary>Adds a filter that drops the benchmarks of every peer that does not load on this machine.</summary>
    public static IConfig WithoutUnavailablePeers(IConfig config)
    {
        config = Probe(config, "ONNX Runtime", OnnxRuntime, () => OnnxSettings.Version);
#if TORCHSHARP
        config = Probe(config, "TorchSharp", TorchSharp, () => "libtorch " + TorchSharpPeer.TorchSharpSettings.Version);
#else
        Console.WriteLine("// Peer TorchSharp not built (bench/torchsharp/run.sh builds and runs the suite with it).");
#endif
        return config;
    }

    /// <summary>Loads a peer's native library through <paramref name="version"/>; when that throws, filters the peer's category out.</summary>
    private static IConfig Probe(IConfig config, string peer, string category, Func<string> version)
    {
        try
        {
            Console.WriteLine($"// Peer {peer}: native library {version()} loads.");
        }
        catch (Exception e) // a probe: whatever stops the library from loading is reported, not thrown
        {
            Exception cause = e.GetBaseException();
            string firstLine = cause.Message.Split('\n', 2)[0].Trim();
            Console.WriteLine($"// Peer {peer} skipped, its benchmarks are left out: the native library does not load here ({cause.GetType().Name}: {firstLine}).");
            config = config.AddFilter(new SimpleFilter(b => Array.IndexOf(b.Descriptor.Categories, category) < 0));
        }
        return config;
    }
}
