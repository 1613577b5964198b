// The settings of a call that runs many sequences at once; reusable between calls.
using System.Collections.Generic;

namespace LstmGen;

/// <summary>Settings of <see cref="BatchInference.PredictBatch(ITokenSequenceModel, System.ReadOnlyMemory{int}, System.ReadOnlyMemory{int}, System.Memory{float}, BatchOptions?)"/>.</summary>
public sealed class BatchOptions
{
    /// <summary>Activated outputs (softmax/sigmoid applied, the default) or the head's logits.</summary>
    public HeadOutput Kind { get; init; } = HeadOutput.Activated;

    /// <summary>
    /// One state per sequence, or null: sequence i starts from <c>States[i]</c> (its h0, c0) and leaves its final state
    /// (h_n, c_n) there. Null starts every sequence from zero and keeps no final state.
    /// </summary>
    public IReadOnlyList<LstmState>? States { get; init; }

    /// <summary>
    /// Spread the sequences over every core (the process's shared inference workers; a call that finds them busy with
    /// another call runs on its own thread). Off by default: the calling thread does the work. The results do not
    /// depend on it: each sequence is computed the same way whichever thread takes it.
    /// </summary>
    public bool UseAllCores { get; init; }
}
