// Runs a generated model of exactly each golden case's shape (generated and compiled in memory)
// through the same golden checks as the reference.
using LstmGen.Tests.Generator;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Golden;

public sealed class GeneratedGoldenTests
{
    private readonly ITestOutputHelper _output;

    public GeneratedGoldenTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Cases() => GoldenCases.Names();

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Golden(string name)
    {
        GoldenCase c = GoldenCases.Get(name);
        Skip.If(c.SkipReason is not null, $"Golden case {name}: {c.SkipReason}.");
        ILstmModel model = ModelCompiler.CreateModel(c.ToShape());
        GoldenReport report = GoldenRunner.Check(c, model);
        _output.WriteLine(report.ToString());
    }
}
