// Where one layer's data sits for the kernels' glue code: constant offsets when the layers are unrolled, or
// expressions of the loop variable k when a compact model runs its layers 1 … L−1 in a loop.
using System;
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>One layer of a unidirectional model as the kernels address it.</summary>
/// <param name="Label">"Layer 0", or "Layers 1 and up" for the loop.</param>
/// <param name="Packed">Offset of the layer's packed weights.</param>
/// <param name="Hidden">Offset of its h in the state.</param>
/// <param name="Cell">Offset of its c in the state.</param>
/// <param name="Input">Offset in the state of the h it reads (the layer below's), or null for layer 0 (the model input).</param>
/// <param name="InputWhat">What the input is, for comments.</param>
/// <param name="InputCount">The layer's input width.</param>
/// <param name="Record">Offset of its record in a step's record.</param>
/// <param name="K">The layer, or null in the loop over layers 1 and up.</param>
internal sealed record LayerSite(string Label, string Packed, string Hidden, string Cell, string? Input, string InputWhat, int InputCount, string Record, int? K)
{
    /// <summary>Whether this is the first layer (it reads the model input).</summary>
    public bool IsFirst => K == 0;

    /// <summary>Layer <paramref name="k"/> at constant offsets.</summary>
    public static LayerSite Constant(Geometry g, int k)
    {
        ModelSpec spec = g.Spec;
        return new LayerSite($"Layer {N(k)}", N(g.LayerPackedOffsets[k]), N(g.HiddenOffset(k)), N(g.CellOffset(k)),
            k == 0 ? null : N(g.HiddenOffset(k - 1)),
            k == 0 ? (spec.IsTokenModel ? "embedding row" : "input") : $"h of layer {N(k - 1)}",
            spec.LayerInputSize(k), N(k * g.RecordPerLayer), k);
    }

    /// <summary>Layers 1 … L−1 in a loop over <c>k</c> (they all read R values from the layer below).</summary>
    public static LayerSite Loop(Geometry g)
    {
        int p = g.Padded;
        string packed = $"{N(g.LayerPackedOffsets[1])} + (k - 1) * {N(g.UpperLayerStride)}";
        return new LayerSite("Layers 1 and up", packed, $"k * {N(2 * p)}", $"k * {N(2 * p)} + {N(p)}", $"(k - 1) * {N(2 * p)}",
            "h of the layer below", g.Spec.Recurrent, $"k * {N(g.RecordPerLayer)}", null);
    }

    /// <summary>
    /// The layers of a model from the bottom (or, <paramref name="topDown"/>, from the top): unrolled, or for a compact
    /// model of more than two layers, layer 0 and a loop over the others.
    /// </summary>
    public static void ForEach(SourceWriter w, Geometry g, Action<LayerSite> emit, bool topDown = false)
    {
        int layers = g.Spec.Layers;
        if (!g.Compact || layers <= 2)
        {
            for (int i = 0; i < layers; i++) emit(Constant(g, topDown ? layers - 1 - i : i));
            return;
        }
        if (!topDown) emit(Constant(g, 0));
        using (w.Block(topDown ? $"for (int k = {N(layers - 1)}; k >= 1; k--)" : $"for (int k = 1; k < {N(layers)}; k++)"))
            emit(Loop(g));
        if (topDown) emit(Constant(g, 0));
    }

    /// <summary>The name of the layer's products: <c>{prefix}Layer0</c> or <c>{prefix}LayerUpper</c> (every layer above the first has the same sizes).</summary>
    public string Product(string prefix) => prefix + (IsFirst ? "Layer0" : "LayerUpper");
}
