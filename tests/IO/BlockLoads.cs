// Runs a loader that takes a model (as every loader does: it repacks the model) for tests written against parameter blocks.
using System;
using LstmGen.Reference;

namespace LstmGen.Tests.IO;

internal static class BlockLoads
{
    /// <summary>Loads into a reference model holding <paramref name="block"/>, then copies the model's parameters back.</summary>
    public static void Into(Action<ILstmModel> load, ModelShape shape, Span<float> block)
    {
        var model = new ReferenceLstm(shape);
        block.CopyTo(model.Parameters);
        load(model);
        model.Parameters.CopyTo(block);
    }
}
