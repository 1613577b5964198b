// The one generator-side description of a model's memory: the packed weight layout (runtime GateLayout), the
// parameter offsets (runtime ModelShape), the state, training record, tape and lane-tape layouts, and the per-size
// strategy choices. Every emitter reads it; tests/Generator/GeometryTests pins it to the runtime's for every baseline.
using System.Collections.Generic;

namespace LstmGen.Generator.Model;

/// <summary>Sizes and offsets derived from a <see cref="ModelSpec"/> (all in floats).</summary>
internal sealed class Geometry
{
    /// <summary>Units per block: the packed layout groups 16 units with their four gates side by side.</summary>
    public const int Block = 16;

    /// <summary>Gate and head columns (summed over layers and head) up to which every register tile is unrolled; beyond, compact code (LSTM0100).</summary>
    public const int UnrollBudgetColumns = 1024;

    /// <summary>
    /// Packed layer weights (floats, 1 MB) above which a whole-sequence <c>Predict</c> runs layer by layer over chunks
    /// of <see cref="LayerMajorChunk"/> steps, so one layer's matrix is reused from L2 for the whole chunk instead of all
    /// layers' weights streaming from L3 every step.
    /// </summary>
    public const int LayerMajorBudget = 262144;

    /// <summary>Steps per layer-major chunk: the chunk's input projections and outputs live in the state's scratch.</summary>
    public const int LayerMajorChunk = 16;

    /// <summary>Floats a token model may spend on its input-projection table (256 KB): <c>bias + W_ih·embedding</c> per token.</summary>
    public const int InputTableBudget = 65536;

    public Geometry(ModelSpec spec)
    {
        Spec = spec;
        Padded = Pad(spec.Hidden);
        Row = 4 * Padded;
        HeadRow = spec.Head == HeadKind.None ? 0 : Pad(spec.Outputs);
        ProjectionRow = spec.HasProjection ? Pad(spec.Projection) : 0;
        ProjectionBlock = spec.HasProjection ? (1 + spec.Hidden) * ProjectionRow : 0;
        TopWidth = spec.Directions * spec.Recurrent;
        StateLength = spec.Layers * spec.Directions * 2 * Padded;
        ScratchLength = Row + HeadRow + (spec.HasProjection ? Padded : 0);
        RecordPerLayer = 7 * Padded + ProjectionRow;
        RecordHidden = Row + 2 * Padded + (spec.HasProjection ? Padded : 0);

        int parameters = spec.IsTokenModel ? spec.Vocabulary * spec.Embedding : 0, packed = 0;
        for (int k = 0; k < spec.Layers; k++)
        {
            for (int d = 0; d < spec.Directions; d++)
            {
                LayerParameterOffsets.Add(parameters);
                parameters += LayerParameters(k);
                LayerPackedOffsets.Add(packed);
                packed += GateBlock(spec.LayerInputSize(k)) + ProjectionBlock;
            }
        }
        HeadWeightOffset = parameters;
        HeadBiasOffset = parameters + spec.Outputs * TopWidth;
        ParameterCount = HeadBiasOffset + spec.Outputs;
        HeadPackedOffset = packed;
        PackedLength = packed + (HeadRow == 0 ? 0 : (1 + TopWidth) * HeadRow);

        // Per-size strategies (see docs/performance.md). A bidirectional model always runs its own whole-sequence driver.
        InputTableLength = spec.IsTokenModel && !spec.Bidirectional && (long)spec.Vocabulary * Row <= InputTableBudget ? spec.Vocabulary * Row : 0;
        // A head with few outputs computes each logit as one dot product with h (O·P/16 multiply-adds and O horizontal sums,
        // ≈ 6 instructions each) instead of broadcasting each h value into the outputs' columns ((1 + H)·Pad(O)/16).
        DotHead = !spec.Bidirectional && spec.Head != HeadKind.None && spec.Outputs * (Pad(TopWidth) / 16 + 6) < (1 + TopWidth) * (HeadRow / 16);
        HeadRowsLength = DotHead ? spec.Outputs * Pad(TopWidth) + HeadRow : 0;
        LayerMajor = !spec.Bidirectional && !spec.HasProjection && HeadPackedOffset > LayerMajorBudget;
        SequenceScratchLength = LayerMajor ? LayerMajorChunk * (Row + Padded) : 0;

        DropoutInputWidth = spec.InputDropout > 0 ? Pad(spec.InputSize) : 0;
        DropoutUpperWidth = spec.Dropout > 0 && spec.Layers > 1 ? spec.Directions * Padded : 0;
        DropoutBase = spec.Layers * spec.Directions * RecordPerLayer + (spec.Bidirectional ? 4 * Padded : 0);
        DropoutFloats = 2 * DropoutInputWidth + (spec.Layers - 1) * 2 * DropoutUpperWidth;
    }

    public ModelSpec Spec { get; }

    // ---- Sizes ----------------------------------------------------------------------------------------------

    /// <summary>Hidden units rounded up to a block (P).</summary>
    public int Padded { get; }

    /// <summary>16-unit blocks per layer (P / 16).</summary>
    public int Blocks => Padded / Block;

    /// <summary>Floats per packed gate row: 4·P.</summary>
    public int Row { get; }

    /// <summary>Floats per packed head row: the outputs rounded up to 16 (0 without a head).</summary>
    public int HeadRow { get; }

    /// <summary>With a projection: floats per packed row of W_hr (the projection size rounded up to 16), else 0.</summary>
    public int ProjectionRow { get; }

    /// <summary>With a projection: floats of a layer's packed W_hr (a zero row, then H rows), right after its gate rows; else 0.</summary>
    public int ProjectionBlock { get; }

    /// <summary>Width of the top layer's output per step (what the head reads): h's width × directions.</summary>
    public int TopWidth { get; }

    /// <summary>The rows of a product that reads the top layer's h: <c>1 + TopWidth</c> (bias, then one per h value).</summary>
    public static int Pad(int n) => (n + Block - 1) / Block * Block;

    // ---- PyTorch parameters (ModelShape's order) ------------------------------------------------------------

    /// <summary>Offset in the parameters of layer slot k·directions + d (W_ih, W_hh, b_ih, b_hh, W_hr, peepholes).</summary>
    public List<int> LayerParameterOffsets { get; } = new();
    public int HeadWeightOffset { get; }
    public int HeadBiasOffset { get; }
    public int ParameterCount { get; }

    /// <summary>Parameters of one direction of layer <paramref name="k"/>.</summary>
    public int LayerParameters(int k) =>
        Spec.GatesPerUnit * Spec.Hidden * (Spec.LayerInputSize(k) + Spec.Recurrent + 2) + (Spec.Peephole ? 3 * Spec.Hidden : 0) + Spec.Projection * Spec.Hidden;

    // ---- Packed weights (GateLayout) ------------------------------------------------------------------------

    /// <summary>Offset in the packed weights of layer slot k·directions + d.</summary>
    public List<int> LayerPackedOffsets { get; } = new();
    public int HeadPackedOffset { get; }
    public int PackedLength { get; }

    /// <summary>Floats of a layer's gate rows for <paramref name="inputs"/> inputs: bias, W_ih, W_hh (and the peephole row); where its projection block starts.</summary>
    public int GateBlock(int inputs) => (Spec.ExtraRows + inputs + Spec.Recurrent) * Row;

    /// <summary>Offset in a layer's packed rows of its peephole row (after bias, W_ih and W_hh).</summary>
    public int PeepholeRow(int inputs) => (1 + inputs + Spec.Recurrent) * Row;

    /// <summary>Floats between two consecutive upper layers' packed weights (unidirectional).</summary>
    public int UpperLayerStride => (Spec.ExtraRows + 2 * Spec.Recurrent) * Row + ProjectionBlock;

    // ---- State (LstmState: h, c per slot, then scratch) -------------------------------------------------------

    /// <summary>Floats of h and c of every slot (P each).</summary>
    public int StateLength { get; }

    /// <summary>Scratch after the state: the gate sums (one row), the head's logits, and m = o·tanh(c) with a projection.</summary>
    public int ScratchLength { get; }

    /// <summary>Offset of h of state slot <paramref name="slot"/> (layer·directions + direction).</summary>
    public int HiddenOffset(int slot) => slot * 2 * Padded;

    /// <summary>Offset of c of state slot <paramref name="slot"/>.</summary>
    public int CellOffset(int slot) => slot * 2 * Padded + Padded;

    /// <summary>Offset in the state of the gate-sum scratch.</summary>
    public int GateSums => StateLength;

    /// <summary>Offset in the state of the head's logits.</summary>
    public int Logits => StateLength + Row;

    /// <summary>Offset in the state of m = o·tanh(c) (inference with a projection): after the gate sums and the logits.</summary>
    public int ProjectionScratch => StateLength + Row + HeadRow;

    // ---- Training record of one step (per layer and direction) ----------------------------------------------

    /// <summary>Floats a step records per layer: 4·P gate activations, c, tanh(c), h (projected: m, then h padded to 16).</summary>
    public int RecordPerLayer { get; }

    /// <summary>Offset of h in a layer's record: after the gates, c, tanh(c) (and, projected, m).</summary>
    public int RecordHidden { get; }

    /// <summary>Offset of c in a layer's record.</summary>
    public int RecordCell => Row;

    /// <summary>Offset of o·tanh(c) in a layer's record: h, or m with a projection.</summary>
    public int RecordOutput => Row + 2 * Padded;

    /// <summary>Per recorded step: the padded width of the dropped model input (0 without input dropout).</summary>
    public int DropoutInputWidth { get; }

    /// <summary>Per recorded step: the padded width of a dropped layer output feeding layer k ≥ 1 (directions × P; 0 without dropout between layers).</summary>
    public int DropoutUpperWidth { get; }

    /// <summary>Offset in a step's record of the dropout region: per site, the masked input the layer read, then its mask.</summary>
    public int DropoutBase { get; }

    /// <summary>Floats of the dropout region per recorded step.</summary>
    public int DropoutFloats { get; }

    /// <summary>The padded width of layer <paramref name="k"/>'s dropout site.</summary>
    public int DropoutWidth(int k) => k == 0 ? DropoutInputWidth : DropoutUpperWidth;

    /// <summary>Offset in a step's record of the masked input of layer <paramref name="k"/> (k ≥ 0); its mask follows at + the site's width.</summary>
    public int DropoutSite(int k) => k == 0 ? DropoutBase : DropoutBase + 2 * DropoutInputWidth + (k - 1) * 2 * DropoutUpperWidth;

    /// <summary>Floats recorded per step: every layer's record, (bidirectional) two layers' output gradients, the dropout region.</summary>
    public int RecordStep => DropoutBase + DropoutFloats;

    /// <summary>Bidirectional: offset in a step's record of the two layers' output gradients (2·P each).</summary>
    public int OutputGradientOffset => Spec.Layers * Spec.Directions * RecordPerLayer;

    // ---- A training tape's fixed floats: initial state, then the backward pass's scratch ----------------------

    public int InitialState => 0;
    public int StateGradients => StateLength;
    public int GateGradients => 2 * StateLength;
    public int InputGradients => GateGradients + Row;

    /// <summary>dx of the layer being processed (and, bidirectional, dx of the reverse half at +P).</summary>
    public int InputGradientLength => System.Math.Max(Pad(Spec.InputSize), Spec.Directions * Padded);

    public int LogitGradients => InputGradients + InputGradientLength;

    /// <summary>With a projection: dL/dm of the layer being processed (P floats).</summary>
    public int ProjectionGradients => LogitGradients + HeadRow;

    public int FixedFloats => ProjectionGradients + (Spec.HasProjection ? Padded : 0);

    /// <summary>Offset in the gradient buffer of the embedding's gradients (after the packed ones).</summary>
    public int EmbeddingGradients => PackedLength;

    public int GradientLength => PackedLength + Spec.Vocabulary * Spec.Embedding;

    // ---- Lane tape (lock-step training) ------------------------------------------------------------------------

    /// <summary>Per lane: h, c per layer, the gate sums and logits, padded to a block.</summary>
    public int LaneStateStride => Pad(StateLength + ScratchLength);

    /// <summary>Per lane: dx of the layer being processed.</summary>
    public int LaneInputGradientLength => Pad(System.Math.Max(Spec.InputSize, Spec.Hidden));

    /// <summary>Per lane: working state, h0/c0, dh/dc, dx, dlogits.</summary>
    public int LaneFixedFloats => LaneStateStride + 2 * StateLength + LaneInputGradientLength + HeadRow;

    /// <summary>Floats of layer k's inputs of one lane-step in a gradient block: [1, x, h_prev], padded.</summary>
    public int LaneInputRow(int k) => Pad(1 + Spec.LayerInputSize(k) + Spec.Hidden);

    /// <summary>Per lane-step of a gradient block: every layer's dz row and input row.</summary>
    public int LaneBlockFloats => LaneDzBlock(Spec.Layers);

    /// <summary>Offset of layer k's dz block within the blocks, in units of (block steps × lanes).</summary>
    public int LaneDzBlock(int k)
    {
        int sum = 0;
        for (int j = 0; j < k; j++) sum += Row + LaneInputRow(j);
        return sum;
    }

    public int LaneInputBlock(int k) => LaneDzBlock(k) + Row;

    /// <summary>Columns of layer k's transposed weights: its inputs padded, then its P hidden units.</summary>
    public int TransposedWidth(int k) => Pad(Spec.LayerInputSize(k)) + Padded;

    public int TransposedOffset(int k)
    {
        int sum = 0;
        for (int j = 0; j < k; j++) sum += Row * TransposedWidth(j);
        return sum;
    }

    public int TransposedLength => TransposedOffset(Spec.Layers);

    // ---- Per-size strategies ------------------------------------------------------------------------------------

    /// <summary>Whether the model is over the unrolling budget: loop kernels instead of unrolled register tiles (LSTM0100).</summary>
    public bool Compact => Spec.Compact;

    /// <summary>Floats of the input-projection table (vocabulary × row), or 0 when the model has none.</summary>
    public int InputTableLength { get; }

    public bool HasInputTable => InputTableLength > 0;

    /// <summary>Whether inference computes the head's logits as dot products with h, from a by-rows copy of the head.</summary>
    public bool DotHead { get; }

    /// <summary>Floats of the by-rows head copy (O rows of Pad(top width), then the bias padded), or 0.</summary>
    public int HeadRowsLength { get; }

    /// <summary>Whether whole-sequence Predict runs layer-major (see <see cref="LayerMajorBudget"/>).</summary>
    public bool LayerMajor { get; }

    /// <summary>Extra state scratch for layer-major Predict: a chunk's input projections (Row each) and layer outputs (P each).</summary>
    public int SequenceScratchLength { get; }

    /// <summary>
    /// Totals of a declaration that must fit the runtime's int-sized buffers, computed in 64 bits before a spec
    /// exists: parameters, packed floats, and the gate and head columns the unrolling budget counts.
    /// </summary>
    public static (long Parameters, long Packed, long Columns) Totals(int inputSize, int vocabulary, int embedding, int hidden, int layers, int outputs,
        bool gru, bool bidirectional, bool peephole, int projection)
    {
        int recurrent = projection > 0 ? projection : hidden, directions = bidirectional ? 2 : 1;
        long gates = (gru ? 3L : 4L) * hidden;
        long parameters = (long)vocabulary * embedding + (long)outputs * recurrent * directions + outputs;
        long packed = outputs > 0 ? (long)Pad(outputs) * (1 + (long)recurrent * directions) : 0;
        for (int k = 0; k < layers; k++)
        {
            long inK = k == 0 ? inputSize : (long)directions * recurrent;
            parameters += directions * (gates * (inK + recurrent + 2) + (peephole ? 3L * hidden : 0) + (long)projection * hidden);
            packed += directions * (((peephole ? 2 : 1) + inK + recurrent) * 4L * Pad(hidden) + (projection > 0 ? (1L + hidden) * Pad(projection) : 0));
        }
        long columns = (long)layers * directions * 4 * Pad(hidden) + (long)layers * (projection > 0 ? Pad(projection) : 0) + (outputs > 0 ? Pad(outputs) : 0);
        return (parameters, packed, columns);
    }
}
