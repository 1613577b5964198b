// Times the generator with a short job for a small shared machine: `dotnet run -c Release -- --filter '*'`;
// `dotnet run -c Release -- sizes` prints the size of each generated file instead.
using System;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace LstmGen.Bench.Generator;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "sizes")
        {
            GeneratedSizes.Print();
            return;
        }
        // Median and minimum too: on a shared machine the mean carries other jobs' noise.
        IConfig config = DefaultConfig.Instance.AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        // The short job, unless the command line names its own (e.g. `--job dry` for a smoke test).
        if (Array.IndexOf(args, "--job") < 0 && Array.IndexOf(args, "-j") < 0)
            config = config.AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithId("short"));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
