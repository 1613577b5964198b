// LSTMs with a projection (PyTorch nn.LSTM(proj_size=…)) against PyTorch: the cases in tests/golden-projection,
// written by tests/golden/tools/gen_projection_golden.py in the format of the other golden cases (README section 2)
// with proj_size in the config, run through the reference LSTM and a generated model like every golden case.
using System.IO;
using LstmGen.IO;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Golden;

public sealed class ProjectionGoldenTests(ITestOutputHelper output)
{
    private static string Folder => Path.Combine(GoldenCases.RepositoryRoot, "tests", "golden-projection");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string name in Names()) data.Add(name);
        return data;
    }

    private static string[] Names()
    {
        string[] files = Directory.GetFiles(Folder, "*.safetensors");
        System.Array.Sort(files, System.StringComparer.Ordinal);
        return System.Array.ConvertAll(files, f => Path.GetFileNameWithoutExtension(f)!);
    }

    [Fact]
    public void EveryCaseIsAProjectedLstm()
    {
        Assert.Equal(7, Names().Length);
        foreach (string name in Names())
        {
            GoldenCase c = Read(name);
            ModelShape shape = c.ToShape();
            Assert.True(shape.HasProjection, c.Name);
            Assert.Equal("lstm.weight_hr_l0", shape.GetLayerTensor(LayerParameter.WeightHr, 0).Name);
            Assert.Equal([c.ProjSize, c.Hidden], shape.GetLayerTensor(LayerParameter.WeightHr, 0).Shape.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reference(string name) => Check(name, c => new ReferenceLstm(c.ToShape()));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generated(string name) => Check(name, c => ModelCompiler.CreateModel(c.ToShape()));

    private void Check(string name, System.Func<GoldenCase, ILstmModel> create)
    {
        GoldenCase c = Read(name);
        GoldenReport report = GoldenRunner.Check(c, create(c));
        output.WriteLine(report.ToString());
    }

    private static GoldenCase Read(string name)
    {
        string path = Path.Combine(Folder, name + ".safetensors");
        using SafetensorsFile file = SafetensorsFile.Open(path);
        return GoldenCase.TryRead(file) ?? throw new InvalidDataException($"{path} is not a {GoldenCase.Format} file.");
    }
}
