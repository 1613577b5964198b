// Lets the trainer and the weight loaders reach a model's ModelGuard, to mark their changes of its weights.
using System.ComponentModel;

namespace LstmGen.CompilerServices;

/// <summary>A model whose weights are watched by a <see cref="ModelGuard"/>; generated models implement it.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IGuardedModel
{
    /// <summary>The guard every inference call and every change of the weights goes through.</summary>
    ModelGuard Guard { get; }
}
