// SaveState / LoadState: a restored optimizer continues a trajectory bit-identically; mismatched checkpoints are refused.
using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Training.Optimizers;
using Xunit;

namespace LstmGen.Tests.Training.Optimizers;

public sealed class OptimizerStateTests
{
    private const int Length = 37;

    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void RestoredOptimizerContinuesBitIdentically(string name)
    {
        OptimizerCase c = OptimizerCases.Get(name);
        float[] parameters = OptimizerCases.Uniform(Length, 0.5f, seed: 1);
        IOptimizer original = c.Create();
        for (int k = 0; k < 3; k++) original.Step(parameters, Gradients(k));

        var tensors = new Dictionary<string, float[]>();
        var metadata = new Dictionary<string, string>();
        original.SaveState(tensors, metadata);
        Assert.Equal(original.Name, metadata["optimizer"]);
        Assert.Equal("3", metadata["optimizer.step"]);
        Assert.Equal(Length.ToString(System.Globalization.CultureInfo.InvariantCulture), metadata["optimizer.length"]);

        IOptimizer restored = c.Create();
        restored.LoadState(tensors, metadata);
        Assert.Equal(3, restored.StepCount);

        // The saved arrays are copies: scribbling on them must not reach either optimizer.
        foreach (float[] t in tensors.Values) Array.Fill(t, float.NaN);

        float[] a = (float[])parameters.Clone(), b = (float[])parameters.Clone();
        for (int k = 3; k < 6; k++)
        {
            original.Step(a, Gradients(k));
            restored.Step(b, Gradients(k));
            Assert.Equal(Bits(a), Bits(b));
        }
        Assert.Equal(6, restored.StepCount);
        Assert.Equal(Snapshot(original), Snapshot(restored));
    }

    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void StateNamesArePyTorchs(string name)
    {
        IOptimizer optimizer = OptimizerCases.Get(name).Create();
        var tensors = new Dictionary<string, float[]>();
        optimizer.SaveState(tensors, new Dictionary<string, string>());
        Assert.Empty(tensors); // nothing before the first step
        optimizer.Step(new float[Length], Gradients(0));
        optimizer.SaveState(tensors, new Dictionary<string, string>());
        string[] expected = name switch
        {
            "sgd" or "sgd_wd" => [],
            "sgd_momentum_dampening_wd" or "sgd_nesterov_wd" => ["momentum_buffer"],
            "adam" or "adamw" => ["exp_avg", "exp_avg_sq"],
            "adam_l2_amsgrad" or "adamw_amsgrad" => ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
            "rmsprop" => ["square_avg"],
            "rmsprop_centered_momentum_wd" => ["grad_avg", "momentum_buffer", "square_avg"],
            "adagrad" or "adagrad_decay_init_wd" => ["sum"],
            _ => throw new ArgumentException(name),
        };
        Assert.Equal(expected, tensors.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.All(tensors.Values, t => Assert.Equal(Length, t.Length));
    }

    [Fact]
    public void CheckpointBeforeTheFirstStepRestoresAFreshOptimizer()
    {
        var sgd = new Sgd(0.1, momentum: 0.9);
        var tensors = new Dictionary<string, float[]>();
        var metadata = new Dictionary<string, string>();
        sgd.SaveState(tensors, metadata);
        Assert.Equal("0", metadata["optimizer.step"]);
        Assert.False(metadata.ContainsKey("optimizer.length"));

        // Loading step 0 into a used optimizer resets it: its next step is a first step again (buffer = gradient).
        var used = new Sgd(0.1, momentum: 0.9);
        float[] p = new float[Length];
        used.Step(p, Gradients(0));
        used.LoadState(tensors, metadata);
        Assert.Equal(0, used.StepCount);
        float[] fresh = new float[Length], again = new float[Length];
        new Sgd(0.1, momentum: 0.9).Step(fresh, Gradients(1));
        used.Step(again, Gradients(1));
        Assert.Equal(Bits(fresh), Bits(again));
    }

    [Fact]
    public void ForeignEntriesAreIgnored()
    {
        var adam = new Adam();
        float[] p = new float[Length];
        adam.Step(p, Gradients(0));
        var tensors = new Dictionary<string, float[]> { ["lstm.weight_ih_l0"] = new float[5] };
        var metadata = new Dictionary<string, string> { ["epoch"] = "4" };
        adam.SaveState(tensors, metadata);
        var other = new Adam();
        other.LoadState(tensors, metadata);
        Assert.Equal(1, other.StepCount);
    }

    [Fact]
    public void AnotherOptimizersStateIsRefused()
    {
        (Dictionary<string, float[]> tensors, Dictionary<string, string> metadata) = Saved(new Adam());
        var e = Assert.Throws<ArgumentException>(() => new AdamW().LoadState(tensors, metadata));
        Assert.Contains("'adam'", e.Message);
        Assert.Contains("'adamw'", e.Message);
        Assert.Equal("metadata", e.ParamName);
    }

    [Fact]
    public void StateOfAnotherConfigurationIsRefused()
    {
        (Dictionary<string, float[]> tensors, Dictionary<string, string> metadata) = Saved(new RmsProp(centered: true));
        var e = Assert.Throws<ArgumentException>(() => new RmsProp().LoadState(tensors, metadata));
        Assert.Contains("grad_avg", e.Message);

        (tensors, metadata) = Saved(new Adam(amsgrad: false));
        e = Assert.Throws<ArgumentException>(() => new Adam(amsgrad: true).LoadState(tensors, metadata));
        Assert.Contains("max_exp_avg_sq", e.Message);
    }

    [Fact]
    public void MismatchedLengthsAreRefused()
    {
        (Dictionary<string, float[]> tensors, Dictionary<string, string> metadata) = Saved(new Adam());

        // An optimizer already working on another parameter count.
        var busy = new Adam();
        busy.Step(new float[Length + 1], new float[Length + 1]);
        var e = Assert.Throws<ArgumentException>(() => busy.LoadState(tensors, metadata));
        Assert.Contains($"{Length}", e.Message);
        Assert.Contains($"{Length + 1}", e.Message);
        Assert.Equal(1, busy.StepCount); // unchanged

        // A state array of the wrong length.
        var shortened = new Dictionary<string, float[]>(tensors) { ["exp_avg_sq"] = new float[Length - 1] };
        e = Assert.Throws<ArgumentException>(() => new Adam().LoadState(shortened, metadata));
        Assert.Contains("exp_avg_sq", e.Message);
        Assert.Contains($"{Length - 1}", e.Message);

        // A restored optimizer keeps its length: stepping another count fails.
        var restored = new Adam();
        restored.LoadState(tensors, metadata);
        e = Assert.Throws<ArgumentException>(() => restored.Step(new float[Length + 2], new float[Length + 2]));
        Assert.Equal("parameters", e.ParamName);
    }

    [Fact]
    public void IncompleteCheckpointsAreRefusedAndChangeNothing()
    {
        (Dictionary<string, float[]> tensors, Dictionary<string, string> metadata) = Saved(new Adam());
        var adam = new Adam();
        float[] p = new float[Length];
        adam.Step(p, Gradients(7));
        adam.Step(p, Gradients(8));
        var before = Snapshot(adam);

        var missing = new Dictionary<string, float[]>(tensors);
        missing.Remove("exp_avg");
        Assert.Contains("exp_avg", Assert.Throws<ArgumentException>(() => adam.LoadState(missing, metadata)).Message);

        foreach (string key in new[] { "optimizer", "optimizer.step", "optimizer.length" })
        {
            var partial = new Dictionary<string, string>(metadata);
            partial.Remove(key);
            Assert.Contains(key, Assert.Throws<ArgumentException>(() => adam.LoadState(tensors, partial)).Message);
        }
        var badStep = new Dictionary<string, string>(metadata) { ["optimizer.step"] = "-1" };
        Assert.Contains("-1", Assert.Throws<ArgumentException>(() => adam.LoadState(tensors, badStep)).Message);

        Assert.Equal(2, adam.StepCount);
        Assert.Equal(before, Snapshot(adam));
    }

    private static (Dictionary<string, float[]>, Dictionary<string, string>) Saved(IOptimizer optimizer)
    {
        optimizer.Step(new float[Length], Gradients(0));
        var tensors = new Dictionary<string, float[]>();
        var metadata = new Dictionary<string, string>();
        optimizer.SaveState(tensors, metadata);
        return (tensors, metadata);
    }

    private static string Snapshot(IOptimizer optimizer)
    {
        var tensors = new Dictionary<string, float[]>();
        var metadata = new Dictionary<string, string>();
        optimizer.SaveState(tensors, metadata);
        return string.Join("; ", metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))
            + " | " + string.Join("; ", tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}=[{string.Join(",", Bits(kv.Value))}]"));
    }

    private static float[] Gradients(int k) => OptimizerCases.Uniform(Length, 1f, seed: 1000 + (ulong)k);

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);
}
