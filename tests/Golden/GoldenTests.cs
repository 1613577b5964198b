// Runs every golden case through the reference LSTM and through a generated model of exactly the
// case's shape (generated and compiled in memory): one theory row per case file for each.
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Golden;

public sealed class GoldenTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases() => GoldenCases.Names();

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Reference(string name) => Check(name, c => new ReferenceLstm(c.ToShape()));

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Generated(string name) => Check(name, c => ModelCompiler.CreateModel(c.ToShape()));

    private void Check(string name, System.Func<GoldenCase, ILstmModel> create)
    {
        GoldenCase c = GoldenCases.Get(name);
        if (c.Problem is not null) throw new Xunit.Sdk.XunitException($"Golden file {c.Path} is not a readable case: {c.Problem}");
        Skip.If(c.SkipReason is not null, $"Golden case {name}: {c.SkipReason}.");
        GoldenReport report = GoldenRunner.Check(c, create(c));
        output.WriteLine(report.ToString());
    }
}
