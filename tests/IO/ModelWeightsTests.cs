// The weight loader and saver: name mapping (default, renamed, explicit, prefixed), every check with
// its message, values at the right offsets, the golden files, and the atomic save.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.IO;
using Xunit;

namespace LstmGen.Tests.IO;

public sealed class ModelWeightsTests : IDisposable
{
    private static readonly ModelShape s_tokenShape = new(inputSize: 0, vocabularySize: 27, embeddingSize: 8, hiddenSize: 14, layerCount: 1, outputSize: 3, Head.Softmax, HeadOn.LastStep);
    private static readonly ModelShape s_floatShape = new(inputSize: 3, vocabularySize: 0, embeddingSize: 0, hiddenSize: 7, layerCount: 2, outputSize: 0, Head.None, HeadOn.EveryStep);

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A distinct value for every parameter, so a misplaced tensor cannot go unnoticed.</summary>
    private static float[] Distinct(ModelShape shape) =>
        Enumerable.Range(0, shape.ParameterCount).Select(i => (i + 1) * 0.001f * (i % 2 == 0 ? 1 : -1)).ToArray();

    /// <summary>Writes the parameters of <paramref name="shape"/> under names given by <paramref name="rename"/>; a null name leaves the tensor out.</summary>
    private string WriteFile(string fileName, ModelShape shape, float[] values, Func<string, string?>? rename = null, Action<SafetensorsWriter>? more = null)
    {
        var writer = new SafetensorsWriter();
        foreach (var t in shape.Tensors)
        {
            string? name = rename is null ? t.Name : rename(t.Name);
            if (name is null) continue;
            writer.Add(name, values.AsSpan(t.Offset, t.Length), t.Shape.ToArray());
        }
        more?.Invoke(writer);
        string path = _temp.File(fileName);
        writer.Save(path);
        return path;
    }

    private static string RenameModules(string canonical, string embed, string lstm, string head) =>
        canonical.StartsWith("embed.", StringComparison.Ordinal) ? embed + canonical["embed".Length..] :
        canonical.StartsWith("lstm.", StringComparison.Ordinal) ? lstm + canonical["lstm".Length..] :
        head + canonical["head".Length..];

    private static float[] LoadNew(string path, ModelShape shape, WeightLoadOptions? options = null)
    {
        var parameters = new float[shape.ParameterCount];
        ModelWeights.Load(path, shape, parameters, options);
        return parameters;
    }

    [Fact]
    public void SaveThenLoad_RoundTripsWithCanonicalNamesAndMetadata()
    {
        float[] values = Distinct(s_tokenShape);
        string path = _temp.File("model.safetensors");
        ModelWeights.Save(path, s_tokenShape, values);

        Assert.Equal(values, LoadNew(path, s_tokenShape));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(s_tokenShape.Tensors.Select(t => t.Name), file.Names);
        Assert.Equal("lstmgen-v1", file.Metadata["format"]);
        Assert.Equal("{\"inputs\":0,\"vocabulary\":27,\"embedding\":8,\"hidden\":14,\"layers\":1,\"outputs\":3,\"head\":\"Softmax\",\"head_on\":\"LastStep\"}", file.Metadata["shape"]);
    }

    [Fact]
    public void Load_PutsEveryTensorAtItsOffset()
    {
        // Each tensor filled with its own index + 1 in the file.
        var values = new float[s_tokenShape.ParameterCount];
        var tensors = s_tokenShape.Tensors;
        for (int k = 0; k < tensors.Count; k++) values.AsSpan(tensors[k].Offset, tensors[k].Length).Fill(k + 1);
        string path = WriteFile("offsets.safetensors", s_tokenShape, values, n => RenameModules(n, "embed_layer", "lstm_layer", "linear_layer"));

        float[] loaded = LoadNew(path, s_tokenShape);
        using var file = SafetensorsFile.Open(path);
        for (int k = 0; k < tensors.Count; k++)
        {
            var t = s_tokenShape.GetTensor(tensors[k].Name);
            Assert.All(loaded.AsSpan(t.Offset, t.Length).ToArray(), v => Assert.Equal(k + 1, v));
        }
        var bias = s_tokenShape.GetTensor("lstm.bias_hh_l0");
        Assert.Equal(file.ReadFloat32("lstm_layer.bias_hh_l0"), loaded.AsSpan(bias.Offset, bias.Length).ToArray());
    }

    [Fact]
    public void RenamedModules_AreRecognisedBySuffixWithoutOptions()
    {
        float[] values = Distinct(s_tokenShape);
        string path = WriteFile("renamed.safetensors", s_tokenShape, values, n => RenameModules(n, "embed_layer", "lstm_layer", "linear_layer"));
        Assert.Equal(values, LoadNew(path, s_tokenShape));
    }

    [Theory]
    [InlineData("module.embed", "module.lstm", "module.head")]                         // DataParallel
    [InlineData("model.encoder.tok", "model.encoder.lstm", "model.decoder.fc")]         // nested, dotted prefixes
    [InlineData("embedding", "rnn", "fc")]
    public void PrefixedModules_AreRecognised(string embed, string lstm, string head)
    {
        float[] values = Distinct(s_tokenShape);
        string path = WriteFile("prefixed.safetensors", s_tokenShape, values, n => RenameModules(n, embed, lstm, head));
        Assert.Equal(values, LoadNew(path, s_tokenShape));
    }

    [Fact]
    public void BareLstmStateDict_WithoutPrefix_Loads()
    {
        float[] values = Distinct(s_floatShape);
        string path = WriteFile("bare.safetensors", s_floatShape, values, n => n["lstm.".Length..]);
        Assert.Equal(values, LoadNew(path, s_floatShape));
    }

    [Fact]
    public void ExplicitNames_AreUsedExactly()
    {
        float[] values = Distinct(s_tokenShape);
        string path = WriteFile("explicit.safetensors", s_tokenShape, values, n => RenameModules(n, "a", "b", "c"));
        Assert.Equal(values, LoadNew(path, s_tokenShape, new WeightLoadOptions { Names = new WeightNames("a", "b", "c") }));

        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_tokenShape, new WeightLoadOptions { Names = new WeightNames("a", "x", "c") }));
        Assert.Contains("x.weight_ih_l0: expected a tensor of shape [56, 8] (model parameter lstm.weight_ih_l0), found none.", ex.Message);
    }

    [Fact]
    public void MissingTensor_IsNamed()
    {
        string path = WriteFile("missing.safetensors", s_tokenShape, Distinct(s_tokenShape),
            n => n == "lstm.bias_hh_l0" ? null : RenameModules(n, "embed_layer", "lstm_layer", "linear_layer"));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_tokenShape));
        Assert.Contains("lstm_layer.bias_hh_l0: expected a tensor of shape [56] (model parameter lstm.bias_hh_l0), found none.", ex.Message);
        Assert.Equal("lstm_layer.bias_hh_l0", ex.TensorName);
    }

    [Fact]
    public void ExtraTensor_IsRejected_UnlessIgnored()
    {
        float[] values = Distinct(s_tokenShape);
        string path = WriteFile("extra.safetensors", s_tokenShape, values, more: w => w.Add("optimizer.step", new[] { 5 }, 1));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_tokenShape));
        Assert.Contains("optimizer.step: not a parameter of the model", ex.Message);
        Assert.Contains("IgnoreExtraTensors", ex.Message);

        Assert.Equal(values, LoadNew(path, s_tokenShape, new WeightLoadOptions { IgnoreExtraTensors = true }));
    }

    [Fact]
    public void WrongShape_NamesTensorExpectedAndFound()
    {
        string path = WriteFile("shape.safetensors", s_tokenShape, Distinct(s_tokenShape),
            n => n == "lstm.weight_ih_l0" ? null : n,
            w => w.Add("lstm.weight_ih_l0", new float[56 * 10], 56, 10));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_tokenShape));
        Assert.Contains("lstm.weight_ih_l0: expected shape [56, 8], found [56, 10]", ex.Message);
    }

    [Fact]
    public void WrongDtype_NamesTensorExpectedAndFound()
    {
        string path = WriteFile("dtype.safetensors", s_tokenShape, Distinct(s_tokenShape),
            n => n == "head.bias" ? null : n,
            w => w.Add("head.bias", new[] { 1, 2, 3 }, 3));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_tokenShape));
        Assert.Contains("head.bias: expected dtype F32 (F16, BF16 and F64 are converted), found I32.", ex.Message);
    }

    [Fact]
    public void SeveralProblems_AreReportedTogether()
    {
        string path = WriteFile("many.safetensors", s_tokenShape, Distinct(s_tokenShape),
            n => n is "head.bias" or "embed.weight" ? null : n,
            w => w.Add("head.bias", new[] { 1, 2, 3 }, 3));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_tokenShape, new WeightLoadOptions { Names = WeightNames.Default }));
        Assert.Equal(2, ex.Problems.Count);
        Assert.Contains("embed.weight: expected a tensor of shape [27, 8], found none.", ex.Message);
        Assert.Contains("head.bias: expected dtype F32", ex.Message);
    }

    [Fact]
    public void HalfBFloat16AndDouble_AreConverted()
    {
        float[] values = Distinct(s_floatShape);
        var tensors = s_floatShape.Tensors;
        var writer = new SafetensorsWriter();
        for (int k = 0; k < tensors.Count; k++)
        {
            var t = tensors[k];
            var slice = values.AsSpan(t.Offset, t.Length);
            int[] dims = t.Shape.ToArray();
            switch (k % 4)
            {
                case 0: writer.Add(t.Name, slice.ToArray().Select(v => (Half)v).ToArray(), dims); break;
                case 1:
                    var bf = new byte[2 * slice.Length];
                    for (int i = 0; i < slice.Length; i++)
                        BitConverter.TryWriteBytes(bf.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(slice[i]) >> 16));
                    writer.AddBytes(t.Name, SafetensorsDtype.BF16, bf, dims);
                    break;
                case 2: writer.Add(t.Name, slice.ToArray().Select(v => (double)v).ToArray(), dims); break;
                default: writer.Add(t.Name, slice, dims); break;
            }
        }
        string path = _temp.File("mixed.safetensors");
        writer.Save(path);

        float[] loaded = LoadNew(path, s_floatShape);
        for (int k = 0; k < tensors.Count; k++)
        {
            var t = tensors[k];
            for (int i = 0; i < t.Length; i++)
            {
                float v = values[t.Offset + i];
                float expected = (k % 4) switch
                {
                    0 => (float)(Half)v,
                    1 => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000u),
                    _ => v,
                };
                Assert.Equal(expected, loaded[t.Offset + i]);
            }
        }
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+infinity")]
    [InlineData(float.NegativeInfinity, "-infinity")]
    public void NonFiniteValue_NamesTensorAndIndex_AndLeavesParametersUnchanged(float bad, string word)
    {
        float[] values = Distinct(s_tokenShape);
        var t = s_tokenShape.GetTensor("lstm.weight_hh_l0");
        values[t.Offset + 37] = bad;
        string path = WriteFile("nan.safetensors", s_tokenShape, values);

        var parameters = Enumerable.Repeat(7f, s_tokenShape.ParameterCount).ToArray();
        var ex = Assert.Throws<WeightFileException>(() => ModelWeights.Load(path, s_tokenShape, parameters));
        Assert.Contains($"lstm.weight_hh_l0: expected finite values, found {word} at flat index 37 of 784", ex.Message);
        Assert.Equal("lstm.weight_hh_l0", ex.TensorName);
        Assert.All(parameters, v => Assert.Equal(7f, v));
    }

    [Fact]
    public void DoubleBeyondFloatRange_IsReportedAsInfinityAfterConversion()
    {
        var t = s_tokenShape.GetTensor("head.bias");
        string path = WriteFile("f64.safetensors", s_tokenShape, Distinct(s_tokenShape), n => n == "head.bias" ? null : n,
            w => w.Add("head.bias", new[] { 0.0, 1e300, 0.0 }, 3));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_tokenShape));
        Assert.Contains("head.bias: expected finite values, found +infinity at flat index 1 of 3 (after conversion from F64)", ex.Message);
        Assert.Equal(3, t.Length);
    }

    [Fact]
    public void BidirectionalFile_ForAPlainModel_SaysSo()
    {
        string path = WriteFile("bi.safetensors", s_floatShape, Distinct(s_floatShape), more: w =>
        {
            foreach (var t in s_floatShape.Tensors) w.Add(t.Name + "_reverse", new float[t.Length], t.Shape.ToArray());
        });
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_floatShape, new WeightLoadOptions { IgnoreExtraTensors = true }));
        Assert.Contains("this file holds a bidirectional LSTM", ex.Message);
        Assert.Contains("the model is not", ex.Message);
    }

    [Fact]
    public void ProjectionWeights_ForAPlainModel_SaySo()
    {
        string path = WriteFile("proj.safetensors", s_floatShape, Distinct(s_floatShape), more: w => w.Add("lstm.weight_hr_l0", new float[7 * 5], 5, 7));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_floatShape));
        Assert.Contains("lstm.weight_hr_l0: this file holds an LSTM with projections", ex.Message);
    }

    [Fact]
    public void DeeperFile_ForAShallowerModel_SaysSo()
    {
        var one = new ModelShape(inputSize: 3, vocabularySize: 0, embeddingSize: 0, hiddenSize: 7, layerCount: 1, outputSize: 0, Head.None, HeadOn.EveryStep);
        string path = WriteFile("deep.safetensors", s_floatShape, Distinct(s_floatShape));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, one, new WeightLoadOptions { IgnoreExtraTensors = true }));
        Assert.Contains("expected 1 LSTM layer(s) (l0..l0), found a tensor of layer 1", ex.Message);
    }

    [Fact]
    public void TwoLstmPrefixes_AreAmbiguous()
    {
        string path = WriteFile("two.safetensors", s_floatShape, Distinct(s_floatShape), n => "enc." + n["lstm.".Length..],
            w => { foreach (var t in s_floatShape.Tensors) w.Add("dec." + t.Name["lstm.".Length..], new float[t.Length], t.Shape.ToArray()); });
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_floatShape));
        Assert.Contains("'enc'", ex.Message);
        Assert.Contains("'dec'", ex.Message);
        Assert.Contains("WeightLoadOptions.Names", ex.Message);

        var values = LoadNew(path, s_floatShape, new WeightLoadOptions { Names = new WeightNames("", "enc", ""), IgnoreExtraTensors = true });
        Assert.Equal(Distinct(s_floatShape), values);
    }

    [Fact]
    public void TwoEmbeddingCandidates_AreAmbiguous()
    {
        string path = WriteFile("emb2.safetensors", s_tokenShape, Distinct(s_tokenShape), n => RenameModules(n, "tok", "rnn", "fc"),
            w => w.Add("pos.weight", new float[27 * 8], 27, 8));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_tokenShape));
        Assert.Contains("2 embedding candidates", ex.Message);
        Assert.Contains("'tok.weight'", ex.Message);
        Assert.Contains("'pos.weight'", ex.Message);
        Assert.Contains("WeightLoadOptions.Names", ex.Message);
    }

    [Fact]
    public void NoHeadOfTheRightShape_ListsWhatWasFound()
    {
        var other = new ModelShape(inputSize: 0, vocabularySize: 27, embeddingSize: 8, hiddenSize: 14, layerCount: 1, outputSize: 5, Head.Softmax, HeadOn.LastStep);
        string path = WriteFile("head.safetensors", s_tokenShape, Distinct(s_tokenShape), n => RenameModules(n, "tok", "rnn", "fc"));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, other));
        Assert.Contains("found no linear head", ex.Message);
        Assert.Contains("[5, 14]", ex.Message);
        Assert.Contains("'fc.weight' [3, 14] with bias [3]", ex.Message);
    }

    [Fact]
    public void NoLstm_SaysWhatWasExpected()
    {
        var writer = new SafetensorsWriter();
        writer.Add("fc.weight", new float[4], 2, 2);
        string path = _temp.File("nolstm.safetensors");
        writer.Save(path);
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_floatShape));
        Assert.Contains("found no recurrent layer tensors", ex.Message);
        Assert.Contains("weight_ih_l0", ex.Message);
        Assert.Contains("nn.LSTM or nn.GRU", ex.Message);
        Assert.Contains("fc.weight", ex.Message);
    }

    [Fact]
    public void WrongParameterLength_IsAnArgumentException()
    {
        string path = WriteFile("len.safetensors", s_tokenShape, Distinct(s_tokenShape));
        var ex = Assert.Throws<ArgumentException>(() => ModelWeights.Load(path, s_tokenShape, new float[10]));
        Assert.Contains($"{s_tokenShape.ParameterCount} floats", ex.Message);
        Assert.Contains("holds 10", ex.Message);
        Assert.Equal("parameters", ex.ParamName);
        Assert.Throws<ArgumentException>(() => ModelWeights.Save(_temp.File("x.safetensors"), s_tokenShape, new float[3]));
        Assert.False(File.Exists(_temp.File("x.safetensors")));
    }

    [Fact]
    public void LoadFromOpenFile_Works()
    {
        float[] values = Distinct(s_tokenShape);
        string path = WriteFile("open.safetensors", s_tokenShape, values);
        using var file = SafetensorsFile.Open(path);
        var parameters = new float[s_tokenShape.ParameterCount];
        ModelWeights.Load(file, s_tokenShape, parameters);
        Assert.Equal(values, parameters);
    }

    [Fact]
    public void Save_CrashHalfWay_LeavesOldWeightsByteIdentical()
    {
        string path = _temp.File("weights.safetensors");
        ModelWeights.Save(path, s_tokenShape, Distinct(s_tokenShape));
        byte[] before = File.ReadAllBytes(path);

        var writer = new SafetensorsWriter();
        ModelWeights.AddTo(writer, s_tokenShape, new float[s_tokenShape.ParameterCount]);
        writer.AfterHalfOfDataWritten = () => throw new IOException("power cut");
        Assert.Throws<IOException>(() => writer.Save(path));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_temp.Path));
        Assert.Equal(Distinct(s_tokenShape), LoadNew(path, s_tokenShape));
    }

    public static TheoryData<string, ModelShape> GoldenCases() => new()
    {
        { "emb27x8_lstm1_h14_t20_b1_head3_softmax_ce", new ModelShape(0, 27, 8, 14, 1, 3, Head.Softmax, HeadOn.LastStep) },
        { "emb27x8_lstm1_h14_t15_b4_nohead_mse", new ModelShape(0, 27, 8, 14, 1, 0, Head.None, HeadOn.EveryStep) },
        { "emb65x32_lstm2_h32_t15_b4_headall65_ce", new ModelShape(0, 65, 32, 32, 2, 65, Head.Softmax, HeadOn.EveryStep) },
        { "lstm1_i1_h1_t1_b1", new ModelShape(1, 0, 0, 1, 1, 0, Head.None, HeadOn.EveryStep) },
        { "lstm3_i10_h14_t15_b4", new ModelShape(10, 0, 0, 14, 3, 0, Head.None, HeadOn.EveryStep) },
        { "lstm1_i1_h32_t15_b1_head1", new ModelShape(1, 0, 0, 32, 1, 1, Head.Linear, HeadOn.LastStep) },
        { "emb5000x10_lstm1_h128_t50_b4_head1_sigmoid_bce", new ModelShape(0, 5000, 10, 128, 1, 1, Head.Sigmoid, HeadOn.LastStep) },
    };

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void GoldenFiles_LoadWithDefaultNames(string caseName, ModelShape shape)
    {
        string path = TestFiles.Golden(caseName + ".safetensors");
        var options = new WeightLoadOptions { Names = WeightNames.Default, IgnoreExtraTensors = true };
        float[] loaded = LoadNew(path, shape, options);

        using var file = SafetensorsFile.Open(path);
        foreach (var t in shape.Tensors)
            Assert.Equal(file.ReadFloat32(t.Name), loaded.AsSpan(t.Offset, t.Length).ToArray());

        // Without Names the defaults win over the grad.* copies of the same modules.
        Assert.Equal(loaded, LoadNew(path, shape, new WeightLoadOptions { IgnoreExtraTensors = true }));
    }

    [Fact]
    public void GoldenBidirectional_ForAUnidirectionalModel_IsRejectedWithAClearMessage()
    {
        var shape = new ModelShape(3, 0, 0, 7, 1, 0, Head.None, HeadOn.EveryStep);
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(TestFiles.Golden("bilstm1_i3_h7_t15_b4.safetensors"), shape,
            new WeightLoadOptions { Names = WeightNames.Default, IgnoreExtraTensors = true }));
        Assert.Contains("this file holds a bidirectional LSTM (it has '_reverse' weights); the model is not bidirectional.", ex.Message);
    }

    [Fact]
    public void GoldenGru_IsRejectedWithAGruHint()
    {
        var shape = new ModelShape(3, 0, 0, 7, 1, 0, Head.None, HeadOn.EveryStep);
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(TestFiles.Golden("gru1_i3_h7_t15_b4_state.safetensors"), shape,
            new WeightLoadOptions { Names = new WeightNames("embed", "gru", "head"), IgnoreExtraTensors = true }));
        Assert.Contains("gru.weight_ih_l0: expected shape [28, 3] (model parameter lstm.weight_ih_l0), found [21, 3]", ex.Message);
        Assert.Contains("looks like a GRU", ex.Message);
    }

    public static TheoryData<string, ModelShape> GruAndBidirectionalGoldenCases() => new()
    {
        { "gru1_i3_h7_t15_b4_state", new ModelShape(3, 0, 0, 7, 1, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru) },
        { "gru2_i8_h14_t15_b1", new ModelShape(8, 0, 0, 14, 2, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru) },
        { "bilstm1_i3_h7_t15_b4", new ModelShape(3, 0, 0, 7, 1, 0, Head.None, HeadOn.EveryStep, bidirectional: true) },
        { "bilstm2_i8_h14_t15_b1_state", new ModelShape(8, 0, 0, 14, 2, 0, Head.None, HeadOn.EveryStep, bidirectional: true) },
    };

    [Theory]
    [MemberData(nameof(GruAndBidirectionalGoldenCases))]
    public void GruAndBidirectionalGoldenFiles_LoadWithoutNames(string caseName, ModelShape shape)
    {
        // No WeightLoadOptions.Names: a GRU shape finds its 'gru.' module and a bidirectional one its '_reverse' tensors by default.
        string path = TestFiles.Golden(caseName + ".safetensors");
        float[] loaded = LoadNew(path, shape, new WeightLoadOptions { IgnoreExtraTensors = true });

        using var file = SafetensorsFile.Open(path);
        foreach (var t in shape.Tensors)
            Assert.Equal(file.ReadFloat32(t.Name), loaded.AsSpan(t.Offset, t.Length).ToArray());
        Assert.Contains(shape.Tensors, t => t.Name.StartsWith(shape.RecurrentModule + ".", StringComparison.Ordinal));
        Assert.Equal(shape.Bidirectional, shape.Tensors.Any(t => t.Name.EndsWith("_reverse", StringComparison.Ordinal)));
    }

    [Fact]
    public void BidirectionalShape_SavesAndLoadsItsReverseTensors()
    {
        var shape = new ModelShape(0, 11, 4, 5, 2, 3, Head.Softmax, HeadOn.LastStep, RecurrentCell.Gru, bidirectional: true);
        float[] values = Distinct(shape);
        string path = _temp.File("bigru.safetensors");
        ModelWeights.Save(path, shape, values);
        Assert.Equal(values, LoadNew(path, shape));
        using var file = SafetensorsFile.Open(path);
        Assert.Contains("gru.weight_hh_l1_reverse", file.Names);
        Assert.Equal([3, 10], file.GetInfo("head.weight").Shape.ToArray());
        Assert.Contains("\"cell\":\"Gru\",\"bidirectional\":true", file.Metadata["shape"]);
    }

    [Fact]
    public void UnidirectionalFile_ForABidirectionalModel_SaysSo()
    {
        var bidirectional = new ModelShape(3, 0, 0, 7, 1, 0, Head.None, HeadOn.EveryStep, bidirectional: true);
        string path = TestFiles.Golden("lstm1_i3_h7_t15_b4_state.safetensors");
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, bidirectional, new WeightLoadOptions { IgnoreExtraTensors = true }));
        Assert.Contains("this file holds a unidirectional", ex.Message);
        Assert.Contains("no '_reverse' weights", ex.Message);
        Assert.Contains("the model is bidirectional", ex.Message);

        // The same with explicit names.
        ex = Assert.Throws<WeightFileException>(() => LoadNew(path, bidirectional, new WeightLoadOptions { Names = WeightNames.Default, IgnoreExtraTensors = true }));
        Assert.Contains("the model is bidirectional", ex.Message);
    }

    [Fact]
    public void LstmFile_ForAGruModel_SaysItLooksLikeAnLstm()
    {
        // A plain LSTM state_dict: the GRU model's default module 'gru' is absent, so the loader takes the one
        // recurrent module it finds by suffix, 'lstm', and its 4H gate rows do not fit.
        var twoLayers = new ModelShape(3, 0, 0, 7, 2, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru);
        string path = WriteFile("lstm-for-gru.safetensors", s_floatShape, Distinct(s_floatShape));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, twoLayers));
        Assert.Contains("lstm.weight_ih_l0: expected shape [21, 3] (model parameter gru.weight_ih_l0), found [28, 3]", ex.Message);
        Assert.Contains("this looks like an LSTM, the model is a GRU with 3 x 7 gate rows", ex.Message);

        // The golden LSTM file, named explicitly (by suffix its grad.lstm copies would make the module ambiguous).
        var gru = new ModelShape(3, 0, 0, 7, 1, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru);
        ex = Assert.Throws<WeightFileException>(() => LoadNew(TestFiles.Golden("lstm1_i3_h7_t15_b4_state.safetensors"), gru,
            new WeightLoadOptions { Names = WeightNames.Default, IgnoreExtraTensors = true }));
        Assert.Contains("lstm.weight_hh_l0: expected shape [21, 7] (model parameter gru.weight_hh_l0), found [28, 7]", ex.Message);
        Assert.Contains("this looks like an LSTM", ex.Message);
    }

    [Fact]
    public void GruFile_ForAnLstmModel_SaysItLooksLikeAGru()
    {
        var gru = new ModelShape(3, 0, 0, 7, 2, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru);
        string path = WriteFile("gru-for-lstm.safetensors", gru, Distinct(gru));
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(path, s_floatShape));
        Assert.Contains("gru.weight_ih_l0: expected shape [28, 3] (model parameter lstm.weight_ih_l0), found [21, 3]", ex.Message);
        Assert.Contains("looks like a GRU", ex.Message);
    }

    [Fact]
    public void GoldenFile_WithoutIgnoreExtra_ListsExtraTensors()
    {
        var ex = Assert.Throws<WeightFileException>(() => LoadNew(TestFiles.Golden("lstm1_i1_h1_t1_b1.safetensors"),
            new ModelShape(1, 0, 0, 1, 1, 0, Head.None, HeadOn.EveryStep)));
        Assert.Contains("input: not a parameter of the model", ex.Message);
        Assert.True(ex.Problems.Count > 1);
        _ = new List<int>();
    }
}
