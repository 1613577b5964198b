// Up to three runs of inputs that multiply consecutive rows of a packed matrix (the layer input, the layer
// below's reverse half, the recurrent h), and where the backward pass sends each run's gradient.
using System.Runtime.CompilerServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// The inputs of a packed matrix–vector product: run 0 multiplies the first <see cref="Count0"/> rows, run 1 the
/// next <see cref="Count1"/>, run 2 the next <see cref="Count2"/> (counts may be 0). For the backward pass each run
/// also names where <c>Wᵀ·d</c> of its rows is added.
/// </summary>
internal ref struct RowRuns
{
    public ref float Source0;
    public ref float Source1;
    public ref float Source2;
    public ref float Destination0;
    public ref float Destination1;
    public ref float Destination2;
    public nuint Count0;
    public nuint Count1;
    public nuint Count2;

    public RowRuns(ref float source0, nuint count0)
    {
        Source0 = ref source0;
        Source1 = ref source0;
        Source2 = ref source0;
        Destination0 = ref source0;
        Destination1 = ref source0;
        Destination2 = ref source0;
        Count0 = count0;
    }

    /// <summary>The number of runs that may be non-empty.</summary>
    public readonly int Length => Count2 > 0 ? 3 : Count1 > 0 ? 2 : 1;

    public readonly ref float Source(int run) => ref run == 0 ? ref Source0 : ref run == 1 ? ref Source1 : ref Source2;

    public readonly ref float Destination(int run) => ref run == 0 ? ref Destination0 : ref run == 1 ? ref Destination1 : ref Destination2;

    public readonly nuint Count(int run) => run == 0 ? Count0 : run == 1 ? Count1 : Count2;
}
