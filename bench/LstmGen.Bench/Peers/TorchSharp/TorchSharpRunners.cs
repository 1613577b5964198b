// The TorchSharp peer's benchmark bodies: a streaming step with the state carried (W1), a token sequence
// from a zero state (W2–W4) and one Adam step on a batch (W5, W6), each over preallocated input tensors.
#if TORCHSHARP
using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace LstmGen.Bench.Peers.TorchSharpPeer;

/// <summary>W1: one step of a float model, (h, c) carried from call to call.</summary>
internal sealed class TorchSharpStream : IDisposable
{
    private readonly TorchSharpLstm _model;
    private readonly Tensor _x;
    private readonly float[] _input, _output;
    private Tensor? _h, _c;

    public TorchSharpStream(ModelShape shape, ReadOnlySpan<float> parameters, float[] input, float[] output)
    {
        TorchSharpSettings.Threads(1);
        _model = new TorchSharpLstm(shape, parameters);
        _x = torch.zeros(1, 1, shape.InputSize);
        _input = input;
        _output = output;
    }

    /// <summary>One step: the input array in, the output array written, the state advanced.</summary>
    public void Step()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        using IDisposable mode = torch.inference_mode();
        using (var x = _x.data<float>())
            for (int i = 0; i < _input.Length; i++) x[0, 0, i] = _input[i];
        Tensor? h = _h, c = _c;
        Tensor y = _model.Activate(_model.Logits(_x, ref h, ref c));
        h!.MoveToOuterDisposeScope();
        c!.MoveToOuterDisposeScope();
        _h?.Dispose();
        _c?.Dispose();
        (_h, _c) = (h, c);
        using var values = y.data<float>();
        values.CopyTo(_output);
    }

    /// <summary>Back to the zero state.</summary>
    public void Reset()
    {
        _h?.Dispose();
        _c?.Dispose();
        (_h, _c) = (null, null);
    }

    public void Dispose()
    {
        Reset();
        _x.Dispose();
        _model.Dispose();
    }
}

/// <summary>
/// W2–W4 (batch 1) and W7 (batch B): whole token sequences from a zero state, the activated head written to an array:
/// [B, O] for a last-step head, time-major [T, B, O] for an every-step head. <c>tokens</c> is time-major [T, B].
/// </summary>
internal sealed class TorchSharpSequence : IDisposable
{
    private readonly TorchSharpLstm _model;
    private readonly Tensor _tokens;
    private readonly float[] _output;

    public TorchSharpSequence(ModelShape shape, ReadOnlySpan<float> parameters, int[] tokens, float[] output, int batch = 1)
    {
        if (batch <= 0 || tokens.Length % batch != 0) throw new ArgumentException($"{tokens.Length} tokens are not {batch} sequences of one length.", nameof(tokens));
        int steps = tokens.Length / batch;
        if (output.Length != batch * shape.OutputLength(steps))
            throw new ArgumentException($"The output must hold {batch * shape.OutputLength(steps)} floats; it holds {output.Length}.", nameof(output));
        TorchSharpSettings.Threads(1);
        _model = new TorchSharpLstm(shape, parameters);
        _tokens = torch.tensor(Array.ConvertAll(tokens, t => (long)t), new long[] { steps, batch });
        _output = output;
    }

    public void Run()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        using IDisposable mode = torch.inference_mode();
        Tensor? h = null, c = null;
        Tensor y = _model.Activate(_model.Logits(_tokens, ref h, ref c));
        using var values = y.data<float>();
        values.CopyTo(_output);
    }

    public void Dispose()
    {
        _tokens.Dispose();
        _model.Dispose();
    }
}

/// <summary>
/// W5, W6: one Adam step (PyTorch's defaults, as LstmGen's <c>new Adam()</c>) on a batch of equal-length token
/// sequences: binary cross-entropy on the last step's logit against a 0/1 label, or softmax cross-entropy at every
/// step against the next tokens, each the mean over the batch (and steps).
/// </summary>
internal sealed class TorchSharpTraining : IDisposable
{
    private readonly TorchSharpLstm _model;
    private readonly Tensor _tokens, _targets;
    private readonly optim.Optimizer _optimizer;

    public TorchSharpTraining(ModelShape shape, ReadOnlySpan<float> parameters, IReadOnlyList<int[]> sequences, IReadOnlyList<int[]> targets, int threads)
    {
        TorchSharpSettings.Threads(threads);
        _model = new TorchSharpLstm(shape, parameters);
        int batch = sequences.Count, steps = sequences[0].Length;
        _tokens = torch.tensor(TimeMajor(sequences, steps), new long[] { steps, batch });
        if (shape.HeadOn == HeadOn.EveryStep)
        {
            _targets = torch.tensor(TimeMajor(targets, steps), new long[] { steps * batch });
        }
        else
        {
            var labels = new float[batch];
            for (int b = 0; b < batch; b++) labels[b] = targets[b][0];
            _targets = torch.tensor(labels, new long[] { batch, 1 });
        }
        _optimizer = optim.Adam(_model.Parameters());
    }

    /// <summary>The batch as [T, B] int64 (nn.LSTM's default layout), row t = every sequence's token t.</summary>
    private static long[] TimeMajor(IReadOnlyList<int[]> sequences, int steps)
    {
        var values = new long[steps * sequences.Count];
        for (int b = 0; b < sequences.Count; b++)
        {
            if (sequences[b].Length != steps) throw new ArgumentException("The batch's sequences must have one length.", nameof(sequences));
            for (int t = 0; t < steps; t++) values[t * sequences.Count + b] = sequences[b][t];
        }
        return values;
    }

    /// <summary>Forward, loss, backward and the optimizer step; returns the loss before the step.</summary>
    public double Step()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        _optimizer.zero_grad();
        Tensor? h = null, c = null;
        Tensor logits = _model.Logits(_tokens, ref h, ref c);
        Tensor loss = _model.Shape.HeadOn == HeadOn.EveryStep
            ? nn.functional.cross_entropy(logits.reshape(-1, _model.Shape.OutputSize), _targets)
            : nn.functional.binary_cross_entropy_with_logits(logits, _targets);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _tokens.Dispose();
        _targets.Dispose();
        _model.Dispose();
    }
}
#endif
