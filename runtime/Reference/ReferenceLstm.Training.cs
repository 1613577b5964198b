// Training for the reference LSTM: a recording forward pass and backpropagation through time, written as
// plain loops from PyTorch's equations, so generated training code has a readable oracle to be checked against.
using System;
using System.Runtime.InteropServices;
using LstmGen.Training;

namespace LstmGen.Reference;

/// <remarks>
/// <para><b>Tape layout</b> (floats, see <see cref="TrainingTape"/>): per step t and layer k, at
/// <c>(t·L + k)·6H</c>, the six vectors i, f, g, o, c, h of that step (H each); then the tape's copy of
/// the float inputs (T × Inputs; token ids go to <see cref="TrainingTape.Tokens"/>); then the fixed floats:
/// h0 and c0 of every layer (L·H each), the carried dL/dh and dL/dc of every layer (L·H each), and the
/// backward scratch dz (4H) and dx (max(InputSize, H)).</para>
/// <para><b>Backward</b>, from the last step to the first and, within a step, from the top layer down:
/// dh = (carried dh) + (dL/dh from above: the head, the output gradient, or the layer above's dx);
/// dc = (carried dc) + dh·o·(1 − tanh²c); the gate gradients dz = [dc·g·i(1−i), dc·c_prev·f(1−f),
/// dc·i·(1−g²), dh·tanh(c)·o(1−o)]; then dW_ih += dz ⊗ x, dW_hh += dz ⊗ h_prev, db_ih = db_hh += dz,
/// dx = W_ihᵀ·dz (to the layer below, the input gradient or the embedding row), carried dh = W_hhᵀ·dz and
/// carried dc = dc·f. The head adds dW += dlogits ⊗ h and db += dlogits and gives dh = Wᵀ·dlogits.
/// Sums are float, in the order written; tanh(c) is recomputed with <see cref="MathF.Tanh"/> (the same
/// value the forward pass used). Backward reads the weights and embedding rows from <see cref="Parameters"/>,
/// so change them (an optimizer step) only after Backward, as with any tape-based training.</para>
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
    internal const float FlushThreshold = LstmGen.Kernels.Activations.GradientFlushThreshold;

    /// <summary>Names this implementation's tape and gradient layout (PyTorch order), so a generated model's tape or buffer is refused.</summary>
    private const string TrainingLayout = "lstmgen-reference-v1";

    /// <summary>Vectors recorded per layer and step: i, f, g, o, c, h.</summary>
    private const int RecordedVectors = 6;

    /// <summary>Floats the tape records per step (all layers).</summary>
    private int FloatsPerStep => Shape.Layers * RecordedVectors * Shape.Hidden;

    /// <summary>Floats of the tape's fixed part: h0, c0, carried dh, carried dc (L·H each), dz (4H), dx.</summary>
    private int FixedFloats => 4 * Shape.Layers * Shape.Hidden + _gateCount + Math.Max(Shape.InputSize, Shape.Hidden);

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
        int width = Shape.Inputs;
        Span<float> records = Records(tape);
        for (int t = 0; t < steps; t++)
        {
            AdvanceLayers(inputs.Slice(t * width, width), state, records.Slice(t * FloatsPerStep, FloatsPerStep));
            WriteSequenceOutput(state, outputs, t, steps, HeadOutput.Logits);
        }
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

        tokens.CopyTo(tape.Tokens);
        RecordInitialState(tape, state);
        Span<float> records = Records(tape);
        for (int t = 0; t < tokens.Length; t++)
        {
            AdvanceLayers(EmbeddingRow(tokens[t]), state, records.Slice(t * FloatsPerStep, FloatsPerStep));
            WriteSequenceOutput(state, outputs, t, tokens.Length, HeadOutput.Logits);
        }
    }

    /// <summary>Writes unit <paramref name="u"/> of layer <paramref name="k"/> into one step's record.</summary>
    private void RecordUnit(Span<float> record, int k, int u, float i, float f, float g, float o, float c, float h)
    {
        int hidden = Shape.Hidden;
        int at = k * RecordedVectors * hidden + u;
        record[at] = i;
        record[at + hidden] = f;
        record[at + 2 * hidden] = g;
        record[at + 3 * hidden] = o;
        record[at + 4 * hidden] = c;
        record[at + 5 * hidden] = h;
    }

    private void RecordInitialState(TrainingTape tape, LstmState state)
    {
        int hidden = Shape.Hidden;
        Span<float> fixedFloats = Fixed(tape);
        for (int k = 0; k < Shape.Layers; k++)
        {
            state.Hidden(k).CopyTo(fixedFloats.Slice(k * hidden, hidden));
            state.Cell(k).CopyTo(fixedFloats.Slice((Shape.Layers + k) * hidden, hidden));
        }
    }

    // ---- backpropagation through time ----------------------------------------------------------

    /// <inheritdoc/>
    public void Backward(TrainingTape tape, ReadOnlySpan<float> outputGradients, GradientBuffer gradients,
        Span<float> inputGradients = default, LstmState? initialStateGradients = null)
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
        if (initialStateGradients is not null && (initialStateGradients.Layers != Shape.Layers || initialStateGradients.HiddenSize != Shape.Hidden))
            throw new ArgumentException(
                $"The initial-state gradient state has {initialStateGradients.Layers} layer(s) of {initialStateGradients.HiddenSize} units; expected {Shape.Layers} of {Shape.Hidden}.", nameof(initialStateGradients));

        int hidden = Shape.Hidden, layers = Shape.Layers, state = layers * hidden;
        Span<float> records = Records(tape);
        Span<float> fixedFloats = Fixed(tape);
        ReadOnlySpan<float> h0 = fixedFloats.Slice(0, state);
        ReadOnlySpan<float> c0 = fixedFloats.Slice(state, state);
        Span<float> carriedH = fixedFloats.Slice(2 * state, state);
        Span<float> carriedC = fixedFloats.Slice(3 * state, state);
        Span<float> dz = fixedFloats.Slice(4 * state, _gateCount);
        Span<float> dx = fixedFloats.Slice(4 * state + _gateCount, Math.Max(Shape.InputSize, hidden));
        ReadOnlySpan<float> inputCopies = InputCopies(tape);
        ReadOnlySpan<int> tokens = tape.Tokens;
        Span<float> grad = gradients.Values;
        carriedH.Clear();
        carriedC.Clear();

        for (int t = steps - 1; t >= 0; t--)
        {
            ReadOnlySpan<float> step = records.Slice(t * FloatsPerStep, FloatsPerStep);
            ReadOnlySpan<float> previous = t > 0 ? records.Slice((t - 1) * FloatsPerStep, FloatsPerStep) : default;

            // dL/dh of the top layer from this step's output (zero at steps without one); it goes in dx,
            // which each layer reads as "from above" and overwrites with the gradient of its own input.
            Span<float> fromAbove = dx.Slice(0, hidden);
            fromAbove.Clear();
            int outputAt = OutputOffset(t, steps);
            if (outputAt >= 0)
                BackwardHead(outputGradients.Slice(outputAt, Shape.StepOutputSize), Vector(step, layers - 1, HOffset), fromAbove, grad);

            for (int k = layers - 1; k >= 0; k--)
            {
                ReadOnlySpan<float> x = k > 0 ? Vector(step, k - 1, HOffset)
                    : Shape.IsTokenModel ? EmbeddingRow(tokens[t])
                    : inputCopies.Slice(t * Shape.Inputs, Shape.Inputs);
                ReadOnlySpan<float> hPrev = t > 0 ? Vector(previous, k, HOffset) : h0.Slice(k * hidden, hidden);
                ReadOnlySpan<float> cPrev = t > 0 ? Vector(previous, k, COffset) : c0.Slice(k * hidden, hidden);
                BackwardCell(k, step.Slice(k * RecordedVectors * hidden, RecordedVectors * hidden), x, hPrev, cPrev,
                    dx, carriedH.Slice(k * hidden, hidden), carriedC.Slice(k * hidden, hidden), dz, grad);
            }

            // dx now holds dL/d(layer 0's input at step t).
            if (Shape.IsTokenModel)
            {
                Span<float> row = grad.Slice(_embeddingOffset + tokens[t] * Shape.Embedding, Shape.Embedding);
                for (int j = 0; j < row.Length; j++) row[j] += dx[j];
            }
            else if (!inputGradients.IsEmpty)
            {
                dx.Slice(0, Shape.Inputs).CopyTo(inputGradients.Slice(t * Shape.Inputs, Shape.Inputs));
            }
        }

        if (initialStateGradients is not null)
        {
            for (int k = 0; k < layers; k++)
            {
                carriedH.Slice(k * hidden, hidden).CopyTo(initialStateGradients.Hidden(k));
                carriedC.Slice(k * hidden, hidden).CopyTo(initialStateGradients.Cell(k));
            }
        }
    }

    /// <summary>
    /// One layer at one step. Reads dL/dh from above in <paramref name="dx"/>[0..H) and the carried
    /// dL/dh, dL/dc of this layer; adds the parameter gradients; leaves dL/dx in <paramref name="dx"/>
    /// and dL/dh_{t−1}, dL/dc_{t−1} in the carried vectors.
    /// </summary>
    private void BackwardCell(int k, ReadOnlySpan<float> record, ReadOnlySpan<float> x, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> cPrev,
        Span<float> dx, Span<float> carriedH, Span<float> carriedC, Span<float> dz, Span<float> grad)
    {
        int hidden = Shape.Hidden, inputs = x.Length;
        ReadOnlySpan<float> gi = record.Slice(0, hidden);
        ReadOnlySpan<float> gf = record.Slice(hidden, hidden);
        ReadOnlySpan<float> gg = record.Slice(2 * hidden, hidden);
        ReadOnlySpan<float> go = record.Slice(3 * hidden, hidden);
        ReadOnlySpan<float> c = record.Slice(4 * hidden, hidden);

        // Gate pre-activation gradients, blocks i, f, g, o like the weights.
        for (int u = 0; u < hidden; u++)
        {
            float i = gi[u], f = gf[u], g = gg[u], o = go[u];
            float dh = carriedH[u] + dx[u];
            float tanhC = MathF.Tanh(c[u]);
            float dc = carriedC[u] + dh * o * (1f - tanhC * tanhC);
            dz[u] = dc * g * i * (1f - i);
            dz[hidden + u] = dc * cPrev[u] * f * (1f - f);
            dz[2 * hidden + u] = dc * i * (1f - g * g);
            dz[3 * hidden + u] = dh * tanhC * o * (1f - o);
            carriedC[u] = FlushTiny(dc * f);
        }

        // Parameter gradients (added), and dx = W_ihᵀ·dz, dh_{t−1} = W_hhᵀ·dz.
        ReadOnlySpan<float> weightIh = _parameters.AsSpan(_weightIhOffsets[k], _gateCount * inputs);
        ReadOnlySpan<float> weightHh = _parameters.AsSpan(_weightHhOffsets[k], _gateCount * hidden);
        Span<float> gradWeightIh = grad.Slice(_weightIhOffsets[k], _gateCount * inputs);
        Span<float> gradWeightHh = grad.Slice(_weightHhOffsets[k], _gateCount * hidden);
        Span<float> gradBiasIh = grad.Slice(_biasIhOffsets[k], _gateCount);
        Span<float> gradBiasHh = grad.Slice(_biasHhOffsets[k], _gateCount);
        dx.Slice(0, inputs).Clear();
        carriedH.Clear();
        for (int r = 0; r < _gateCount; r++)
        {
            float d = dz[r];
            gradBiasIh[r] += d;
            gradBiasHh[r] += d;
            ReadOnlySpan<float> rowIh = weightIh.Slice(r * inputs, inputs);
            Span<float> gradRowIh = gradWeightIh.Slice(r * inputs, inputs);
            for (int j = 0; j < inputs; j++)
            {
                gradRowIh[j] += d * x[j];
                dx[j] += rowIh[j] * d;
            }
            ReadOnlySpan<float> rowHh = weightHh.Slice(r * hidden, hidden);
            Span<float> gradRowHh = gradWeightHh.Slice(r * hidden, hidden);
            for (int j = 0; j < hidden; j++)
            {
                gradRowHh[j] += d * hPrev[j];
                carriedH[j] += rowHh[j] * d;
            }
        }
        for (int u = 0; u < hidden; u++) carriedH[u] = FlushTiny(carriedH[u]);
    }

    /// <summary>
    /// The head at one output step: adds dW += dlogits ⊗ h and db += dlogits, and writes dL/dh = Wᵀ·dlogits
    /// into <paramref name="dh"/>. Without a head the output is h, so dL/dh is the output gradient itself.
    /// </summary>
    private void BackwardHead(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> top, Span<float> dh, Span<float> grad)
    {
        if (Shape.Head == Head.None)
        {
            dOutput.CopyTo(dh);
            return;
        }

        int hidden = Shape.Hidden;
        ReadOnlySpan<float> weight = _parameters.AsSpan(_headWeightOffset, Shape.Outputs * hidden);
        Span<float> gradWeight = grad.Slice(_headWeightOffset, Shape.Outputs * hidden);
        Span<float> gradBias = grad.Slice(_headBiasOffset, Shape.Outputs);
        for (int o = 0; o < Shape.Outputs; o++)
        {
            float d = dOutput[o];
            gradBias[o] += d;
            ReadOnlySpan<float> row = weight.Slice(o * hidden, hidden);
            Span<float> gradRow = gradWeight.Slice(o * hidden, hidden);
            for (int j = 0; j < hidden; j++)
            {
                gradRow[j] += d * top[j];
                dh[j] += row[j] * d;
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

    private const int COffset = 4;
    private const int HOffset = 5;

    /// <summary>Recorded vector <paramref name="which"/> (0..5: i, f, g, o, c, h) of layer <paramref name="k"/> in one step's record.</summary>
    private ReadOnlySpan<float> Vector(ReadOnlySpan<float> step, int k, int which) =>
        step.Slice((k * RecordedVectors + which) * Shape.Hidden, Shape.Hidden);

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
        int expected = steps * Shape.Inputs;
        if (inputGradients.Length != expected)
            throw new ArgumentException(
                $"Expected {expected} input gradient floats (steps × Inputs = {steps} × {Shape.Inputs}) or an empty span, got {inputGradients.Length}.", nameof(inputGradients));
    }
}
