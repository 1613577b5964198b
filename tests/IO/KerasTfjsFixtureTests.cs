// Keras-layer models computed by Keras code: TensorFlow.js's port of the Keras layers API (tools/export_tfjs_keras_fixtures.mjs;
// Keras itself cannot be installed here). Each fixture holds the weights under their Keras names and, apart, the inputs and
// tfjs' predictions; loaded with KerasWeights into the reference and into a generated model of the matching shape, both
// must predict what tfjs predicted.
using System;
using System.IO;
using LstmGen.IO;
using LstmGen.Keras;
using LstmGen.Reference;
using LstmGen.Tests.Generator;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.IO;

public sealed class KerasTfjsFixtureTests(ITestOutputHelper output)
{
    private static string Fixture(string name) => Path.Combine(RepoPaths.Root, "tests", "Fixtures", "keras", name + ".safetensors");

    /// <summary>Each case and the LstmGen shape of the Keras model the script built.</summary>
    public static TheoryData<string> Cases() => new()
    {
        "tfjs_emb7x3_lstm5_dense2",
        "tfjs_i3_lstm6x2_seq_dense4_softmax",
        "tfjs_i2_bilstm4_dense1_sigmoid",
        "tfjs_i3_bilstm3x2_seq",
    };

    private static ModelShape ShapeOf(string name) => name switch
    {
        // Embedding(7, 3) → LSTM(5) → Dense(2) on the last step.
        "tfjs_emb7x3_lstm5_dense2" => new ModelShape(0, 7, 3, 5, 1, 2, Head.Linear, HeadOn.LastStep),
        // LSTM(6, return_sequences) → LSTM(6, return_sequences) → Dense(4, softmax) at every step.
        "tfjs_i3_lstm6x2_seq_dense4_softmax" => new ModelShape(3, 0, 0, 6, 2, 4, Head.Softmax, HeadOn.EveryStep),
        // Bidirectional(LSTM(4)) → Dense(1, sigmoid): the Dense reads each direction's final state.
        "tfjs_i2_bilstm4_dense1_sigmoid" => new ModelShape(2, 0, 0, 4, 1, 1, Head.Sigmoid, HeadOn.FinalState, bidirectional: true),
        // Bidirectional(LSTM(3, return_sequences)) twice: every step's [forward, backward] h of the top layer.
        "tfjs_i3_bilstm3x2_seq" => new ModelShape(3, 0, 0, 3, 2, 0, Head.None, HeadOn.EveryStep, bidirectional: true),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReferenceAndGeneratedPredictWhatTfjsPredicted(string name)
    {
        ModelShape shape = ShapeOf(name);
        foreach (ILstmModel model in new ILstmModel[] { new ReferenceLstm(shape), ModelCompiler.CreateModel(shape) })
        {
            KerasWeights.Load(Fixture(name), model);
            using SafetensorsFile io = SafetensorsFile.Open(Fixture(name + ".io"));
            float[] expected = io.ReadFloat32("output");
            int batch = io.GetInfo("input").Shape[0], steps = io.GetInfo("input").Shape[1];
            int length = shape.OutputLength(steps);
            Assert.Equal(batch * length, expected.Length);
            double worst = 0;
            for (int b = 0; b < batch; b++)
            {
                var actual = new float[length];
                if (shape.IsTokenModel)
                    ((ITokenSequenceModel)model).Predict(io.ReadInt32("input").AsSpan(b * steps, steps), actual, model.CreateState());
                else
                    ((IFloatSequenceModel)model).Predict(io.ReadFloat32("input").AsSpan(b * steps * shape.InputSize, steps * shape.InputSize), actual, model.CreateState());
                for (int i = 0; i < length; i++) worst = Math.Max(worst, Math.Abs(actual[i] - expected[b * length + i]));
            }
            output.WriteLine($"{name} ({model.GetType().Name}): max |LstmGen − tfjs| = {worst:E2}");
            Assert.True(worst <= 1e-5, $"{name} ({model.GetType().Name}): max difference from tfjs {worst:E2}");
        }
    }

    [Fact]
    public void AResetBeforeGruFromTfjsIsRefused()
    {
        var shape = new ModelShape(2, 0, 0, 3, 1, 0, Head.None, HeadOn.LastStep, RecurrentCell.Gru);
        var e = Assert.Throws<WeightFileException>(() => KerasWeights.Load(Fixture("tfjs_i2_gru3_resetbefore"), new ReferenceLstm(shape)));
        Assert.Contains("reset_after=False", e.Message);
    }
}
