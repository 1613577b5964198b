// Results do not depend on SIMD width, alignment or an element's position: vector lanes round exactly as the scalar tail.
using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using LstmGen.Training;
using LstmGen.Training.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Training.Optimizers;

public sealed class OptimizerSimdTests(ITestOutputHelper output)
{
    private const int Length = 203;
    private const int Steps = 5;

    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void EveryElementMatchesItsOwnScalarRun(string name)
    {
        OptimizerCase c = OptimizerCases.Get(name);
        float[] block = Trajectory(c, offset: 0);

        // Element i updated alone: a one-element block never reaches a vector loop.
        var single = new float[1];
        for (int i = 0; i < Length; i++)
        {
            IOptimizer alone = c.Create();
            single[0] = Start()[i];
            for (int k = 0; k < Steps; k++) alone.Step(single, Gradients(k).AsSpan(i, 1));
            Assert.True(BitConverter.SingleToInt32Bits(single[0]) == BitConverter.SingleToInt32Bits(block[i]),
                $"{name}: element {i} is {block[i]:R} in the block, {single[0]:R} alone.");
        }
    }

    [Theory]
    [MemberData(nameof(OptimizerCases.Names), MemberType = typeof(OptimizerCases))]
    public void ResultsDoNotDependOnAlignment(string name)
    {
        OptimizerCase c = OptimizerCases.Get(name);
        float[] expected = Trajectory(c, offset: 0);
        for (int offset = 1; offset < 17; offset++)
            Assert.Equal(Bits(expected), Bits(Trajectory(c, offset)));
    }

    /// <summary>
    /// The same trajectory on every SIMD path (run this class under DOTNET_EnableAVX512=0,
    /// DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0): fingerprints of the bits after five
    /// steps. Only +, −, ×, ÷, √ and max touch the elements; the per-step scalars (Adam's bias
    /// corrections use Math.Pow) come from the C runtime, so a different platform's libm could in
    /// principle move a constant by an ulp; on one machine the SIMD path must never matter.
    /// </summary>
    [Fact]
    public void TrajectoriesAreIdenticalOnEverySimdPath()
    {
        var expected = new Dictionary<string, ulong>
        {
            ["sgd"] = 0x2CC8092EB81F0BEF,
            ["sgd_wd"] = 0xD5FA31711B24D1B1,
            ["sgd_momentum_dampening_wd"] = 0xE17A889D799049B6,
            ["sgd_nesterov_wd"] = 0xCE2DF049561B757F,
            ["adam"] = 0x00818340A9F90079,
            ["adam_l2_amsgrad"] = 0xA4633D89746A8DF9,
            ["adamw"] = 0xF9A8569905777813,
            ["adamw_amsgrad"] = 0x2393E3CDF749A137,
            ["rmsprop"] = 0x6C41CB900DE31891,
            ["rmsprop_centered_momentum_wd"] = 0x9779C5419CA86544,
            ["adagrad"] = 0x230FB1CF0D24D45E,
            ["adagrad_decay_init_wd"] = 0xEDA353B1BEB56AD8,
        };
        output.WriteLine($"SIMD path: {(Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : Vector128.IsHardwareAccelerated ? "Vector128" : "Scalar")}");
        var failures = new List<string>();
        foreach (OptimizerCase c in OptimizerCases.All)
        {
            ulong actual = Fingerprint(Trajectory(c, offset: 0));
            output.WriteLine($"            [\"{c.Name}\"] = 0x{actual:X16},");
            if (actual != expected[c.Name]) failures.Add(c.Name);
        }
        Assert.True(failures.Count == 0, "Fingerprints differ for: " + string.Join(", ", failures));
    }

    [Fact]
    public void GlobalNormIsIdenticalOnEverySimdPath()
    {
        // Lengths around the 16-float blocks, values spanning many binades.
        var random = new SeededRandom(21);
        var bits = new List<string>();
        ulong fingerprint = 14695981039346656037UL;
        foreach (int n in new[] { 0, 1, 15, 16, 17, 31, 33, 1000, 4099 })
        {
            var g = new float[n];
            for (int i = 0; i < n; i++) g[i] = MathF.ScaleB(random.NextFloat() - 0.5f, random.Next(40) - 20);
            double norm = GradientClipping.GlobalNorm(g);
            fingerprint = (fingerprint ^ (ulong)BitConverter.DoubleToInt64Bits(norm)) * 1099511628211UL;
            bits.Add($"{n}: {norm:R}");
        }
        output.WriteLine(string.Join(Environment.NewLine, bits));
        output.WriteLine($"fingerprint 0x{fingerprint:X16}");
        Assert.Equal(0x7D6D47C7DAC4D306UL, fingerprint);
    }

    private static float[] Start() => OptimizerCases.Uniform(Length, 0.5f, seed: 31);

    private static float[] Gradients(int k) => OptimizerCases.Uniform(Length, 1f, seed: 300 + (ulong)k);

    /// <summary>Five steps on a block placed <paramref name="offset"/> floats into a larger array.</summary>
    private static float[] Trajectory(OptimizerCase c, int offset)
    {
        var storage = new float[Length + offset + 3];
        var gradientStorage = new float[Length + offset + 5];
        Span<float> parameters = storage.AsSpan(offset, Length);
        Start().CopyTo(parameters);
        IOptimizer optimizer = c.Create();
        for (int k = 0; k < Steps; k++)
        {
            Span<float> gradients = gradientStorage.AsSpan(offset + 2, Length);
            Gradients(k).CopyTo(gradients);
            optimizer.Step(parameters, gradients);
        }
        return parameters.ToArray();
    }

    private static ulong Fingerprint(float[] values)
    {
        ulong hash = 14695981039346656037UL; // FNV-1a, 64-bit
        foreach (float v in values)
        {
            uint bits = BitConverter.SingleToUInt32Bits(v);
            for (int b = 0; b < 4; b++) hash = (hash ^ ((bits >> (8 * b)) & 0xFF)) * 1099511628211UL;
        }
        return hash;
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);
}
