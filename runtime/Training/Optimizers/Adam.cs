// Adam with L2 weight decay added to the gradient (coupled), as torch.optim.Adam.
namespace LstmGen.Training.Optimizers;

/// <summary>
/// <c>torch.optim.Adam</c> (PyTorch 1.13, single-tensor path), with <c>weight_decay</c> as an L2
/// term added to the gradient (<c>g = g + weight_decay·p</c>) before the moments, and optional AMSGrad
/// (see <see cref="AdamOptimizer"/> for the update). Weight decay applies to every parameter, biases
/// included, as in PyTorch. For decoupled decay use <see cref="AdamW"/>.
/// </summary>
public sealed class Adam : AdamOptimizer
{
    /// <summary>Creates the optimizer; the defaults are PyTorch's (<c>lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False</c>).</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">A value is out of range (betas must be in [0, 1); the rest finite and ≥ 0).</exception>
    public Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : base("adam", decoupled: false, learningRate, beta1, beta2, epsilon, weightDecay, amsgrad)
    {
    }
}
