// Checks the golden runner catches what it should: a wrong output, a wrong state, a wrong shape, a
// wrong gradient, a swapped direction — a harness that cannot fail would prove nothing — and runs
// bidirectional models without Step.
using System;
using System.Linq;
using LstmGen.IO;
using LstmGen.Reference;
using LstmGen.Training;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Golden;

public sealed class GoldenRunnerTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _output = output;

    private const string NoHeadCase = "lstm1_i3_h7_t15_b4_state";
    private const string TokenHeadCase = "emb27x8_lstm1_h14_t20_b4_head3_softmax_ce_state";
    private const string BidirectionalCase = "bilstm2_i8_h14_t15_b1_state";

    [Fact]
    public void ACorrectModelPassesAndEveryTensorIsReported()
    {
        GoldenCase c = GoldenCases.FromRepository(TokenHeadCase);
        GoldenReport report = GoldenRunner.Check(c, new ReferenceLstm(c.ToShape()));
        Assert.True(report.Passed);
        foreach (string name in new[] { "rnn_output", "h_n", "c_n", "logits", "output", "loss" })
            Assert.Contains(report.Results, r => r.Name.StartsWith("expected." + name + " ", StringComparison.Ordinal) && r.Status == GoldenStatus.Passed);
        foreach (string name in new[] { "embed.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "head.weight", "head.bias", "h0", "c0", "logits", "rnn_output" })
            Assert.Contains(report.Results, r => r.Name.StartsWith("grad." + name + " ", StringComparison.Ordinal) && r.Status == GoldenStatus.Passed);
        Assert.DoesNotContain(report.Results, r => r.Status == GoldenStatus.NotChecked);
        _output.WriteLine(report.ToString());
    }

    [Fact]
    public void AModelThatIsNotTrainableHasItsLossAndGradientsReportedAsNotChecked()
    {
        GoldenCase c = GoldenCases.FromRepository(NoHeadCase);
        GoldenReport report = GoldenRunner.Check(c, new OffsetOutputModel(new ReferenceLstm(c.ToShape()), offset: 0f));
        Assert.Contains(report.Results, r => r.Name == "expected.loss" && r.Status == GoldenStatus.NotChecked);
        Assert.Contains(report.Results, r => r.Name == "grad.*" && r.Status == GoldenStatus.NotChecked);
        Assert.DoesNotContain(report.Results, r => r.Name.StartsWith("grad.", StringComparison.Ordinal) && r.Status != GoldenStatus.NotChecked);
        Assert.Contains("NOT CHECKED  expected.loss", report.ToString());
    }

    [Fact]
    public void AGradientOffByOnePartInAThousandFailsThatTensorOnly()
    {
        GoldenCase c = GoldenCases.FromRepository(NoHeadCase);
        var model = new ScaledGradientModel(new ReferenceLstm(c.ToShape()), ModelShape.WeightHhName(0), 1.001f);
        GoldenReport report = GoldenRunner.Run(c, model);
        _output.WriteLine(report.ToString());
        Assert.False(report.Passed);
        GoldenTensorResult failed = Assert.Single(report.Results, r => r.Status == GoldenStatus.Failed);
        Assert.StartsWith("grad.lstm.weight_hh_l0 ", failed.Name, StringComparison.Ordinal);
        Assert.InRange(failed.Error, 0.9e-3, 1.1e-3);
        Assert.Contains("FAILED       grad.lstm.weight_hh_l0 (Backward, CopyGradients): err ", report.ToString());
    }

    [Fact]
    public void AWrongLossGradientFailsTheLossAndEveryGradient()
    {
        // Backward is handed dLoss/doutput; doubling it inside the model is what a loss with the wrong
        // mean (1/B instead of 1/N, say) would look like from outside.
        GoldenCase c = GoldenCases.FromRepository(TokenHeadCase);
        var model = new ScaledGradientModel(new ReferenceLstm(c.ToShape()), tensor: null, 2f);
        GoldenReport report = GoldenRunner.Run(c, model);
        Assert.False(report.Passed);
        string[] failed = report.Results.Where(r => r.Status == GoldenStatus.Failed).Select(r => r.Name).ToArray();
        Assert.Contains(failed, n => n.StartsWith("grad.embed.weight ", StringComparison.Ordinal));
        Assert.Contains(failed, n => n.StartsWith("grad.head.bias ", StringComparison.Ordinal));
        Assert.Contains(failed, n => n.StartsWith("grad.h0 ", StringComparison.Ordinal));
        Assert.All(failed, n => Assert.StartsWith("grad.", n, StringComparison.Ordinal));
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

    [Fact]
    public void ABidirectionalModelRunsThroughPredictOnly()
    {
        // The runner must not call Step (which a bidirectional model refuses): rnn_output is Predict's every-step
        // output, h_n and c_n come from the final state's slots layer·2 + direction, and Forward/Backward give the rest.
        GoldenCase c = GoldenCases.FromRepository(BidirectionalCase);
        GoldenReport report = GoldenRunner.Check(c, new ReferenceLstm(c.ToShape()));
        _output.WriteLine(report.ToString());
        Assert.Contains(report.Results, r => r.Name == "expected.rnn_output (Predict, top layer [h_forward, h_backward])" && r.Status == GoldenStatus.Passed);
        Assert.Contains(report.Results, r => r.Name == "expected.c_n (Predict)" && r.Status == GoldenStatus.Passed);
        foreach (string name in new[] { "lstm.weight_hh_l1_reverse", "lstm.bias_ih_l0_reverse", "h0", "c0", "input" })
            Assert.Contains(report.Results, r => r.Name.StartsWith("grad." + name + " ", StringComparison.Ordinal) && r.Status == GoldenStatus.Passed);
        Assert.DoesNotContain(report.Results, r => r.Name.Contains("(Step", StringComparison.Ordinal));
    }

    [Fact]
    public void AWrongReverseStateSlotFailsTheFinalState()
    {
        // A model that swaps the two directions' slots of layer 1 in the final state: h_n and c_n must fail.
        GoldenCase c = GoldenCases.FromRepository(BidirectionalCase);
        var model = new SwappedSlotsModel(new ReferenceLstm(c.ToShape()), 2, 3);
        GoldenReport report = GoldenRunner.Run(c, model);
        Assert.False(report.Passed);
        Assert.Contains(report.Results, r => r.Name == "expected.h_n (Predict)" && r.Status == GoldenStatus.Failed);
        Assert.Contains(report.Results, r => r.Name == "expected.rnn_output (Predict, top layer [h_forward, h_backward])" && r.Status == GoldenStatus.Passed);
    }

    [Fact]
    public void ABidirectionalCaseWithAHeadCannotProduceRnnOutputAndSaysWhy()
    {
        // No golden file has a bidirectional model with a head, so this writes a small case file holding only
        // weights, input and expected.rnn_output: what is checked is how the runner accounts for rnn_output.
        var shape = new ModelShape(2, 0, 0, 3, 1, 2, Head.Linear, HeadOn.LastStep, bidirectional: true);
        using var folder = new LstmGen.Tests.IO.TempFolder();
        var writer = new SafetensorsWriter();
        float[] weights = new float[shape.ParameterCount];
        for (int i = 0; i < weights.Length; i++) weights[i] = 0.01f * (i % 17 - 8);
        foreach (ParameterTensor t in shape.Tensors) writer.Add(t.Name, weights.AsSpan(t.Offset, t.Length), t.Shape.ToArray());
        writer.Add("input", new float[8], 1, 4, 2);
        writer.Add("expected.rnn_output", new float[24], 1, 4, 6);
        writer.SetMetadata("format", GoldenCase.Format);
        writer.SetMetadata("case", "bilstm1_head_synthetic");
        writer.SetMetadata("config", """{"arch":"lstm","input_size":2,"hidden":3,"layers":1,"bidirectional":true,"vocab":0,"embed_dim":0,"head_out":2,"head_mode":"last","act":"none","T":4,"B":1,"state":false}""");
        string path = folder.File("bilstm1_head_synthetic.safetensors");
        writer.Save(path);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        GoldenCase c = GoldenCase.TryRead(file)!;

        GoldenReport report = GoldenRunner.Run(c, new OffsetOutputModel(new ReferenceLstm(shape), offset: 0f));
        _output.WriteLine(report.ToString());
        GoldenTensorResult rnn = Assert.Single(report.Results, r => r.Name == "expected.rnn_output");
        Assert.Equal(GoldenStatus.Failed, rnn.Status);
        Assert.Contains("cannot produce it: a bidirectional model cannot Step", rnn.Note);
    }

    /// <summary>
    /// A trainable model whose gradients are scaled: one tensor's by <paramref name="factor"/> in CopyGradients,
    /// or (tensor null) everything Backward computes, by scaling the output gradients it is given.
    /// </summary>
    private sealed class ScaledGradientModel(ReferenceLstm inner, string? tensor, float factor) : IFloatTrainableModel, ITokenTrainableModel
    {
        private float[] _scaled = [];

        public ModelShape Shape => inner.Shape;
        public Span<float> Parameters => inner.Parameters;
        public void ParametersChanged() => inner.ParametersChanged();
        public LstmState CreateState() => inner.CreateState();
        public void Load(string path, WeightLoadOptions? options = null) => inner.Load(path, options);
        public void Save(string path) => inner.Save(path);
        public void Save(System.IO.Stream stream) => inner.Save(stream);
        public void Load(System.IO.Stream stream, LstmGen.IO.WeightLoadOptions? options = null) => inner.Load(stream, options);
        public void Load(ReadOnlyMemory<byte> bytes, LstmGen.IO.WeightLoadOptions? options = null) => inner.Load(bytes, options);
        public void Initialize(ulong seed = 0, ParameterInitOptions? options = null) => inner.Initialize(seed, options);
        public string Summary() => inner.Summary();
        public void Predict(ReadOnlySpan<float> inputs, Span<float> output) => inner.Predict(inputs, output);
        public void Predict(ReadOnlySpan<float> inputs, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated) => inner.Predict(inputs, output, state, kind);
        public void Step(ReadOnlySpan<float> input, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated) => inner.Step(input, output, state, kind);
        public void Predict(ReadOnlySpan<int> tokens, Span<float> output) => inner.Predict(tokens, output);
        public void Predict(ReadOnlySpan<int> tokens, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated) => inner.Predict(tokens, output, state, kind);
        public void Step(int token, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated) => inner.Step(token, output, state, kind);
        public TrainingTape CreateTape(int maxSteps) => inner.CreateTape(maxSteps);
        public GradientBuffer CreateGradients() => inner.CreateGradients();
        public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, LstmState state, TrainingTape tape) => inner.Forward(inputs, outputs, state, tape);
        public void Forward(ReadOnlySpan<int> tokens, Span<float> outputs, LstmState state, TrainingTape tape) => inner.Forward(tokens, outputs, state, tape);

        public void CopyGradients(GradientBuffer source, Span<float> destination)
        {
            inner.CopyGradients(source, destination);
            if (tensor is null) return;
            ParameterTensor t = Shape.GetTensor(tensor);
            foreach (ref float g in destination.Slice(t.Offset, t.Length)) g *= factor;
        }

        public void Backward(TrainingTape tape, ReadOnlySpan<float> outputGradients, GradientBuffer gradients, Span<float> inputGradients = default, LstmState? initialStateGradients = null, LstmState? finalStateGradients = null)
        {
            if (tensor is null)
            {
                _scaled = outputGradients.ToArray();
                foreach (ref float g in _scaled.AsSpan()) g *= factor;
                outputGradients = _scaled;
            }
            inner.Backward(tape, outputGradients, gradients, inputGradients, initialStateGradients, finalStateGradients);
        }
    }

    /// <summary>A float model whose Predict leaves two state slots swapped; its outputs are exact.</summary>
    private sealed class SwappedSlotsModel(ReferenceLstm inner, int a, int b) : IFloatSequenceModel
    {
        public ModelShape Shape => inner.Shape;
        public Span<float> Parameters => inner.Parameters;
        public void ParametersChanged() => inner.ParametersChanged();
        public LstmState CreateState() => inner.CreateState();
        public void Load(string path, WeightLoadOptions? options = null) => inner.Load(path, options);
        public void Save(string path) => inner.Save(path);
        public void Save(System.IO.Stream stream) => inner.Save(stream);
        public void Load(System.IO.Stream stream, LstmGen.IO.WeightLoadOptions? options = null) => inner.Load(stream, options);
        public void Load(ReadOnlyMemory<byte> bytes, LstmGen.IO.WeightLoadOptions? options = null) => inner.Load(bytes, options);
        public void Initialize(ulong seed = 0, ParameterInitOptions? options = null) => inner.Initialize(seed, options);
        public string Summary() => inner.Summary();
        public void Predict(ReadOnlySpan<float> inputs, Span<float> output) => inner.Predict(inputs, output);
        public void Step(ReadOnlySpan<float> input, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated) => inner.Step(input, output, state, kind);

        public void Predict(ReadOnlySpan<float> inputs, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
        {
            inner.Predict(inputs, output, state, kind);
            float[] h = state.Hidden(a).ToArray(), c = state.Cell(a).ToArray();
            state.Hidden(b).CopyTo(state.Hidden(a));
            state.Cell(b).CopyTo(state.Cell(a));
            h.CopyTo(state.Hidden(b));
            c.CopyTo(state.Cell(b));
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
        public void Save(System.IO.Stream stream) => inner.Save(stream);
        public void Load(System.IO.Stream stream, LstmGen.IO.WeightLoadOptions? options = null) => inner.Load(stream, options);
        public void Load(ReadOnlyMemory<byte> bytes, LstmGen.IO.WeightLoadOptions? options = null) => inner.Load(bytes, options);
        public void Initialize(ulong seed = 0, ParameterInitOptions? options = null) => inner.Initialize(seed, options);
        public string Summary() => inner.Summary();

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
