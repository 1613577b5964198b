// How the reference model runs: one step through every layer (Step), whole sequences layer by layer and
// direction by direction (Predict, Forward), the LSTM and GRU cells, and the head.
using System;
using System.Buffers;
using System.Runtime.InteropServices;
using LstmGen.CompilerServices;
using LstmGen.Training;

namespace LstmGen.Reference;

public sealed partial class ReferenceLstm
{
    /// <summary>Runs one time step of a unidirectional model through every layer, updating each layer's h (and c) in <paramref name="state"/>.</summary>
    private void AdvanceLayers(ReadOnlySpan<float> x, LstmState state)
    {
        Span<float> sums = Scratch(state);
        for (int k = 0; k < Shape.LayerCount; k++)
        {
            // Layer k > 0 reads the h its lower layer has just produced at this step.
            ReadOnlySpan<float> input = k == 0 ? x : state.Hidden(k - 1);
            CellForward(k, input, state.Hidden(k), state.Cell(k), sums, Span<float>.Empty, Span<float>.Empty);
        }
    }

    /// <summary>
    /// Runs a whole sequence (float <paramref name="inputs"/> or <paramref name="tokens"/>, the other empty)
    /// from the h0/c0 in <paramref name="state"/>, leaving h_n/c_n there, and writes the output steps.
    /// Layer by layer: each direction of layer k runs over all steps (direction 1 from the last step to the
    /// first) and writes its h of step t into the layer's output sequence at t, which layer k+1 reads.
    /// With a <paramref name="tape"/>, every cell also records what backpropagation needs.
    /// </summary>
    private void RunSequence(ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, int steps, Span<float> output, LstmState state, HeadOutput kind, TrainingTape? tape)
    {
        int hidden = Shape.HiddenStateSize, width = Shape.LayerOutputSize;
        int sequence = steps * Math.Max(width, Shape.LayerInputSize(0));
        float[] rented = ArrayPool<float>.Shared.Rent(2 * sequence);
        try
        {
            Span<float> below = rented.AsSpan(0, sequence);             // layer k−1's outputs, [T, width]
            Span<float> current = rented.AsSpan(sequence, sequence);    // layer k's outputs, [T, width]
            Span<float> sums = Scratch(state);
            Span<float> records = tape is null ? Span<float>.Empty : Records(tape);
            for (int k = 0; k < Shape.LayerCount; k++)
            {
                bool dropped = tape is not null && DropsInputOf(k);
                if (dropped)
                {
                    // Training with dropout on this layer's input: one mask per step (shared by both directions),
                    // recorded for the backward pass; the masked inputs go to 'below', which layer k then reads.
                    int count = Shape.LayerInputSize(k);
                    float rate = k == 0 ? Shape.InputDropout : Shape.Dropout;
                    for (int t = 0; t < steps; t++)
                    {
                        Span<float> mask = RecordedMask(records.Slice(t * FloatsPerStep, FloatsPerStep), k);
                        DropoutMask.Fill(mask, rate, tape!.DropoutSeed, t, k);
                        ReadOnlySpan<float> x = k > 0 ? below.Slice(t * width, width)
                            : Shape.IsTokenModel ? EmbeddingRow(tokens[t])
                            : inputs.Slice(t * Shape.InputSize, Shape.InputSize);
                        Span<float> masked = below.Slice(t * count, count);
                        for (int j = 0; j < count; j++) masked[j] = x[j] * mask[j];
                    }
                }
                for (int d = 0; d < _directions; d++)
                {
                    int slot = k * _directions + d;
                    Span<float> h = state.Hidden(slot), c = state.Cell(slot);
                    for (int n = 0; n < steps; n++)
                    {
                        int t = d == 0 ? n : steps - 1 - n;
                        ReadOnlySpan<float> x = k > 0 || dropped ? below.Slice(t * Shape.LayerInputSize(k), Shape.LayerInputSize(k))
                            : Shape.IsTokenModel ? EmbeddingRow(tokens[t])
                            : inputs.Slice(t * Shape.InputSize, Shape.InputSize);
                        Span<float> gates = Span<float>.Empty, hRecord = Span<float>.Empty;
                        if (tape is not null)
                        {
                            Span<float> record = records.Slice(t * FloatsPerStep, FloatsPerStep);
                            gates = RecordedGates(record, k, d);
                            hRecord = RecordedHidden(record, k, d);
                        }
                        CellForward(slot, x, h, c, sums, gates, hRecord);
                        h.CopyTo(current.Slice(t * width + d * hidden, hidden));
                    }
                }
                Span<float> done = current;
                current = below;
                below = done;
            }

            // below now holds the top layer's outputs; the head reads them where the output wants a step.
            int size = Shape.StepOutputSize;
            if (Shape.HeadOn == HeadOn.EveryStep)
            {
                for (int t = 0; t < steps; t++) WriteOutput(below.Slice(t * width, width), output.Slice(t * size, size), kind);
            }
            else if (Shape.HeadOn == HeadOn.FinalState && Shape.Bidirectional)
            {
                // The final state of each direction: forward h after the last step, reverse h after step 0
                // (assembled in the other buffer, free now).
                Span<float> final = current.Slice(0, width);
                below.Slice((steps - 1) * width, hidden).CopyTo(final);
                below.Slice(hidden, hidden).CopyTo(final.Slice(hidden));
                WriteOutput(final, output, kind);
            }
            else
            {
                WriteOutput(below.Slice((steps - 1) * width, width), output, kind);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    private ReadOnlySpan<float> EmbeddingRow(int token) =>
        _parameters.AsSpan(_embeddingOffset + token * Shape.EmbeddingSize, Shape.EmbeddingSize);

    private Span<float> Scratch(LstmState state) => MemoryMarshal.CreateSpan(ref state.GetScratchReference(), ScratchLength);

    /// <summary>
    /// One step of one layer and direction (state slot <paramref name="slot"/>): reads x and h (and c),
    /// writes the new h (and c) in place. Non-empty <paramref name="gates"/> and <paramref name="hRecord"/>
    /// (a training tape's record) receive the gate activations (LSTM: i, f, g, o, c; GRU: r, z, n and the
    /// n gate's recurrent sum W_hn·h + b_hn) and the new h.
    /// </summary>
    private void CellForward(int slot, ReadOnlySpan<float> x, Span<float> h, Span<float> c, Span<float> sums, Span<float> gates, Span<float> hRecord)
    {
        int hidden = Shape.HiddenSize, inputs = x.Length, width = Shape.HiddenStateSize;
        ReadOnlySpan<float> weightIh = _parameters.AsSpan(_weightIhOffsets[slot], _gateRows * inputs);
        ReadOnlySpan<float> weightHh = _parameters.AsSpan(_weightHhOffsets[slot], _gateRows * width);
        ReadOnlySpan<float> biasIh = _parameters.AsSpan(_biasIhOffsets[slot], _gateRows);
        ReadOnlySpan<float> biasHh = _parameters.AsSpan(_biasHhOffsets[slot], _gateRows);

        // Rows whose input and recurrent parts are simply added: all 4H of an LSTM, r and z of a GRU.
        // b_ih + b_hh + W_ih·x + W_hh·h_{t−1}, every row before h is touched.
        int summed = _gru ? 2 * hidden : _gateRows;
        for (int r = 0; r < summed; r++)
        {
            float sum = biasIh[r] + biasHh[r];
            ReadOnlySpan<float> rowIh = weightIh.Slice(r * inputs, inputs);
            for (int j = 0; j < inputs; j++) sum += rowIh[j] * x[j];
            ReadOnlySpan<float> rowHh = weightHh.Slice(r * width, width);
            for (int j = 0; j < width; j++) sum += rowHh[j] * h[j];
            sums[r] = sum;
        }

        // A GRU's n rows keep the two parts apart: b_in + W_in·x at rows 2H..3H, b_hn + W_hn·h after them (3H..4H).
        for (int r = summed; r < _gateRows; r++)
        {
            float input = biasIh[r];
            ReadOnlySpan<float> rowIh = weightIh.Slice(r * inputs, inputs);
            for (int j = 0; j < inputs; j++) input += rowIh[j] * x[j];
            float recurrent = biasHh[r];
            ReadOnlySpan<float> rowHh = weightHh.Slice(r * hidden, hidden);
            for (int j = 0; j < hidden; j++) recurrent += rowHh[j] * h[j];
            sums[r] = input;
            sums[hidden + r] = recurrent;
        }

        if (_gru) GruUpdate(sums, h, gates, hRecord);
        else LstmUpdate(slot, sums, h, c, gates, hRecord);
    }

    /// <summary>
    /// The LSTM update from the gate sums, row blocks i, f, g, o; with peepholes the i and f sums also get
    /// p_i·c_prev and p_f·c_prev, and the o sum p_o·c of the new cell. With a projection, o·tanh(c) goes to the
    /// scratch after the sums and h = W_hr·(o·tanh(c)).
    /// </summary>
    private void LstmUpdate(int slot, Span<float> sums, Span<float> h, Span<float> c, Span<float> gates, Span<float> hRecord)
    {
        int hidden = Shape.HiddenSize;
        bool peephole = Shape.Peephole;
        ReadOnlySpan<float> p = peephole ? _parameters.AsSpan(_peepholeOffsets[slot], ModelShape.PeepholeGates * hidden) : default;
        Span<float> m = Shape.HasProjection ? sums.Slice(_gateRows, hidden) : h;
        for (int u = 0; u < hidden; u++)
        {
            float previous = c[u];
            float i = Sigmoid(peephole ? sums[u] + p[u] * previous : sums[u]);
            float f = Sigmoid(peephole ? sums[hidden + u] + p[hidden + u] * previous : sums[hidden + u]);
            float g = MathF.Tanh(sums[2 * hidden + u]);
            float cell = f * previous + i * g;
            float o = Sigmoid(peephole ? sums[3 * hidden + u] + p[2 * hidden + u] * cell : sums[3 * hidden + u]);
            c[u] = cell;
            m[u] = o * MathF.Tanh(cell);
            if (gates.IsEmpty) continue;
            gates[u] = i;
            gates[hidden + u] = f;
            gates[2 * hidden + u] = g;
            gates[3 * hidden + u] = o;
            gates[4 * hidden + u] = cell;
        }
        if (Shape.HasProjection)
        {
            int projection = Shape.ProjectionSize;
            ReadOnlySpan<float> weightHr = _parameters.AsSpan(_projectionOffsets[slot], projection * hidden);
            for (int r = 0; r < projection; r++)
            {
                float sum = 0f;
                ReadOnlySpan<float> row = weightHr.Slice(r * hidden, hidden);
                for (int u = 0; u < hidden; u++) sum += row[u] * m[u];
                h[r] = sum;
            }
        }
        if (!hRecord.IsEmpty) h.CopyTo(hRecord);
    }

    /// <summary>The GRU update from the sums: r, z summed at rows 0..2H, n's input part at 2H..3H, its recurrent part at 3H..4H.</summary>
    private void GruUpdate(ReadOnlySpan<float> sums, Span<float> h, Span<float> gates, Span<float> hRecord)
    {
        int hidden = Shape.HiddenSize;
        for (int u = 0; u < hidden; u++)
        {
            float r = Sigmoid(sums[u]);
            float z = Sigmoid(sums[hidden + u]);
            float recurrentN = sums[3 * hidden + u];
            float n = MathF.Tanh(sums[2 * hidden + u] + r * recurrentN);
            h[u] = (1f - z) * n + z * h[u];
            if (gates.IsEmpty) continue;
            gates[u] = r;
            gates[hidden + u] = z;
            gates[2 * hidden + u] = n;
            gates[3 * hidden + u] = recurrentN;
            hRecord[u] = h[u];
        }
    }

    /// <summary>Writes one step's output from the top layer's output <paramref name="top"/> (h, or [h_forward, h_backward]): the head (logits or activated), or <paramref name="top"/> itself without a head.</summary>
    private void WriteOutput(ReadOnlySpan<float> top, Span<float> output, HeadOutput kind)
    {
        if (Shape.Head == Head.None)
        {
            top.CopyTo(output);
            return;
        }

        int width = top.Length;
        ReadOnlySpan<float> weight = _parameters.AsSpan(_headWeightOffset, Shape.OutputSize * width);
        ReadOnlySpan<float> bias = _parameters.AsSpan(_headBiasOffset, Shape.OutputSize);
        for (int o = 0; o < Shape.OutputSize; o++)
        {
            float sum = bias[o];
            ReadOnlySpan<float> row = weight.Slice(o * width, width);
            for (int j = 0; j < width; j++) sum += row[j] * top[j];
            output[o] = sum;
        }
        if (kind == HeadOutput.Activated) LstmGen.CompilerServices.HeadActivation.Apply(Shape.Head, output);
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
