// Checks the golden runner catches what it should: a wrong output, a wrong state, a wrong shape —
// a harness that cannot fail would prove nothing.
using System;
using LstmGen.IO;
using LstmGen.Reference;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Golden;

public sealed class GoldenRunnerTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _output = output;

    private const string NoHeadCase = "lstm1_i3_h7_t15_b4_state";
    private const string TokenHeadCase = "emb27x8_lstm1_h14_t20_b4_head3_softmax_ce_state";

    [Fact]
    public void ACorrectModelPassesAndEveryTensorIsReported()
    {
        GoldenCase c = GoldenCases.FromRepository(TokenHeadCase);
        GoldenReport report = GoldenRunner.Check(c, new ReferenceLstm(c.ToShape()));
        Assert.True(report.Passed);
        foreach (string name in new[] { "rnn_output", "h_n", "c_n", "logits", "output" })
            Assert.Contains(report.Results, r => r.Name.StartsWith("expected." + name + " ", StringComparison.Ordinal) && r.Status == GoldenStatus.Passed);
        Assert.Contains(report.Results, r => r.Name == "expected.loss" && r.Status == GoldenStatus.NotChecked);
        Assert.Contains("NOT CHECKED  expected.loss", report.ToString());
    }

    [Fact]
    public void AnOffsetOutputFailsWithTensorErrorIndexAndValues()
    {
        GoldenCase c = GoldenCases.FromRepository(NoHeadCase);
        var model = new OffsetOutputModel(new ReferenceLstm(c.ToShape()), offset: 1e-3f);
        GoldenReport report = GoldenRunner.Run(c, model);
        Assert.False(report.Passed);

        // Only the returned outputs are off; the state, and so rnn_output, h_n and c_n, are not.
        Assert.All(report.Results, r => Assert.Equal(r.Name.StartsWith("expected.output", StringComparison.Ordinal), r.Status == GoldenStatus.Failed));
        var e = Assert.Throws<Xunit.Sdk.XunitException>(() => GoldenRunner.Check(c, model));
        _output.WriteLine(e.Message);
        Assert.Contains("FAILED       expected.output (Step): err ", e.Message);
        Assert.Contains("FAILED       expected.output (Predict): err ", e.Message);
        Assert.Matches(@"at \[\d+, \d+, \d+\] \(impl -?[0-9.E-]+, ref -?[0-9.E-]+\)", e.Message);
    }

    [Fact]
    public void AModelOfAnotherShapeFails()
    {
        GoldenCase c = GoldenCases.FromRepository(NoHeadCase);
        var wrong = new ReferenceLstm(new ModelShape(3, 0, 0, 8, 1, 0, Head.None, HeadOn.EveryStep));
        GoldenReport report = GoldenRunner.Run(c, wrong);
        Assert.False(report.Passed);
        Assert.Contains("model shape", report.ToString());
    }

    [Fact]
    public void UnsupportedCasesAreRefused()
    {
        foreach (GoldenCase c in GoldenCases.All.Values)
        {
            if (c.SkipReason is null) continue;
            Assert.Throws<NotSupportedException>(() => GoldenRunner.Run(c, new ReferenceLstm(new ModelShape(1, 0, 0, 1, 1, 0, Head.None, HeadOn.EveryStep))));
        }
    }

    /// <summary>A float model whose returned outputs are shifted by a constant; its states are exact.</summary>
    private sealed class OffsetOutputModel(ReferenceLstm inner, float offset) : IFloatSequenceModel
    {
        public ModelShape Shape => inner.Shape;
        public Span<float> Parameters => inner.Parameters;
        public void ParametersChanged() => inner.ParametersChanged();
        public LstmState CreateState() => inner.CreateState();
        public void Load(string path, WeightLoadOptions? options = null) => inner.Load(path, options);
        public void Save(string path) => inner.Save(path);

        public void Predict(ReadOnlySpan<float> inputs, Span<float> output)
        {
            inner.Predict(inputs, output);
            Shift(output);
        }

        public void Predict(ReadOnlySpan<float> inputs, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
        {
            inner.Predict(inputs, output, state, kind);
            Shift(output);
        }

        public void Step(ReadOnlySpan<float> input, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
        {
            inner.Step(input, output, state, kind);
            Shift(output);
        }

        private void Shift(Span<float> values)
        {
            for (int i = 0; i < values.Length; i++) values[i] += offset;
        }
    }
}
