// Makes a model instance safe to share: any number of threads may run inference at once, and a change of its
// weights (training steps, Load, Initialize, ParametersChanged) is detected by every inference call it overlaps,
// which then throws instead of returning numbers computed from half-old, half-new weights.
using System;
using System.ComponentModel;
using System.Threading;

namespace LstmGen.CompilerServices;

/// <summary>
/// A sequence counter over a model's weights. Inference brackets its work with <see cref="EnterRead"/> and
/// <see cref="ExitRead"/> (two plain reads of one field: no lock, no write, so readers never contend); a weight
/// change brackets its writes with <see cref="BeginWrite"/> and <see cref="EndWrite"/>, which make the counter odd
/// while the weights change and move it on after. A reader that starts during a change, or sees the counter moved
/// when it finishes, throws <see cref="InvalidOperationException"/>. One training run at a time holds
/// <see cref="BeginTraining"/>. For generated models.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ModelGuard
{
    private int _version;
    private int _writerThread;
    private int _writeDepth;
    private int _trainer;

    /// <summary>Starts an inference call: returns the counter to hand to <see cref="ExitRead"/>; throws while the weights change.</summary>
    public int EnterRead()
    {
        int version = Volatile.Read(ref _version);
        if ((version & 1) != 0 && _writerThread != Environment.CurrentManagedThreadId) ThrowChanging();
        return version;
    }

    /// <summary>Ends an inference call begun with <see cref="EnterRead"/>; throws when the weights changed meanwhile.</summary>
    public void ExitRead(int version)
    {
        if (Volatile.Read(ref _version) != version) ThrowChanged();
    }

    /// <summary>
    /// Starts a change of the weights on this thread (nested calls on the same thread are counted); throws when another
    /// thread is changing them.
    /// </summary>
    public void BeginWrite()
    {
        int me = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _writerThread) == me)
        {
            _writeDepth++;
            return;
        }
        int version = Volatile.Read(ref _version);
        if ((version & 1) != 0 || Interlocked.CompareExchange(ref _version, version + 1, version) != version)
            throw new InvalidOperationException("The model's weights are being changed by another thread (training, Load, Initialize or ParametersChanged); change them from one thread at a time.");
        Volatile.Write(ref _writerThread, me);
        _writeDepth = 1;
    }

    /// <summary>Ends a change begun with <see cref="BeginWrite"/> on this thread.</summary>
    public void EndWrite()
    {
        if (Volatile.Read(ref _writerThread) != Environment.CurrentManagedThreadId)
            throw new InvalidOperationException("EndWrite without a BeginWrite on this thread.");
        if (--_writeDepth > 0) return;
        Volatile.Write(ref _writerThread, 0);
        Interlocked.Increment(ref _version);
    }

    /// <summary>Claims the model for one training run; throws when another run holds it. Release with <see cref="EndTraining"/>.</summary>
    public void BeginTraining()
    {
        if (Interlocked.CompareExchange(ref _trainer, 1, 0) != 0)
            throw new InvalidOperationException("The model is already being trained by another Trainer; train one model instance with one trainer at a time.");
    }

    /// <summary>Releases the claim of <see cref="BeginTraining"/>.</summary>
    public void EndTraining() => Volatile.Write(ref _trainer, 0);

    private static void ThrowChanging() => throw new InvalidOperationException(
        "The model's weights are being changed (a training step, Load, Initialize or ParametersChanged) while this call runs inference; inference and weight changes on one instance must not overlap.");

    private static void ThrowChanged() => throw new InvalidOperationException(
        "The model's weights changed (a training step, Load, Initialize or ParametersChanged) during this inference call, so its output mixes old and new weights; inference and weight changes on one instance must not overlap.");
}
