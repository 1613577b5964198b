// The generator's one description of a model's memory (Geometry) against the runtime's (ModelShape's parameter
// offsets, GateLayout's packed lengths, LstmState's padding) for every baseline shape and a few more.
using System.Linq;
using LstmGen.CompilerServices;
using LstmGen.Generator;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Xunit;

namespace LstmGen.Tests.Generator;

public class GeometryTests
{
    public static TheoryData<string, string> Shapes()
    {
        var data = new TheoryData<string, string>();
        foreach (object[] shape in BaselineTests.Shapes) data.Add((string)shape[0], (string)shape[1]);
        data.Add("BidirectionalProjection", "Inputs = 3, Hidden = 20, Layers = 2, Projection = 5, Bidirectional = true, Outputs = 2");
        data.Add("PeepholeProjection", "Inputs = 3, Hidden = 20, Layers = 3, Projection = 5, Peephole = true, Outputs = 2");
        data.Add("DropoutTokens", "Vocabulary = 30, Embedding = 6, Hidden = 12, Layers = 3, Dropout = 0.2, InputDropout = 0.1");
        return data;
    }

    /// <summary>The spec the parser makes of a declaration with <paramref name="arguments"/>.</summary>
    internal static ModelSpec SpecOf(string arguments)
    {
        GeneratorDriver driver = ModelCompiler.CreateDriver(trackSteps: true).RunGenerators(ModelCompiler.CreateCompilation(ModelCompiler.ModelSource(arguments)));
        return (ModelSpec)driver.GetRunResult().Results[0].TrackedSteps[LstmGenerator.TrackingNames.Specs].Single().Outputs.Single().Value;
    }

    internal static ModelShape ShapeOf(ModelSpec spec) =>
        new(spec.Inputs, spec.Vocabulary, spec.Embedding, spec.Hidden, spec.Layers, spec.Outputs, (Head)spec.Head, (HeadOn)spec.HeadOn,
            (RecurrentCell)spec.Cell, spec.Bidirectional, spec.Peephole, spec.Projection) { Dropout = spec.Dropout, InputDropout = spec.InputDropout };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheGeometryIsTheRuntimesLayout(string name, string arguments)
    {
        ModelSpec spec = SpecOf(arguments);
        var g = new Geometry(spec);
        ModelShape shape = ShapeOf(spec);
        int h = spec.Hidden, r = shape.HiddenStateSize;

        // Parameters: PyTorch's tensors in ModelShape's order.
        Assert.Equal(shape.ParameterCount, g.ParameterCount);
        for (int k = 0; k < spec.Layers; k++)
        {
            for (int d = 0; d < spec.Directions; d++)
            {
                int slot = k * spec.Directions + d;
                Assert.Equal(shape.GetLayerTensor(LayerParameter.WeightIh, k, d).Offset, g.LayerParameterOffsets[slot]);
                int length = shape.Tensors.Where(t => t.Name.Contains($"_l{k}") && t.Name.EndsWith(d == 1 ? "_reverse" : $"_l{k}", System.StringComparison.Ordinal)).Sum(t => t.Length);
                Assert.Equal(length, g.LayerParameters(k));
            }
        }
        if (spec.Head != HeadKind.None)
        {
            Assert.Equal(shape.GetTensor(ModelShape.HeadWeightName).Offset, g.HeadWeightOffset);
            Assert.Equal(shape.GetTensor(ModelShape.HeadBiasName).Offset, g.HeadBiasOffset);
        }

        // Packed weights: GateLayout's lengths, layer after layer, then the head.
        Assert.Equal(LstmState.PadToBlock(h), g.Padded);
        Assert.Equal(GateLayout.LayerRowLength(h), g.Row);
        int packed = 0;
        for (int k = 0; k < spec.Layers; k++)
        {
            for (int d = 0; d < spec.Directions; d++)
            {
                Assert.Equal(packed, g.LayerPackedOffsets[k * spec.Directions + d]);
                int inputs = shape.LayerInputSize(k);
                packed += GateLayout.LayerLength(inputs, h, r) + (spec.Peephole ? GateLayout.LayerRowLength(h) : 0) + (spec.HasProjection ? GateLayout.ProjectionLength(h, r) : 0);
                Assert.Equal(GateLayout.LayerLength(inputs, h, r) + (spec.Peephole ? GateLayout.LayerRowLength(h) : 0), g.GateBlock(inputs));
            }
        }
        Assert.Equal(packed, g.HeadPackedOffset);
        Assert.Equal(spec.Head == HeadKind.None ? 0 : GateLayout.HeadLength(shape.LayerOutputSize, spec.Outputs), g.PackedLength - g.HeadPackedOffset);
        if (spec.Head != HeadKind.None) Assert.Equal(GateLayout.HeadRowLength(spec.Outputs), g.HeadRow);
        if (g.DotHead) Assert.Equal(GateLayout.HeadRowsLength(shape.LayerOutputSize, spec.Outputs), g.HeadRowsLength);
        if (spec.HasProjection) Assert.Equal(GateLayout.ProjectionLength(h, r), g.ProjectionBlock);

        // State: h and c of every slot, P floats each, as LstmState lays them out.
        LstmState state = StateMarshal.Create(shape.StateSlotCount, h, 0, spec.Projection);
        Assert.Equal(g.Padded, state.PaddedHidden);
        Assert.Equal(shape.StateSlotCount * 2 * g.Padded, g.StateLength);
        Assert.Equal(g.Padded, g.CellOffset(0) - g.HiddenOffset(0));

        // The parser's 64-bit totals agree with the geometry.
        var (parameters, packedTotal, _) = Geometry.Totals(spec.InputSize, spec.Vocabulary, spec.Embedding, h, spec.Layers, spec.Outputs, spec.IsGru, spec.Bidirectional, spec.Peephole, spec.Projection);
        Assert.Equal(g.ParameterCount, parameters);
        Assert.Equal(g.PackedLength, packedTotal);
        Assert.NotNull(name);
    }
}
