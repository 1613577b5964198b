// The golden harness meets files it was not written with: a malformed file is one failing case named after it (the
// others still run), and a forward-only case (no loss, no gradients) is checked for the outputs it holds.
using System;
using System.IO;
using System.Linq;
using LstmGen.IO;
using LstmGen.Reference;
using Xunit;

namespace LstmGen.Tests.Golden;

public sealed class GoldenHarnessRobustnessTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lstmgen-golden-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void AMalformedFileIsOneBrokenCaseAndTheOthersStillRun()
    {
        const string good = "lstm2_i3_h7_t15_b1";
        File.Copy(GoldenCases.FromRepository(good).Path, Path.Combine(_folder, good + ".safetensors"));
        File.WriteAllBytes(Path.Combine(_folder, "garbage.safetensors"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        WriteCase("bad_config", """{"arch":"lstm","input_size":3,"hidden":"seven"}""", good);
        WriteCase("no_layers", """{"arch":"lstm","input_size":3,"hidden":7,"bidirectional":false,"vocab":0,"embed_dim":0,"head_out":0,"head_mode":"","act":"none","T":15,"B":1,"state":false}""", good);

        var cases = GoldenCases.Discover(_folder);
        Assert.Equal(new[] { "bad_config", "garbage", good, "no_layers" }, cases.Keys.ToArray());
        Assert.Null(cases[good].Problem);
        Assert.Contains("'hidden' is not an integer", cases["bad_config"].Problem);
        Assert.Contains("config has no 'layers'", cases["no_layers"].Problem);
        Assert.Contains("SafetensorsFormatException", cases["garbage"].Problem);
        Assert.Throws<InvalidDataException>(() => cases["garbage"].ToShape());

        GoldenReport report = GoldenRunner.Run(cases[good], new ReferenceLstm(cases[good].ToShape()));
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void AForwardOnlyCaseIsCheckedForWhatItHolds()
    {
        GoldenCase source = GoldenCases.FromRepository("emb27x8_lstm1_h14_t20_b4_head3_softmax_ce_state");
        string path = Path.Combine(_folder, "forward_only.safetensors");
        using (SafetensorsFile file = SafetensorsFile.Open(source.Path))
        {
            var writer = new SafetensorsWriter();
            foreach (var (key, value) in file.Metadata) writer.SetMetadata(key, key == "case" ? "forward_only" : value);
            foreach (string name in file.Names)
            {
                if (name.StartsWith("grad.", StringComparison.Ordinal) || name.StartsWith("expected.loss", StringComparison.Ordinal)
                    || name == "target" || name.StartsWith("expected.c_n", StringComparison.Ordinal)) continue;
                var info = file.GetInfo(name);
                var bytes = new byte[info.ByteLength];
                file.ReadBytes(name, bytes);
                writer.AddBytes(name, info.Dtype, bytes, info.Shape.ToArray());
            }
            writer.Save(path);
        }
        GoldenCase c = GoldenCases.Discover(_folder)["forward_only"];
        Assert.False(GoldenRunner.HasGradients(c));
        GoldenReport report = GoldenRunner.Run(c, new ReferenceLstm(c.ToShape()));
        Assert.True(report.Passed, report.ToString());
        Assert.Contains(report.Results, r => r.Name.StartsWith("expected.output", StringComparison.Ordinal) && r.Status == GoldenStatus.Passed);
        Assert.Contains(report.Results, r => r.Name == "expected.c_n" && r.Status == GoldenStatus.NotChecked);
        Assert.DoesNotContain(report.Results, r => r.Name.StartsWith("grad.", StringComparison.Ordinal) && r.Status == GoldenStatus.Failed);

        // A forward-only case whose outputs are wrong still fails.
        var wrong = new ReferenceLstm(c.ToShape());
        GoldenReport perturbed = GoldenRunner.Run(c, new PerturbedOutputs(wrong));
        Assert.False(perturbed.Passed);
    }

    /// <summary>Writes a copy of <paramref name="from"/>'s tensors under metadata config <paramref name="config"/>.</summary>
    private void WriteCase(string name, string config, string from)
    {
        using SafetensorsFile file = SafetensorsFile.Open(GoldenCases.FromRepository(from).Path);
        var writer = new SafetensorsWriter();
        writer.SetMetadata("format", GoldenCase.Format);
        writer.SetMetadata("case", name);
        writer.SetMetadata("config", config);
        foreach (string tensor in file.Names)
        {
            var info = file.GetInfo(tensor);
            var bytes = new byte[info.ByteLength];
            file.ReadBytes(tensor, bytes);
            writer.AddBytes(tensor, info.Dtype, bytes, info.Shape.ToArray());
        }
        writer.Save(Path.Combine(_folder, name + ".safetensors"));
    }

    /// <summary>A token model whose whole-sequence and step outputs are all shifted: what a wrong implementation looks like.</summary>
    private sealed class PerturbedOutputs(ReferenceLstm inner) : ITokenSequenceModel
    {
        public ModelShape Shape => inner.Shape;
        public Span<float> Parameters => inner.Parameters;
        public void ParametersChanged() => inner.ParametersChanged();
        public void Initialize(ulong seed = 0, LstmGen.Training.ParameterInitOptions? options = null) => inner.Initialize(seed, options);
        public LstmState CreateState() => inner.CreateState();
        public void Load(string path, WeightLoadOptions? options = null) => inner.Load(path, options);
        public void Load(Stream stream, WeightLoadOptions? options = null) => inner.Load(stream, options);
        public void Load(ReadOnlyMemory<byte> bytes, WeightLoadOptions? options = null) => inner.Load(bytes, options);
        public void Save(string path) => inner.Save(path);
        public void Save(Stream stream) => inner.Save(stream);
        public string Summary() => inner.Summary();

        public void Predict(ReadOnlySpan<int> tokens, Span<float> output)
        {
            inner.Predict(tokens, output);
            foreach (ref float v in output) v += 0.01f;
        }

        public void Predict(ReadOnlySpan<int> tokens, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
        {
            inner.Predict(tokens, output, state, kind);
            foreach (ref float v in output) v += 0.01f;
        }

        public void Step(int token, Span<float> output, LstmState state, HeadOutput kind = HeadOutput.Activated)
        {
            inner.Step(token, output, state, kind);
            foreach (ref float v in output) v += 0.01f;
        }
    }
}
