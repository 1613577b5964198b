// The encoder–decoder composition: what it refuses, its gradient through both models against double-precision
// finite differences, determinism across thread counts, allocation-free decoding, and that it learns a small task.
using System;
using System.Collections.Generic;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using LstmGen.Tests.Numeric;
using LstmGen.Tests.Reference;
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using Xunit;

namespace LstmGen.Tests.Training;

public sealed class EncoderDecoderTests
{
    private const int Start = 5, End = 6, Vocabulary = 7;

    private static ReferenceLstm Encoder(int hidden = 6, int layers = 2, RecurrentCell cell = RecurrentCell.Lstm, bool bidirectional = false) =>
        RandomModels.Create(new ModelShape(0, Vocabulary, 3, hidden, layers, 0, Head.None, HeadOn.LastStep, cell, bidirectional), seed: 11);

    private static ReferenceLstm FloatEncoder(int hidden = 6, int layers = 2, RecurrentCell cell = RecurrentCell.Lstm) =>
        RandomModels.Create(new ModelShape(2, 0, 0, hidden, layers, 0, Head.None, HeadOn.LastStep, cell), seed: 12);

    private static ReferenceLstm Decoder(int hidden = 6, int layers = 2, RecurrentCell cell = RecurrentCell.Lstm, Head head = Head.Softmax, HeadOn on = HeadOn.EveryStep, bool bidirectional = false) =>
        RandomModels.Create(new ModelShape(0, Vocabulary, 3, hidden, layers, Vocabulary, head, on, cell, bidirectional), seed: 13);

    [Fact]
    public void ModelsThatDoNotFitAreRefusedNamingBothValues()
    {
        Assert.Contains("6 hidden units and the decoder 8", Assert.Throws<ArgumentException>(() => new EncoderDecoder(Encoder(), Decoder(hidden: 8), Start)).Message);
        Assert.Contains("2 state slot(s) (2 layer(s)) and the decoder 1", Assert.Throws<ArgumentException>(() => new EncoderDecoder(Encoder(), Decoder(layers: 1), Start)).Message);
        Assert.Contains("4 state slot(s) (2 layer(s) × 2 directions) and the decoder 2", Assert.Throws<ArgumentException>(() => new EncoderDecoder(Encoder(bidirectional: true), Decoder(), Start)).Message);
        Assert.Contains("Lstm and the decoder a Gru", Assert.Throws<ArgumentException>(() => new EncoderDecoder(Encoder(), Decoder(cell: RecurrentCell.Gru), Start)).Message);
        Assert.Contains("HeadOn = LastStep", Assert.Throws<ArgumentException>(() => new EncoderDecoder(Encoder(), Decoder(on: HeadOn.LastStep), Start)).Message);
        Assert.Contains("Head = Linear", Assert.Throws<ArgumentException>(() => new EncoderDecoder(Encoder(), Decoder(head: Head.Linear), Start)).Message);
        Assert.Contains("unidirectional", Assert.Throws<ArgumentException>(() => new EncoderDecoder(Encoder(layers: 4), Decoder(bidirectional: true), Start)).Message);
        Assert.Contains("must read token ids", Assert.Throws<ArgumentException>(() => new EncoderDecoder(Encoder(), FloatEncoder(), Start)).Message);
        Assert.Equal("startToken", Assert.Throws<ArgumentOutOfRangeException>(() => new EncoderDecoder(Encoder(), Decoder(), Vocabulary)).ParamName);
        Assert.Equal("endToken", Assert.Throws<ArgumentOutOfRangeException>(() => new EncoderDecoder(Encoder(), Decoder(), Start, Vocabulary)).ParamName);
        // A bidirectional encoder fits a decoder with as many state slots (layers × 2).
        _ = new EncoderDecoder(Encoder(layers: 1, bidirectional: true), Decoder(layers: 2), Start, End);
    }

    [Fact]
    public void BadPairsAreRefusedNamingTheProblem()
    {
        var model = new EncoderDecoder(Encoder(), Decoder(), Start, End);
        EncoderDecoderScratch scratch = model.CreateScratch(4, 3);
        GradientBuffer e = model.Encoder.CreateGradients(), d = model.Decoder.CreateGradients();
        Assert.Contains("Source token 1 is 9", Assert.Throws<ArgumentOutOfRangeException>(() => model.Accumulate(new[] { 1, 9 }, new[] { 1, End }, e, d, scratch)).Message);
        Assert.Contains("Target token 0 is 7", Assert.Throws<ArgumentOutOfRangeException>(() => model.Accumulate(new[] { 1, 2 }, new[] { 7, End }, e, d, scratch)).Message);
        Assert.Contains("at most 3", Assert.Throws<ArgumentException>(() => model.Accumulate(new[] { 1, 2 }, new[] { 1, 2, 3, End }, e, d, scratch)).Message);
        Assert.Contains("at most 4", Assert.Throws<ArgumentException>(() => model.Accumulate(new[] { 1, 2, 3, 4, 1 }, new[] { End }, e, d, scratch)).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => model.Accumulate(Array.Empty<int>(), new[] { End }, e, d, scratch)).Message);
        Assert.Contains("pass the source as token ids", Assert.Throws<ArgumentException>(() => model.Accumulate(new float[] { 1, 2 }, new[] { End }, e, d, scratch)).Message);
        Assert.Contains("another EncoderDecoder", Assert.Throws<ArgumentException>(() => model.Decode(new[] { 1 }, new int[3], new EncoderDecoder(Encoder(), Decoder(), Start).CreateScratch(4, 3))).Message);

        using var trainer = new EncoderDecoderTrainer(model, new TrainingOptions { Threads = 1 });
        var bad = SequencePairs.FromTokens(new[] { new[] { 1 }, new[] { 2 } }, new[] { new[] { 1, End }, new[] { 2, 9 } });
        var error = Assert.Throws<InvalidSampleException>(() => trainer.TrainEpoch(bad));
        Assert.Equal(1, error.SampleIndex);
        Assert.Contains("Target token 1 is 9", error.Message);
        Assert.Contains("Loss = MeanSquaredError", Assert.Throws<ArgumentException>(() => new EncoderDecoderTrainer(model, new TrainingOptions { LossKind = LossKind.MeanSquaredError })).Message);
    }

    public static TheoryData<string, RecurrentCell, int> GradientCases() => new()
    {
        { "token", RecurrentCell.Lstm, 2 },
        { "float", RecurrentCell.Lstm, 1 },
        { "token", RecurrentCell.Gru, 2 },
        { "generated", RecurrentCell.Lstm, 2 },
        { "generated", RecurrentCell.Gru, 1 },
    };

    /// <summary>
    /// The pair's loss (CE of the decoder started from the encoder's final state) differentiated through both
    /// models numerically with the double ScalarLstm, against what Accumulate adds to the two gradient buffers.
    /// </summary>
    [Theory]
    [MemberData(nameof(GradientCases))]
    public void AccumulateMatchesFiniteDifferencesThroughBothModels(string form, RecurrentCell cell, int layers)
    {
        ITrainableModel encoder = form == "float" ? FloatEncoder(layers: layers, cell: cell) : Encoder(layers: layers, cell: cell);
        ITrainableModel decoder = Decoder(layers: layers, cell: cell);
        if (form == "generated")
        {
            var generatedEncoder = (ITrainableModel)ModelCompiler.CreateModel(encoder.Shape);
            var generatedDecoder = (ITrainableModel)ModelCompiler.CreateModel(decoder.Shape);
            encoder.Parameters.CopyTo(generatedEncoder.Parameters);
            decoder.Parameters.CopyTo(generatedDecoder.Parameters);
            generatedEncoder.ParametersChanged();
            generatedDecoder.ParametersChanged();
            (encoder, decoder) = (generatedEncoder, generatedDecoder);
        }
        var model = new EncoderDecoder(encoder, decoder, Start, End);
        int[] tokens = { 1, 4, 0, 3 };
        float[] floats = { 0.5f, -1f, 0.25f, 1.5f, -0.75f, 0.1f };
        int[] target = { 2, 0, 3, End };
        const float weight = 0.5f;
        GradientBuffer eg = encoder.CreateGradients(), dg = decoder.CreateGradients();
        EncoderDecoderScratch scratch = model.CreateScratch(4, 4);
        double loss = form == "float"
            ? model.Accumulate(floats, target, eg, dg, scratch, weight)
            : model.Accumulate(tokens, target, eg, dg, scratch, weight);
        var analytic = new float[encoder.Shape.ParameterCount + decoder.Shape.ParameterCount];
        encoder.CopyGradients(eg, analytic.AsSpan(0, encoder.Shape.ParameterCount));
        decoder.CopyGradients(dg, analytic.AsSpan(encoder.Shape.ParameterCount));

        float[] pe = encoder.Parameters.ToArray(), pd = decoder.Parameters.ToArray();
        int[] decoderInputs = { Start, 2, 0, 3 };
        double Loss()
        {
            ScalarLstm se = ScalarLstm.For(encoder.Shape, pe), sd = ScalarLstm.For(decoder.Shape, pd);
            ScalarLstm.Result r = form == "float" ? se.RunFloat(floats, null, null, true) : se.RunTokens(tokens, null, null, true);
            double[] logits = sd.RunTokens(decoderInputs, r.H, r.C, logits: true).Output;
            double sum = 0;
            int classes = decoder.Shape.OutputSize;
            for (int t = 0; t < target.Length; t++)
            {
                double max = double.NegativeInfinity, z = 0;
                for (int k = 0; k < classes; k++) max = Math.Max(max, logits[t * classes + k]);
                for (int k = 0; k < classes; k++) z += Math.Exp(logits[t * classes + k] - max);
                sum += Math.Log(z) + max - logits[t * classes + target[t]];
            }
            return weight * sum / target.Length;
        }

        Assert.Equal(Loss(), loss, 1e-5);
        var numeric = new double[analytic.Length];
        for (int i = 0; i < pe.Length; i++) numeric[i] = GeneratedGradientTests.Central(pe, i, Loss);
        for (int i = 0; i < pd.Length; i++) numeric[pe.Length + i] = GeneratedGradientTests.Central(pd, i, Loss);
        // The encoder's part alone as well: it is reached only through the final state.
        GeneratedGradientTests.AssertClose(numeric[..pe.Length], Array.ConvertAll(analytic[..pe.Length], v => (double)v), 2e-4, $"{form} {cell}: encoder gradients");
        GeneratedGradientTests.AssertClose(numeric, Array.ConvertAll(analytic, v => (double)v), 2e-4, $"{form} {cell}: all gradients");
    }

    private static (List<int[]> Sources, List<int[]> Targets) Reversal(int count, int seed)
    {
        var random = new Random(seed);
        var sources = new List<int[]>();
        var targets = new List<int[]>();
        for (int i = 0; i < count; i++)
        {
            int[] s = new int[random.Next(1, 4)];
            for (int j = 0; j < s.Length; j++) s[j] = random.Next(0, 4);
            int[] t = new int[s.Length + 1];
            for (int j = 0; j < s.Length; j++) t[j] = s[s.Length - 1 - j];
            t[^1] = End;
            sources.Add(s);
            targets.Add(t);
        }
        return (sources, targets);
    }

    [Fact]
    public void OneAndTwoThreadsGiveBitwiseTheSameWeights()
    {
        (List<int[]> sources, List<int[]> targets) = Reversal(40, 1);
        var data = SequencePairs.FromTokens(sources, targets);
        float[] Train(int threads)
        {
            ReferenceLstm encoder = Encoder(), decoder = Decoder();
            using var trainer = new EncoderDecoderTrainer(new EncoderDecoder(encoder, decoder, Start, End),
                new TrainingOptions { Threads = threads, BatchSize = 16, Seed = 3, ClipGradientNorm = 0.5, Optimizer = new Adam(1e-2) });
            trainer.TrainEpoch(data);
            trainer.TrainEpoch(data);
            return [.. encoder.Parameters, .. decoder.Parameters];
        }
        float[] one = Train(1);
        Assert.Equal(one, Train(2));
        Assert.NotEqual(one, [.. Encoder().Parameters, .. Decoder().Parameters]);
    }

    [Fact]
    public void DecodingAllocatesNothingAfterWarmUp()
    {
        var shape = new ModelShape(0, Vocabulary, 3, 6, 2, 0, Head.None, HeadOn.LastStep);
        var encoder = (ITrainableModel)ModelCompiler.CreateModel(shape);
        var decoder = (ITrainableModel)ModelCompiler.CreateModel(Decoder().Shape);
        var model = new EncoderDecoder(encoder, decoder, Start, End);
        EncoderDecoderScratch scratch = model.CreateScratch(4, 4);
        int[] source = { 1, 2, 3 };
        var output = new int[6];
        GradientBuffer eg = encoder.CreateGradients(), dg = decoder.CreateGradients();
        int[] target = { 3, 2, 1, End };
        Assert.Equal(0, AllocationProbe.SteadyStateBytes(() => model.Decode(source, output, scratch)));
        Assert.Equal(0, AllocationProbe.SteadyStateBytes(() => model.Accumulate(source, target, eg, dg, scratch)));
    }

    [Fact]
    public void LearnsToReverseShortStrings()
    {
        var encoder = (ITrainableModel)ModelCompiler.CreateModel(new ModelShape(0, Vocabulary, 4, 24, 1, 0, Head.None, HeadOn.LastStep));
        var decoder = (ITrainableModel)ModelCompiler.CreateModel(new ModelShape(0, Vocabulary, 4, 24, 1, Vocabulary, Head.Softmax, HeadOn.EveryStep));
        ParameterInit.Initialize(encoder.Shape, encoder.Parameters, seed: 1);
        ParameterInit.Initialize(decoder.Shape, decoder.Parameters, seed: 2);
        encoder.ParametersChanged();
        decoder.ParametersChanged();
        var model = new EncoderDecoder(encoder, decoder, Start, End);
        (List<int[]> sources, List<int[]> targets) = Reversal(600, 5);
        var train = SequencePairs.FromTokens(sources, targets);
        (sources, targets) = Reversal(200, 6);
        var test = SequencePairs.FromTokens(sources, targets);
        using var trainer = new EncoderDecoderTrainer(model, new TrainingOptions { BatchSize = 16, Seed = 1, Optimizer = new Adam(1e-2), ClipGradientNorm = 1 });
        SequencePairEvaluation before = trainer.Evaluate(test);
        for (int epoch = 0; epoch < 25; epoch++) trainer.TrainEpoch(train);
        SequencePairEvaluation after = trainer.Evaluate(test);
        // 84 distinct strings of 1–3 symbols from 4: the held-out ones are mostly seen, this checks that it learns at all.
        Assert.True(before.ExactMatch < 0.2, $"before: {before}");
        Assert.True(after.ExactMatch > 0.9, $"after: {after}");
    }
}
