// Brackets the trainer's writes to a model's weights, so inference on other threads that overlaps them throws
// instead of mixing old and new weights, and claims the model for one training run at a time.
using LstmGen.CompilerServices;

namespace LstmGen.Training;

/// <summary>A change of a model's weights, from construction to <see cref="Dispose"/> (a no-op for models without a guard).</summary>
internal readonly ref struct WeightChange
{
    private readonly ModelGuard? _guard;

    public WeightChange(ILstmModel model)
    {
        _guard = (model as IGuardedModel)?.Guard;
        _guard?.BeginWrite();
    }

    public void Dispose() => _guard?.EndWrite();
}

/// <summary>One training run's claim on a model, from construction to <see cref="Dispose"/>; a second concurrent claim throws.</summary>
internal readonly ref struct TrainingClaim
{
    private readonly ModelGuard? _guard;

    public TrainingClaim(ILstmModel model)
    {
        _guard = (model as IGuardedModel)?.Guard;
        _guard?.BeginTraining();
    }

    public void Dispose() => _guard?.EndTraining();
}
