// Peephole LSTMs (Peephole = true) beyond the random forms of RandomModels.Variants: every generated code path
// (compact, layer-major, input table, bfloat16, Step streaming) against the float reference and the
// double-precision ScalarLstm, finite differences of the peephole tensor itself, and the things around it
// (no lane path, weight files, ModelShape).
using System;
using System.IO;
using System.Linq;
using LstmGen.IO;
using LstmGen.Onnx;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Tests.Reference;
using LstmGen.Training;
using Xunit;
using Xunit.Abstractions;
using LstmGen.CompilerServices;

namespace LstmGen.Tests.Numeric;

public sealed class PeepholeTests(ITestOutputHelper output)
{
    /// <summary>Max-normalised error bound of float32 code against a reference (as GeneratedModelTests).</summary>
    private const double Tolerance = 2e-5;

    /// <summary>Shapes that take the code paths the random forms do not reach.</summary>
    public static TheoryData<string> CodePaths() => new()
    {
        // Several register tiles and an input-projection table (small vocabulary).
        "Vocabulary = 50, Embedding = 10, Hidden = 128, Outputs = 1, Head = LstmGen.Head.Sigmoid, Peephole = true",
        // Compact (over 1,024 columns), layers 1 and up in a loop.
        "Inputs = 4, Hidden = 100, Layers = 3, Outputs = 5, HeadOn = LstmGen.HeadOn.EveryStep, Peephole = true",
        // Compact and bidirectional.
        "Inputs = 5, Hidden = 150, Layers = 2, Outputs = 3, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep, Bidirectional = true, Peephole = true",
        // Layer-major whole-sequence Predict (layer weights over 1 MB), token model: layer 0 from the input table.
        "Vocabulary = 20, Embedding = 8, Hidden = 160, Layers = 3, Outputs = 2, Head = LstmGen.Head.Sigmoid, Peephole = true",
        // Layer-major, float model, no head.
        "Inputs = 3, Hidden = 300, HeadOn = LstmGen.HeadOn.EveryStep, Peephole = true",
    };

    internal static ILstmModel Generated(ModelShape shape, ReferenceLstm weights)
    {
        ILstmModel model = ModelCompiler.CreateModel(shape);
        Assert.Equal(shape, model.Shape);
        weights.Parameters.CopyTo(model.Parameters);
        model.ParametersChanged();
        return model;
    }

    internal static float[] Predict(ILstmModel model, float[] inputs, int[] tokens, LstmState state, HeadOutput kind = HeadOutput.Activated)
    {
        var result = new float[model.Shape.OutputLength(model.Shape.IsTokenModel ? tokens.Length : inputs.Length / model.Shape.InputSize)];
        if (model.Shape.IsTokenModel) ((ITokenSequenceModel)model).Predict(tokens, result, state, kind);
        else ((IFloatSequenceModel)model).Predict(inputs, result, state, kind);
        return result;
    }

    /// <summary>Max |expected − actual| / max(1e-3, max |expected|).</summary>
    internal static double Error(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 1e-3, worst = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i]));
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        return worst / max;
    }

    private static double[] ToDoubles(ReadOnlySpan<float> values) => values.ToArray().Select(v => (double)v).ToArray();

    /// <summary>
    /// The generated model and the reference against the double-precision ScalarLstm over 37 steps (three
    /// layer-major chunks) from a random h0/c0: outputs (logits) and every final h and c; and the generated
    /// against the reference directly.
    /// </summary>
    [Theory]
    [MemberData(nameof(CodePaths))]
    public void EveryCodePathMatchesTheReferenceAndDoublePrecision(string arguments)
    {
        ModelShape shape = ModelCompiler.CreateModel(arguments).Shape;
        Assert.True(shape.Peephole);
        const int steps = 37;
        ReferenceLstm reference = RandomModels.Create(shape, seed: arguments.Length);
        ILstmModel generated = Generated(shape, reference);
        float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed: 5);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed: 5) : [];
        var (rs, h0, c0) = RandomModels.State(reference, seed: 6);
        LstmState gs = generated.CreateState();
        for (int k = 0; k < shape.StateSlotCount; k++)
        {
            rs.Hidden(k).CopyTo(gs.Hidden(k));
            rs.Cell(k).CopyTo(gs.Cell(k));
        }

        float[] referenceOutput = Predict(reference, inputs, tokens, rs, HeadOutput.Logits);
        float[] generatedOutput = Predict(generated, inputs, tokens, gs, HeadOutput.Logits);
        ScalarLstm scalar = ScalarLstm.For(shape, reference.Parameters);
        ScalarLstm.Result exact = shape.IsTokenModel ? scalar.RunTokens(tokens, h0, c0, logits: true) : scalar.RunFloat(inputs, h0, c0, logits: true);

        double generatedError = Error(exact.Output, generatedOutput), referenceError = Error(exact.Output, referenceOutput);
        double generatedState = 0, referenceState = 0;
        for (int k = 0; k < shape.StateSlotCount; k++)
        {
            generatedState = Math.Max(generatedState, Math.Max(Error(exact.H[k], gs.Hidden(k)), Error(exact.C[k], gs.Cell(k))));
            referenceState = Math.Max(referenceState, Math.Max(Error(exact.H[k], rs.Hidden(k)), Error(exact.C[k], rs.Cell(k))));
        }
        double versus = Error(ToDoubles(referenceOutput), generatedOutput);
        output.WriteLine($"{shape}: vs ScalarLstm (double): generated output {generatedError:E2}, h_n/c_n {generatedState:E2}; reference output {referenceError:E2}, h_n/c_n {referenceState:E2}; generated vs reference {versus:E2}");
        Assert.True(generatedError <= Tolerance && generatedState <= Tolerance, $"generated vs double: output {generatedError:E2}, state {generatedState:E2}");
        Assert.True(referenceError <= Tolerance && referenceState <= Tolerance, $"reference vs double: output {referenceError:E2}, state {referenceState:E2}");
        Assert.True(versus <= Tolerance, $"generated vs reference: {versus:E2}");
    }

    /// <summary>The peepholes take part: zeroing them gives exactly the plain LSTM of the other weights (generated), and changes the outputs.</summary>
    [Fact]
    public void ZeroPeepholesAreThePlainLstmAndNonZeroOnesMatter()
    {
        var peephole = new ModelShape(3, 0, 0, 20, 2, 4, Head.Linear, HeadOn.EveryStep, peephole: true);
        var plain = new ModelShape(3, 0, 0, 20, 2, 4, Head.Linear, HeadOn.EveryStep);
        ReferenceLstm weights = RandomModels.Create(peephole, seed: 8);
        ILstmModel withPeepholes = Generated(peephole, weights);
        float[] inputs = RandomModels.Inputs(peephole, 12, seed: 9);
        float[] before = Predict(withPeepholes, inputs, [], withPeepholes.CreateState());

        // The plain model gets every tensor but the peepholes, by name.
        ILstmModel withoutPeepholes = ModelCompiler.CreateModel(plain);
        foreach (ParameterTensor t in plain.Tensors)
            withPeepholes.Parameters.Slice(peephole.GetTensor(t.Name).Offset, t.Length).CopyTo(withoutPeepholes.Parameters.Slice(t.Offset, t.Length));
        withoutPeepholes.ParametersChanged();
        float[] expected = Predict(withoutPeepholes, inputs, [], withoutPeepholes.CreateState());
        double difference = before.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(difference > 1e-3, $"peepholes of ±1/√H changed the outputs by only {difference:E2}");

        for (int k = 0; k < peephole.LayerCount; k++)
        {
            ParameterTensor p = peephole.GetLayerTensor(LayerParameter.WeightCh, k);
            Assert.Equal($"lstm.weight_ch_l{k}", p.Name);
            withPeepholes.Parameters.Slice(p.Offset, p.Length).Clear();
        }
        withPeepholes.ParametersChanged();
        Assert.Equal(expected, Predict(withPeepholes, inputs, [], withPeepholes.CreateState()));
    }

    /// <summary>Step by step (streaming) gives what one Predict over the sequence gives, for float and token models and every step's output.</summary>
    [Theory]
    [InlineData("Inputs = 3, Hidden = 21, Layers = 2, Outputs = 3, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep, Peephole = true")]
    [InlineData("Vocabulary = 13, Embedding = 5, Hidden = 40, Layers = 3, HeadOn = LstmGen.HeadOn.EveryStep, Peephole = true")]
    [InlineData("Inputs = 7, Hidden = 200, Layers = 2, HeadOn = LstmGen.HeadOn.EveryStep, Peephole = true")]
    public void StepStreamingEqualsPredict(string arguments)
    {
        ModelShape shape = ModelCompiler.CreateModel(arguments).Shape;
        const int steps = 21;
        ReferenceLstm reference = RandomModels.Create(shape, seed: 12);
        ILstmModel model = Generated(shape, reference);
        float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed: 13);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed: 13) : [];
        float[] whole = Predict(model, inputs, tokens, model.CreateState());

        LstmState state = model.CreateState();
        int size = shape.StepOutputSize;
        var streamed = new float[steps * size];
        for (int t = 0; t < steps; t++)
        {
            Span<float> step = streamed.AsSpan(t * size, size);
            if (shape.IsTokenModel) ((ITokenSequenceModel)model).Step(tokens[t], step, state);
            else ((IFloatSequenceModel)model).Step(inputs.AsSpan(t * shape.InputSize, shape.InputSize), step, state);
        }
        // The same kernels step by step (bitwise equal); a layer-major Predict (the last shape) orders the same sums differently.
        double error = Error(ToDoubles(whole), streamed);
        output.WriteLine($"{shape}: Step vs Predict {error:E2}");
        Assert.True(error <= Tolerance, $"Step vs Predict: {error:E2}");
        Assert.True(Error(ToDoubles(Predict(reference, inputs, tokens, reference.CreateState())), streamed) <= Tolerance);
    }

    /// <summary>
    /// InferenceWeights = BFloat16 rounds the weight matrices only (the peephole row stays float32): on weights that are
    /// bfloat16 values already it equals the float32 reference, step by step and layer-major.
    /// </summary>
    [Theory]
    [InlineData("Inputs = 3, Hidden = 20, Layers = 2, Outputs = 2, InferenceWeights = LstmGen.WeightPrecision.BFloat16, Peephole = true")]
    [InlineData("Inputs = 7, Hidden = 200, Layers = 2, InferenceWeights = LstmGen.WeightPrecision.BFloat16, Peephole = true")]
    public void BFloat16InferenceComputesThePeepholeModelOfItsRoundedWeights(string arguments)
    {
        ModelShape shape = ModelCompiler.CreateModel(arguments).Shape;
        ReferenceLstm reference = RandomModels.Create(shape, seed: 21);
        for (int k = 0; k < shape.LayerCount; k++)
        {
            foreach (LayerParameter matrix in new[] { LayerParameter.WeightIh, LayerParameter.WeightHh })
            {
                Span<float> values = reference.Parameters.Slice(shape.GetLayerTensor(matrix, k).Offset, shape.GetLayerTensor(matrix, k).Length);
                for (int i = 0; i < values.Length; i++) values[i] = LstmGen.CompilerServices.BFloat16.ToSingle(LstmGen.CompilerServices.BFloat16.FromSingle(values[i]));
            }
        }
        ILstmModel generated = Generated(shape, reference);
        float[] inputs = RandomModels.Inputs(shape, 33, seed: 22);
        double error = Error(ToDoubles(Predict(reference, inputs, [], reference.CreateState(), HeadOutput.Logits)), Predict(generated, inputs, [], generated.CreateState(), HeadOutput.Logits));
        output.WriteLine($"{shape}: bfloat16 model vs reference on bfloat16-valued weights {error:E2}");
        Assert.True(error <= Tolerance, $"{error:E2}");
    }

    /// <summary>
    /// Gradients of the generated and the reference model, of every entry of every peephole tensor (and a sample of the
    /// others), against central differences of the double-precision ScalarLstm, for compact and bidirectional models.
    /// </summary>
    [Theory]
    [InlineData("Inputs = 4, Hidden = 100, Layers = 3, Outputs = 5, HeadOn = LstmGen.HeadOn.EveryStep, Peephole = true")]
    [InlineData("Inputs = 5, Hidden = 150, Layers = 2, Outputs = 3, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep, Bidirectional = true, Peephole = true")]
    [InlineData("Vocabulary = 30, Embedding = 8, Hidden = 40, Layers = 2, Outputs = 3, Head = LstmGen.Head.Softmax, Bidirectional = true, Peephole = true")]
    [InlineData("Vocabulary = 30, Embedding = 8, Hidden = 37, Layers = 2, Outputs = 30, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep, Peephole = true")]
    public void PeepholeGradientsMatchFiniteDifferences(string arguments)
    {
        ModelShape shape = ModelCompiler.CreateModel(arguments).Shape;
        const int steps = 5;
        ReferenceLstm reference = RandomModels.Create(shape, seed: arguments.Length);
        var generated = (ITrainableModel)Generated(shape, reference);
        float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed: 31);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed: 31) : [];
        var (_, h0, c0) = RandomModels.State(reference, seed: 32);
        var random = new Random(33);
        var weights = new float[shape.OutputLength(steps)];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() * 2 - 1);

        float[] Gradients(ITrainableModel model)
        {
            LstmState state = model.CreateState();
            for (int k = 0; k < shape.StateSlotCount; k++)
                for (int j = 0; j < shape.HiddenSize; j++) { state.Hidden(k)[j] = (float)h0[k][j]; state.Cell(k)[j] = (float)c0[k][j]; }
            TrainingTape tape = model.CreateTape(steps);
            var outputs = new float[weights.Length];
            if (shape.IsTokenModel) ((ITokenTrainableModel)model).Forward(tokens, outputs, state, tape);
            else ((IFloatTrainableModel)model).Forward(inputs, outputs, state, tape);
            GradientBuffer buffer = model.CreateGradients();
            model.Backward(tape, weights, buffer);
            var result = new float[shape.ParameterCount];
            model.CopyGradients(buffer, result);
            return result;
        }
        float[] generatedGradients = Gradients(generated), referenceGradients = Gradients(reference);

        float[] parameters = reference.Parameters.ToArray();
        double Loss()
        {
            ScalarLstm scalar = ScalarLstm.For(shape, parameters);
            double[] o = shape.IsTokenModel ? scalar.RunTokens(tokens, h0, c0, logits: true).Output : scalar.RunFloat(inputs, h0, c0, logits: true).Output;
            double sum = 0;
            for (int i = 0; i < o.Length; i++) sum += weights[i] * o[i];
            return sum;
        }

        // Every peephole entry; 60 seeded entries of the rest.
        var peepholeIndices = shape.Tensors.Where(t => t.Name.Contains("weight_ch", StringComparison.Ordinal)).SelectMany(t => Enumerable.Range(t.Offset, t.Length)).ToList();
        Assert.Equal(shape.StateSlotCount * 3 * shape.HiddenSize, peepholeIndices.Count);
        var others = Enumerable.Range(0, parameters.Length).Except(peepholeIndices).OrderBy(_ => random.Next()).Take(60).ToList();
        foreach (var (what, indices) in new[] { ("peephole weights", peepholeIndices), ("other parameters", others) })
        {
            double[] numeric = indices.Select(i => GeneratedGradientTests.Central(parameters, i, Loss)).ToArray();
            double generatedError = Error(numeric, indices.Select(i => generatedGradients[i]).ToArray());
            double referenceError = Error(numeric, indices.Select(i => referenceGradients[i]).ToArray());
            output.WriteLine($"{shape}: {what} ({indices.Count}): generated {generatedError:E2}, reference {referenceError:E2} vs finite differences");
            Assert.True(generatedError <= 2e-4, $"generated {what}: {generatedError:E2}");
            Assert.True(referenceError <= 2e-4, $"reference {what}: {referenceError:E2}");
        }
    }

    /// <summary>
    /// A timing task: one pulse at a random step in 0…5, and the model must fire exactly 5 and 10 steps later (two
    /// classes per step; "never fire" scores 22/24 ≈ 0.917). A peephole model has no lane path, so the Trainer trains it
    /// sample by sample.
    /// </summary>
    [Fact]
    public void APeepholeModelLearnsToFireAtFixedDelaysWithTheTrainer()
    {
        const int steps = 24;
        static (System.Collections.Generic.List<float[]> X, System.Collections.Generic.List<int[]> Y) Pulses(int count, int seed)
        {
            var random = new Random(seed);
            var xs = new System.Collections.Generic.List<float[]>();
            var ys = new System.Collections.Generic.List<int[]>();
            for (int n = 0; n < count; n++)
            {
                int at = random.Next(6);
                var x = new float[steps];
                var y = new int[steps];
                x[at] = 1;
                y[at + 5] = 1;
                y[at + 10] = 1;
                xs.Add(x);
                ys.Add(y);
            }
            return (xs, ys);
        }
        var shape = new ModelShape(1, 0, 0, 8, 1, 2, Head.Softmax, HeadOn.EveryStep, peephole: true);
        ITrainableModel model = LstmGen.Tests.Training.Learning.LearningModels.Create(shape, seed: 3, output);
        Assert.IsNotAssignableFrom<ILaneTrainableModel>(model);
        var (trainX, trainY) = Pulses(400, seed: 1);
        var (testX, testY) = Pulses(200, seed: 2);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var trainer = new LstmGen.Training.Trainer(model, new TrainingOptions
        {
            Epochs = 40, BatchSize = 16, Seed = 4, Threads = 2, Optimizer = new LstmGen.Training.Optimizers.Adam(0.02), ClipGradientNorm = 1,
        });
        trainer.Fit(SequenceDataset.FromFloats(trainX, 1, trainY));
        EvaluationResult result = trainer.Evaluate(SequenceDataset.FromFloats(testX, 1, testY));
        output.WriteLine($"{shape}: held-out {result} after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(result.Accuracy >= 0.99, $"held-out accuracy {result.Accuracy:F3}, expected ≥ 0.99 (never firing gives 0.917)");
    }

    [Fact]
    public void WeightFilesUseTheWeightChNamesAndRefuseTheOtherKind()
    {
        var peephole = new ModelShape(0, 9, 3, 5, 2, 2, Head.Linear, HeadOn.LastStep, peephole: true);
        var plain = new ModelShape(0, 9, 3, 5, 2, 2, Head.Linear, HeadOn.LastStep);
        Assert.Equal(
            new[] { "embed.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "lstm.weight_ch_l0",
             "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1", "lstm.weight_ch_l1", "head.weight", "head.bias" },
            peephole.Tensors.Select(t => t.Name));
        Assert.Equal(plain.ParameterCount + 2 * 15, peephole.ParameterCount);
        Assert.Equal(new[] { 15 }, peephole.GetLayerTensor(LayerParameter.WeightCh, 1).Shape.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => plain.LayerTensorName(LayerParameter.WeightCh, 0));
        Assert.NotEqual(plain, peephole);
        Assert.Contains("Peephole", peephole.ToString());
        Assert.Throws<ArgumentException>(() => new ModelShape(3, 0, 0, 5, 1, 0, Head.None, HeadOn.LastStep, RecurrentCell.Gru, peephole: true));
        var bidirectional = new ModelShape(3, 0, 0, 5, 1, 0, Head.None, HeadOn.LastStep, RecurrentCell.Lstm, bidirectional: true, peephole: true);
        Assert.Equal("lstm.weight_ch_l0_reverse", bidirectional.Tensors[9].Name);

        string folder = Path.Combine(Path.GetTempPath(), $"lstmgen-peephole-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            ReferenceLstm model = RandomModels.Create(peephole, seed: 1);
            string peepholeFile = Path.Combine(folder, "peephole.safetensors"), plainFile = Path.Combine(folder, "plain.safetensors");
            model.Save(peepholeFile);
            var loaded = new ReferenceLstm(peephole);
            loaded.Load(peepholeFile);
            Assert.Equal(model.Parameters.ToArray(), loaded.Parameters.ToArray());
            using (var file = SafetensorsFile.Open(peepholeFile))
                Assert.Contains("\"peephole\":true", file.Metadata["shape"]);

            var e1 = Assert.Throws<WeightFileException>(() => new ReferenceLstm(plain).Load(peepholeFile));
            Assert.Contains("lstm.weight_ch_l0: this file holds a peephole LSTM", e1.Message);

            RandomModels.Create(plain, seed: 2).Save(plainFile);
            var e2 = Assert.Throws<WeightFileException>(() => new ReferenceLstm(peephole).Load(plainFile));
            Assert.Contains("lstm.weight_ch_l0: expected a tensor of shape [15], found none (the model has peepholes", e2.Message);

            var e3 = Assert.Throws<WeightFileException>(() => OnnxWeights.Load(Path.Combine(RepoPaths.Root, "tests", "Fixtures", "onnx", "lstm1_i3_h7.onnx"),
                new ReferenceLstm(new ModelShape(3, 0, 0, 7, 1, 0, Head.None, HeadOn.EveryStep, peephole: true))));
            Assert.Contains("expected peephole weights (input P [1, 21]; the model has peepholes, Peephole = true), found none", e3.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
