// The loop forms of the packed matrix–vector products, written once for every vector width: what the scalar path,
// the models over the unrolling budget, the heads and the projections run. (Below the budget the generator emits
// each product as register tiles with constant offsets instead; the arithmetic per column is the same.)
using System.ComponentModel;
using System.Runtime.CompilerServices;
using static LstmGen.CompilerServices.Lanes;

namespace LstmGen.CompilerServices;

/// <summary>
/// Products with a packed matrix (rows of <c>columns</c> floats, <see cref="GateLayout"/>): the forward
/// <c>y = initial + Σ_j x_j · row_j</c> (broadcast one input, multiply-add it into a register tile of columns, so
/// no horizontal sums), and the backward pass of one, which adds <c>x_j · d</c> to each gradient row and
/// <c>row_j · d</c> to each input's gradient. Tiles of 16 (Vector512) or 8 vectors take the columns in turn, and a
/// tile of fewer than 8 vectors splits its rows over several sets of accumulators, so enough multiply-add chains are
/// in flight.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class PackedMatrix
{
    /// <summary><c>destination = initial + Σ_j x[j] · rows[j]</c> over <paramref name="columns"/> columns (a multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ref float initial, ref float rows, nuint columns, ref float x, nuint count, ref float destination) where T : struct =>
        Forward<T, float>(ref initial, ref rows, columns, new RowRuns(ref x, count), ref destination);

    /// <summary>As the one-run overload, with <paramref name="x1"/> multiplying the <paramref name="count1"/> rows after <paramref name="x0"/>'s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ref float initial, ref float rows, nuint columns, ref float x0, nuint count0, ref float x1, nuint count1, ref float destination)
        where T : struct =>
        Forward<T, float>(ref initial, ref rows, columns, new RowRuns(ref x0, count0) { Source1 = ref x1, Count1 = count1 }, ref destination);

    /// <summary>As the one-run overload, with three runs of inputs on consecutive rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ref float initial, ref float rows, nuint columns, ref float x0, nuint count0, ref float x1, nuint count1, ref float x2, nuint count2, ref float destination)
        where T : struct =>
        Forward<T, float>(ref initial, ref rows, columns, new RowRuns(ref x0, count0) { Source1 = ref x1, Count1 = count1, Source2 = ref x2, Count2 = count2 }, ref destination);

    /// <summary>As <see cref="Forward{T}(ref float, ref float, nuint, ref float, nuint, ref float)"/> with the rows in bfloat16 (the initial row stays float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardBFloat16<T>(ref float initial, ref ushort rows, nuint columns, ref float x, nuint count, ref float destination) where T : struct =>
        Forward<T, ushort>(ref initial, ref rows, columns, new RowRuns(ref x, count), ref destination);

    /// <summary>As the one-run overload, with two runs of inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardBFloat16<T>(ref float initial, ref ushort rows, nuint columns, ref float x0, nuint count0, ref float x1, nuint count1, ref float destination)
        where T : struct =>
        Forward<T, ushort>(ref initial, ref rows, columns, new RowRuns(ref x0, count0) { Source1 = ref x1, Count1 = count1 }, ref destination);

    /// <summary>
    /// The backward pass of a product whose row 0 is a bias: with <paramref name="d"/> the gradient of its
    /// <paramref name="columns"/> outputs, gradient row 0 += d, and for each input j of the run: gradient row (1 + j)
    /// += x[j]·d and <paramref name="dx"/>[j] += row (1 + j) · d. <paramref name="weights"/> and <paramref name="gradients"/> point at row 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ref float weights, ref float gradients, nuint columns, ref float d, ref float x, nuint count, ref float dx) where T : struct =>
        Backward<T>(ref weights, ref gradients, columns, ref d, new RowRuns(ref x, count) { Destination0 = ref dx });

    /// <summary>As the one-run overload, with a second run of inputs (<paramref name="x1"/>, gradient to <paramref name="dx1"/>) on the rows after the first's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ref float weights, ref float gradients, nuint columns, ref float d, ref float x0, nuint count0, ref float dx0, ref float x1, nuint count1, ref float dx1)
        where T : struct =>
        Backward<T>(ref weights, ref gradients, columns, ref d, new RowRuns(ref x0, count0) { Destination0 = ref dx0, Source1 = ref x1, Count1 = count1, Destination1 = ref dx1 });

    /// <summary>As the one-run overload, with three runs of inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ref float weights, ref float gradients, nuint columns, ref float d, ref float x0, nuint count0, ref float dx0, ref float x1, nuint count1, ref float dx1,
        ref float x2, nuint count2, ref float dx2) where T : struct =>
        Backward<T>(ref weights, ref gradients, columns, ref d, new RowRuns(ref x0, count0)
        {
            Destination0 = ref dx0, Source1 = ref x1, Count1 = count1, Destination1 = ref dx1, Source2 = ref x2, Count2 = count2, Destination2 = ref dx2,
        });

    /// <summary>
    /// Logits of a head packed by rows (<see cref="GateLayout.PackHeadRows"/>): <c>y[o] = b[o] + Σ_u row_o[u]·h[u]</c> for
    /// <paramref name="outputs"/> rows of <paramref name="width"/> floats (a multiple of 16), the bias after them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DotRows<T>(ref float rows, ref float h, nuint width, nuint outputs, ref float y) where T : struct
    {
        for (nuint o = 0; o < outputs; o++)
        {
            ref float row = ref Unsafe.Add(ref rows, o * width);
            T sum = Lanes.Multiply(Lanes.Load<T>(ref h, 0), Lanes.Load<T>(ref row, 0));
            for (nuint v = (nuint)Lanes.Count<T>(); v < width; v += (nuint)Lanes.Count<T>())
                sum = Lanes.MultiplyAdd(Lanes.Load<T>(ref h, v), Lanes.Load<T>(ref row, v), sum);
            Unsafe.Add(ref y, o) = Unsafe.Add(ref rows, outputs * width + o) + Lanes.Sum(sum);
        }
    }

    /// <summary>The forward product over every column: tiles of 16 (Vector512) or 8 vectors, then 4, 2 and 1 for what remains.</summary>
    private static void Forward<T, TWeight>(ref float initial, ref TWeight rows, nuint columns, scoped in RowRuns runs, ref float destination) where T : struct
    {
        nuint w = (nuint)Lanes.Count<T>(), c = 0;
        if (Lanes.Count<T>() == 16)
            for (; c + 16 * w <= columns; c += 16 * w) ForwardTile16<T, TWeight>(ref initial, ref rows, columns, runs, ref destination, c);
        for (; c + 8 * w <= columns; c += 8 * w) ForwardTile8<T, TWeight>(ref initial, ref rows, columns, runs, ref destination, c);
        if (c + 4 * w <= columns) { ForwardTile4<T, TWeight>(ref initial, ref rows, columns, runs, ref destination, c); c += 4 * w; }
        if (c + 2 * w <= columns) { ForwardTile2<T, TWeight>(ref initial, ref rows, columns, runs, ref destination, c); c += 2 * w; }
        if (c < columns) ForwardTile1<T, TWeight>(ref initial, ref rows, columns, runs, ref destination, c);
    }

    /// <summary>The backward product over every column, in tiles as <see cref="Forward{T, TWeight}"/>.</summary>
    private static void Backward<T>(ref float weights, ref float gradients, nuint columns, ref float d, scoped in RowRuns runs) where T : struct
    {
        nuint w = (nuint)Lanes.Count<T>(), c = 0;
        if (Lanes.Count<T>() == 16)
            for (; c + 16 * w <= columns; c += 16 * w) BackwardTile16<T>(ref weights, ref gradients, columns, ref d, runs, c);
        for (; c + 8 * w <= columns; c += 8 * w) BackwardTile8<T>(ref weights, ref gradients, columns, ref d, runs, c);
        if (c + 4 * w <= columns) { BackwardTile4<T>(ref weights, ref gradients, columns, ref d, runs, c); c += 4 * w; }
        for (; c < columns; c += w) BackwardTile1<T>(ref weights, ref gradients, columns, ref d, runs, c);
    }

    /// <summary>
    /// The forward products of four steps at once, for a layer's input projections over a sequence:
    /// <c>destination[s] = bias + Σ_j x_s[j] · rows[j]</c> for s = 0 … 3, inputs <paramref name="stride"/> floats apart and
    /// outputs <paramref name="columns"/> apart. Each weight vector is loaded once for the four steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardFourSteps<T>(ref float bias, ref float rows, nuint columns, ref float x, nuint count, nuint stride, ref float destination) where T : struct =>
        FourSteps<T, float>(ref bias, ref rows, columns, ref x, count, stride, ref destination);

    /// <summary>As <see cref="ForwardFourSteps{T}"/> with the rows in bfloat16 (the bias stays float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardFourStepsBFloat16<T>(ref float bias, ref ushort rows, nuint columns, ref float x, nuint count, nuint stride, ref float destination) where T : struct =>
        FourSteps<T, ushort>(ref bias, ref rows, columns, ref x, count, stride, ref destination);

    private static void FourSteps<T, TWeight>(ref float bias, ref TWeight rows, nuint columns, ref float x, nuint count, nuint stride, ref float destination) where T : struct
    {
        nuint w = (nuint)Lanes.Count<T>(), c = 0;
        if (Lanes.Count<T>() == 16)
            for (; c + 4 * w <= columns; c += 4 * w) StepsTile4<T, TWeight>(ref bias, ref rows, columns, ref x, count, stride, ref destination, c);
        for (; c + 2 * w <= columns; c += 2 * w) StepsTile2<T, TWeight>(ref bias, ref rows, columns, ref x, count, stride, ref destination, c);
        if (c < columns) StepsTile1<T, TWeight>(ref bias, ref rows, columns, ref x, count, stride, ref destination, c);
    }

    /// <summary>The weight vector of <typeparamref name="T"/> at <paramref name="column"/> of a float or bfloat16 row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Weights<T, TWeight>(ref TWeight row, nuint column) where T : struct =>
        typeof(TWeight) == typeof(ushort)
            ? Lanes.LoadBFloat16<T>(ref Unsafe.As<TWeight, ushort>(ref row), column)
            : Lanes.Load<T>(ref Unsafe.As<TWeight, float>(ref row), column);
}
