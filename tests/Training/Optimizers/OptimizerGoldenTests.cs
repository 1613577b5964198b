// Each optimizer against PyTorch's float64 trajectories (golden optim_*.safetensors), one theory row per file.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using LstmGen.Tests.Golden;
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Training.Optimizers;

public sealed class OptimizerGoldenTests(ITestOutputHelper output)
{
    /// <summary>
    /// Max-normalised error allowed for the parameters after each step (err = max|impl − ref| /
    /// max(max|ref|, 1e-3), per tensor, README section 6's measure).
    /// <para>What is compared: the files hold torch.optim run entirely in float64 (parameters, state
    /// and gradients; see gen_optim_golden.py). We run float32 from the same float32 start, feeding
    /// the float64 gradients rounded to float32, and carry our own float32 parameters and state
    /// through the three steps. So the gap is float32 storage, not a difference of algorithm.</para>
    /// <para>Bound: storing a parameter in float32 costs at most half an ulp, ≤ 2^-24·|p|, i.e.
    /// ≤ 6.0e-8 normalised per step; three steps ≤ 1.8e-7. The update's own float32 arithmetic and
    /// the gradient's rounding are relative errors of a few 2^-24 on the update, which is ≤ 0.05 of
    /// |p| here (SGD lr 0.1) and ~1e-3 for the adaptive methods: below 1e-8 normalised. Measured
    /// worst over the nine files: 1.27e-7 (adamw); a float32 PyTorch run is bound by the same
    /// storage limit. Tolerance 4e-7 is ~2× the bound. It matters that it is this tight: AdamW's
    /// decay term lr·wd·|p| is only 1e-5 normalised per step, which a 1e-4 budget could not tell
    /// from no decay at all.</para>
    /// </summary>
    public const double Tolerance = 4e-7;

    /// <summary>
    /// Clipped gradients vs <c>step{k}.grad</c>: the raw gradient's rounding to float, the
    /// coefficient's and the product's, ≤ 3·2^-24 ≈ 1.8e-7 relative per element (measured ≤ 5.4e-8).
    /// </summary>
    public const double ClippedGradientTolerance = 2.5e-7;

    /// <summary>The pre-clip norm from float32 gradients vs the float64 norm: ≤ 2^-24 relative (measured ≤ 2.2e-8).</summary>
    public const double NormTolerance = 1e-7;

    public static TheoryData<string> Files() => new(OptimizerGoldenFile.All());

    [Fact]
    public void EveryReadmeOptimizerFileIsPresent()
    {
        string[] expected = ["optim_adagrad", "optim_adam", "optim_adam_clipnorm", "optim_adam_l2", "optim_adamw", "optim_rmsprop", "optim_sgd", "optim_sgd_momentum", "optim_sgd_nesterov"];
        Assert.Equal(expected, OptimizerGoldenFile.All().ToArray());
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void GoldenTrajectory(string file)
    {
        using OptimizerGoldenFile golden = OptimizerGoldenFile.Open(file);
        IOptimizer optimizer = golden.CreateOptimizer();
        float[] parameters = golden.InitialParameters();
        var report = new StringBuilder();
        report.Append(CultureInfo.InvariantCulture, $"{file}: {optimizer.Name}, tolerance {Tolerance:E0}");
        double worst = 0;
        var failures = new List<string>();
        for (int k = 1; k <= OptimizerGoldenFile.Steps; k++)
        {
            float[] gradients;
            if (golden.ClipGradNorm is double maxNorm)
            {
                gradients = golden.RawGradients(k);
                double total = GradientClipping.ClipByGlobalNorm(gradients, maxNorm);
                double total64 = Math.Sqrt(golden.RawGradients64(k).Sum(g => g * g));
                Assert.True(total > maxNorm, $"step {k}: the clipping case must clip (norm {total}, max {maxNorm}).");
                double normError = Math.Abs(total - total64) / total64;
                NormalisedError clipError = NormalisedError.Of(gradients, golden.Gradients64(k));
                report.AppendLine().Append(CultureInfo.InvariantCulture, $"  step {k}: norm {total:R} (float64 of the raw f64 gradients {total64:R}, rel. diff {normError:E2}); clipped gradients {clipError}");
                if (!(normError <= NormTolerance)) failures.Add($"step {k} norm rel. diff {normError:E2}");
                if (!(clipError.Error <= ClippedGradientTolerance)) failures.Add($"step {k} clipped gradients {clipError}");
            }
            else
            {
                gradients = golden.Gradients(k);
            }

            optimizer.Step(parameters, gradients);
            Assert.Equal(k, optimizer.StepCount);

            double[] expected = golden.Parameters64(k);
            foreach (ParameterTensor t in OptimizerGoldenFile.Shape.Tensors)
            {
                NormalisedError e = NormalisedError.Of(parameters.AsSpan(t.Offset, t.Length), expected.AsSpan(t.Offset, t.Length));
                worst = Math.Max(worst, e.Error);
                report.AppendLine().Append(CultureInfo.InvariantCulture, $"  step {k} {t.Name,-18} {e}");
                if (!(e.Error <= Tolerance)) failures.Add($"step {k} {t.Name}: {e}");
            }
        }
        report.AppendLine().Append(CultureInfo.InvariantCulture, $"  worst {worst:E2}");
        output.WriteLine(report.ToString());
        Assert.True(failures.Count == 0, report + Environment.NewLine + "Failures:" + Environment.NewLine + string.Join(Environment.NewLine, failures));
    }
}
