// Where each lane of a lock-step training pass reads a row of floats: rows a fixed stride apart (states, float
// inputs), or the embedding rows of the lanes' token ids.
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LstmGen.CompilerServices;

/// <summary>One row of floats per lane: lane l's row starts at <see cref="Row"/>(l).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct LaneRows
{
    private readonly ref float _first;
    private readonly nuint _stride;
    private readonly ref int _tokens;
    private readonly nuint _tokenStride;

    private LaneRows(ref float first, nuint stride, ref int tokens, nuint tokenStride)
    {
        _first = ref first;
        _stride = stride;
        _tokens = ref tokens;
        _tokenStride = tokenStride;
    }

    /// <summary>Lane l's row at <paramref name="first"/> + l·<paramref name="stride"/>.</summary>
    public static LaneRows Strided(ref float first, nuint stride) => new(ref first, stride, ref Unsafe.NullRef<int>(), 0);

    /// <summary>Lane l's row is the embedding row (<paramref name="width"/> floats each) of the token at <paramref name="firstToken"/> + l·<paramref name="tokenStride"/>.</summary>
    public static LaneRows Embedded(ref float embedding, nuint width, ref int firstToken, nuint tokenStride) => new(ref embedding, width, ref firstToken, tokenStride);

    /// <summary>The first float of lane <paramref name="lane"/>'s row.</summary>
    public ref float Row(nuint lane) => ref Unsafe.IsNullRef(ref _tokens)
        ? ref Unsafe.Add(ref _first, lane * _stride)
        : ref Unsafe.Add(ref _first, (nuint)Unsafe.Add(ref _tokens, lane * _tokenStride) * _stride);
}
