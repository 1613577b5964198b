// A packed matrix–vector product of one kernel, emitted as a method generic over the vector width: register tiles
// with constant offsets for each vector width (in that width's file) when the model is within the unrolling budget,
// and the runtime's loop form (PackedMatrix) for the scalar path and for compact models.
using System.Collections.Generic;
using System.Linq;
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>A run of packed rows multiplied by the floats at the parameter <see cref="Source"/>.</summary>
internal sealed record RowRun(string Source, int Count, string What);

/// <summary>What follows a forward product: the cell update (or, for training, its recording variant) writing o·tanh(c) to <see cref="Output"/>.</summary>
internal sealed record CellTail(bool Record, string Output);

/// <summary>
/// <c>z = initial + Σ runs · rows</c> over <see cref="Columns"/> packed columns, optionally followed by the cell update.
/// <see cref="Initial"/> names a parameter holding the starting row (null: row 0 of <c>w</c>, the bias); the runs
/// multiply consecutive rows from <see cref="FirstRow"/>.
/// </summary>
internal sealed record ForwardProduct(string Name, string Summary, int Columns, RowRun[] Runs)
{
    public string? Initial { get; init; }
    public int FirstRow { get; init; } = 1;
    public bool BFloat16 { get; init; }
    public CellTail? Cell { get; init; }

    /// <summary>The layer's input width (where a peephole row sits).</summary>
    public int LayerInputs { get; init; }
}

/// <summary>A run of the backward product: its inputs (for the weight gradients) and where Wᵀ·d of its rows is added.</summary>
internal sealed record BackwardRun(string Source, int Count, string Destination, string What);

/// <summary>
/// The backward pass of a product with a bias row: gradient row 0 += d; per run and input j: gradient row += x_j·d and
/// destination[j] += row·d, over <see cref="Columns"/> columns with the column gradient <c>d</c> held in registers.
/// </summary>
internal sealed record BackwardProduct(string Name, string Summary, int Columns, BackwardRun[] Runs);

/// <summary>Writes products: the generic method the kernels call, and (unrolled models) one tile method per width.</summary>
internal sealed class ProductEmitter(SourceWriter w, Geometry g, CellKind cell)
{
    private readonly TileEmitter _tiles = new(w, g, cell);

    /// <summary>Emits <paramref name="p"/>: the generic method in the current part, the width methods in theirs.</summary>
    public void Emit(ForwardProduct p)
    {
        string parameters = ForwardParameters(p);
        EmitGeneric(p.Name, p.Summary, parameters, ForwardArguments(p), () => EmitLoopForm(p));
        if (g.Compact) return;
        foreach (Width width in Width.Vectors)
        {
            using (w.Part(width.Name))
            {
                w.Line($"/// <summary>{p.Name} for {N(width.Bits)}-bit vectors: {TileSummary(width, p.Columns)}{(p.Cell is null ? "" : CellSummary(width, p))}.</summary>");
                w.Line(Code.Inline);
                using (w.Block($"private static void {p.Name}{width.Name}({parameters})"))
                    _tiles.Forward(width, p);
                w.Line();
            }
        }
    }

    /// <summary>Emits <paramref name="p"/>: the generic method in the current part, the width methods in theirs.</summary>
    public void Emit(BackwardProduct p)
    {
        string parameters = "ref float w, ref float g, ref float d, " + string.Join(", ", p.Runs.Select(r => $"ref float {r.Source}, ref float {r.Destination}"));
        string arguments = "ref w, ref g, ref d, " + string.Join(", ", p.Runs.Select(r => $"ref {r.Source}, ref {r.Destination}"));
        EmitGeneric(p.Name, p.Summary, parameters, arguments, () =>
            w.Line($"{Code.Matrix}.Backward<V>(ref w, ref g, {N(p.Columns)}, ref d, {string.Join(", ", p.Runs.Select(r => $"ref {r.Source}, {N(r.Count)}, ref {r.Destination}"))});"));
        if (g.Compact) return;
        foreach (Width width in Width.Vectors)
        {
            using (w.Part(width.Name))
            {
                w.Line($"/// <summary>{p.Name} for {N(width.Bits)}-bit vectors: {TileSummary(width, p.Columns)}.</summary>");
                w.Line(Code.Inline);
                using (w.Block($"private static void {p.Name}{width.Name}({parameters})"))
                    _tiles.Backward(width, p);
                w.Line();
            }
        }
    }

    /// <summary>
    /// A call of <paramref name="p"/>'s generic method at width <paramref name="lanes"/>; <paramref name="argument"/> maps a
    /// parameter name to the variable or expression passed by reference (null: the same name).
    /// </summary>
    public string Call(ForwardProduct p, string lanes, System.Func<string, string?> argument) =>
        $"{p.Name}<{lanes}>({string.Join(", ", Names(ForwardParameters(p)).Select(name => "ref " + (argument(name) ?? name)))});";

    /// <summary>A call of <paramref name="p"/>'s generic method (see the forward overload).</summary>
    public string Call(BackwardProduct p, string lanes, System.Func<string, string?> argument) =>
        $"{p.Name}<{lanes}>({string.Join(", ", new[] { "w", "g", "d" }.Concat(p.Runs.SelectMany(r => new[] { r.Source, r.Destination })).Select(name => "ref " + (argument(name) ?? name)))});";

    private static IEnumerable<string> Names(string parameters) => parameters.Split(',').Select(parameter => parameter.Trim().Split(' ').Last());

    /// <summary>The generic method: a dispatch to the width's tiles (folded by the JIT), else the loop form.</summary>
    private void EmitGeneric(string name, string summary, string parameters, string arguments, System.Action loopForm)
    {
        w.Line($"/// <summary>{summary}</summary>");
        w.Line(Code.Inline);
        using (w.Block($"private static void {name}{Code.Generic}({parameters}){Code.WhereV}"))
        {
            if (g.Compact)
            {
                loopForm();
            }
            else
            {
                w.Line($"if (typeof(V) == typeof(F512)) {name}Vector512({arguments});");
                w.Line($"else if (typeof(V) == typeof(F256)) {name}Vector256({arguments});");
                w.Line($"else if (typeof(V) == typeof(F128)) {name}Vector128({arguments});");
                using (w.Block("else"))
                    loopForm();
            }
        }
        w.Line();
    }

    /// <summary>The loop form: the runtime's product over every column, then the cell update of every block.</summary>
    private void EmitLoopForm(ForwardProduct p)
    {
        string initial = p.Initial ?? "w";
        string rows = p.BFloat16 ? Code.At("wq", p.FirstRow * p.Columns) : Code.At("w", p.FirstRow * p.Columns);
        string runs = string.Join(", ", p.Runs.Select(r => $"ref {r.Source}, {N(r.Count)}"));
        w.Line($"{Code.Matrix}.{(p.BFloat16 ? "ForwardBFloat16" : "Forward")}<V>(ref {initial}, {rows}, {N(p.Columns)}, {runs}, ref z);");
        if (p.Cell is null) return;
        if (cell.PeepholeRow(g, p.LayerInputs) is string peephole) w.Line(peephole);
        w.Line(cell.UpdateBlocks(Code.V, p.Cell.Record, p.Cell.Output, g.Blocks));
    }

    private string ForwardParameters(ForwardProduct p)
    {
        var list = new List<string> { "ref float w" };
        if (p.BFloat16) list.Add("ref ushort wq");
        if (p.Initial is not null) list.Add($"ref float {p.Initial}");
        list.AddRange(p.Runs.Select(r => $"ref float {r.Source}"));
        list.Add("ref float z");
        if (p.Cell is not null)
        {
            list.AddRange(cell.StateParameters(p.Cell.Output).Split(',').Select(s => s.Trim()));
            if (p.Cell.Record) list.Add("ref float r");
        }
        // A run that reads the state the cell then writes (the recurrent h) is one parameter.
        return string.Join(", ", list.Distinct());
    }

    private string ForwardArguments(ForwardProduct p) => string.Join(", ", Names(ForwardParameters(p)).Select(name => "ref " + name));

    private static string TileSummary(Width width, int columns)
    {
        int vectors = columns / width.Floats, tiles = (vectors + width.RegisterTile - 1) / width.RegisterTile;
        return $"{N(columns)} columns = {N(vectors)} × {width.Type}, {N(tiles)} register tile(s)";
    }

    private string CellSummary(Width width, ForwardProduct p) => width.IsOneTile(p.Columns)
        ? ", the cell update straight from the accumulators"
        : ", the sums stored, then the cell update";
}
