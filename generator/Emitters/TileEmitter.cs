// The register tiles of one vector width: what only the sizes decide — how many accumulators, their constant column
// offsets, the trip counts, whether a layer's sums fit one tile so the cell update reads them from registers.
using System.Collections.Generic;
using System.Linq;
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes a product's tiles for one width, with constant column offsets (models within the unrolling budget).</summary>
internal sealed class TileEmitter(SourceWriter w, Geometry g, CellKind cell)
{
    /// <summary>
    /// Independent accumulator chains a tile needs to keep the FMA units busy: a latency of 4 cycles and two issues
    /// per cycle make 8 chains in flight. A tile of fewer vectors splits its rows over sets of accumulators.
    /// </summary>
    private const int FmaChainsInFlight = 8;

    /// <summary>The body of a forward product's width method: its tiles, then (with a cell tail) the cell update.</summary>
    public void Forward(Width width, ForwardProduct p)
    {
        bool fused = p.Cell is not null && width.IsOneTile(p.Columns);
        if (p.Cell is not null && cell.PeepholeRow(g, p.LayerInputs) is string peephole) w.Line(peephole);
        ForEachTile(width, p.Columns, "accumulators", (first, count) => ForwardTile(width, p, first, count, fused));
        if (p.Cell is not null && !fused)
            w.Line(cell.UpdateBlocks(width.Type, p.Cell.Record, p.Cell.Output, g.Blocks));
    }

    /// <summary>The body of a backward product's width method: its tiles, the column gradient of each held in registers.</summary>
    public void Backward(Width width, BackwardProduct p) =>
        ForEachTile(width, p.Columns, "gradient vectors", (first, count) => BackwardTile(width, p, first, count));

    /// <summary>Tiles of at most <see cref="Width.RegisterTile"/> vectors over <paramref name="columns"/>, one scope each with constant columns.</summary>
    private void ForEachTile(Width width, int columns, string what, System.Action<int, int> emit)
    {
        int vectors = columns / width.Floats;
        for (int first = 0; first < vectors; first += width.RegisterTile)
        {
            int count = System.Math.Min(width.RegisterTile, vectors - first);
            w.Line($"// columns {N(first * width.Floats)}..{N((first + count) * width.Floats - 1)}: {N(count)} {what}");
            using (w.Open())
                emit(first * width.Floats, count);
        }
    }

    private void ForwardTile(Width width, ForwardProduct p, int firstColumn, int count, bool fused)
    {
        string v = width.Class, f = width.Type, initial = p.Initial ?? "w";
        string Col(int i) => N(firstColumn + i * width.Floats);
        int rows = p.Runs.Sum(r => r.Count);
        int sets = System.Math.Max(1, System.Math.Min((FmaChainsInFlight + count - 1) / count, rows / 2));
        string A(int i, int set) => set == 0 ? $"a{N(i)}" : $"a{N(i)}_{N(set)}";
        for (int i = 0; i < count; i++)
            w.Line($"{f} a{N(i)} = {v}.LoadUnsafe(ref {initial}, {Col(i)});");
        if (sets > 1)
        {
            w.Line($"// {N(sets)} sets of accumulators take turns over the rows, so {N(sets * count)} FMA chains are in flight.");
            for (int set = 1; set < sets; set++)
                w.Line(string.Join(" ", Enumerable.Range(0, count).Select(i => $"{f} {A(i, set)} = {f}.Zero;")));
        }
        int firstRow = p.FirstRow;
        foreach (RowRun run in p.Runs)
        {
            ForwardRun(width, p, run, firstRow, firstColumn, count, sets);
            firstRow += run.Count;
        }
        // Pairwise sums of the sets: set s += set s + half, halving until set 0 holds the total.
        for (int stride = HighestPowerOfTwoBelow(sets); stride >= 1; stride /= 2)
            for (int set = 0; set < stride && set + stride < sets; set++)
                w.Line(string.Join(" ", Enumerable.Range(0, count).Select(i => $"{A(i, set)} += {A(i, set + stride)};")));
        if (fused)
        {
            CellFromAccumulators(width, p.Cell!);
            return;
        }
        for (int i = 0; i < count; i++)
            w.Line($"{v}.StoreUnsafe(a{N(i)}, ref z, {Col(i)});");
    }

    /// <summary>The rows of one run: a loop whose iterations the sets take in turn, then any rows left over one by one.</summary>
    private void ForwardRun(Width width, ForwardProduct p, RowRun run, int firstRow, int firstColumn, int count, int sets)
    {
        string v = width.Class, f = width.Type, source = p.BFloat16 ? "wq" : "w", type = p.BFloat16 ? "ushort" : "float";
        string Load(string column) => p.BFloat16 ? $"{Code.Support}BFloat16.Load{N(width.Bits)}(ref row, {column})" : $"{v}.LoadUnsafe(ref row, {column})";
        string Col(int i) => N(firstColumn + i * width.Floats);
        string A(int i, int set) => set == 0 ? $"a{N(i)}" : $"a{N(i)}_{N(set)}";
        int whole = run.Count - run.Count % sets;
        if (whole > 0)
        {
            string step = sets == 1 ? "j++" : $"j += {N(sets)}";
            using (w.Block($"for (nuint j = 0; j < {N(whole)}; {step}) // += {run.What} × rows {N(firstRow)}..{N(firstRow + run.Count - 1)}"))
            {
                w.Line($"ref {type} row = ref {Code.Unsafe}.Add(ref {source}, (j + {N(firstRow)}) * {N(p.Columns)});");
                for (int set = 0; set < sets; set++)
                {
                    string x = sets == 1 ? "xj" : $"x{N(set)}";
                    w.Line($"{f} {x} = {v}.Create({Code.Unsafe}.Add(ref {run.Source}, {(set == 0 ? "j" : $"j + {N(set)}")}));");
                    for (int i = 0; i < count; i++)
                    {
                        string column = set == 0 ? Col(i) : N(set * p.Columns + firstColumn + i * width.Floats);
                        w.Line($"{A(i, set)} = {v}.MultiplyAddEstimate({x}, {Load(column)}, {A(i, set)});");
                    }
                }
            }
        }
        for (int j = whole; j < run.Count; j++)
        {
            int set = j % sets;
            w.Line($"// {run.What}, row {N(firstRow + j)}");
            using (w.Open())
            {
                w.Line($"{f} xj = {v}.Create({Code.Unsafe}.Add(ref {run.Source}, {N(j)}));");
                w.Line($"ref {type} row = {Code.At(source, (firstRow + j) * p.Columns)};");
                for (int i = 0; i < count; i++)
                    w.Line($"{A(i, set)} = {v}.MultiplyAddEstimate(xj, {Load(Col(i))}, {A(i, set)});");
            }
        }
    }

    /// <summary>
    /// The cell update straight from a one-tile product's accumulators: per 16-unit block and vector of units, the
    /// four gate sums are the accumulators at the block's gate offsets (+0, +16, +32, +48 columns).
    /// </summary>
    private void CellFromAccumulators(Width width, CellTail tail)
    {
        int perBlock = 16 / width.Floats;
        for (int q = 0; q < g.Blocks; q++)
        {
            for (int u = 0; u < perBlock; u++)
            {
                int unit = q * 16 + u * width.Floats;
                string[] sums = Enumerable.Range(0, 4).Select(gate => $"a{N((q * 64 + gate * 16 + u * width.Floats) / width.Floats)}").ToArray();
                w.Line($"// units {N(unit)}..{N(unit + width.Floats - 1)}: gate sums in {string.Join(", ", sums)}");
                w.Line(cell.Update(sums, unit, tail.Record, tail.Output, g.Padded));
            }
        }
    }

    private void BackwardTile(Width width, BackwardProduct p, int firstColumn, int count)
    {
        string v = width.Class, f = width.Type;
        string Col(int i) => N(firstColumn + i * width.Floats);
        for (int i = 0; i < count; i++)
        {
            w.Line($"{f} d{N(i)} = {v}.LoadUnsafe(ref d, {Col(i)});");
            w.Line($"{v}.StoreUnsafe({v}.LoadUnsafe(ref g, {Col(i)}) + d{N(i)}, ref g, {Col(i)});");
        }
        int firstRow = 1;
        foreach (BackwardRun run in p.Runs)
        {
            using (w.Block($"for (nuint j = 0; j < {N(run.Count)}; j++) // {run.What}: rows {N(firstRow)}..{N(firstRow + run.Count - 1)}"))
            {
                w.Line($"{f} xj = {v}.Create({Code.Unsafe}.Add(ref {run.Source}, j));");
                w.Line($"ref float wr = ref {Code.Unsafe}.Add(ref w, (j + {N(firstRow)}) * {N(p.Columns)});");
                w.Line($"ref float gr = ref {Code.Unsafe}.Add(ref g, (j + {N(firstRow)}) * {N(p.Columns)});");
                w.Line($"{f} sum = {v}.LoadUnsafe(ref wr, {Col(0)}) * d0;");
                for (int i = 1; i < count; i++)
                    w.Line($"sum = {v}.MultiplyAddEstimate({v}.LoadUnsafe(ref wr, {Col(i)}), d{N(i)}, sum);");
                for (int i = 0; i < count; i++)
                    w.Line($"{v}.StoreUnsafe({v}.MultiplyAddEstimate(xj, d{N(i)}, {v}.LoadUnsafe(ref gr, {Col(i)})), ref gr, {Col(i)});");
                w.Line($"{Code.Unsafe}.Add(ref {run.Destination}, j) += {v}.Sum(sum);");
            }
            firstRow += run.Count;
        }
    }

    /// <summary>The largest power of two strictly below <paramref name="n"/> (0 for n ≤ 1).</summary>
    private static int HighestPowerOfTwoBelow(int n)
    {
        int p = 1;
        while (p * 2 < n) p *= 2;
        return n <= 1 ? 0 : p;
    }
}
