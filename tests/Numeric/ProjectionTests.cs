// LSTMs with a projection (ProjectionSize, PyTorch proj_size) beyond PyTorch's golden cases (tests/golden-projection)
// and the random forms of RandomModels.Variants (proj-…, peepholeproj-…): the code paths those do not reach
// (compact code, the input table, bfloat16 weights, dropout), streaming, the state's widths, the Trainer, and the shape
// and weight-file rules.
using System;
using System.IO;
using System.Linq;
using LstmGen.IO;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Tests.Reference;
using LstmGen.Training;
using Xunit;
using Xunit.Abstractions;
using LstmGen.CompilerServices;

namespace LstmGen.Tests.Numeric;

public sealed class ProjectionTests(ITestOutputHelper output)
{
    /// <summary>Max-normalised error allowed against the double-precision ScalarLstm and between generated and reference.</summary>
    private const double Tolerance = 2e-5;

    public static TheoryData<string> CodePaths() => new()
    {
        // Unrolled, float input, linear head on the last step.
        "Inputs = 3, Hidden = 21, Layers = 2, Projection = 5, Outputs = 2",
        // Compact code (over the unrolling budget), every step, no head.
        "Inputs = 4, Hidden = 200, Layers = 2, Projection = 40, HeadOn = LstmGen.HeadOn.EveryStep",
        // A token model with the input-projection table, softmax at every step.
        "Vocabulary = 11, Embedding = 6, Hidden = 24, Projection = 7, Outputs = 11, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep",
        // Peepholes and a projection, three layers.
        "Inputs = 2, Hidden = 33, Layers = 3, Projection = 17, Peephole = true, Outputs = 1, Head = LstmGen.Head.Sigmoid",
        // Bidirectional, compact, reading each direction's final state.
        "Vocabulary = 9, Embedding = 5, Hidden = 150, Layers = 2, Projection = 24, Bidirectional = true, Outputs = 2, HeadOn = LstmGen.HeadOn.FinalState",
    };

    // Shared with the peephole tests: a generated model with the reference's weights, Predict into a new array, the max-normalised error.
    private static ILstmModel Generated(ModelShape shape, ReferenceLstm weights) => PeepholeTests.Generated(shape, weights);

    private static float[] Predict(ILstmModel model, float[] inputs, int[] tokens, LstmState state) => PeepholeTests.Predict(model, inputs, tokens, state, HeadOutput.Logits);

    private static double Error(double[] expected, ReadOnlySpan<float> actual) => PeepholeTests.Error(expected, actual);

    /// <summary>
    /// Generated and reference against the double-precision ScalarLstm from a random h0 (ProjectionSize wide) and c0
    /// (Hidden wide): the outputs, every final h and c; and Step by step equals the whole-sequence Predict bitwise.
    /// </summary>
    [Theory]
    [MemberData(nameof(CodePaths))]
    public void EveryCodePathMatchesDoublePrecisionAndStreams(string arguments)
    {
        ModelShape shape = ModelCompiler.CreateModel(arguments).Shape;
        Assert.True(shape.HasProjection);
        const int steps = 19;
        ReferenceLstm reference = RandomModels.Create(shape, seed: arguments.Length);
        ILstmModel generated = Generated(shape, reference);
        float[] inputs = shape.IsTokenModel ? [] : RandomModels.Inputs(shape, steps, seed: 5);
        int[] tokens = shape.IsTokenModel ? RandomModels.Tokens(shape, steps, seed: 5) : [];
        var (rs, h0, c0) = RandomModels.State(reference, seed: 6);
        LstmState gs = generated.CreateState();
        Assert.Equal(shape.ProjectionSize, gs.ProjectionSize);
        Assert.Equal(shape.ProjectionSize, gs.Hidden(0).Length);
        Assert.Equal(shape.HiddenSize, gs.Cell(0).Length);
        for (int k = 0; k < shape.StateSlotCount; k++)
        {
            rs.Hidden(k).CopyTo(gs.Hidden(k));
            rs.Cell(k).CopyTo(gs.Cell(k));
        }
        LstmState streamState = gs.Clone();

        float[] referenceOutput = Predict(reference, inputs, tokens, rs);
        float[] generatedOutput = Predict(generated, inputs, tokens, gs);
        ScalarLstm scalar = ScalarLstm.For(shape, reference.Parameters);
        ScalarLstm.Result exact = shape.IsTokenModel ? scalar.RunTokens(tokens, h0, c0, logits: true) : scalar.RunFloat(inputs, h0, c0, logits: true);
        double generatedError = Error(exact.Output, generatedOutput), referenceError = Error(exact.Output, referenceOutput), state = 0;
        for (int k = 0; k < shape.StateSlotCount; k++)
            state = Math.Max(state, Math.Max(Math.Max(Error(exact.H[k], gs.Hidden(k)), Error(exact.C[k], gs.Cell(k))), Math.Max(Error(exact.H[k], rs.Hidden(k)), Error(exact.C[k], rs.Cell(k)))));
        output.WriteLine($"{shape}: vs double: generated {generatedError:E2}, reference {referenceError:E2}, final states {state:E2}");
        Assert.True(generatedError <= Tolerance && referenceError <= Tolerance && state <= Tolerance, $"generated {generatedError:E2}, reference {referenceError:E2}, states {state:E2}");

        if (shape.Bidirectional) return; // a bidirectional model cannot stream
        int size = shape.StepOutputSize;
        var streamed = new float[generatedOutput.Length];
        for (int t = 0; t < steps; t++)
        {
            Span<float> step = shape.HeadOn == HeadOn.EveryStep ? streamed.AsSpan(t * size, size) : t == steps - 1 ? streamed : Span<float>.Empty;
            if (shape.IsTokenModel) ((ITokenSequenceModel)generated).Step(tokens[t], step, streamState, HeadOutput.Logits);
            else ((IFloatSequenceModel)generated).Step(inputs.AsSpan(t * shape.InputSize, shape.InputSize), step, streamState, HeadOutput.Logits);
        }
        Assert.Equal(generatedOutput, streamed);
        for (int k = 0; k < shape.StateSlotCount; k++) Assert.Equal(gs.Hidden(k).ToArray(), streamState.Hidden(k).ToArray());
    }

    /// <summary>The projection's gradients and the rest, with dropout and bfloat16 inference weights, against finite differences of the double-precision model.</summary>
    [Theory]
    [InlineData("Inputs = 3, Hidden = 21, Layers = 2, Projection = 5, Outputs = 2, Dropout = 0.3, InputDropout = 0.2")]
    [InlineData("Vocabulary = 9, Embedding = 4, Hidden = 18, Projection = 3, Outputs = 4, Head = LstmGen.Head.Softmax, HeadOn = LstmGen.HeadOn.EveryStep, InferenceWeights = LstmGen.WeightPrecision.BFloat16")]
    [InlineData("Inputs = 2, Hidden = 33, Layers = 2, Projection = 17, Peephole = true, Outputs = 1")]
    [InlineData("Inputs = 3, Hidden = 19, Layers = 2, Projection = 6, Bidirectional = true, Dropout = 0.25, HeadOn = LstmGen.HeadOn.EveryStep")]
    public void GradientsMatchFiniteDifferences(string arguments) =>
        GeneratedGradientTests.Check(ModelCompiler.CreateModel(arguments).Shape, seed: arguments.Length, steps: 6, maxChecked: 300);

    /// <summary>
    /// Repeating each of three symbols 4 steps later, through a 6-wide projection of 24 cells (the first 4 steps, with
    /// nothing to repeat yet, are masked out): the Trainer (sample by sample, no lane path for a projected model) must get
    /// nearly every held-out step right (chance is 1/3).
    /// </summary>
    [Fact]
    public void AProjectedModelLearnsADelayedCopyWithTheTrainer()
    {
        const int steps = 16, delay = 4;
        var mask = new float[steps];
        for (int t = delay; t < steps; t++) mask[t] = 1;
        SequenceDataset Copies(int count, int seed)
        {
            var random = new Random(seed);
            var xs = new System.Collections.Generic.List<int[]>();
            var ys = new System.Collections.Generic.List<int[]>();
            for (int n = 0; n < count; n++)
            {
                var x = new int[steps];
                var y = new int[steps];
                for (int t = 0; t < steps; t++) x[t] = random.Next(3);
                for (int t = delay; t < steps; t++) y[t] = x[t - delay];
                xs.Add(x);
                ys.Add(y);
            }
            return SequenceDataset.FromTokens(xs, ys, stepMasks: Enumerable.Repeat(mask, count).ToList());
        }
        var shape = new ModelShape(0, 3, 3, 24, 1, 3, Head.Softmax, HeadOn.EveryStep, projectionSize: 6);
        ITrainableModel model = LstmGen.Tests.Training.Learning.LearningModels.Create(shape, seed: 3, output);
        Assert.IsNotAssignableFrom<ILaneTrainableModel>(model);
        var trainer = new Trainer(model, new TrainingOptions
        {
            Epochs = 30, BatchSize = 16, Seed = 4, Threads = 2, Optimizer = new LstmGen.Training.Optimizers.Adam(0.01), ClipGradientNorm = 1,
        });
        trainer.Fit(Copies(600, seed: 1));
        EvaluationResult result = trainer.Evaluate(Copies(200, seed: 2));
        output.WriteLine($"{shape}: held-out {result}");
        Assert.True(result.Accuracy >= 0.95, $"held-out accuracy {result.Accuracy:F3}, expected ≥ 0.95");
    }

    [Fact]
    public void TheShapeFollowsPyTorchsTensorsAndRefusesWhatItCannotBe()
    {
        var projected = new ModelShape(0, 9, 3, 5, 2, 2, Head.Linear, HeadOn.LastStep, peephole: true, projectionSize: 2);
        Assert.Equal(
            new[] { "embed.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "lstm.weight_hr_l0", "lstm.weight_ch_l0",
             "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1", "lstm.weight_hr_l1", "lstm.weight_ch_l1", "head.weight", "head.bias" },
            projected.Tensors.Select(t => t.Name));
        Assert.Equal(new[] { 20, 2 }, projected.GetLayerTensor(LayerParameter.WeightHh, 0).Shape.ToArray());
        Assert.Equal(new[] { 20, 2 }, projected.GetLayerTensor(LayerParameter.WeightIh, 1).Shape.ToArray());
        Assert.Equal(new[] { 2, 5 }, projected.GetLayerTensor(LayerParameter.WeightHr, 1).Shape.ToArray());
        Assert.Equal(new[] { 2, 2 }, projected.GetTensor(ModelShape.HeadWeightName).Shape.ToArray());
        Assert.Equal(2, projected.HiddenStateSize);
        Assert.Contains("Projection=2", projected.ToString());
        Assert.NotEqual(new ModelShape(0, 9, 3, 5, 2, 2, Head.Linear, HeadOn.LastStep, peephole: true), projected);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelShape(0, 9, 3, 5, 2, 2, Head.Linear, HeadOn.LastStep).LayerTensorName(LayerParameter.WeightHr, 0));
        Assert.Contains("smaller than the hidden size (5)", Assert.Throws<ArgumentOutOfRangeException>(() => new ModelShape(3, 0, 0, 5, 1, 0, Head.None, HeadOn.LastStep, projectionSize: 5)).Message);
        Assert.Throws<ArgumentException>(() => new ModelShape(3, 0, 0, 5, 1, 0, Head.None, HeadOn.LastStep, RecurrentCell.Gru, projectionSize: 2));
        var bidirectional = new ModelShape(3, 0, 0, 5, 2, 1, Head.Linear, HeadOn.LastStep, bidirectional: true, projectionSize: 2);
        Assert.Equal("lstm.weight_hr_l1_reverse", bidirectional.Tensors[19].Name);
        Assert.Equal(new[] { 20, 4 }, bidirectional.GetLayerTensor(LayerParameter.WeightIh, 1, 1).Shape.ToArray());
        Assert.Equal(new[] { 1, 4 }, bidirectional.GetTensor(ModelShape.HeadWeightName).Shape.ToArray());

        // A state of another projection is refused, naming both.
        ILstmModel model = ModelCompiler.CreateModel(new ModelShape(3, 0, 0, 5, 1, 0, Head.None, HeadOn.LastStep, projectionSize: 2));
        var plainState = new LstmState(1, 5, 1000);
        var e = Assert.Throws<ArgumentException>(() => ((IFloatSequenceModel)model).Step(new float[3], new float[2], plainState));
        Assert.Contains("needs 1 slot(s) of 5 units with h projected to 2", e.Message);
    }

    [Fact]
    public void WeightFilesUseTheWeightHrNamesAndRefuseTheOtherKind()
    {
        var projected = new ModelShape(0, 9, 3, 5, 2, 2, Head.Linear, HeadOn.LastStep, projectionSize: 3);
        var plain = new ModelShape(0, 9, 3, 5, 2, 2, Head.Linear, HeadOn.LastStep);
        string folder = Path.Combine(Path.GetTempPath(), $"lstmgen-projection-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            ReferenceLstm model = RandomModels.Create(projected, seed: 1);
            string projectedFile = Path.Combine(folder, "projected.safetensors"), plainFile = Path.Combine(folder, "plain.safetensors");
            model.Save(projectedFile);
            ILstmModel generated = ModelCompiler.CreateModel(projected);
            generated.Load(projectedFile);
            Assert.Equal(model.Parameters.ToArray(), generated.Parameters.ToArray());
            using (var file = SafetensorsFile.Open(projectedFile))
                Assert.Contains("\"projection\":3", file.Metadata["shape"]);

            var e1 = Assert.Throws<WeightFileException>(() => new ReferenceLstm(plain).Load(projectedFile));
            Assert.Contains("lstm.weight_hr_l0: this file holds an LSTM with projections", e1.Message);
            RandomModels.Create(plain, seed: 2).Save(plainFile);
            var e2 = Assert.Throws<WeightFileException>(() => new ReferenceLstm(projected).Load(plainFile));
            Assert.Contains("lstm.weight_hr_l0: expected a tensor of shape [3, 5], found none", e2.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
