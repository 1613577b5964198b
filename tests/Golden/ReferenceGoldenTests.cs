// Runs the reference LSTM through every golden case: one theory row per case file, GRU and
// bidirectional cases reported as skipped with their reason.
using LstmGen.Reference;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Golden;

public sealed class ReferenceGoldenTests
{
    private readonly ITestOutputHelper _output;

    public ReferenceGoldenTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Cases() => GoldenCases.Names();

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Golden(string name)
    {
        GoldenCase c = GoldenCases.Get(name);
        Skip.If(c.SkipReason is not null, $"Golden case {name}: {c.SkipReason}.");
        var model = new ReferenceLstm(c.ToShape());
        GoldenReport report = GoldenRunner.Check(c, model);
        _output.WriteLine(report.ToString());
    }
}
