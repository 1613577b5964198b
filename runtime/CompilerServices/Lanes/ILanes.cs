// The vector-width abstraction the model kernels are written over: the cell equations, the gate gradients and
// the loops that need no register tile are written once against ILanes<T> and the JIT compiles them per width.
using System.ComponentModel;

namespace LstmGen.CompilerServices;

/// <summary>
/// The operations the model kernels need, for one register width: loads and stores (also of bfloat16 weights),
/// broadcasts, multiply-add, the gate activations and the flush of tiny gradients. Implemented by
/// <see cref="Lanes512"/>, <see cref="Lanes256"/>, <see cref="Lanes128"/> (one <c>VectorN&lt;float&gt;</c> each) and
/// <see cref="LanesScalar"/> (one float); code generic over <typeparamref name="TSelf"/> is compiled once per width, and
/// every member is inlined, so it runs as hand-written intrinsics would. <see cref="VectorWidth"/> says which width runs.
/// </summary>
/// <remarks>
/// <see cref="MultiplyAdd"/> is fused where the hardware has FMA (x86 with FMA3, Arm64) and a rounded multiply then
/// add elsewhere (including <see cref="LanesScalar"/>), so results differ between machines in the last bits; tests
/// compare with stated tolerances. <see cref="Sigmoid"/> and <see cref="Tanh"/> are a rational approximation on the
/// vector widths (see <see cref="Activations"/> for the error bounds) and <see cref="System.MathF"/> on the scalar one.
/// </remarks>
/// <typeparam name="TSelf">The implementing width.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ILanes<TSelf> : IFloatLanes<TSelf> where TSelf : struct, ILanes<TSelf>
{
    /// <summary>All lanes zero.</summary>
    static abstract TSelf Zero { get; }

    /// <summary>All lanes one.</summary>
    static abstract TSelf One { get; }

    /// <summary>Every lane set to the float at <paramref name="source"/> + <paramref name="index"/>.</summary>
    static abstract TSelf Broadcast(ref float source, nuint index);

    /// <summary>Reads <see cref="IFloatLanes{TSelf}.Count"/> bfloat16 values at <paramref name="source"/> + <paramref name="index"/>, widened to float (exact).</summary>
    static abstract TSelf LoadBFloat16(ref ushort source, nuint index);

    /// <summary><paramref name="a"/> · <paramref name="b"/> + <paramref name="addend"/>: one rounding where the hardware has FMA, two elsewhere.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf addend);

    /// <summary>Lane-wise minimum as the hardware computes it: the second operand when either is NaN.</summary>
    static abstract TSelf MinNative(TSelf a, TSelf b);

    /// <summary>Lane-wise maximum as the hardware computes it: the second operand when either is NaN.</summary>
    static abstract TSelf MaxNative(TSelf a, TSelf b);

    /// <summary>
    /// <paramref name="numerator"/> / <paramref name="denominator"/> + <paramref name="addend"/>; with AVX-512 the quotient
    /// comes from the 14-bit reciprocal estimate refined by one Newton step (the activations' last step, see <see cref="Activations"/>).
    /// </summary>
    static abstract TSelf DivideAdd(TSelf numerator, TSelf denominator, TSelf addend);

    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TSelf x);

    /// <summary>The logistic sigmoid of each lane (see <see cref="Activations"/>).</summary>
    static abstract TSelf Sigmoid(TSelf x);

    /// <summary>The hyperbolic tangent of each lane (see <see cref="Activations"/>).</summary>
    static abstract TSelf Tanh(TSelf x);

    /// <summary>Lanes with |x| &lt; <see cref="Activations.GradientFlushThreshold"/> set to zero.</summary>
    static abstract TSelf FlushTiny(TSelf x);
}
