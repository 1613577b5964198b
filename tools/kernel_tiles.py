#!/usr/bin/env python3
"""Writes the register-tile bodies of the runtime's loop kernels (runtime/CompilerServices/Kernels/*.Tiles.cs).

Each tile is the same rule (load the tile, stream the rows, store) with a different number of accumulators, so
the bodies are written out here instead of by hand: run `python3 tools/kernel_tiles.py` after changing a rule.
"""
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runtime", "CompilerServices", "Kernels")


def off(v):
    return "0" if v == 0 else ("w" if v == 1 else f"{v} * w")


def header(what, cls):
    return [
        f"// {what}",
        "// Written by tools/kernel_tiles.py (one rule, several accumulator counts); edit the script, not this file.",
        "using System.Runtime.CompilerServices;",
        "using static LstmGen.CompilerServices.Lanes;",
        "",
        "namespace LstmGen.CompilerServices;",
        "",
        f"public static partial class {cls}",
        "{",
    ]


def forward_tile(k, sets):
    a = lambda v, s: f"a{v}" if s == 0 else f"a{v}_{s}"
    split = "" if sets == 1 else f", its rows split over {sets} sets of accumulators (summed at the end)"
    L = [f"    /// <summary>Columns <paramref name=\"c\"/> … + {k} vector(s) of a forward product{split}.</summary>",
         "    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget",
         f"    private static void ForwardTile{k}<T, TWeight>(ref float initial, ref TWeight rows, nuint columns, scoped in RowRuns runs, ref float destination, nuint c)",
         "        where T : struct",
         "    {",
         "        nuint w = (nuint)Count<T>();"]
    for v in range(k):
        L.append(f"        T a{v} = Load<T>(ref initial, c + {off(v)});")
    for s in range(1, sets):
        L.append("        " + " ".join(f"T {a(v, s)} = Zero<T>();" for v in range(k)))
    L += ["        nuint row = 0;",
          "        for (int r = 0; r < runs.Length; r++)",
          "        {",
          "            ref float x = ref runs.Source(r);",
          "            nuint n = runs.Count(r), j = 0;"]
    if sets > 1:
        L += [f"            for (; j + {sets} <= n; j += {sets}, row += {sets})", "            {"]
        for s in range(sets):
            L.append(f"                ref TWeight w{s} = ref Unsafe.Add(ref rows, {'row' if s == 0 else f'(row + {s})'} * columns + c);")
            L.append(f"                T x{s} = Broadcast<T>(ref x, {'j' if s == 0 else f'j + {s}'});")
            for v in range(k):
                L.append(f"                {a(v, s)} = MultiplyAdd(x{s}, Weights<T, TWeight>(ref w{s}, {off(v)}), {a(v, s)});")
        L.append("            }")
    L += ["            for (; j < n; j++, row++)",
          "            {",
          "                ref TWeight wr = ref Unsafe.Add(ref rows, row * columns + c);",
          "                T xj = Broadcast<T>(ref x, j);"]
    for v in range(k):
        L.append(f"                a{v} = MultiplyAdd(xj, Weights<T, TWeight>(ref wr, {off(v)}), a{v});")
    L += ["            }", "        }"]
    stride = 1
    while stride * 2 < sets:
        stride *= 2
    while sets > 1 and stride >= 1:
        for s in range(stride):
            if s + stride < sets:
                L.append("        " + " ".join(f"{a(v, s)} = Add({a(v, s)}, {a(v, s + stride)});" for v in range(k)))
        stride //= 2
    for v in range(k):
        L.append(f"        Store(a{v}, ref destination, c + {off(v)});")
    L.append("    }")
    return L


def steps_tile(k):
    L = [f"    /// <summary>Columns <paramref name=\"c\"/> … + {k} vector(s) of four steps' products: each weight vector loaded serves the four steps.</summary>",
         "    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget",
         f"    private static void StepsTile{k}<T, TWeight>(ref float bias, ref TWeight rows, nuint columns, ref float x, nuint count, nuint stride, ref float destination, nuint c)",
         "        where T : struct",
         "    {",
         "        nuint w = (nuint)Count<T>();"]
    for v in range(k):
        L.append(f"        T b{v} = Load<T>(ref bias, c + {off(v)});")
        L.append("        " + " ".join(f"T a{v}_{s} = b{v};" for s in range(4)))
    L += ["        for (nuint j = 0; j < count; j++)", "        {",
          "            ref TWeight wr = ref Unsafe.Add(ref rows, j * columns + c);"]
    for v in range(k):
        L.append(f"            T w{v} = Weights<T, TWeight>(ref wr, {off(v)});")
    for s in range(4):
        L.append(f"            T x{s} = Broadcast<T>(ref x, {'j' if s == 0 else f'j + {s} * stride'});")
        for v in range(k):
            L.append(f"            a{v}_{s} = MultiplyAdd(x{s}, w{v}, a{v}_{s});")
    L.append("        }")
    for s in range(4):
        for v in range(k):
            L.append(f"        Store(a{v}_{s}, ref destination, {'' if s == 0 else f'{s} * columns + '}c + {off(v)});")
    L.append("    }")
    return L


def backward_tile(k):
    L = [f"    /// <summary>Columns <paramref name=\"c\"/> … + {k} vector(s) of a backward product: d stays in registers while the rows stream.</summary>",
         "    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget",
         f"    private static void BackwardTile{k}<T>(ref float weights, ref float gradients, nuint columns, ref float d, scoped in RowRuns runs, nuint c) where T : struct",
         "    {",
         "        nuint w = (nuint)Count<T>();"]
    for v in range(k):
        L.append(f"        T d{v} = Load<T>(ref d, c + {off(v)});")
        L.append(f"        Store(Add(Load<T>(ref gradients, c + {off(v)}), d{v}), ref gradients, c + {off(v)});")
    L += ["        nuint row = 1;",
          "        for (int r = 0; r < runs.Length; r++)",
          "        {",
          "            ref float x = ref runs.Source(r);",
          "            ref float dx = ref runs.Destination(r);",
          "            nuint n = runs.Count(r);",
          "            for (nuint j = 0; j < n; j++, row++)",
          "            {",
          "                T xj = Broadcast<T>(ref x, j);",
          "                ref float wr = ref Unsafe.Add(ref weights, row * columns + c);",
          "                ref float gr = ref Unsafe.Add(ref gradients, row * columns + c);",
          "                T sum = Multiply(Load<T>(ref wr, 0), d0);"]
    for v in range(1, k):
        L.append(f"                sum = MultiplyAdd(Load<T>(ref wr, {off(v)}), d{v}, sum);")
    for v in range(k):
        L.append(f"                Store(MultiplyAdd(xj, d{v}, Load<T>(ref gr, {off(v)})), ref gr, {off(v)});")
    L += ["                Unsafe.Add(ref dx, j) += Sum(sum);", "            }", "        }", "    }"]
    return L


def gate_tile(lanes, k):
    L = [f"    /// <summary>Gate sums of lanes <paramref name=\"l\"/> … + {lanes - 1}, columns <paramref name=\"c\"/> … + {k} vector(s).</summary>",
         "    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget",
         f"    private static void GateTile{lanes}x{k}<T>(ref float weights, nuint columns, scoped in LaneRows inputs, nuint inputCount, scoped in LaneRows hidden, nuint hiddenCount,",
         "        ref float sums, nuint sumsStride, nuint l, nuint c) where T : struct",
         "    {",
         "        nuint w = (nuint)Count<T>();"]
    for i in range(lanes):
        L.append(f"        ref float x{i} = ref inputs.Row(l + {i});")
        L.append(f"        ref float h{i} = ref hidden.Row(l + {i});")
    for v in range(k):
        L.append(f"        T a0_{v} = Load<T>(ref weights, c + {off(v)});")
        L.append("        " + " ".join(f"T a{i}_{v} = a0_{v};" for i in range(1, lanes)))
    for source, count, first in (("x", "inputCount", "1"), ("h", "hiddenCount", "1 + inputCount")):
        L += [f"        for (nuint j = 0; j < {count}; j++)", "        {",
              f"            ref float wr = ref Unsafe.Add(ref weights, (j + {first}) * columns + c);"]
        for v in range(k):
            L.append(f"            T w{v} = Load<T>(ref wr, {off(v)});")
        for i in range(lanes):
            L.append(f"            T b{i} = Broadcast<T>(ref {source}{i}, j);")
            for v in range(k):
                L.append(f"            a{i}_{v} = MultiplyAdd(b{i}, w{v}, a{i}_{v});")
        L.append("        }")
    for i in range(lanes):
        L.append(f"        ref float z{i} = ref Unsafe.Add(ref sums, (l + {i}) * sumsStride + c);")
        for v in range(k):
            L.append(f"        Store(a{i}_{v}, ref z{i}, {off(v)});")
    L.append("    }")
    return L


def transposed_tile(lanes, k):
    L = [f"    /// <summary>Wᵀ·dz of lanes <paramref name=\"l\"/> … + {lanes - 1}, output columns <paramref name=\"j\"/> … + {k} vector(s).</summary>",
         "    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget",
         f"    private static void TransposedTile{lanes}x{k}<T>(ref float transposed, nuint width, nuint columns, ref float dz, ref float destination, nuint stride, nuint l, nuint j)",
         "        where T : struct",
         "    {",
         "        nuint w = (nuint)Count<T>();"]
    for i in range(lanes):
        L.append(f"        ref float z{i} = ref Unsafe.Add(ref dz, (l + {i}) * columns);")
    for i in range(lanes):
        L.append("        " + " ".join(f"T a{i}_{v} = Zero<T>();" for v in range(k)))
    L += ["        ref float wc = ref Unsafe.Add(ref transposed, j);",
          "        for (nuint col = 0; col < columns; col++)", "        {",
          "            ref float wr = ref Unsafe.Add(ref wc, col * width);"]
    for v in range(k):
        L.append(f"            T w{v} = Load<T>(ref wr, {off(v)});")
    for i in range(lanes):
        L.append(f"            T b{i} = Broadcast<T>(ref z{i}, col);")
        for v in range(k):
            L.append(f"            a{i}_{v} = MultiplyAdd(b{i}, w{v}, a{i}_{v});")
    L.append("        }")
    for i in range(lanes):
        L.append(f"        ref float o{i} = ref Unsafe.Add(ref destination, (l + {i}) * stride + j);")
        for v in range(k):
            L.append(f"        Store(a{i}_{v}, ref o{i}, {off(v)});")
    L.append("    }")
    return L


def outer_tile(rows, k):
    L = [f"    /// <summary>Gradient rows <paramref name=\"r\"/> … + {rows - 1}, columns <paramref name=\"c\"/> … + {k} vector(s), over a block's lane-steps.</summary>",
         "    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a compilation of its own: inlined, the tiles would exceed the JIT's budget",
         f"    private static void OuterTile{rows}x{k}<T>(ref float gradients, ref float x, nuint stride, ref float d, nuint count, nuint columns, nuint r, nuint c)",
         "        where T : struct",
         "    {",
         "        nuint w = (nuint)Count<T>();"]
    for i in range(rows):
        L.append(f"        ref float g{i} = ref Unsafe.Add(ref gradients, (r + {i}) * columns + c);")
        L.append("        " + " ".join(f"T a{i}_{v} = Load<T>(ref g{i}, {off(v)});" for v in range(k)))
    L += ["        ref float xr = ref Unsafe.Add(ref x, r);",
          "        ref float dc = ref Unsafe.Add(ref d, c);",
          "        for (nuint k = 0; k < count; k++)", "        {"]
    for v in range(k):
        L.append(f"            T d{v} = Load<T>(ref dc, k * columns + {off(v)});")
    L.append("            ref float xk = ref Unsafe.Add(ref xr, k * stride);")
    for i in range(rows):
        L.append(f"            T b{i} = Broadcast<T>(ref xk, {i});")
        for v in range(k):
            L.append(f"            a{i}_{v} = MultiplyAdd(b{i}, d{v}, a{i}_{v});")
    L.append("        }")
    for i in range(rows):
        for v in range(k):
            L.append(f"        Store(a{i}_{v}, ref g{i}, {off(v)});")
    L.append("    }")
    return L


def write(name, lines):
    lines = lines[:-1] + ["}"] if lines[-1] == "" else lines + ["}"]
    with open(os.path.join(ROOT, name), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    out = header("The register tiles of PackedMatrix's forward products (one step, and four steps at once).", "PackedMatrix")
    for k, sets in ((16, 1), (8, 1), (4, 2), (2, 4), (1, 8)):
        out += forward_tile(k, sets) + [""]
    for k in (4, 2, 1):
        out += steps_tile(k) + [""]
    write("PackedMatrix.ForwardTiles.cs", out)

    out = header("The register tiles of PackedMatrix's backward products.", "PackedMatrix")
    for k in (16, 8, 4, 1):
        out += backward_tile(k) + [""]
    write("PackedMatrix.BackwardTiles.cs", out)

    out = header("The register tiles of the lane kernels' gate sums: lanes × vectors.", "LaneKernels")
    for lanes, k in ((8, 2), (8, 1), (4, 4), (4, 2)):
        out += gate_tile(lanes, k) + [""]
    write("LaneKernels.GateTiles.cs", out)

    out = header("The register tiles of the lane kernels' backward products: Wᵀ·dz (lanes × vectors) and the outer products (rows × vectors).", "LaneKernels")
    for lanes, k in ((8, 2), (8, 1), (4, 4), (4, 2), (4, 1)):
        out += transposed_tile(lanes, k) + [""]
    for rows, k in ((6, 4), (1, 4), (4, 2), (1, 2)):
        out += outer_tile(rows, k) + [""]
    write("LaneKernels.BackwardTiles.cs", out)


if __name__ == "__main__":
    main()
