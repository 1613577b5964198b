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

    /// <summary>Kernel files refer to Unsafe, MethodImpl and the widths through these aliases (declared by <see cref="KernelUsings"/>).</summary>
    public const string Unsafe = "Unsafe";

    /// <summary>The alias directives of a kernel file: what its kernels use unqualified.</summary>
    public static readonly string[] KernelUsings =
    {
        "using MethodImpl = global::System.Runtime.CompilerServices.MethodImplAttribute;",
        "using MethodImplOptions = global::System.Runtime.CompilerServices.MethodImplOptions;",
        "using Unsafe = global::System.Runtime.CompilerServices.Unsafe;",
        "using V512 = global::LstmGen.CompilerServices.Lanes512;",
        "using V256 = global::LstmGen.CompilerServices.Lanes256;",
        "using V128 = global::LstmGen.CompilerServices.Lanes128;",
    };

    /// <summary>Inline into the caller (the JIT then sees the caller's constants).</summary>
    public const string Inline = "[MethodImpl(MethodImplOptions.AggressiveInlining)]";

    /// <summary>Compile fully optimized at the first call (no tier-0 code for a kernel).</summary>
    public const string Optimize = "[MethodImpl(MethodImplOptions.AggressiveOptimization)]";

    /// <summary>The same attributes, fully qualified, for the main file (which declares no aliases).</summary>
    public const string InlineQualified = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    /// <summary>The type parameter of code generic over the vector width, and its constraint.</summary>
    public const string V = "V";
    public const string Generic = "<V>";
    public const string WhereV = " where V : struct, global::LstmGen.CompilerServices.ILanes<V>";

    /// <summary><c>ref Unsafe.Add(ref {reference}, {offset})</c>, or just <c>ref {reference}</c> for offset 0.</summary>
    public static string At(string reference, string offset) => offset == "0" ? $"ref {reference}" : $"ref {Unsafe}.Add(ref {reference}, {offset})";

    /// <summary><see cref="At(string, string)"/> with a constant offset.</summary>
    public static string At(string reference, int offset) => At(reference, SourceWriter.N(offset));

    /// <summary>
    /// A dispatch to the vector width the process runs (<c>VectorWidth</c>, read once; the JIT folds the tests): calls
    /// <paramref name="method"/>&lt;Lanes512&gt; … &lt;LanesScalar&gt; with <paramref name="arguments"/>. For the main file.
    /// </summary>
    public static void Dispatch(SourceWriter w, string method, string arguments)
    {
        w.Line($"if ({Support}VectorWidth.Use512) {method}<{Support}Lanes512>({arguments});");
        w.Line($"else if ({Support}VectorWidth.Use256) {method}<{Support}Lanes256>({arguments});");
        w.Line($"else if ({Support}VectorWidth.Use128) {method}<{Support}Lanes128>({arguments});");
        w.Line($"else {method}<{Support}LanesScalar>({arguments});");
    }
}
