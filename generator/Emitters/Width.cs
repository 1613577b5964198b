// The vector widths that get register tiles of their own (Vector512, Vector256, Vector128); the scalar path and
// models over the unrolling budget run the runtime's loop kernels, generic over the width, instead.
namespace LstmGen.Generator.Emitters;

/// <summary>One vector width the generated register tiles are scheduled for.</summary>
internal sealed class Width(string name, string alias, int floats, int registerTile)
{
    /// <summary>The width's name, suffix of its tile methods and files: Vector512, Vector256, Vector128.</summary>
    public string Name { get; } = name;

    /// <summary>The alias of its lanes type in kernel files: V512 (Lanes512), V256, V128.</summary>
    public string Alias { get; } = alias;

    /// <summary>Floats per vector.</summary>
    public int Floats { get; } = floats;

    /// <summary>Accumulator vectors a register tile keeps: 32 zmm registers hold 16 with room for loads; AVX2/SSE have 16 registers.</summary>
    public int RegisterTile { get; } = registerTile;

    public int Bits => Floats * 32;

    /// <summary>Whether <paramref name="columns"/> fit one register tile, so a product's sums can stay in registers for the cell update.</summary>
    public bool IsOneTile(int columns) => columns / Floats <= RegisterTile;

    public static readonly Width[] Vectors =
    {
        new("Vector512", "V512", 16, 16),
        new("Vector256", "V256", 8, 8),
        new("Vector128", "V128", 4, 8),
    };
}
