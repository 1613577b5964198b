// What a dataset's targets are, which decides the losses and metrics that can use them.
namespace LstmGen.Training;

/// <summary>The form of a <see cref="SequenceDataset"/>'s targets.</summary>
public enum SequenceTargetKind
{
    /// <summary>Integer class ids (softmax cross-entropy; 0/1 ids also fit a one-output sigmoid head).</summary>
    ClassIds = 0,

    /// <summary>Float vectors of the model's output width (mean squared error, or 0/1 values for binary cross-entropy).</summary>
    Values = 1,
}
