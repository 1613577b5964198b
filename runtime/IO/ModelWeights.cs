// Moves a model's parameter block in and out of safetensors files. (Being implemented.)
using System;

namespace LstmGen.IO;

/// <summary>Loads and saves a model's parameter block as safetensors with PyTorch state_dict names.</summary>
public static class ModelWeights
{
    /// <summary>Reads every parameter of <paramref name="shape"/> from <paramref name="path"/> into <paramref name="parameters"/>.</summary>
    public static void Load(string path, ModelShape shape, Span<float> parameters, WeightLoadOptions? options = null) =>
        throw new NotImplementedException();

    /// <summary>Writes <paramref name="parameters"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, ModelShape shape, ReadOnlySpan<float> parameters) =>
        throw new NotImplementedException();
}
