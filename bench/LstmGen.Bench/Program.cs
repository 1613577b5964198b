// Runs the benchmarks with a short job suited to a small shared machine: `dotnet run -c Release -- --filter '*'`;
// `dotnet run -c Release -- export-pytorch DIR` writes the PyTorch peer's inputs instead (bench/pytorch);
// `dotnet run -c Release -- step-parts` prints where W1's and W2's step time goes (StepParts);
// `dotnet run -c Release -- floors [--json FILE]` what this machine allows at most on each workload (Floors, WorkloadSizes).
using System;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using LstmGen.Bench.Peers;

namespace LstmGen.Bench;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length == 2 && args[0] == PyTorchExport.Command)
        {
            PyTorchExport.Run(args[1]);
            return;
        }
        if (args.Length == 1 && args[0] == StepParts.Command)
        {
            StepParts.Run();
            return;
        }
        if (args.Length >= 1 && args[0] == Floors.Command)
        {
            if (args.Length is not (1 or 3) || (args.Length == 3 && args[1] != "--json"))
            {
                Console.Error.WriteLine("usage: floors [--json FILE]");
                Environment.Exit(2);
            }
            Floors.Run(args.Length == 3 ? args[2] : null);
            return;
        }
        // The child build compiles the generator, the runtime and the bench; on a loaded 2-core machine that can take
        // longer than BenchmarkDotNet's default two minutes.
        IConfig config = DefaultConfig.Instance.AddColumn(StatisticColumn.Median).WithBuildTimeout(TimeSpan.FromMinutes(15));
        // The short job, unless the command line names its own (e.g. `--job dry` for a smoke test).
        if (Array.IndexOf(args, "--job") < 0 && Array.IndexOf(args, "-j") < 0)
            config = config.AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithId("short"));
        config = PeerCategory.WithoutUnavailablePeers(config);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
