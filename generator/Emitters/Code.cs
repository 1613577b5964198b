// The vocabulary of the generated text: the runtime names it calls, the aliases kernel files declare, and the
// attributes and constraints every kernel carries, in one place so the emitters read as the code they write.
namespace LstmGen.Generator.Emitters;

/// <summary>Names and fragments of generated code.</summary>
internal static class Code
{
    /// <summary>The runtime's namespace for generated-code support, fully qualified.</summary>
    public const string Support = "global::LstmGen.CompilerServices.";

    public const string Span = "global::System.Span<float>";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    public const string Marshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    public const string State = "global::LstmGen.LstmState";
    public const string HeadOutput = "global::LstmGen.HeadOutput";
    public const string Tape = "global::LstmGen.Training.TrainingTape";
    public const string Gradients = "global::LstmGen.Training.GradientBuffer";
    public const string LaneTape = Support + "LaneTape";
    public const string Matrix = Support + "PackedMatrix";
    public const string Lanes = Support + "LaneKernels";
    public const string Dropout = Support + "DropoutMask";

    /// <summary>Kernel files refer to Unsafe, MemoryMarshal, MethodImpl and the vector types through aliases (declared by <see cref="KernelUsings"/>).</summary>
    public const string Unsafe = "Unsafe";

    /// <summary>MemoryMarshal in kernel files (the main file spells out <see cref="Marshal"/>).</summary>
    public const string KernelMarshal = "MemoryMarshal";

    /// <summary>
    /// The alias directives of a kernel file: what its kernels use unqualified. The kernels files name the vector types
    /// (F512 = Vector512&lt;float&gt; …) to test the width; a width's tile file also names its vector class (V256 = Vector256).
    /// </summary>
    public static string[] KernelUsings(Width? width)
    {
        var usings = new System.Collections.Generic.List<string>
        {
            "using MethodImpl = global::System.Runtime.CompilerServices.MethodImplAttribute;",
            "using MethodImplOptions = global::System.Runtime.CompilerServices.MethodImplOptions;",
            "using Unsafe = global::System.Runtime.CompilerServices.Unsafe;",
            "using MemoryMarshal = global::System.Runtime.InteropServices.MemoryMarshal;",
        };
        foreach (Width v in width is null ? Width.Vectors : new[] { width })
        {
            if (width is not null) usings.Add($"using {v.Class} = global::System.Runtime.Intrinsics.{v.Name};");
            usings.Add($"using {v.Type} = global::System.Runtime.Intrinsics.{v.Name}<float>;");
        }
        return usings.ToArray();
    }

    /// <summary>Inline into the caller (the JIT then sees the caller's constants).</summary>
    public const string Inline = "[MethodImpl(MethodImplOptions.AggressiveInlining)]";

    /// <summary>
    /// Compile fully optimized at the first call (no tier-0 code for a kernel), and never inline it into its dispatcher: a
    /// kernel is a deep tree of inlined cell and lane calls that needs the JIT's whole inlining budget of its own; inlined
    /// into a tier-1 caller, the budget ran out and the cell updates stayed calls to tier-0 code (twice the time per step).
    /// </summary>
    public const string Optimize = "[MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]";

    /// <summary>The same attributes, fully qualified, for the main file (which declares no aliases).</summary>
    public const string InlineQualified = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    /// <summary>
    /// The type parameter of code generic over the vector width (Vector512&lt;float&gt;, Vector256&lt;float&gt;, Vector128&lt;float&gt;
    /// or float: see the runtime's <c>Lanes</c>), and its constraint.
    /// </summary>
    public const string V = "V";
    public const string Generic = "<V>";
    public const string WhereV = " where V : struct";

    /// <summary><c>ref Unsafe.Add(ref {reference}, {offset})</c>, or just <c>ref {reference}</c> for offset 0.</summary>
    public static string At(string reference, string offset) => offset == "0" ? $"ref {reference}" : $"ref {Unsafe}.Add(ref {reference}, {offset})";

    /// <summary><see cref="At(string, string)"/> with a constant offset.</summary>
    public static string At(string reference, int offset) => At(reference, SourceWriter.N(offset));

    /// <summary>
    /// A dispatch to the vector width the process runs (<c>VectorWidth</c>, read once; the JIT folds the tests): calls
    /// <paramref name="method"/>&lt;Vector512&lt;float&gt;&gt; … &lt;float&gt; with <paramref name="arguments"/>. For the main file.
    /// </summary>
    public static void Dispatch(SourceWriter w, string method, string arguments)
    {
        w.Line($"if ({Support}VectorWidth.Use512) {method}<global::System.Runtime.Intrinsics.Vector512<float>>({arguments});");
        w.Line($"else if ({Support}VectorWidth.Use256) {method}<global::System.Runtime.Intrinsics.Vector256<float>>({arguments});");
        w.Line($"else if ({Support}VectorWidth.Use128) {method}<global::System.Runtime.Intrinsics.Vector128<float>>({arguments});");
        w.Line($"else {method}<float>({arguments}); // the scalar path");
    }

    /// <summary><paramref name="offset"/> floats after <paramref name="reference"/>, as an argument passed by reference (without <c>ref</c>).</summary>
    public static string Offset(string reference, string offset) => offset == "0" ? reference : $"{Unsafe}.Add(ref {reference}, {offset})";
}
