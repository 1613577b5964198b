// Training for the reference model: a recording forward pass and backpropagation through time (LSTM or GRU,
// one or two directions), written as plain loops from PyTorch's equations, so generated training code has
// a readable oracle to be checked against.
using System;
using System.Buffers;
using System.Runtime.InteropServices;
using LstmGen.CompilerServices;
using LstmGen.Training;

namespace LstmGen.Reference;

/// <remarks>
/// <para><b>Tape layout</b> (floats, see <see cref="TrainingTape"/>): per step t, for each layer k, a block
/// at <c>t·FloatsPerStep + k·D·R·H</c> (D directions, R recorded vectors of H floats per cell: R = 6 for an
/// LSTM, 5 for a GRU) holding first, per direction, the cell's gate vectors — LSTM i, f, g, o, c; GRU r, z,
/// n and the n gate's recurrent sum W_hn·h_{t−1} + b_hn — and then the D new h vectors side by side, so the
/// layer's output at t, [h_forward, h_backward], is one span (for a unidirectional LSTM: i, f, g, o, c, h; with a
/// projection, h holds ProjectionSize floats).
/// Then the tape's copy of the float inputs (T × Inputs; token ids go to the tape);
/// then the fixed floats: h0 and c0 of every state slot (S·H each, S = layers × directions), the carried
/// dL/dh and dL/dc of every slot (S·H each), and the gate gradients of one cell on the input side and on the
/// recurrent side (gates·H each; they differ only in a GRU's n block); with a projection, h0 and the carried dh
/// are ProjectionSize wide per slot, and H more floats hold dL/dm of one cell.</para>
/// <para><b>Backward</b> runs layer by layer from the top. First the head at every step that has an output
/// (from the last step to the first) gives dL/d(top layer's output); then, for each layer and direction,
/// the cells in the reverse of the order they ran (the forward direction from t = T−1 down to 0, the
/// reverse direction from t = 0 up), each with dh = (carried dh) + (dL/d its h at t from above). For an
/// LSTM: dc = (carried dc) + dh·o·(1 − tanh²c); the gate gradients dz = [dc·g·i(1−i), dc·c_prev·f(1−f),
/// dc·i·(1−g²), dh·tanh(c)·o(1−o)] on both sides; carried dc = dc·f. With a projection, dh is first taken back
/// through it: dW_hr += dh ⊗ m, and the cell uses dm = W_hrᵀ·dh (m = o·tanh(c)) where the plain LSTM uses dh. With peepholes, dz_o is formed first and
/// dc = (carried dc) + dh·o·(1 − tanh²c) + dz_o·p_o; carried dc = dc·f + dz_i·p_i + dz_f·p_f; and the peephole
/// gradients are dp_i += dz_i·c_prev, dp_f += dz_f·c_prev, dp_o += dz_o·c. For a GRU: dn' = dh·(1−z)·(1−n²),
/// dz' = dh·(h_prev − n)·z(1−z), dr' = dn'·(W_hn·h_prev + b_hn)·r(1−r); the input side is [dr', dz', dn'],
/// the recurrent side [dr', dz', dn'·r]; carried dh starts from dh·z. Then, for both cells,
/// dW_ih += d_input ⊗ x, db_ih += d_input, dW_hh += d_recurrent ⊗ h_prev, db_hh += d_recurrent,
/// dx += W_ihᵀ·d_input (summed over both directions: the gradient of the layer below's output, of the
/// input, or of the embedding row) and carried dh += W_hhᵀ·d_recurrent. The head adds dW += dlogits ⊗ top,
/// db += dlogits and gives dL/dtop = Wᵀ·dlogits. Sums are float, in the order written; tanh(c) is
/// recomputed with <see cref="MathF.Tanh"/> (the same value the forward pass used). Backward reads the
/// weights and embedding rows from <see cref="Parameters"/>, so change them (an optimizer step) only after
/// Backward, as with any tape-based training. The per-step gradient sequences of two layers live in an
/// array rented from <see cref="ArrayPool{T}.Shared"/>.</para>
/// <para><b>Denormals</b>: the carried dh and dc shrink geometrically over long sequences (the golden
/// IMDB case at T = 300 reaches 1e-59 in float64), and arithmetic on float32 subnormals is ~100× slower
/// on x86. Carried values below <see cref="FlushThreshold"/> (2^−100 ≈ 7.9e-31) in magnitude are therefore
/// set to zero after each step. Flushing only true subnormals (below 2^−126) is not enough: the carries
/// then stay normal, but their products with gate derivatives, weights and inputs (factors down to ~1e-8)
/// are subnormal for dozens of steps. Measured on that case (backward, one sequence): 364 ms without
/// flushing, 194 ms flushing below 2^−126, 40 ms below 2^−100 (the forward pass takes 15 ms). A dropped
/// value is below 7.9e-31, so the gradients change by far less than any tolerance (the golden check
/// normalises by at least 1e-3); NaN and infinities pass through unchanged.</para>
/// </remarks>
public sealed partial class ReferenceLstm : IFloatTrainableModel, ITokenTrainableModel
{
    /// <summary>Carried gradients below this magnitude, 2^−100, are flushed to zero (see the remarks on denormals).</summary>
    internal const float FlushThreshold = LstmGen.CompilerServices.Activations.GradientFlushThreshold;

    /// <summary>Names this implementation's tape and gradient layout (PyTorch order), so a generated model's tape or buffer is refused.</summary>
    private const string TrainingLayout = "lstmgen-reference-v2";

    /// <summary>Vectors of H floats recorded per cell (one layer, direction and step): the gate vectors, then h.</summary>
    private int RecordedVectors => _gru ? 5 : 6;

    /// <summary>Floats one layer records per step (all directions).</summary>
    private int LayerRecord => _directions * ((RecordedVectors - 1) * Shape.HiddenSize + Shape.HiddenStateSize);

    /// <summary>Floats the tape records per step: all layers, then the dropout masks of the layers whose input is dropped.</summary>
    private int FloatsPerStep => Shape.LayerCount * LayerRecord + DropoutMaskOffset(Shape.LayerCount);

    /// <summary>Whether layer <paramref name="k"/>'s input passes through a dropout mask in training.</summary>
    private bool DropsInputOf(int k) => k == 0 ? Shape.InputDropout > 0 : Shape.Dropout > 0;

    /// <summary>Offset of layer <paramref name="k"/>'s dropout mask after the layer records of a step (the masks of the dropped layers below come first).</summary>
    private int DropoutMaskOffset(int k)
    {
        int offset = 0;
        for (int j = 0; j < k; j++)
            if (DropsInputOf(j)) offset += Shape.LayerInputSize(j);
        return offset;
    }

    /// <summary>
    /// Floats of the tape's fixed part: h0, c0, carried dh, carried dc (S·H each; h and dh S·R with a projection), the
    /// input-side and recurrent-side gate gradients, and with a projection dL/dm (H).
    /// </summary>
    private int FixedFloats => 2 * Shape.StateSlotCount * (Shape.HiddenStateSize + Shape.HiddenSize) + 2 * _gateRows + (Shape.HasProjection ? Shape.HiddenSize : 0);

    /// <inheritdoc/>
    public TrainingTape CreateTape(int maxSteps) => new(Shape, TrainingLayout, maxSteps, FloatsPerStep, FixedFloats);

    /// <inheritdoc/>
    /// <remarks>The reference model's gradient layout is the PyTorch layout of <see cref="Parameters"/>.</remarks>
    public GradientBuffer CreateGradients() => new(Shape, TrainingLayout, Shape.ParameterCount);

    /// <inheritdoc/>
    /// <remarks>A plain copy: the reference model accumulates gradients in PyTorch layout.</remarks>
    public void CopyGradients(GradientBuffer source, Span<float> destination)
    {
        CheckGradients(source, nameof(source));
        if (destination.Length != Shape.ParameterCount)
            throw new ArgumentException($"Expected a destination of {Shape.ParameterCount} floats (ParameterCount), got {destination.Length}.", nameof(destination));
        source.Values.CopyTo(destination);
    }

    // ---- recording forward pass ----------------------------------------------------------------

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, LstmState state, TrainingTape tape)
    {
        RequireFloatModel();
        int steps = CheckInputs(inputs);
        CheckOutput(outputs, Shape.OutputLength(steps), nameof(outputs));
        CheckState(state);
        CheckTapeLayout(tape);
        tape.Begin(Shape, TrainingLayout, steps);

        inputs.CopyTo(InputCopies(tape));
        RecordInitialState(tape, state);
        RunSequence(inputs, default, steps, outputs, state, HeadOutput.Logits, tape);
    }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<int> tokens, Span<float> outputs, LstmState state, TrainingTape tape)
    {
        RequireTokenModel();
        CheckTokens(tokens);
        CheckOutput(outputs, Shape.OutputLength(tokens.Length), nameof(outputs));
        CheckState(state);
        CheckTapeLayout(tape);
        tape.Begin(Shape, TrainingLayout, tokens.Length);

        tokens.CopyTo(tape.TokenIds);
        RecordInitialState(tape, state);
        RunSequence(default, tokens, tokens.Length, outputs, state, HeadOutput.Logits, tape);
    }

    private void RecordInitialState(TrainingTape tape, LstmState state)
    {
        int hidden = Shape.HiddenSize, width = Shape.HiddenStateSize, slots = Shape.StateSlotCount;
        Span<float> fixedFloats = Fixed(tape);
        for (int s = 0; s < slots; s++)
        {
            state.Hidden(s).CopyTo(fixedFloats.Slice(s * width, width));
            state.Cell(s).CopyTo(fixedFloats.Slice(slots * width + s * hidden, hidden));
        }
    }

    // ---- backpropagation through time ----------------------------------------------------------

    /// <inheritdoc/>
    public void Backward(TrainingTape tape, ReadOnlySpan<float> outputGradients, GradientBuffer gradients,
        Span<float> inputGradients = default, LstmState? initialStateGradients = null, LstmState? finalStateGradients = null)
    {
        CheckTapeLayout(tape);
        tape.EnsureRecorded(Shape, TrainingLayout);
        int steps = tape.Steps;
        int expectedOutputs = Shape.OutputLength(steps);
        if (outputGradients.Length != expectedOutputs)
            throw new ArgumentException(
                $"Expected {expectedOutputs} output gradients (the outputs Forward wrote for {steps} step(s)), got {outputGradients.Length}.", nameof(outputGradients));
        CheckGradients(gradients, nameof(gradients));
        CheckInputGradients(inputGradients, steps);
        CheckStateGradients(initialStateGradients, "initial", nameof(initialStateGradients));
        CheckStateGradients(finalStateGradients, "final", nameof(finalStateGradients));

        // h is R = HiddenStateSize wide (the projection size, or H); c is H wide.
        int hidden = Shape.HiddenStateSize, cells = Shape.HiddenSize, slots = Shape.StateSlotCount;
        int hFloats = slots * hidden, cFloats = slots * cells;
        int width = Shape.LayerOutputSize;
        Span<float> records = Records(tape);
        Span<float> fixedFloats = Fixed(tape);
        ReadOnlySpan<float> h0 = fixedFloats.Slice(0, hFloats);
        ReadOnlySpan<float> c0 = fixedFloats.Slice(hFloats, cFloats);
        Span<float> carriedH = fixedFloats.Slice(hFloats + cFloats, hFloats);
        Span<float> carriedC = fixedFloats.Slice(2 * hFloats + cFloats, cFloats);
        Span<float> inputSide = fixedFloats.Slice(2 * (hFloats + cFloats), _gateRows);
        Span<float> recurrentSide = fixedFloats.Slice(2 * (hFloats + cFloats) + _gateRows, _gateRows);
        Span<float> dm = Shape.HasProjection ? fixedFloats.Slice(2 * (hFloats + cFloats) + 2 * _gateRows, cells) : default;
        ReadOnlySpan<float> inputCopies = InputCopies(tape);
        ReadOnlySpan<int> tokens = tape.TokenIds;
        Span<float> grad = gradients.Values;

        // Two gradient sequences: dL/d(layer k's output) [T, width], and dL/d(layer k's input) [T, in_k],
        // which becomes the next lower layer's dL/d(output).
        int region = steps * Math.Max(Shape.LayerInputSize(0), width);
        float[] rented = ArrayPool<float>.Shared.Rent(2 * region + Math.Max(Shape.LayerInputSize(0), width));
        try
        {
            Span<float> above = rented.AsSpan(0, region);
            Span<float> below = rented.AsSpan(region, region);
            Span<float> maskedInput = rented.AsSpan(2 * region, Math.Max(Shape.LayerInputSize(0), width));

            // dL/d(top layer's output) from the steps that have an output (zero at the others).
            above.Slice(0, steps * width).Clear();
            if (Shape.HeadOn == HeadOn.FinalState && Shape.Bidirectional)
            {
                // The head read [forward h at T−1, reverse h at 0]: its gradient splits back to those two steps.
                float[] pair = ArrayPool<float>.Shared.Rent(2 * width);
                Span<float> final = pair.AsSpan(0, width), dFinal = pair.AsSpan(width, width);
                RecordedOutput(records.Slice((steps - 1) * FloatsPerStep, FloatsPerStep), Shape.LayerCount - 1).Slice(0, hidden).CopyTo(final);
                RecordedOutput(records.Slice(0, FloatsPerStep), Shape.LayerCount - 1).Slice(hidden, hidden).CopyTo(final.Slice(hidden));
                dFinal.Clear();
                BackwardHead(outputGradients.Slice(0, Shape.StepOutputSize), final, dFinal, grad);
                dFinal.Slice(0, hidden).CopyTo(above.Slice((steps - 1) * width, hidden));
                dFinal.Slice(hidden, hidden).CopyTo(above.Slice(hidden, hidden));
                ArrayPool<float>.Shared.Return(pair);
            }
            else
            {
                for (int t = steps - 1; t >= 0; t--)
                {
                    int outputAt = OutputOffset(t, steps);
                    if (outputAt < 0) continue;
                    ReadOnlySpan<float> top = RecordedOutput(records.Slice(t * FloatsPerStep, FloatsPerStep), Shape.LayerCount - 1);
                    BackwardHead(outputGradients.Slice(outputAt, Shape.StepOutputSize), top, above.Slice(t * width, width), grad);
                }
            }

            for (int k = Shape.LayerCount - 1; k >= 0; k--)
            {
                int inputs = Shape.LayerInputSize(k);
                Span<float> dInput = below.Slice(0, steps * inputs);
                dInput.Clear();
                for (int d = 0; d < _directions; d++)
                {
                    int slot = k * _directions + d;
                    Span<float> slotH = carriedH.Slice(slot * hidden, hidden);
                    Span<float> slotC = carriedC.Slice(slot * cells, cells);
                    // The carries start at dL/d(this slot's final state), which the direction left at its last cell.
                    if (finalStateGradients is null)
                    {
                        slotH.Clear();
                        slotC.Clear();
                    }
                    else
                    {
                        finalStateGradients.Hidden(slot).CopyTo(slotH);
                        if (_gru) slotC.Clear();   // a GRU has no c: the cell part is ignored
                        else finalStateGradients.Cell(slot).CopyTo(slotC);
                    }
                    for (int n = 0; n < steps; n++)
                    {
                        // The reverse of the order the direction ran in: forward from the last step, reverse from the first.
                        int t = d == 0 ? steps - 1 - n : n;
                        int previous = d == 0 ? t - 1 : t + 1;
                        bool hasPrevious = previous >= 0 && previous < steps;
                        ReadOnlySpan<float> record = records.Slice(t * FloatsPerStep, FloatsPerStep);
                        ReadOnlySpan<float> previousRecord = hasPrevious ? records.Slice(previous * FloatsPerStep, FloatsPerStep) : default;
                        ReadOnlySpan<float> x = k > 0 ? RecordedOutput(record, k - 1)
                            : Shape.IsTokenModel ? EmbeddingRow(tokens[t])
                            : inputCopies.Slice(t * Shape.InputSize, Shape.InputSize);
                        if (DropsInputOf(k))
                        {
                            // The layer read its input through the recorded dropout mask.
                            Span<float> masked = maskedInput.Slice(0, inputs);
                            ReadOnlySpan<float> mask = RecordedMask(record, k);
                            for (int j = 0; j < inputs; j++) masked[j] = x[j] * mask[j];
                            x = masked;
                        }
                        ReadOnlySpan<float> hPrevious = hasPrevious ? RecordedHidden(previousRecord, k, d) : h0.Slice(slot * hidden, hidden);
                        ReadOnlySpan<float> cPrevious = _gru ? default
                            : hasPrevious ? RecordedGates(previousRecord, k, d).Slice(4 * cells, cells)
                            : c0.Slice(slot * cells, cells);
                        BackwardCell(slot, RecordedGates(record, k, d), x, hPrevious, cPrevious,
                            above.Slice(t * width + d * hidden, hidden), dInput.Slice(t * inputs, inputs),
                            slotH, slotC, inputSide, recurrentSide, dm, grad);
                    }
                }
                if (DropsInputOf(k))
                {
                    // Dropped inputs get no gradient; kept ones are scaled as in the forward pass.
                    for (int t = 0; t < steps; t++)
                    {
                        ReadOnlySpan<float> mask = RecordedMask(records.Slice(t * FloatsPerStep, FloatsPerStep), k);
                        Span<float> dx = dInput.Slice(t * inputs, inputs);
                        for (int j = 0; j < inputs; j++) dx[j] *= mask[j];
                    }
                }
                Span<float> done = below;
                below = above;
                above = done;
            }

            // above now holds dL/d(layer 0's input) per step.
            for (int t = steps - 1; t >= 0; t--)
            {
                if (Shape.IsTokenModel)
                {
                    int e = Shape.EmbeddingSize;
                    Span<float> row = grad.Slice(_embeddingOffset + tokens[t] * e, e);
                    ReadOnlySpan<float> dx = above.Slice(t * e, e);
                    for (int j = 0; j < e; j++) row[j] += dx[j];
                }
                else if (!inputGradients.IsEmpty)
                {
                    above.Slice(t * Shape.InputSize, Shape.InputSize).CopyTo(inputGradients.Slice(t * Shape.InputSize, Shape.InputSize));
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }

        if (initialStateGradients is not null)
        {
            for (int s = 0; s < slots; s++)
            {
                carriedH.Slice(s * hidden, hidden).CopyTo(initialStateGradients.Hidden(s));
                carriedC.Slice(s * cells, cells).CopyTo(initialStateGradients.Cell(s));
            }
        }
    }

    /// <summary>Throws unless <paramref name="state"/> (when given) has this model's state slots and hidden size.</summary>
    private void CheckStateGradients(LstmState? state, string which, string parameterName)
    {
        if (state is not null && (state.SlotCount != Shape.StateSlotCount || state.HiddenSize != Shape.HiddenSize || state.ProjectionSize != Shape.ProjectionSize))
            throw new ArgumentException(
                $"The {which}-state gradient state has {state.SlotCount} slot(s) of {state.HiddenSize} units{(state.ProjectionSize > 0 ? $" (h projected to {state.ProjectionSize})" : "")}; expected {Shape.StateSlotCount} of {Shape.HiddenSize}{(Shape.HasProjection ? $" (h projected to {Shape.ProjectionSize})" : "")}. Create it with this model's CreateState().", parameterName);
    }

    /// <summary>
    /// One cell (layer and direction <paramref name="slot"/>, one step). Reads dL/dh from above and the carried
    /// dL/dh (and dL/dc); adds the parameter gradients and dL/dx into <paramref name="dx"/>; leaves
    /// dL/dh_{t−1} (and dL/dc_{t−1}) in the carried vectors.
    /// </summary>
    private void BackwardCell(int slot, ReadOnlySpan<float> gates, ReadOnlySpan<float> x, ReadOnlySpan<float> hPrevious, ReadOnlySpan<float> cPrevious,
        ReadOnlySpan<float> fromAbove, Span<float> dx, Span<float> carriedH, Span<float> carriedC, Span<float> inputSide, Span<float> recurrentSide, Span<float> dm, Span<float> grad)
    {
        if (_gru)
        {
            GruGateGradients(gates, hPrevious, fromAbove, carriedH, inputSide, recurrentSide);
            AddLayerGradients(slot, x, hPrevious, inputSide, recurrentSide, dx, carriedH, grad);
        }
        else
        {
            LstmGateGradients(slot, gates, cPrevious, fromAbove, carriedH, carriedC, inputSide, dm, grad);
            AddLayerGradients(slot, x, hPrevious, inputSide, inputSide, dx, carriedH, grad);
        }
    }

    /// <summary>
    /// LSTM gate pre-activation gradients (blocks i, f, g, o, one set for both sides); sets carried dc to
    /// dc·f (with peepholes + dz_i·p_i + dz_f·p_f, after adding the peephole gradients) and carried dh to zero,
    /// ready for W_hhᵀ·dz. With a projection, dL/dh (R values) first goes through it: dW_hr += dh ⊗ m and
    /// <paramref name="dm"/> = W_hrᵀ·dh, m = o·tanh(c); the cell then reads dm as its dh.
    /// </summary>
    private void LstmGateGradients(int slot, ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrevious, ReadOnlySpan<float> fromAbove,
        Span<float> carriedH, Span<float> carriedC, Span<float> dz, Span<float> dm, Span<float> grad)
    {
        int hidden = Shape.HiddenSize;
        bool peephole = Shape.Peephole, projected = Shape.HasProjection;
        int pw = ModelShape.PeepholeGates * hidden;
        ReadOnlySpan<float> p = peephole ? _parameters.AsSpan(_peepholeOffsets[slot], pw) : default;
        Span<float> dp = peephole ? grad.Slice(_peepholeOffsets[slot], pw) : default;
        if (projected)
        {
            int projection = Shape.ProjectionSize;
            ReadOnlySpan<float> weightHr = _parameters.AsSpan(_projectionOffsets[slot], projection * hidden);
            Span<float> gradWeightHr = grad.Slice(_projectionOffsets[slot], projection * hidden);
            dm.Clear();
            for (int r = 0; r < projection; r++)
            {
                float dh = carriedH[r] + fromAbove[r];
                ReadOnlySpan<float> row = weightHr.Slice(r * hidden, hidden);
                Span<float> gradRow = gradWeightHr.Slice(r * hidden, hidden);
                for (int u = 0; u < hidden; u++)
                {
                    float m = gates[3 * hidden + u] * MathF.Tanh(gates[4 * hidden + u]);
                    gradRow[u] += dh * m;
                    dm[u] += row[u] * dh;
                }
                carriedH[r] = 0f;
            }
        }
        for (int u = 0; u < hidden; u++)
        {
            float i = gates[u], f = gates[hidden + u], g = gates[2 * hidden + u], o = gates[3 * hidden + u], c = gates[4 * hidden + u];
            float dh = projected ? dm[u] : carriedH[u] + fromAbove[u];
            float tanhC = MathF.Tanh(c);
            float dzo = dh * tanhC * o * (1f - o);
            float dc = carriedC[u] + dh * o * (1f - tanhC * tanhC);
            if (peephole) dc += dzo * p[2 * hidden + u]; // o read the new c
            float dzi = dc * g * i * (1f - i), dzf = dc * cPrevious[u] * f * (1f - f);
            dz[u] = dzi;
            dz[hidden + u] = dzf;
            dz[2 * hidden + u] = dc * i * (1f - g * g);
            dz[3 * hidden + u] = dzo;
            float carried = dc * f;
            if (peephole)
            {
                // i and f read c_prev: its gradient gets their part, and the peepholes get theirs.
                carried += dzi * p[u] + dzf * p[hidden + u];
                dp[u] += dzi * cPrevious[u];
                dp[hidden + u] += dzf * cPrevious[u];
                dp[2 * hidden + u] += dzo * c;
            }
            carriedC[u] = FlushTiny(carried);
            if (!projected) carriedH[u] = 0f;
        }
    }

    /// <summary>
    /// GRU gate pre-activation gradients, blocks r, z, n: the input side gets dn' in the n block, the
    /// recurrent side dn'·r (the reset gate scales W_hn·h + b_hn). Sets carried dh to its direct part dh·z.
    /// </summary>
    private void GruGateGradients(ReadOnlySpan<float> gates, ReadOnlySpan<float> hPrevious, ReadOnlySpan<float> fromAbove,
        Span<float> carriedH, Span<float> inputSide, Span<float> recurrentSide)
    {
        int hidden = Shape.HiddenSize;
        for (int u = 0; u < hidden; u++)
        {
            float r = gates[u], z = gates[hidden + u], n = gates[2 * hidden + u], recurrentN = gates[3 * hidden + u];
            float dh = carriedH[u] + fromAbove[u];
            float dn = dh * (1f - z) * (1f - n * n);
            float dZ = dh * (hPrevious[u] - n) * z * (1f - z);
            float dR = dn * recurrentN * r * (1f - r);
            inputSide[u] = dR;
            inputSide[hidden + u] = dZ;
            inputSide[2 * hidden + u] = dn;
            recurrentSide[u] = dR;
            recurrentSide[hidden + u] = dZ;
            recurrentSide[2 * hidden + u] = dn * r;
            carriedH[u] = dh * z;
        }
    }

    /// <summary>
    /// Adds one cell's parameter gradients (dW_ih += d_input ⊗ x, db_ih += d_input, dW_hh += d_recurrent ⊗ h_prev,
    /// db_hh += d_recurrent), dx += W_ihᵀ·d_input and carried dh += W_hhᵀ·d_recurrent, then flushes tiny carries.
    /// </summary>
    private void AddLayerGradients(int slot, ReadOnlySpan<float> x, ReadOnlySpan<float> hPrevious, ReadOnlySpan<float> inputSide, ReadOnlySpan<float> recurrentSide,
        Span<float> dx, Span<float> carriedH, Span<float> grad)
    {
        int hidden = Shape.HiddenStateSize, inputs = x.Length;
        ReadOnlySpan<float> weightIh = _parameters.AsSpan(_weightIhOffsets[slot], _gateRows * inputs);
        ReadOnlySpan<float> weightHh = _parameters.AsSpan(_weightHhOffsets[slot], _gateRows * hidden);
        Span<float> gradWeightIh = grad.Slice(_weightIhOffsets[slot], _gateRows * inputs);
        Span<float> gradWeightHh = grad.Slice(_weightHhOffsets[slot], _gateRows * hidden);
        Span<float> gradBiasIh = grad.Slice(_biasIhOffsets[slot], _gateRows);
        Span<float> gradBiasHh = grad.Slice(_biasHhOffsets[slot], _gateRows);
        for (int r = 0; r < _gateRows; r++)
        {
            float a = inputSide[r];
            gradBiasIh[r] += a;
            ReadOnlySpan<float> rowIh = weightIh.Slice(r * inputs, inputs);
            Span<float> gradRowIh = gradWeightIh.Slice(r * inputs, inputs);
            for (int j = 0; j < inputs; j++)
            {
                gradRowIh[j] += a * x[j];
                dx[j] += rowIh[j] * a;
            }
            float b = recurrentSide[r];
            gradBiasHh[r] += b;
            ReadOnlySpan<float> rowHh = weightHh.Slice(r * hidden, hidden);
            Span<float> gradRowHh = gradWeightHh.Slice(r * hidden, hidden);
            for (int j = 0; j < hidden; j++)
            {
                gradRowHh[j] += b * hPrevious[j];
                carriedH[j] += rowHh[j] * b;
            }
        }
        for (int u = 0; u < hidden; u++) carriedH[u] = FlushTiny(carriedH[u]);
    }

    /// <summary>
    /// The head at one output step: adds dW += dlogits ⊗ top and db += dlogits, and writes dL/dtop = Wᵀ·dlogits
    /// into <paramref name="dTop"/>. Without a head the output is the top layer's output itself, so dL/dtop is the output gradient.
    /// </summary>
    private void BackwardHead(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> top, Span<float> dTop, Span<float> grad)
    {
        if (Shape.Head == Head.None)
        {
            dOutput.CopyTo(dTop);
            return;
        }

        int width = top.Length;
        ReadOnlySpan<float> weight = _parameters.AsSpan(_headWeightOffset, Shape.OutputSize * width);
        Span<float> gradWeight = grad.Slice(_headWeightOffset, Shape.OutputSize * width);
        Span<float> gradBias = grad.Slice(_headBiasOffset, Shape.OutputSize);
        for (int o = 0; o < Shape.OutputSize; o++)
        {
            float d = dOutput[o];
            gradBias[o] += d;
            ReadOnlySpan<float> row = weight.Slice(o * width, width);
            Span<float> gradRow = gradWeight.Slice(o * width, width);
            for (int j = 0; j < width; j++)
            {
                gradRow[j] += d * top[j];
                dTop[j] += row[j] * d;
            }
        }
    }

    /// <summary>Where step <paramref name="t"/>'s output starts in the output span, or −1 if the step has none.</summary>
    private int OutputOffset(int t, int steps) =>
        Shape.HeadOn == HeadOn.EveryStep ? t * Shape.StepOutputSize
        : t == steps - 1 ? 0
        : -1;

    /// <summary>Zero for a carried gradient below <see cref="FlushThreshold"/> in magnitude, else the value (see the remarks on denormals).</summary>
    private static float FlushTiny(float x) => MathF.Abs(x) < FlushThreshold ? 0f : x;

    // ---- tape access ---------------------------------------------------------------------------

    /// <summary>The gate vectors (LSTM i, f, g, o, c; GRU r, z, n, W_hn·h + b_hn) of layer <paramref name="k"/>, direction <paramref name="d"/> in one step's record.</summary>
    private Span<float> RecordedGates(Span<float> step, int k, int d) =>
        step.Slice(k * LayerRecord + d * (RecordedVectors - 1) * Shape.HiddenSize, (RecordedVectors - 1) * Shape.HiddenSize);

    private ReadOnlySpan<float> RecordedGates(ReadOnlySpan<float> step, int k, int d) =>
        step.Slice(k * LayerRecord + d * (RecordedVectors - 1) * Shape.HiddenSize, (RecordedVectors - 1) * Shape.HiddenSize);

    /// <summary>The new h of layer <paramref name="k"/>, direction <paramref name="d"/> in one step's record.</summary>
    private Span<float> RecordedHidden(Span<float> step, int k, int d) =>
        step.Slice(k * LayerRecord + _directions * (RecordedVectors - 1) * Shape.HiddenSize + d * Shape.HiddenStateSize, Shape.HiddenStateSize);

    private ReadOnlySpan<float> RecordedHidden(ReadOnlySpan<float> step, int k, int d) =>
        step.Slice(k * LayerRecord + _directions * (RecordedVectors - 1) * Shape.HiddenSize + d * Shape.HiddenStateSize, Shape.HiddenStateSize);

    /// <summary>The dropout mask of layer <paramref name="k"/>'s input in one step's record (0 or 1 / (1 − p) per input).</summary>
    private Span<float> RecordedMask(Span<float> step, int k) =>
        step.Slice(Shape.LayerCount * LayerRecord + DropoutMaskOffset(k), Shape.LayerInputSize(k));

    private ReadOnlySpan<float> RecordedMask(ReadOnlySpan<float> step, int k) =>
        step.Slice(Shape.LayerCount * LayerRecord + DropoutMaskOffset(k), Shape.LayerInputSize(k));

    /// <summary>Layer <paramref name="k"/>'s output in one step's record: its h, or [h_forward, h_backward].</summary>
    private ReadOnlySpan<float> RecordedOutput(ReadOnlySpan<float> step, int k) =>
        step.Slice(k * LayerRecord + _directions * (RecordedVectors - 1) * Shape.HiddenSize, Shape.LayerOutputSize);

    private static Span<float> Records(TrainingTape tape) =>
        MemoryMarshal.CreateSpan(ref tape.GetReference(), tape.MaxSteps * tape.FloatsPerStep);

    private static Span<float> InputCopies(TrainingTape tape) =>
        MemoryMarshal.CreateSpan(ref tape.GetInputReference(), tape.MaxSteps * tape.InputFloatsPerStep);

    private static Span<float> Fixed(TrainingTape tape) =>
        MemoryMarshal.CreateSpan(ref tape.GetFixedReference(), tape.FixedFloats);

    // ---- argument checks -----------------------------------------------------------------------

    /// <summary>Throws unless <paramref name="tape"/> was made by <see cref="CreateTape"/> of a reference model of this shape.</summary>
    private void CheckTapeLayout(TrainingTape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        if (!tape.Shape.Equals(Shape))
            throw new ArgumentException($"The tape was created for a model of shape ({tape.Shape}), not ({Shape}).", nameof(tape));
        if (tape.FloatsPerStep != FloatsPerStep || tape.FixedFloats != FixedFloats)
            throw new ArgumentException(
                $"The tape has the layout of another implementation ({tape.FloatsPerStep} floats per step and {tape.FixedFloats} fixed; a ReferenceLstm tape has {FloatsPerStep} and {FixedFloats}). Create it with this model's CreateTape.", nameof(tape));
    }

    private void CheckGradients(GradientBuffer gradients, string name)
    {
        ArgumentNullException.ThrowIfNull(gradients, name);
        gradients.EnsureShape(Shape, TrainingLayout, name);
        if (gradients.Length != Shape.ParameterCount)
            throw new ArgumentException($"Expected a gradient buffer of {Shape.ParameterCount} floats (ParameterCount), got {gradients.Length}. Create it with this model's CreateGradients.", name);
    }

    private void CheckInputGradients(Span<float> inputGradients, int steps)
    {
        if (inputGradients.IsEmpty) return;
        if (Shape.IsTokenModel)
            throw new ArgumentException(
                $"This model reads token ids, which have no gradient; pass an empty span, not {inputGradients.Length} floats (the embedding's gradient is in the gradient buffer).", nameof(inputGradients));
        int expected = steps * Shape.InputSize;
        if (inputGradients.Length != expected)
            throw new ArgumentException(
                $"Expected {expected} input gradient floats (steps × Inputs = {steps} × {Shape.InputSize}) or an empty span, got {inputGradients.Length}.", nameof(inputGradients));
    }
}
