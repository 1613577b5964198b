// Finds the neuron that does the task's bookkeeping: the one whose cell state follows the task's tracked
// quantity (for counting, the b's still owed) most closely, by the Pearson correlation over every step of
// many sequences. Nothing about the neuron is assumed in advance; which unit it is differs from seed to seed.
using System;
using System.Collections.Generic;

namespace Explorer;

/// <summary>The picked neuron, how well its cell state c (and its hidden state h) follow the tracked quantity, and what each character does to it.</summary>
/// <param name="Slope">With <paramref name="Intercept"/>: the least-squares line c ≈ Slope · quantity + Intercept over the same steps.</param>
public sealed record PickedNeuron(int Neuron, double CellCorrelation, double HiddenCorrelation, int Steps, double Slope, double Intercept, IReadOnlyList<CharacterEffect> Effects);

/// <summary>
/// Means over every step that read <see cref="Character"/>: the change of the neuron's cell state
/// (c_t − c_(t−1)) and its gates. For counting, 'a' adds about as much as 'b' takes away.
/// </summary>
public sealed record CharacterEffect(char Character, int Count, double CellChange, double Input, double Forget, double Candidate, double Output);

public static class NeuronPicker
{
    /// <summary>
    /// The neuron whose c has the largest |correlation| with <paramref name="signals"/> over all steps of
    /// <paramref name="traces"/> (signal k belongs to trace k, one value per step).
    /// </summary>
    public static PickedNeuron Pick(IReadOnlyList<CellTrace> traces, IReadOnlyList<double[]> signals)
    {
        if (traces.Count == 0 || traces.Count != signals.Count)
            throw new ArgumentException($"Need one signal per trace and at least one trace; got {traces.Count} traces and {signals.Count} signals.", nameof(signals));
        int neurons = traces[0].Neurons, steps = 0;
        for (int k = 0; k < traces.Count; k++)
        {
            if (signals[k].Length != traces[k].Steps)
                throw new ArgumentException($"Signal {k} has {signals[k].Length} values for a trace of {traces[k].Steps} steps.", nameof(signals));
            steps += traces[k].Steps;
        }

        int best = -1;
        double bestCell = 0, bestHidden = 0;
        for (int j = 0; j < neurons; j++)
        {
            double cell = Correlation(traces, signals, j, useCell: true);
            if (best < 0 || Math.Abs(cell) > Math.Abs(bestCell))
            {
                best = j;
                bestCell = cell;
                bestHidden = Correlation(traces, signals, j, useCell: false);
            }
        }
        (double slope, double intercept) = Line(traces, signals, best);
        return new PickedNeuron(best, bestCell, bestHidden, steps, slope, intercept, Effects(traces, best));
    }

    /// <summary>What reading each character does to neuron <paramref name="j"/>, averaged over all steps of <paramref name="traces"/>, in alphabet order.</summary>
    public static IReadOnlyList<CharacterEffect> Effects(IReadOnlyList<CellTrace> traces, int j)
    {
        var count = new int[Alphabet.Size];
        var sums = new double[Alphabet.Size, 5];
        foreach (CellTrace trace in traces)
        {
            for (int t = 0; t < trace.Steps; t++)
            {
                int id = Alphabet.Id(trace.Characters[t]);
                count[id]++;
                sums[id, 0] += trace.Cell[j, t] - (t > 0 ? trace.Cell[j, t - 1] : 0);
                sums[id, 1] += trace.InputGate[j, t];
                sums[id, 2] += trace.ForgetGate[j, t];
                sums[id, 3] += trace.CandidateGate[j, t];
                sums[id, 4] += trace.OutputGate[j, t];
            }
        }
        var effects = new List<CharacterEffect>();
        for (int id = 0; id < Alphabet.Size; id++)
        {
            if (count[id] == 0) continue;
            double n = count[id];
            effects.Add(new CharacterEffect(Alphabet.Character(id), count[id], sums[id, 0] / n, sums[id, 1] / n, sums[id, 2] / n, sums[id, 3] / n, sums[id, 4] / n));
        }
        return effects;
    }

    /// <summary>The least-squares line c ≈ a·signal + b of neuron <paramref name="j"/> over all steps.</summary>
    private static (double Slope, double Intercept) Line(IReadOnlyList<CellTrace> traces, IReadOnlyList<double[]> signals, int j)
    {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int k = 0; k < traces.Count; k++)
        {
            for (int t = 0; t < traces[k].Steps; t++)
            {
                double x = signals[k][t], y = traces[k].Cell[j, t];
                n++; sx += x; sy += y; sxx += x * x; sxy += x * y;
            }
        }
        double vx = sxx - sx * sx / n;
        if (vx <= 0) return (0, sy / n);
        double a = (sxy - sx * sy / n) / vx;
        return (a, (sy - a * sx) / n);
    }

    /// <summary>Pearson correlation of neuron <paramref name="j"/>'s c (or h) with the signal, over all steps; 0 if either is constant.</summary>
    private static double Correlation(IReadOnlyList<CellTrace> traces, IReadOnlyList<double[]> signals, int j, bool useCell)
    {
        double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (int k = 0; k < traces.Count; k++)
        {
            double[,] values = useCell ? traces[k].Cell : traces[k].Hidden;
            for (int t = 0; t < traces[k].Steps; t++)
            {
                double x = values[j, t], y = signals[k][t];
                n++; sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
            }
        }
        double vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
        return vx <= 0 || vy <= 0 ? 0 : (sxy - sx * sy / n) / Math.Sqrt(vx * vy);
    }
}
