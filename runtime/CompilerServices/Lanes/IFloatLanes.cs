// The exactly rounded part of the vector-width abstraction: what the optimizers use, so each update rule is
// written once and gives the same result in every lane whatever width (Vector512, 256, 128 or scalar) ran it.
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// Lane-wise float arithmetic for one register width. Only correctly rounded IEEE operations are
/// offered (+, −, ×, ÷, √, max, and no fused multiply-add), so a lane's result is the same whatever
/// width computed it: an element's optimizer update does not depend on its position, the buffer's
/// alignment or the machine's SIMD support. <see cref="ILanes{TSelf}"/> adds what the model kernels need.
/// </summary>
/// <typeparam name="TSelf">The implementing width: <see cref="Lanes512"/>, <see cref="Lanes256"/>, <see cref="Lanes128"/> or <see cref="LanesScalar"/>.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IFloatLanes<TSelf> where TSelf : struct, IFloatLanes<TSelf>
{
    /// <summary>Floats per register.</summary>
    static abstract int Count { get; }

    /// <summary>True when this width runs in hardware (the scalar lane always does).</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TSelf Create(float value);

    /// <summary>Reads <see cref="Count"/> floats at <paramref name="source"/> + <paramref name="index"/>.</summary>
    static abstract TSelf Load(ref float source, nuint index);

    /// <summary>Writes the lanes at <paramref name="destination"/> + <paramref name="index"/>.</summary>
    void Store(ref float destination, nuint index);

    /// <summary>Lane-wise square root.</summary>
    static abstract TSelf Sqrt(TSelf x);

    /// <summary>Lane-wise maximum; NaN in either lane gives NaN (as <c>torch.maximum</c>).</summary>
    static abstract TSelf Max(TSelf a, TSelf b);

    /// <summary>Lane-wise sum.</summary>
    static abstract TSelf operator +(TSelf a, TSelf b);

    /// <summary>Lane-wise difference.</summary>
    static abstract TSelf operator -(TSelf a, TSelf b);

    /// <summary>Lane-wise product.</summary>
    static abstract TSelf operator *(TSelf a, TSelf b);

    /// <summary>Lane-wise quotient.</summary>
    static abstract TSelf operator /(TSelf a, TSelf b);
}
