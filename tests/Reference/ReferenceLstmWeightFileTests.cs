// Checks the reference LSTM's Load and Save go through the weight files with PyTorch names unchanged.
using System;
using System.IO;
using LstmGen.IO;
using LstmGen.Reference;
using LstmGen.Tests.Golden;
using Xunit;

namespace LstmGen.Tests.Reference;

public sealed class ReferenceLstmWeightFileTests
{
    [Fact]
    public void SaveThenLoadRestoresEveryParameter()
    {
        var shape = new ModelShape(0, 9, 3, 5, 2, 4, Head.Softmax, HeadOn.EveryStep);
        ReferenceLstm saved = RandomModels.Create(shape, seed: 1);
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-reference-{Guid.NewGuid():N}.safetensors");
        try
        {
            saved.Save(path);
            var loaded = new ReferenceLstm(shape);
            loaded.Load(path);
            Assert.Equal(saved.Parameters.ToArray(), loaded.Parameters.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadPutsEachPyTorchTensorAtItsCanonicalOffset()
    {
        // A golden file has inputs, targets and gradients besides the weights.
        GoldenCase c = GoldenCases.FromRepository("emb27x8_lstm1_h14_t20_b1_head3_softmax_ce");
        ModelShape shape = c.ToShape();
        var model = new ReferenceLstm(shape);
        model.Load(c.Path, new WeightLoadOptions { IgnoreExtraTensors = true });
        using SafetensorsFile file = SafetensorsFile.Open(c.Path);
        foreach (ParameterTensor t in shape.Tensors)
            Assert.Equal(file.ReadFloat32(t.Name), model.Parameters.Slice(t.Offset, t.Length).ToArray());
    }
}
