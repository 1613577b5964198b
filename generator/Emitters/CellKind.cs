// The cell kind, chosen once per model: which runtime cell (LstmCell, PeepholeLstmCell, GruCell) the kernels call,
// with which state, and what its equations are; the emitters ask it instead of branching on GRU or peepholes.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>How generated code calls one kind of cell in the runtime.</summary>
internal sealed class CellKind
{
    private readonly string _type;
    private readonly bool _cellState, _peephole;

    private CellKind(string type, bool cellState, bool peephole, string equations, string gradients)
    {
        _type = Code.Support + type;
        _cellState = cellState;
        _peephole = peephole;
        Equations = equations;
        GradientEquations = gradients;
    }

    public static CellKind For(ModelSpec spec) =>
        spec.IsGru ? new("GruCell", cellState: false, peephole: false,
                "GRU: r = σ(z_r); u = σ(z_z); n = tanh(n_x + r·n_h); h = n + u·(h − n)",
                "dn = dh·(1 − u)·(1 − n²); dz_r = dn·n_h·r(1 − r); dz_z = dh·(h_prev − n)·u(1 − u); dz_nx = dn; dz_nh = dn·r; dh_prev = dh·u + W_hhᵀ·dz")
        : spec.Peephole ? new("PeepholeLstmCell", cellState: true, peephole: true,
                "i = σ(z_i + p_i·c), f = σ(z_f + p_f·c), g = tanh(z_g); c' = f·c + i·g; o = σ(z_o + p_o·c'); h = o·tanh(c')",
                "dz_o = dh·tanh c·o(1 − o); dc += dh·o·(1 − tanh²c) + dz_o·p_o; dz_i = dc·g·i(1 − i); dz_f = dc·c_prev·f(1 − f); dz_g = dc·i·(1 − g²); dc_prev = dc·f + dz_i·p_i + dz_f·p_f; dp += dz·c")
        : new("LstmCell", cellState: true, peephole: false,
                "c = σ(f)·c + σ(i)·tanh(g); h = σ(o)·tanh(c)",
                "dc += dh·o·(1 − tanh²c); dz_i = dc·g·i(1 − i); dz_f = dc·c_prev·f(1 − f); dz_g = dc·i·(1 − g²); dz_o = dh·tanh c·o(1 − o); dc_prev = dc·f");

    /// <summary>The cell update, for comments.</summary>
    public string Equations { get; }

    /// <summary>The gate gradients, for comments.</summary>
    public string GradientEquations { get; }

    /// <summary>Whether the cell has a state c besides h (an LSTM; a GRU has none).</summary>
    public bool HasCellState => _cellState;

    /// <summary>Whether the backward pass clears dh before adding W_hhᵀ·dz to it (an LSTM: its gradients consume dh; a GRU's leave dh·u there).</summary>
    public bool ClearsHiddenGradient => _cellState;

    /// <summary>The state parameters of a product that ends in the cell update; <paramref name="output"/> receives o·tanh(c) (h, or m with a projection).</summary>
    public string StateParameters(string output) => _cellState ? $"ref float c, ref float {output}" : "ref float h";

    /// <summary>The matching arguments.</summary>
    public string StateArguments(string c, string output) => _cellState ? $"ref {c}, ref {output}" : $"ref {output}";

    /// <summary>The declaration of the peephole row a product's cell update reads (after its <paramref name="inputs"/> input rows and the recurrent rows), or null.</summary>
    public string? PeepholeRow(Geometry g, int inputs) =>
        _peephole ? $"ref float pw = {Code.At("w", g.PeepholeRow(inputs))}; // peephole row: p_i, p_f, 0, p_o (the products above stop before it)" : null;

    /// <summary>The update (or, recording, <c>Record</c>) of units <paramref name="unit"/> … + width from the four sums <paramref name="sums"/> (the width is inferred from them).</summary>
    public string Update(string[] sums, int unit, bool record, string output, int padded)
    {
        string state = StateArguments("c", output) + (_peephole ? ", ref pw" : "");
        return record
            ? $"{_type}.Record({string.Join(", ", sums)}, {state}, ref r, {N(unit)}, {N(padded)});"
            : $"{_type}.Update({string.Join(", ", sums)}, {state}, {N(unit)});";
    }

    /// <summary>The update of every block from the sums stored at <c>z</c>.</summary>
    public string UpdateBlocks(string lanes, bool record, string output, int blocks)
    {
        string state = StateArguments("c", output) + (_peephole ? ", ref pw" : "");
        return record
            ? $"{_type}.RecordBlocks<{lanes}>(ref z, {state}, ref r, {N(blocks)});"
            : $"{_type}.UpdateBlocks<{lanes}>(ref z, {state}, {N(blocks)});";
    }

    /// <summary>
    /// The gate gradients into <c>dz</c> from the record <c>r</c>, <paramref name="dh"/> and the carried state (dc and
    /// <c>cPrev</c>, or <c>hPrev</c>); a peephole cell also reads its row at <c>w</c> and adds to its gradient row at <c>g</c>.
    /// </summary>
    public string[] Gradients(Geometry g, string lanes, int inputs, string dh)
    {
        if (!_cellState) return new[] { $"{_type}.Gradients<{lanes}>(ref r, ref {dh}, ref hPrev, ref dz, {N(g.Blocks)});" };
        if (!_peephole) return new[] { $"{_type}.Gradients<{lanes}>(ref r, ref {dh}, ref dc, ref cPrev, ref dz, {N(g.Blocks)});" };
        int row = g.PeepholeRow(inputs);
        return new[]
        {
            $"ref float pw = {Code.At("w", row)}; // the peephole row",
            $"ref float pg = {Code.At("g", row)}; // its gradients",
            $"{_type}.Gradients<{lanes}>(ref r, ref {dh}, ref dc, ref cPrev, ref pw, ref pg, ref dz, {N(g.Blocks)});",
        };
    }
}
