// Generated models against the reference LSTM on random weights of every form and size class
// (tiny, odd, vector-exact, multi-tile, compact), plus the generated API's contracts: state
// semantics, argument errors, named views, save/load, and zero allocation per call.
using System;
using System.Collections.Generic;
using System.IO;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Tests.Reference;
using Xunit;

namespace LstmGen.Tests.Numeric;

public sealed class GeneratedModelTests
{
    /// <summary>Max-normalised error bound for float32 code against the float32 reference (different summation order, FMA, vector exp).</summary>
    private const double Tolerance = 2e-5;

    public static TheoryData<string> RandomShapes() => RandomModels.Names();

    /// <summary>Larger shapes: several register tiles, exact vector multiples, and one over the unroll budget (compact code).</summary>
    public static TheoryData<string> SizeClasses() => new()
    {
        "Inputs = 5, Hidden = 37, Layers = 2, Outputs = 4, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep",
        "Inputs = 16, Hidden = 64, Outputs = 1",
        "Vocabulary = 50, Embedding = 10, Hidden = 128, Outputs = 1, Head = LstmGen.Head.Sigmoid",
        "Vocabulary = 65, Embedding = 32, Hidden = 256, Layers = 2, Outputs = 65, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep",
        "Inputs = 3, Hidden = 300, Outputs = 20, HeadOn = LstmGen.HeadOn.EveryStep",
        // GRU: several tiles with an input table; compact with a loop over 3 layers; bidirectional, several tiles and compact.
        "Vocabulary = 50, Embedding = 10, Hidden = 128, Outputs = 1, Head = LstmGen.Head.Sigmoid, Cell = LstmGen.RecurrentCell.Gru",
        "Inputs = 4, Hidden = 100, Layers = 3, Outputs = 5, HeadOn = LstmGen.HeadOn.EveryStep, Cell = LstmGen.RecurrentCell.Gru",
        "Vocabulary = 50, Embedding = 10, Hidden = 64, Layers = 2, Outputs = 1, Head = LstmGen.Head.Sigmoid, Bidirectional = true",
        "Inputs = 5, Hidden = 150, Layers = 2, Outputs = 3, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep, Bidirectional = true, Cell = LstmGen.RecurrentCell.Gru",
    };

    private static (ILstmModel Generated, ReferenceLstm Reference) Pair(ModelShape shape, int seed)
    {
        ReferenceLstm reference = RandomModels.Create(shape, seed);
        ILstmModel generated = ModelCompiler.CreateModel(shape);
        Assert.Equal(shape, generated.Shape);
        reference.Parameters.CopyTo(generated.Parameters);
        generated.ParametersChanged();
        return (generated, reference);
    }

    private static float[] Run(ILstmModel model, ModelShape shape, int steps, int seed, LstmState? state, HeadOutput kind)
    {
        var output = new float[shape.OutputLength(steps)];
        if (shape.IsTokenModel)
        {
            var t = (ITokenSequenceModel)model;
            int[] tokens = RandomModels.Tokens(shape, steps, seed);
            if (state is null) t.Predict(tokens, output); else t.Predict(tokens, output, state, kind);
        }
        else
        {
            float[] inputs = RandomModels.Inputs(shape, steps, seed);
            var f = (IFloatSequenceModel)model;
            if (state is null) f.Predict(inputs, output); else f.Predict(inputs, output, state, kind);
        }
        return output;
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 1e-3, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i]));
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Abs(expected[i] - actual[i]);
            if (!(e <= worst)) { worst = e; at = i; }
        }
        if (!(worst / max <= Tolerance))
            Assert.Fail($"{what}: err {worst / max:E2} at {at} (generated {actual[at]}, reference {expected[at]})");
    }

    private static void CompareWithReference(ModelShape shape, int seed, int steps)
    {
        var (generated, reference) = Pair(shape, seed);
        foreach (HeadOutput kind in new[] { HeadOutput.Activated, HeadOutput.Logits })
        {
            LstmState gs = generated.CreateState(), rs = reference.CreateState();
            // A non-zero initial state, as PyTorch's h0/c0.
            var random = new Random(seed + 1);
            for (int k = 0; k < shape.StateSlotCount; k++)
            {
                for (int j = 0; j < shape.HiddenSize; j++)
                {
                    if (j < shape.HiddenStateSize) gs.Hidden(k)[j] = rs.Hidden(k)[j] = (float)(random.NextDouble() - 0.5);
                    if (shape.HasCellState) gs.Cell(k)[j] = rs.Cell(k)[j] = (float)(random.NextDouble() - 0.5);
                }
            }
            AssertClose(Run(reference, shape, steps, seed, rs, kind), Run(generated, shape, steps, seed, gs, kind), $"{shape} {kind} output");
            for (int k = 0; k < shape.StateSlotCount; k++)
            {
                AssertClose(rs.Hidden(k), gs.Hidden(k), $"{shape} h_n[{k}]");
                AssertClose(rs.Cell(k), gs.Cell(k), $"{shape} c_n[{k}]");
            }
        }
        AssertClose(Run(reference, shape, steps, seed, null, HeadOutput.Activated), Run(generated, shape, steps, seed, null, HeadOutput.Activated), $"{shape} zero-state output");
    }

    [Theory]
    [MemberData(nameof(RandomShapes))]
    public void MatchesReferenceOnEveryForm(string name) => CompareWithReference(RandomModels.Shapes[name], seed: name.Length * 7919, steps: 9);

    /// <summary>The GRU, bidirectional LSTM and bidirectional GRU forms (<see cref="RandomModels.Variants"/>).</summary>
    public static TheoryData<string> Variants() => RandomModels.VariantNames();

    [Theory]
    [MemberData(nameof(Variants))]
    public void MatchesReferenceOnEveryGruAndBidirectionalForm(string name) => CompareWithReference(RandomModels.Variants[name], seed: name.Length * 7919, steps: 9);

    [Theory]
    [MemberData(nameof(SizeClasses))]
    public void MatchesReferenceOnEverySizeClass(string arguments)
    {
        ILstmModel probe = ModelCompiler.CreateModel(arguments);
        CompareWithReference(probe.Shape, seed: arguments.Length, steps: 12);
    }

    /// <summary>Models whose layer weights exceed 1 MB run whole sequences layer-major, in chunks of 16 steps.</summary>
    public static TheoryData<string> LayerMajorShapes() => new()
    {
        "Vocabulary = 65, Embedding = 32, Hidden = 256, Layers = 2, Outputs = 65, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep",
        "Vocabulary = 20, Embedding = 8, Hidden = 160, Layers = 3, Outputs = 2, Head = LstmGen.Head.Sigmoid",
        "Inputs = 3, Hidden = 300, Outputs = 20, HeadOn = LstmGen.HeadOn.EveryStep",
        "Inputs = 7, Hidden = 200, Layers = 2, InferenceWeights = LstmGen.WeightPrecision.BFloat16",
        "Vocabulary = 20, Embedding = 8, Hidden = 160, Layers = 3, Outputs = 2, Head = LstmGen.Head.Sigmoid, Cell = LstmGen.RecurrentCell.Gru",
        "Inputs = 7, Hidden = 200, Layers = 2, Cell = LstmGen.RecurrentCell.Gru, InferenceWeights = LstmGen.WeightPrecision.BFloat16",
    };

    [Theory]
    [MemberData(nameof(LayerMajorShapes))]
    public void LayerMajorSequencesMatchTheReferenceOverSeveralChunks(string arguments)
    {
        ILstmModel probe = ModelCompiler.CreateModel(arguments);
        if (arguments.Contains("BFloat16"))
        {
            // Layer-major and step-by-step orders must give the same result on the same (bfloat16) weights.
            ModelShape shape = probe.Shape;
            ReferenceLstm weights = RandomModels.Create(shape, seed: 3);
            weights.Parameters.CopyTo(probe.Parameters);
            probe.ParametersChanged();
            var floats = (IFloatSequenceModel)probe;
            float[] inputs = RandomModels.Inputs(shape, 37, 4);
            var whole = new float[shape.OutputLength(37)];
            floats.Predict(inputs, whole);
            LstmState state = probe.CreateState();
            var step = new float[shape.StepOutputSize];
            for (int t = 0; t < 37; t++) floats.Step(inputs.AsSpan(t * shape.InputSize, shape.InputSize), step, state);
            AssertClose(step, whole, "layer-major vs step by step");
            return;
        }
        CompareWithReference(probe.Shape, seed: arguments.Length + 1, steps: 37);
    }

    [Fact]
    public void InputProjectionTableFollowsParameterChanges()
    {
        // A small vocabulary gets its first layer's bias + W_ih·embedding precomputed per token; editing the
        // embedding, W_ih or a bias in place and calling ParametersChanged must reach it.
        ModelShape shape = ModelCompiler.CreateModel("Vocabulary = 12, Embedding = 3, Hidden = 20, Outputs = 2").Shape;
        var (generated, reference) = Pair(shape, seed: 5);
        AssertClose(Run(reference, shape, 7, 1, null, HeadOutput.Activated), Run(generated, shape, 7, 1, null, HeadOutput.Activated), "before");
        var random = new Random(9);
        int firstLayer = shape.VocabularySize * shape.EmbeddingSize, gates = 4 * shape.HiddenSize;
        foreach (int index in new[] { 0, 5, firstLayer - 1, firstLayer + 7, firstLayer + gates * (shape.EmbeddingSize + shape.HiddenSize) + 3 })
        {
            float value = (float)(random.NextDouble() * 2 - 1);
            generated.Parameters[index] = value;
            reference.Parameters[index] = value;
        }
        generated.ParametersChanged();
        reference.ParametersChanged();
        AssertClose(Run(reference, shape, 7, 1, null, HeadOutput.Activated), Run(generated, shape, 7, 1, null, HeadOutput.Activated), "after");
    }

    [Theory]
    [InlineData("Inputs = 1, Hidden = 32, Outputs = 1")]
    [InlineData("Inputs = 3, Hidden = 37, Layers = 2, Outputs = 2, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep")]
    [InlineData("Vocabulary = 30, Embedding = 4, Hidden = 40, Projection = 9, Outputs = 1, Head = LstmGen.Head.Sigmoid")]
    public void DotProductHeadFollowsParameterChanges(string arguments)
    {
        // Heads with few outputs compute each logit as a dot product with h from a by-rows copy of head.weight
        // (GateLayout.PackHeadRows); editing head.weight or head.bias in place and calling ParametersChanged must reach it,
        // for Predict and for Step.
        ModelShape shape = ModelCompiler.CreateModel(arguments).Shape;
        var (generated, reference) = Pair(shape, seed: 8);
        AssertClose(Run(reference, shape, 9, 3, null, HeadOutput.Logits), Run(generated, shape, 9, 3, null, HeadOutput.Logits), "before");
        ParameterTensor weight = shape.GetTensor(ModelShape.HeadWeightName), bias = shape.GetTensor(ModelShape.HeadBiasName);
        var random = new Random(4);
        foreach (int index in new[] { weight.Offset, weight.Offset + weight.Length - 1, weight.Offset + weight.Length / 2, bias.Offset, bias.Offset + bias.Length - 1 })
        {
            float value = (float)(random.NextDouble() * 4 - 2);
            generated.Parameters[index] = value;
            reference.Parameters[index] = value;
        }
        generated.ParametersChanged();
        reference.ParametersChanged();
        AssertClose(Run(reference, shape, 9, 3, null, HeadOutput.Logits), Run(generated, shape, 9, 3, null, HeadOutput.Logits), "after");
        float[] stepped = new float[shape.StepOutputSize], expected = new float[shape.StepOutputSize];
        if (shape.IsTokenModel)
        {
            ((ITokenSequenceModel)generated).Step(3, stepped, generated.CreateState(), HeadOutput.Logits);
            ((ITokenSequenceModel)reference).Step(3, expected, reference.CreateState(), HeadOutput.Logits);
        }
        else
        {
            float[] input = RandomModels.Inputs(shape, 1, 5);
            ((IFloatSequenceModel)generated).Step(input, stepped, generated.CreateState(), HeadOutput.Logits);
            ((IFloatSequenceModel)reference).Step(input, expected, reference.CreateState(), HeadOutput.Logits);
        }
        AssertClose(expected, stepped, "Step after");
    }

    [Fact]
    public void BFloat16InferenceComputesTheModelOfItsRoundedWeights()
    {
        // InferenceWeights = BFloat16 stores the layers' weight matrices as bfloat16 for Predict/Step; biases,
        // embedding and head stay float32. So on weights that are already bfloat16 values it must equal the
        // float32 reference; on arbitrary weights it must differ (else the option did nothing).
        ILstmModel generated = ModelCompiler.CreateModel("Vocabulary = 20, Embedding = 6, Hidden = 40, Layers = 2, Outputs = 3, InferenceWeights = LstmGen.WeightPrecision.BFloat16");
        ModelShape shape = generated.Shape;
        ReferenceLstm reference = RandomModels.Create(shape, seed: 17);
        reference.Parameters.CopyTo(generated.Parameters);
        generated.ParametersChanged();
        float[] exact = Run(reference, shape, 15, 2, null, HeadOutput.Logits), half = Run(generated, shape, 15, 2, null, HeadOutput.Logits);
        double difference = 0;
        for (int i = 0; i < exact.Length; i++) difference = Math.Max(difference, Math.Abs(exact[i] - half[i]));
        Assert.InRange(difference, 1e-6, 5e-2);

        int offset = shape.VocabularySize * shape.EmbeddingSize, gates = 4 * shape.HiddenSize;
        for (int k = 0; k < shape.LayerCount; k++)
        {
            int inputs = k == 0 ? shape.EmbeddingSize : shape.HiddenSize, matrices = gates * (inputs + shape.HiddenSize);
            for (int i = offset; i < offset + matrices; i++)
                reference.Parameters[i] = LstmGen.CompilerServices.BFloat16.ToSingle(LstmGen.CompilerServices.BFloat16.FromSingle(reference.Parameters[i]));
            offset += matrices + 2 * gates;
        }
        reference.ParametersChanged();
        reference.Parameters.CopyTo(generated.Parameters);
        generated.ParametersChanged();
        AssertClose(Run(reference, shape, 15, 2, null, HeadOutput.Logits), Run(generated, shape, 15, 2, null, HeadOutput.Logits), "bfloat16 weights");
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        Assert.Equal(0x3F80, LstmGen.CompilerServices.BFloat16.FromSingle(1f));
        Assert.Equal(0x3F80, LstmGen.CompilerServices.BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(0x3F808000))); // tie, even stays
        Assert.Equal(0x3F82, LstmGen.CompilerServices.BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(0x3F818000))); // tie, odd rounds up
        Assert.Equal(0x3F81, LstmGen.CompilerServices.BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(0x3F808001)));
        Assert.Equal(0x7F80, LstmGen.CompilerServices.BFloat16.FromSingle(float.MaxValue)); // overflows to +∞
        Assert.True(float.IsNaN(LstmGen.CompilerServices.BFloat16.ToSingle(LstmGen.CompilerServices.BFloat16.FromSingle(float.NaN))));
        Assert.Equal(-2.5f, LstmGen.CompilerServices.BFloat16.ToSingle(LstmGen.CompilerServices.BFloat16.FromSingle(-2.5f)));
    }

    [Fact]
    public void StepsEqualOnePredictAndStateCarriesAcrossCalls()
    {
        var shape = new ModelShape(3, 0, 0, 7, 2, 2, Head.Linear, HeadOn.LastStep);
        var (model, _) = Pair(shape, 5);
        var f = (IFloatSequenceModel)model;
        float[] x = RandomModels.Inputs(shape, 10, 6);

        var whole = new float[2];
        f.Predict(x, whole);

        LstmState state = model.CreateState();
        var step = new float[2];
        for (int t = 0; t < 10; t++) f.Step(x.AsSpan(t * 3, 3), t == 9 ? step : Span<float>.Empty, state);
        Assert.Equal(whole, step);

        LstmState halves = model.CreateState();
        var first = new float[2];
        f.Predict(x.AsSpan(0, 12), first, halves);
        var second = new float[2];
        f.Predict(x.AsSpan(12), second, halves);
        Assert.Equal(whole, second);

        LstmState copy = halves.Clone();
        for (int k = 0; k < 2; k++) Assert.Equal(halves.Hidden(k).ToArray(), copy.Hidden(k).ToArray());
        halves.Reset();
        Assert.All(halves.Hidden(1).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void BadArgumentsNameTheProblem()
    {
        var floats = (IFloatSequenceModel)ModelCompiler.CreateModel("Inputs = 3, Hidden = 4, Outputs = 2");
        var e1 = Assert.Throws<ArgumentException>(() => floats.Predict(new float[7], new float[2]));
        Assert.Equal("inputs", e1.ParamName);
        Assert.Contains("multiple of 3", e1.Message);
        Assert.Contains("got 7", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => floats.Predict(new float[6], new float[3]));
        Assert.Equal("output", e2.ParamName);
        Assert.Contains("2 floats", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => floats.Step(new float[2], new float[2], floats.CreateState()));
        Assert.Equal("input", e3.ParamName);
        var other = new LstmState(1, 5, 100);
        var e4 = Assert.Throws<ArgumentException>(() => floats.Step(new float[3], new float[2], other));
        Assert.Contains("1 slot(s) of 5 units", e4.Message);
        Assert.Throws<ArgumentNullException>(() => floats.Step(new float[3], new float[2], null!));

        var tokens = (ITokenSequenceModel)ModelCompiler.CreateModel("Vocabulary = 10, Embedding = 2, Hidden = 3");
        var e5 = Assert.Throws<ArgumentOutOfRangeException>(() => tokens.Predict(new[] { 1, 2, 10, 3 }, new float[3]));
        Assert.Equal("tokens", e5.ParamName);
        Assert.Contains("Token 2 is 10", e5.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokens.Step(-1, new float[3], tokens.CreateState()));
        Assert.Throws<ArgumentException>(() => tokens.Predict(Array.Empty<int>(), new float[3]));
    }

    private delegate Span<float> View();
    private delegate Span<float> LayerView(int layer);

    [Fact]
    public void NamedViewsMatchTheCanonicalLayout()
    {
        ILstmModel model = ModelCompiler.CreateModel("Vocabulary = 11, Embedding = 3, Hidden = 5, Layers = 3, Outputs = 2, Head = LstmGen.Head.Softmax");
        ModelShape shape = model.Shape;
        Type type = model.GetType();
        Assert.Equal(shape.ParameterCount, (int)type.GetField("ParameterCount")!.GetValue(null)!);
        Assert.Equal(shape.ParameterCount, model.Parameters.Length);
        View Property(string name) => type.GetProperty(name)!.GetGetMethod()!.CreateDelegate<View>(model);
        LayerView Method(string name) => type.GetMethod(name)!.CreateDelegate<LayerView>(model);

        void Check(string tensor, Span<float> view)
        {
            ParameterTensor t = shape.GetTensor(tensor);
            Assert.Equal(t.Length, view.Length);
            model.Parameters.Clear();
            view[0] = 1; // the view's first float must be the tensor's first float in the block
            Assert.Equal(t.Offset, model.Parameters.IndexOf(1f));
        }
        Check(ModelShape.EmbeddingWeightName, Property("EmbeddingWeight")());
        for (int k = 0; k < 3; k++)
        {
            Check(ModelShape.WeightIhName(k), Method("WeightIh")(k));
            Check(ModelShape.WeightHhName(k), Method("WeightHh")(k));
            Check(ModelShape.BiasIhName(k), Method("BiasIh")(k));
            Check(ModelShape.BiasHhName(k), Method("BiasHh")(k));
        }
        Check(ModelShape.HeadWeightName, Property("HeadWeight")());
        Check(ModelShape.HeadBiasName, Property("HeadBias")());
        Assert.Throws<ArgumentOutOfRangeException>(() => { Method("WeightIh")(3); });
    }

    [Fact]
    public void TapesAndGradientsOfAnotherImplementationAreRefused()
    {
        var shape = new ModelShape(3, 0, 0, 16, 1, 2, Head.Linear, HeadOn.LastStep);
        var (generated, reference) = Pair(shape, 4);
        var g = (LstmGen.Training.IFloatTrainableModel)generated;
        float[] x = RandomModels.Inputs(shape, 5, 1);
        var outputs = new float[2];
        LstmGen.Training.TrainingTape foreignTape = reference.CreateTape(5);
        var e1 = Assert.Throws<ArgumentException>(() => g.Forward(x, outputs, g.CreateState(), foreignTape));
        Assert.Equal("tape", e1.ParamName);
        Assert.Contains("layout", e1.Message);
        LstmGen.Training.TrainingTape tape = g.CreateTape(5);
        g.Forward(x, outputs, g.CreateState(), tape);
        var e2 = Assert.Throws<ArgumentException>(() => g.Backward(tape, outputs, reference.CreateGradients()));
        Assert.Equal("gradients", e2.ParamName);
        Assert.Contains("layout", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => reference.Backward(tape, outputs, reference.CreateGradients()));
        Assert.Equal("tape", e3.ParamName);
        var e4 = Assert.Throws<ArgumentException>(() => g.Backward(tape, new float[3], g.CreateGradients()));
        Assert.Equal("outputGradients", e4.ParamName);
    }

    [Fact]
    public void SaveThenLoadGivesTheSameOutputs()
    {
        var shape = new ModelShape(0, 20, 4, 9, 2, 3, Head.Softmax, HeadOn.EveryStep);
        var (model, _) = Pair(shape, 11);
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            ILstmModel loaded = ModelCompiler.CreateModel(shape);
            loaded.Load(path);
            Assert.Equal(model.Parameters.ToArray(), loaded.Parameters.ToArray());
            Assert.Equal(Run(model, shape, 6, 3, null, HeadOutput.Activated), Run(loaded, shape, 6, 3, null, HeadOutput.Activated));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void NoAllocationPerCallAfterConstruction()
    {
        var shapes = new List<ModelShape>
        {
            new(1, 0, 0, 32, 1, 1, Head.Linear, HeadOn.LastStep),
            new(0, 27, 8, 14, 1, 3, Head.Softmax, HeadOn.LastStep),
            new(0, 65, 32, 256, 2, 65, Head.Softmax, HeadOn.EveryStep),
            new(3, 0, 0, 20, 2, 2, Head.Linear, HeadOn.LastStep, RecurrentCell.Gru),
            // Bidirectional: Predict only; its sequence buffers grow once (the warm-up call), then are reused.
            new(0, 27, 8, 14, 2, 3, Head.Softmax, HeadOn.EveryStep, RecurrentCell.Lstm, bidirectional: true),
            new(4, 0, 0, 10, 1, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Gru, bidirectional: true),
        };
        foreach (ModelShape shape in shapes)
        {
            var (model, _) = Pair(shape, 2);
            LstmState state = model.CreateState();
            var output = new float[shape.OutputLength(20)];
            var step = new float[shape.StepOutputSize];
            int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, 20, 1) : Array.Empty<int>();
            float[] inputs = shape.IsTokenModel ? Array.Empty<float>() : RandomModels.Inputs(shape, 20, 1);
            void Calls()
            {
                if (shape.IsTokenModel)
                {
                    var t = (ITokenSequenceModel)model;
                    t.Predict(tokens, output);
                    t.Predict(tokens, output, state, HeadOutput.Logits);
                    if (!shape.Bidirectional) t.Step(tokens[0], step, state);
                }
                else
                {
                    var f = (IFloatSequenceModel)model;
                    f.Predict(inputs, output);
                    f.Predict(inputs, output, state, HeadOutput.Logits);
                    if (!shape.Bidirectional) f.Step(inputs.AsSpan(0, shape.InputSize), step, state);
                }
            }
            long allocated = AllocationProbe.SteadyStateBytes(Calls, calls: 50);
            Assert.True(allocated == 0, $"{shape}: {allocated} bytes allocated in 50 rounds of calls");
        }
    }

    [Fact]
    public void ABidirectionalModelRefusesToStepAndKeepsItsStateSlots()
    {
        var shape = new ModelShape(2, 0, 0, 5, 2, 0, Head.None, HeadOn.EveryStep, RecurrentCell.Lstm, bidirectional: true);
        var (model, reference) = Pair(shape, 5);
        var floats = (IFloatSequenceModel)model;
        LstmState state = model.CreateState();
        Assert.Equal(4, state.SlotCount);
        var ex = Assert.Throws<NotSupportedException>(() => floats.Step(new float[2], new float[10], state));
        Assert.Contains("Use Predict", ex.Message);
        // The final state holds h_n per slot (layer·2 + direction; the reverse direction's is the one at
        // the first step), the same as the reference's.
        LstmState rs = reference.CreateState();
        var output = new float[shape.OutputLength(7)];
        var referenceOutput = new float[output.Length];
        float[] inputs = RandomModels.Inputs(shape, 7, 9);
        floats.Predict(inputs, output, state);
        ((IFloatSequenceModel)reference).Predict(inputs, referenceOutput, rs);
        AssertClose(referenceOutput, output, "bidirectional output");
        for (int slot = 0; slot < 4; slot++) AssertClose(rs.Hidden(slot), state.Hidden(slot), $"h_n[{slot}]");
    }
}
