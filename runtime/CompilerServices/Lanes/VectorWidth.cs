// Which vector width the generated kernels run: the widest one the hardware accelerates, or the one the
// LSTMGEN_VECTOR_WIDTH environment variable forces (so every width's kernels can be tested on any machine).
using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LstmGen.CompilerServices;

/// <summary>
/// The vector width generated models dispatch to, chosen once per process. Generated dispatchers test
/// <see cref="Use512"/>, <see cref="Use256"/> and <see cref="Use128"/> in that order (else scalar); the choice is a
/// <see langword="static readonly"/> field, which the JIT reads as a constant when it optimizes a caller, so the
/// tests cost nothing and only the chosen width's kernels are compiled.
/// </summary>
/// <remarks>
/// By default the widest width whose <c>IsHardwareAccelerated</c> is true. The environment variable
/// <c>LSTMGEN_VECTOR_WIDTH</c> = <c>512</c>, <c>256</c>, <c>128</c> or <c>scalar</c> forces one, read when the first
/// model runs; a width the hardware does not accelerate then runs in software (correct, and much slower): it lets
/// the tests run the 512-bit kernels on a machine without AVX-512. Other values are ignored.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class VectorWidth
{
    /// <summary>The environment variable that forces a width: <c>512</c>, <c>256</c>, <c>128</c> or <c>scalar</c>.</summary>
    public const string EnvironmentVariable = "LSTMGEN_VECTOR_WIDTH";

    private static readonly int s_bits = Select(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>Bits per vector the kernels run at: 512, 256, 128, or 32 for the scalar path.</summary>
    public static int Bits => s_bits;

    /// <summary>Whether the kernels run on Vector512 (width type <c>Vector512&lt;float&gt;</c> in <see cref="Lanes"/>).</summary>
    public static bool Use512 { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => s_bits == 512; }

    /// <summary>Whether the kernels run on Vector256.</summary>
    public static bool Use256 { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => s_bits == 256; }

    /// <summary>Whether the kernels run on Vector128 (else the scalar path, width type <c>float</c>).</summary>
    public static bool Use128 { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => s_bits == 128; }

    /// <summary>The width for a value of <see cref="EnvironmentVariable"/> (null or unrecognised: the hardware's widest).</summary>
    internal static int Select(string? forced) => forced?.Trim().ToLowerInvariant() switch
    {
        "512" => 512,
        "256" => 256,
        "128" => 128,
        "scalar" => 32,
        _ => Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 32,
    };
}
