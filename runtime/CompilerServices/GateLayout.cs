// The packed weight layout the generated code reads: transposed, gate-interleaved, padded rows.
using System;

namespace LstmGen.CompilerServices;

/// <summary>
/// Packs PyTorch-layout LSTM and head weights into the layout generated code computes from.
/// </summary>
/// <remarks>
/// <para>An LSTM layer with input width I and hidden size H packs into <c>1 + I + H</c> rows of
/// <c>4·P</c> floats (P = H rounded up to <see cref="LstmState.LaneBlock"/>): row 0 holds
/// <c>b_ih + b_hh</c>, rows 1…I the transposed <c>W_ih</c>, rows I+1…I+H the transposed
/// <c>W_hh</c>. Within a row, hidden units are taken in blocks of 16 and the four gates of a
/// block sit side by side: column <c>(u / 16)·64 + gate·16 + u % 16</c> for unit u and gate
/// i=0, f=1, g=2, o=3. A step then is: start from row 0, add <c>x_j ×</c> row j for every input
/// and hidden value (broadcast × vector, fused multiply-add), and each 64-float block holds the
/// i, f, g, o pre-activations of 16 units ready for the cell update. Padding columns are zero.</para>
/// <para>A GRU layer packs into the same rows, its four slots per unit holding the r and z sums
/// (both biases, input and recurrent weights), the input part of n (<c>b_in + W_in·x</c>: recurrent
/// rows are zero there) and the recurrent part of n (<c>b_hn + W_hn·h</c>: input rows are zero there),
/// so one pass over the rows leaves everything the cell needs for <c>n = tanh(n_x + r·n_h)</c>
/// (see <see cref="PackGruLayer"/>).</para>
/// <para>A peephole LSTM layer (<see cref="ModelShape.Peephole"/>) has one more row after those, the peephole row
/// (<see cref="PackPeepholes"/>): p_i, p_f, 0, p_o in the gate columns, so the cell update reads each unit's peephole
/// weights at the offsets of its gate sums. The matrix–vector passes stop before it.</para>
/// <para>With a projection (<see cref="ModelShape.ProjectionSize"/> R), <c>W_hh</c> has R columns, so the layer packs into
/// <c>1 + I + R</c> rows (the <c>recurrent</c> overloads), and the projection <c>W_hr</c> [R, H] packs after the layer like
/// a head without bias (<see cref="PackProjection"/>): a zero row, then row 1 + j = column j of <c>W_hr</c>, R rounded up to 16 wide.</para>
/// <para>A head with H inputs and O outputs packs into <c>1 + H</c> rows of O rounded up to 16:
/// row 0 is the bias, row 1 + j is column j of <c>head.weight</c>.</para>
/// </remarks>
public static class GateLayout
{
    /// <summary>Floats in one packed row of a layer with <paramref name="hidden"/> units.</summary>
    public static int LayerRowLength(int hidden) => ModelShape.GateCount * LstmState.PadToBlock(hidden);

    /// <summary>Floats in the packed form of a layer.</summary>
    public static int LayerLength(int inputs, int hidden) => LayerLength(inputs, hidden, hidden);

    /// <summary>Floats in the packed form of a layer whose recurrent input is <paramref name="recurrent"/> wide (the projection size, or <paramref name="hidden"/>).</summary>
    public static int LayerLength(int inputs, int hidden, int recurrent) => checked((1 + inputs + recurrent) * LayerRowLength(hidden));

    /// <summary>Floats in the packed form of a projection <c>W_hr</c> [<paramref name="projection"/>, <paramref name="hidden"/>].</summary>
    public static int ProjectionLength(int hidden, int projection) => HeadLength(hidden, projection);

    /// <summary>Floats in the packed form of a peephole LSTM layer: <see cref="LayerLength(int, int)"/> and the peephole row.</summary>
    public static int PeepholeLayerLength(int inputs, int hidden) => checked((2 + inputs + hidden) * LayerRowLength(hidden));

    /// <summary>Floats in one packed head row.</summary>
    public static int HeadRowLength(int outputs) => LstmState.PadToBlock(outputs);

    /// <summary>Floats in the packed form of a head.</summary>
    public static int HeadLength(int hidden, int outputs) => checked((1 + hidden) * HeadRowLength(outputs));

    /// <summary>Packed column of gate <paramref name="gate"/> (0 = i … 3 = o) of hidden unit <paramref name="unit"/>.</summary>
    public static int Column(int gate, int unit) =>
        unit / LstmState.LaneBlock * (ModelShape.GateCount * LstmState.LaneBlock) + gate * LstmState.LaneBlock + unit % LstmState.LaneBlock;

    /// <summary>Packs one LSTM layer from PyTorch tensors (<c>W_ih</c> [4H, I], <c>W_hh</c> [4H, H], <c>b_ih</c>, <c>b_hh</c> [4H]).</summary>
    public static void PackLayer(ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        int inputs, int hidden, Span<float> destination) =>
        Pack(ModelShape.GateCount, weightIh, weightHh, biasIh, biasHh, inputs, hidden, hidden, destination);

    /// <summary>
    /// Packs one LSTM layer with a projection: <c>W_hh</c> is [4H, <paramref name="recurrent"/>] (it reads the projected h), so the
    /// layer has <c>1 + I + recurrent</c> rows; otherwise as <see cref="PackLayer(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float})"/>.
    /// </summary>
    public static void PackLayer(ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        int inputs, int hidden, int recurrent, Span<float> destination) =>
        Pack(ModelShape.GateCount, weightIh, weightHh, biasIh, biasHh, inputs, hidden, recurrent, destination);

    /// <summary>
    /// Packs one GRU layer from PyTorch tensors (<c>W_ih</c> [3H, I], <c>W_hh</c> [3H, H], <c>b_ih</c>, <c>b_hh</c> [3H],
    /// row blocks r, z, n) into the layout of <see cref="PackLayer(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float})"/>: slot 0 = r (<c>b_ir + b_hr</c>, <c>W_ir</c>, <c>W_hr</c>),
    /// slot 1 = z, slot 2 = the input part of n (<c>b_in</c>, <c>W_in</c>; zero in the recurrent rows), slot 3 = the
    /// recurrent part of n (<c>b_hn</c>, <c>W_hn</c>; zero in the input rows).
    /// </summary>
    public static void PackGruLayer(ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        int inputs, int hidden, Span<float> destination) =>
        Pack(GruGates, weightIh, weightHh, biasIh, biasHh, inputs, hidden, hidden, destination);

    /// <summary>Gate row blocks of a GRU layer (r, z, n).</summary>
    private const int GruGates = 3;

    /// <summary>
    /// The packed columns of gate row <paramref name="r"/>'s input part and recurrent part. They are the same column for
    /// every LSTM gate and the GRU's r and z; the GRU's n keeps its recurrent part apart, in slot 3.
    /// </summary>
    private static (int Input, int Recurrent) Columns(int gates, int r, int hidden)
    {
        int gate = r / hidden, unit = r % hidden;
        int input = Column(gate, unit);
        return (input, gates == GruGates && gate == 2 ? Column(3, unit) : input);
    }

    private static void CheckLayer(int gates, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        int inputs, int hidden, int recurrent, ReadOnlySpan<float> packed, string packedName)
    {
        if (recurrent <= 0 || recurrent > hidden) throw new ArgumentOutOfRangeException(nameof(recurrent), recurrent, $"The recurrent width must be between 1 and the hidden size ({hidden}).");
        int rows = gates * hidden;
        CheckLength(weightIh, rows * inputs, nameof(weightIh));
        CheckLength(weightHh, rows * recurrent, nameof(weightHh));
        CheckLength(biasIh, rows, nameof(biasIh));
        CheckLength(biasHh, rows, nameof(biasHh));
        CheckLength(packed, LayerLength(inputs, hidden, recurrent), packedName);
    }

    /// <summary>PackLayer / PackGruLayer: a gate row's input weights go to its input column, recurrent weights to its recurrent column; a shared column gets the sum of both biases.</summary>
    private static void Pack(int gates, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        int inputs, int hidden, int recurrent, Span<float> destination)
    {
        CheckLayer(gates, weightIh, weightHh, biasIh, biasHh, inputs, hidden, recurrent, destination, nameof(destination));
        int row = LayerRowLength(hidden);
        destination.Clear();
        for (int r = 0; r < gates * hidden; r++)
        {
            var (input, recurrentColumn) = Columns(gates, r, hidden);
            destination[input] += biasIh[r];
            destination[recurrentColumn] += biasHh[r];
            for (int j = 0; j < inputs; j++) destination[(1 + j) * row + input] = weightIh[r * inputs + j];
            for (int j = 0; j < recurrent; j++) destination[(1 + inputs + j) * row + recurrentColumn] = weightHh[r * recurrent + j];
        }
    }

    /// <summary>
    /// Packs a layer's peephole weights (<c>weight_ch</c> [3H], row blocks p_i, p_f, p_o) into one packed row of
    /// <see cref="LayerRowLength"/> floats: p_i[u] at <c>Column(0, u)</c>, p_f[u] at <c>Column(1, u)</c>, p_o[u] at
    /// <c>Column(3, u)</c>; the g columns and padding are zero.
    /// </summary>
    public static void PackPeepholes(ReadOnlySpan<float> peepholes, int hidden, Span<float> destination)
    {
        CheckLength(peepholes, ModelShape.PeepholeGates * hidden, nameof(peepholes));
        CheckLength(destination, LayerRowLength(hidden), nameof(destination));
        destination.Clear();
        for (int u = 0; u < hidden; u++)
        {
            destination[Column(0, u)] = peepholes[u];
            destination[Column(1, u)] = peepholes[hidden + u];
            destination[Column(3, u)] = peepholes[2 * hidden + u];
        }
    }

    /// <summary>The inverse of <see cref="PackPeepholes"/> for gradients: reads the i, f and o columns of a packed peephole row into <c>weight_ch</c> layout [3H].</summary>
    public static void UnpackPeepholeGradients(ReadOnlySpan<float> packed, int hidden, Span<float> peepholes)
    {
        CheckLength(packed, LayerRowLength(hidden), nameof(packed));
        CheckLength(peepholes, ModelShape.PeepholeGates * hidden, nameof(peepholes));
        for (int u = 0; u < hidden; u++)
        {
            peepholes[u] = packed[Column(0, u)];
            peepholes[hidden + u] = packed[Column(1, u)];
            peepholes[2 * hidden + u] = packed[Column(3, u)];
        }
    }

    /// <summary>Packs a linear head from PyTorch tensors (<c>weight</c> [O, H], <c>bias</c> [O]).</summary>
    public static void PackHead(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int hidden, int outputs, Span<float> destination)
    {
        CheckLength(bias, outputs, nameof(bias));
        PackTransposed(weight, hidden, outputs, destination);
        bias.CopyTo(destination);
    }

    /// <summary>Floats of a head packed by rows (<see cref="PackHeadRows"/>): <paramref name="outputs"/> rows of the padded hidden width, then the bias padded to a block.</summary>
    public static int HeadRowsLength(int hidden, int outputs) => checked(outputs * LstmState.PadToBlock(hidden) + HeadRowLength(outputs));

    /// <summary>
    /// Packs a linear head from PyTorch tensors (<c>weight</c> [O, H], <c>bias</c> [O]) by rows, for heads with few
    /// outputs: row o is <c>weight[o, :]</c> zero-padded to <see cref="LstmState.PadToBlock"/>(H), so each logit is one
    /// dot product with h; the bias follows the O rows.
    /// </summary>
    public static void PackHeadRows(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int hidden, int outputs, Span<float> destination)
    {
        CheckLength(weight, outputs * hidden, nameof(weight));
        CheckLength(bias, outputs, nameof(bias));
        CheckLength(destination, HeadRowsLength(hidden, outputs), nameof(destination));
        int row = LstmState.PadToBlock(hidden);
        destination.Clear();
        for (int o = 0; o < outputs; o++) weight.Slice(o * hidden, hidden).CopyTo(destination.Slice(o * row));
        bias.CopyTo(destination.Slice(outputs * row));
    }

    /// <summary>
    /// Packs a projection <c>W_hr</c> [<paramref name="projection"/>, <paramref name="hidden"/>] (PyTorch <c>weight_hr_l{k}</c>) as a head
    /// without bias: row 0 zero, row 1 + j = column j, so the kernels compute <c>h = W_hr·m</c> as they compute a head's logits.
    /// </summary>
    public static void PackProjection(ReadOnlySpan<float> weightHr, int hidden, int projection, Span<float> destination) =>
        PackTransposed(weightHr, hidden, projection, destination);

    /// <summary>Zero row 0, then row 1 + j holds column j of <paramref name="weight"/> [outputs, inputs], rows of outputs rounded up to 16.</summary>
    private static void PackTransposed(ReadOnlySpan<float> weight, int inputs, int outputs, Span<float> destination)
    {
        CheckLength(weight, outputs * inputs, nameof(weight));
        CheckLength(destination, HeadLength(inputs, outputs), nameof(destination));
        int row = HeadRowLength(outputs);
        destination.Clear();
        for (int o = 0; o < outputs; o++)
            for (int j = 0; j < inputs; j++) destination[(1 + j) * row + o] = weight[o * inputs + j];
    }

    /// <summary>
    /// Fills the input-projection table of a token model's first layer: row t (one packed row of
    /// <see cref="LayerRowLength"/> floats) = bias row + Σ_j embedding[t, j] · packed row 1 + j, i.e. the
    /// gate sums of token t before the recurrent part. <paramref name="packedLayer"/> is the packed first
    /// layer (at least its first 1 + E rows).
    /// </summary>
    public static void BuildInputTable(ReadOnlySpan<float> packedLayer, ReadOnlySpan<float> embedding, int vocabulary, int embeddingSize, int hidden, Span<float> table)
    {
        int row = LayerRowLength(hidden);
        CheckLength(embedding, vocabulary * embeddingSize, nameof(embedding));
        CheckLength(table, vocabulary * row, nameof(table));
        if (packedLayer.Length < (1 + embeddingSize) * row)
            throw new ArgumentException($"Expected at least {(1 + embeddingSize) * row} floats, got {packedLayer.Length}.", nameof(packedLayer));
        for (int t = 0; t < vocabulary; t++)
        {
            Span<float> destination = table.Slice(t * row, row);
            packedLayer.Slice(0, row).CopyTo(destination);
            for (int j = 0; j < embeddingSize; j++)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAddEstimate(packedLayer.Slice((1 + j) * row, row), embedding[t * embeddingSize + j], destination, destination);
        }
    }

    private static void CheckLength(ReadOnlySpan<float> span, int expected, string name)
    {
        if (span.Length != expected) throw new ArgumentException($"Expected {expected} floats, got {span.Length}.", name);
    }

    /// <summary>
    /// Converts gradients accumulated in a layer's packed layout back to PyTorch tensors. The bias row's
    /// gradient goes to both <c>b_ih</c> and <c>b_hh</c> (both receive the gate gradient).
    /// </summary>
    public static void UnpackLayerGradients(ReadOnlySpan<float> packed, int inputs, int hidden,
        Span<float> weightIh, Span<float> weightHh, Span<float> biasIh, Span<float> biasHh) =>
        Unpack(ModelShape.GateCount, packed, inputs, hidden, hidden, weightIh, weightHh, biasIh, biasHh);

    /// <summary>As <see cref="UnpackLayerGradients(ReadOnlySpan{float}, int, int, Span{float}, Span{float}, Span{float}, Span{float})"/> for a layer whose <c>W_hh</c> has <paramref name="recurrent"/> columns (a projection).</summary>
    public static void UnpackLayerGradients(ReadOnlySpan<float> packed, int inputs, int hidden, int recurrent,
        Span<float> weightIh, Span<float> weightHh, Span<float> biasIh, Span<float> biasHh) =>
        Unpack(ModelShape.GateCount, packed, inputs, hidden, recurrent, weightIh, weightHh, biasIh, biasHh);

    /// <summary>
    /// Converts gradients accumulated in a GRU layer's packed layout (<see cref="PackGruLayer"/>) back to PyTorch
    /// tensors. Slots 0 and 1 (r, z) give both biases the same gradient; slot 2 gives <c>b_in</c> and <c>W_in</c>,
    /// slot 3 <c>b_hn</c> and <c>W_hn</c>. The cells that hold zero weights (slot 3 of the input rows, slot 2 of the
    /// recurrent rows) may have accumulated values; they belong to no parameter and are not read.
    /// </summary>
    public static void UnpackGruLayerGradients(ReadOnlySpan<float> packed, int inputs, int hidden,
        Span<float> weightIh, Span<float> weightHh, Span<float> biasIh, Span<float> biasHh) =>
        Unpack(GruGates, packed, inputs, hidden, hidden, weightIh, weightHh, biasIh, biasHh);

    /// <summary>The inverse of <see cref="Pack"/> for gradients: each tensor reads the column its row was packed to.</summary>
    private static void Unpack(int gates, ReadOnlySpan<float> packed, int inputs, int hidden, int recurrent,
        Span<float> weightIh, Span<float> weightHh, Span<float> biasIh, Span<float> biasHh)
    {
        CheckLayer(gates, weightIh, weightHh, biasIh, biasHh, inputs, hidden, recurrent, packed, nameof(packed));
        int row = LayerRowLength(hidden);
        for (int r = 0; r < gates * hidden; r++)
        {
            var (input, recurrentColumn) = Columns(gates, r, hidden);
            biasIh[r] = packed[input];
            biasHh[r] = packed[recurrentColumn];
            for (int j = 0; j < inputs; j++) weightIh[r * inputs + j] = packed[(1 + j) * row + input];
            for (int j = 0; j < recurrent; j++) weightHh[r * recurrent + j] = packed[(1 + inputs + j) * row + recurrentColumn];
        }
    }

    /// <summary>Converts gradients accumulated in a head's packed layout back to PyTorch tensors.</summary>
    public static void UnpackHeadGradients(ReadOnlySpan<float> packed, int hidden, int outputs, Span<float> weight, Span<float> bias)
    {
        CheckLength(bias, outputs, nameof(bias));
        UnpackTransposed(packed, hidden, outputs, weight);
        packed.Slice(0, outputs).CopyTo(bias);
    }

    /// <summary>The inverse of <see cref="PackProjection"/> for gradients: <c>weight_hr</c> [<paramref name="projection"/>, <paramref name="hidden"/>] from its packed rows (row 0, the zero bias row, is not read).</summary>
    public static void UnpackProjectionGradients(ReadOnlySpan<float> packed, int hidden, int projection, Span<float> weightHr) =>
        UnpackTransposed(packed, hidden, projection, weightHr);

    private static void UnpackTransposed(ReadOnlySpan<float> packed, int inputs, int outputs, Span<float> weight)
    {
        CheckLength(packed, HeadLength(inputs, outputs), nameof(packed));
        CheckLength(weight, outputs * inputs, nameof(weight));
        int row = HeadRowLength(outputs);
        for (int o = 0; o < outputs; o++)
            for (int j = 0; j < inputs; j++) weight[o * inputs + j] = packed[(1 + j) * row + o];
    }
}
