// Checks the golden harness itself: every case file is found and parsed, shapes map as documented,
// and the error measure is the README's.
using System;
using System.IO;
using System.Text.Json;
using Xunit;

namespace LstmGen.Tests.Golden;

public sealed class GoldenDiscoveryTests
{
    [Fact]
    public void EveryCaseInTheIndexIsDiscovered()
    {
        Assert.NotEmpty(GoldenCases.All);
        string index = Path.Combine(GoldenCases.Directory, "index.json");
        if (!GoldenCases.IsRepositoryCopy && !File.Exists(index)) return; // a foreign folder need not have an index
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(index));
        int count = 0;
        foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            Assert.True(GoldenCases.All.ContainsKey(name), $"index.json lists '{name}' but no {GoldenCase.Format} file holds it.");
            count++;
        }
        Assert.Equal(count, GoldenCases.All.Count);
    }

    [Fact]
    public void NoCaseOfTheSuiteIsSkipped()
    {
        foreach (GoldenCase c in GoldenCases.All.Values)
        {
            Assert.Null(c.SkipReason);
            ModelShape shape = c.ToShape();
            Assert.Equal(c.Arch == "gru" ? RecurrentCell.Gru : RecurrentCell.Lstm, shape.Cell);
            Assert.Equal(c.Bidirectional, shape.Bidirectional);
        }
    }

    [Theory]
    [InlineData("""{"arch":"lstm","input_size":3,"hidden":7,"layers":2,"bidirectional":false,"vocab":0,"embed_dim":0,"head_out":0,"head_mode":"","act":"none","T":15,"B":4,"state":true}""", 3, 0, 0, 0, Head.None, HeadOn.EveryStep)]
    [InlineData("""{"arch":"lstm","input_size":1,"hidden":7,"layers":2,"bidirectional":false,"vocab":0,"embed_dim":0,"head_out":1,"head_mode":"last","act":"none","T":15,"B":4,"state":false}""", 1, 0, 0, 1, Head.Linear, HeadOn.LastStep)]
    [InlineData("""{"arch":"lstm","input_size":8,"hidden":7,"layers":2,"bidirectional":false,"vocab":27,"embed_dim":8,"head_out":3,"head_mode":"last","act":"softmax","T":15,"B":4,"state":false}""", 0, 27, 8, 3, Head.Softmax, HeadOn.LastStep)]
    [InlineData("""{"arch":"lstm","input_size":8,"hidden":7,"layers":2,"bidirectional":false,"vocab":27,"embed_dim":8,"head_out":1,"head_mode":"last","act":"sigmoid","T":15,"B":4,"state":false}""", 0, 27, 8, 1, Head.Sigmoid, HeadOn.LastStep)]
    [InlineData("""{"arch":"lstm","input_size":8,"hidden":7,"layers":2,"bidirectional":false,"vocab":27,"embed_dim":8,"head_out":27,"head_mode":"all","act":"none","T":15,"B":4,"state":false}""", 0, 27, 8, 27, Head.Linear, HeadOn.EveryStep)]
    public void ConfigMapsToShape(string config, int inputs, int vocabulary, int embedding, int outputs, Head head, HeadOn on)
    {
        ModelShape shape = GoldenCase.Parse("x", "x.safetensors", config).ToShape();
        Assert.Equal(new ModelShape(inputs, vocabulary, embedding, 7, 2, outputs, head, on), shape);
    }

    [Fact]
    public void GruAndBidirectionalCasesMapToTheirShapes()
    {
        const string gru = """{"arch":"gru","input_size":3,"hidden":7,"layers":2,"bidirectional":false,"vocab":0,"embed_dim":0,"head_out":0,"head_mode":"","act":"none","T":15,"B":4,"state":true}""";
        const string bi = """{"arch":"lstm","input_size":3,"hidden":7,"layers":2,"bidirectional":true,"vocab":0,"embed_dim":0,"head_out":0,"head_mode":"","act":"none","T":15,"B":4,"state":false}""";
        const string rnn = """{"arch":"rnn_tanh","input_size":3,"hidden":7,"layers":1,"bidirectional":false,"vocab":0,"embed_dim":0,"head_out":0,"head_mode":"","act":"none","T":15,"B":4,"state":false}""";
        ModelShape g = GoldenCase.Parse("g", "g", gru).ToShape();
        Assert.Equal(RecurrentCell.Gru, g.Cell);
        Assert.False(g.Bidirectional);
        Assert.Equal("gru.weight_ih_l1", g.Tensors[4].Name);
        Assert.Equal([21, 7], g.Tensors[4].Shape.ToArray());
        ModelShape b = GoldenCase.Parse("b", "b", bi).ToShape();
        Assert.True(b.Bidirectional);
        Assert.Equal(14, b.StepOutputSize);
        Assert.Equal("lstm.weight_ih_l0_reverse", b.Tensors[4].Name);
        Assert.Equal([28, 14], b.GetLayerTensor(LayerParameter.WeightIh, 1, 1).Shape.ToArray());
        Assert.Contains("rnn_tanh", GoldenCase.Parse("r", "r", rnn).SkipReason);
        Assert.Throws<NotSupportedException>(() => GoldenCase.Parse("r", "r", rnn).ToShape());
    }

    [Fact]
    public void NormalisedErrorIsMaxAbsoluteOverMaxReference()
    {
        NormalisedError e = NormalisedError.Of([1f, 2f, -4f], [1.0, 2.5, -4.0]);
        Assert.Equal(0.5 / 4.0, e.Error, 15);
        Assert.Equal(1, e.WorstIndex);
        Assert.Equal("[0, 1]", e.IndexText([1, 3]));

        // Tiny references are scaled by the 1e-3 floor, not by themselves.
        Assert.Equal(1e-6 / 1e-3, NormalisedError.Of([1e-6f], [0.0]).Error, 9);
        Assert.Equal(double.PositiveInfinity, NormalisedError.Of([float.NaN], [1.0]).Error);
    }
}
