// The inside of the LSTM at every character of a sequence: h and c, and the gates i, f, g, o, which the
// public API does not expose. The gates are recomputed here from the model's parameters (PyTorch layout)
// in double precision, and the recomputed h and c are checked against the model's own state after every
// Step, so the pictures are of the model that was trained and not of a look-alike.
using System;
using LstmGen;
using LstmGen.Training;

namespace Explorer;

/// <summary>Per-step values of one LSTM layer over a sequence: [neuron, step] arrays.</summary>
public sealed class CellTrace
{
    /// <summary>Largest allowed |recomputed − model| for h and c.</summary>
    public const double Tolerance = 1e-4;

    private CellTrace(string characters, int hidden)
    {
        Characters = characters;
        int steps = characters.Length;
        Hidden = new double[hidden, steps];
        Cell = new double[hidden, steps];
        InputGate = new double[hidden, steps];
        ForgetGate = new double[hidden, steps];
        CandidateGate = new double[hidden, steps];
        OutputGate = new double[hidden, steps];
        Predicted = new char[steps];
    }

    /// <summary>The characters read, one per step.</summary>
    public string Characters { get; }

    /// <summary>Number of steps (characters).</summary>
    public int Steps => Characters.Length;

    /// <summary>Number of neurons (hidden units).</summary>
    public int Neurons => Hidden.GetLength(0);

    /// <summary>h after each step (the model's own values).</summary>
    public double[,] Hidden { get; }

    /// <summary>c after each step (the model's own values).</summary>
    public double[,] Cell { get; }

    /// <summary>Input gate i = σ(·), how much of the candidate is written.</summary>
    public double[,] InputGate { get; }

    /// <summary>Forget gate f = σ(·), how much of the old cell is kept.</summary>
    public double[,] ForgetGate { get; }

    /// <summary>Candidate g = tanh(·), the value that would be written.</summary>
    public double[,] CandidateGate { get; }

    /// <summary>Output gate o = σ(·), how much of tanh(c) is shown as h.</summary>
    public double[,] OutputGate { get; }

    /// <summary>The model's most likely next character after each step.</summary>
    public char[] Predicted { get; }

    /// <summary>The largest |recomputed − model| over every h and c of the sequence.</summary>
    public double MaxDeviation { get; private set; }

    /// <summary>
    /// Runs <paramref name="characters"/> through <paramref name="model"/> one Step at a time from a zero state and
    /// recomputes each step in double precision from the parameters:
    /// z = W_ih·x + b_ih + W_hh·h + b_hh (rows i, f, g, o), c' = σ(z_f)·c + σ(z_i)·tanh(z_g), h' = σ(z_o)·tanh(c').
    /// The recomputation runs on its own (it never copies the model's state), so errors would accumulate, not hide.
    /// </summary>
    /// <exception cref="InvalidOperationException">The recomputed h or c differs from the model's by more than <see cref="Tolerance"/>.</exception>
    public static CellTrace Record(ITokenSequenceModel model, string characters)
    {
        ModelShape shape = model.Shape;
        if (shape.LayerCount != 1 || !shape.IsTokenModel)
            throw new ArgumentException($"The trace reads one-layer token models; this one is {shape}.", nameof(model));
        int hidden = shape.HiddenSize, width = shape.EmbeddingSize;
        ReadOnlySpan<float> p = model.Parameters;
        ReadOnlySpan<float> embed = Tensor(shape, p, ModelShape.EmbeddingWeightName);
        ReadOnlySpan<float> weightIh = Tensor(shape, p, ModelShape.WeightIhName(0));   // [4H, E]
        ReadOnlySpan<float> weightHh = Tensor(shape, p, ModelShape.WeightHhName(0));   // [4H, H]
        ReadOnlySpan<float> biasIh = Tensor(shape, p, ModelShape.BiasIhName(0));       // [4H]
        ReadOnlySpan<float> biasHh = Tensor(shape, p, ModelShape.BiasHhName(0));       // [4H]

        var trace = new CellTrace(characters, hidden);
        LstmState state = model.CreateState();
        var probabilities = new float[shape.StepOutputSize];
        var h = new double[hidden];
        var c = new double[hidden];
        var z = new double[4 * hidden];
        for (int t = 0; t < characters.Length; t++)
        {
            int token = Alphabet.Id(characters[t]);
            ReadOnlySpan<float> x = embed.Slice(token * width, width);
            for (int row = 0; row < 4 * hidden; row++)
            {
                double sum = (double)biasIh[row] + biasHh[row];
                ReadOnlySpan<float> wx = weightIh.Slice(row * width, width), wh = weightHh.Slice(row * hidden, hidden);
                for (int k = 0; k < width; k++) sum += (double)wx[k] * x[k];
                for (int k = 0; k < hidden; k++) sum += (double)wh[k] * h[k];
                z[row] = sum;
            }
            for (int j = 0; j < hidden; j++)
            {
                double i = Sigmoid(z[j]), f = Sigmoid(z[hidden + j]), g = Math.Tanh(z[2 * hidden + j]), o = Sigmoid(z[3 * hidden + j]);
                c[j] = f * c[j] + i * g;
                h[j] = o * Math.Tanh(c[j]);
                trace.InputGate[j, t] = i;
                trace.ForgetGate[j, t] = f;
                trace.CandidateGate[j, t] = g;
                trace.OutputGate[j, t] = o;
            }

            model.Step(token, probabilities, state);
            trace.Predicted[t] = Alphabet.Character(Metrics.ArgMax(probabilities));
            ReadOnlySpan<float> modelH = state.Hidden(0), modelC = state.Cell(0);
            for (int j = 0; j < hidden; j++)
            {
                double dh = Math.Abs(h[j] - modelH[j]), dc = Math.Abs(c[j] - modelC[j]);
                trace.MaxDeviation = Math.Max(trace.MaxDeviation, Math.Max(dh, dc));
                if (!(dh <= Tolerance && dc <= Tolerance))
                    throw new InvalidOperationException(FormattableString.Invariant(
                        $"The recomputed LSTM does not match the model at step {t} ('{characters[t]}' of \"{characters}\"), neuron {j}: h {h[j]:G9} vs {modelH[j]:G9}, c {c[j]:G9} vs {modelC[j]:G9} (tolerance {Tolerance:G2}). The gate pictures would not show this model."));
                trace.Hidden[j, t] = modelH[j];
                trace.Cell[j, t] = modelC[j];
            }
        }
        return trace;
    }

    private static ReadOnlySpan<float> Tensor(ModelShape shape, ReadOnlySpan<float> parameters, string name)
    {
        ParameterTensor tensor = shape.GetTensor(name);
        return parameters.Slice(tensor.Offset, tensor.Length);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
