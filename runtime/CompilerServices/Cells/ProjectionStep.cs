// The projection of an LSTM with proj_size (PyTorch): h = W_hr·m with m = o·tanh(c), and its backward pass, written
// once for every vector width over the packed W_hr that follows a layer's gate rows.
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// The projection step of a projected LSTM layer: <c>h = W_hr·m</c> (R values from the H values of <c>m = o·tanh(c)</c>),
/// with W_hr packed as a head without bias (<see cref="GateLayout.PackProjection"/>: a zero row, then row 1 + j =
/// column j, R rounded up to 16 floats each).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ProjectionStep
{
    /// <summary><c>h = W_hr·m</c>: <paramref name="columns"/> floats of h (the padding stays zero) from <paramref name="hidden"/> values of m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward<T>(ref float weights, ref float m, nuint hidden, ref float h, nuint columns) where T : struct =>
        PackedMatrix.Forward<T>(ref weights, ref Unsafe.Add(ref weights, columns), columns, ref m, hidden, ref h);

    /// <summary>
    /// The backward pass: <c>dm = W_hrᵀ·dh</c> (<paramref name="dm"/> is cleared first, P floats: the gate gradients
    /// read whole blocks) and <c>dW_hr += dh ⊗ m</c>; the gate gradients then read dm where an LSTM without projection reads dh.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward<T>(ref float weights, ref float gradients, ref float dh, ref float m, nuint hidden, ref float dm, nuint padded, nuint columns)
        where T : struct
    {
        System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref dm, (int)padded).Clear();
        PackedMatrix.Backward<T>(ref weights, ref gradients, columns, ref dh, ref m, hidden, ref dm);
    }
}
