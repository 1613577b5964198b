// The vector widths that get register tiles of their own (Vector512, Vector256, Vector128); the scalar path and
// models over the unrolling budget run the runtime's loop kernels, generic over the width, instead.
namespace LstmGen.Generator.Emitters;

/// <summary>One vector width the generated register tiles are scheduled for.</summary>
internal sealed class Width(string name, int floats, int registerTile)
{
    /// <summary>The width's name, suffix of its tile methods and files, and its vector class: Vector512, Vector256, Vector128.</summary>
    public string Name { get; } = name;

    /// <summary>The alias of its vector class in its tile file: V512 (Vector512), V256, V128.</summary>
    public string Class => "V" + Name.Substring("Vector".Length);

    /// <summary>The alias of its vector type in kernel files: F512 (Vector512&lt;float&gt;), F256, F128.</summary>
    public string Type => "F" + Name.Substring("Vector".Length);

    /// <summary>Floats per vector.</summary>
    public int Floats { get; } = floats;

    /// <summary>Accumulator vectors a register tile keeps: 32 zmm registers hold 16 with room for loads; AVX2/SSE have 16 registers.</summary>
    public int RegisterTile { get; } = registerTile;

    public int Bits => Floats * 32;

    /// <summary>Whether <paramref name="columns"/> fit one register tile, so a product's sums can stay in registers for the cell update.</summary>
    public bool IsOneTile(int columns) => columns / Floats <= RegisterTile;

    public static readonly Width[] Vectors =
    {
        new("Vector512", 16, 16),
        new("Vector256", 8, 8),
        new("Vector128", 4, 8),
    };
}
