// Adam with weight decay decoupled from the gradient (the weights shrink directly), as torch.optim.AdamW.
namespace LstmGen.Training.Optimizers;

/// <summary>
/// <c>torch.optim.AdamW</c> (PyTorch 1.13, single-tensor path): Adam whose weight decay shrinks the
/// weights directly (<c>p = p·(1 − lr·weight_decay)</c>) instead of entering the moments (see
/// <see cref="AdamOptimizer"/> for the update). The decay applies to every parameter, biases included,
/// as in PyTorch. For L2 decay in the gradient use <see cref="Adam"/>.
/// </summary>
public sealed class AdamW : AdamOptimizer
{
    /// <summary>Creates the optimizer; the defaults are PyTorch's (<c>lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False</c>).</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">A value is out of range (betas must be in [0, 1); the rest finite and ≥ 0).</exception>
    public AdamW(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
        : base("adamw", decoupled: true, learningRate, beta1, beta2, epsilon, weightDecay, amsgrad)
    {
    }
}
