// An optional training capability: several sequences of equal length trained in lock-step ("lanes"), so
// the weights are read once per step for all of them. The Trainer uses it when a chunk allows.
using System;
using LstmGen.Training;

namespace LstmGen.CompilerServices;

/// <summary>
/// Lock-step training of several equal-length sequences (lanes). Generated models implement it (except
/// models over the unroll budget); the <see cref="Trainer"/> uses it for a chunk whose samples all have
/// the same length, and the per-sample <see cref="ITrainableModel.Backward"/> otherwise.
/// </summary>
/// <remarks>
/// The results equal those of the per-sample Forward and Backward up to float rounding (sums are formed
/// in another order), and are bitwise reproducible for the same lanes and data: lanes never interact
/// except through the fixed-order sums of the weight gradients.
/// </remarks>
public interface ILaneTrainableModel : ITrainableModel
{
    /// <summary>Lanes the kernels process together; a lane tape's lane count is rounded up to a multiple of this.</summary>
    int LaneGroup { get; }

    /// <summary>A tape for up to <paramref name="lanes"/> lanes (rounded up to <see cref="LaneGroup"/>) of up to <paramref name="maxSteps"/> steps (reusable, one per thread).</summary>
    LaneTape CreateLaneTape(int lanes, int maxSteps);

    /// <summary>
    /// Runs <paramref name="states"/>.Length lanes of <paramref name="steps"/> steps each, reading lane l's
    /// inputs from <see cref="LaneTape.Tokens"/>(l) or <see cref="LaneTape.Inputs"/>(l), starting from
    /// <paramref name="states"/>[l] (left holding h_n, c_n) and recording what <see cref="BackwardLanes"/> needs.
    /// <paramref name="outputs"/> receives, lane after lane, <see cref="ModelShape.OutputLength"/>(steps) logits
    /// (or h without a head) per lane.
    /// </summary>
    void ForwardLanes(LaneTape tape, int steps, ReadOnlySpan<LstmState> states, Span<float> outputs);

    /// <summary>
    /// Backpropagation through time over the lanes recorded in <paramref name="tape"/>; <paramref name="outputGradients"/>
    /// is dLoss/d(outputs), laid out as ForwardLanes wrote them. The parameter gradients of all lanes are
    /// <b>added</b> to <paramref name="gradients"/>.
    /// </summary>
    void BackwardLanes(LaneTape tape, ReadOnlySpan<float> outputGradients, GradientBuffer gradients);
}
