// Guards the per-SIMD-path test runs: the path the environment asks for is the one the JIT uses.
using System;
using System.Runtime.Intrinsics;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Numeric;

public sealed class SimdPathTests(ITestOutputHelper output)
{
    [Fact]
    public void EnvironmentSelectsTheExpectedPath()
    {
        string path = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : Vector128.IsHardwareAccelerated ? "Vector128" : "Scalar";
        output.WriteLine($"SIMD path: {path}, FMA: {System.Runtime.Intrinsics.X86.Fma.IsSupported}, kernels at {LstmGen.CompilerServices.VectorWidth.Bits} bits");
        // LSTMGEN_VECTOR_WIDTH forces the kernels' width (in software when the hardware lacks it); otherwise it is the hardware's widest.
        string? forced = Environment.GetEnvironmentVariable(LstmGen.CompilerServices.VectorWidth.EnvironmentVariable);
        int expectedBits = forced switch { "512" => 512, "256" => 256, "128" => 128, "scalar" => 32, _ => path switch { "Vector512" => 512, "Vector256" => 256, "Vector128" => 128, _ => 32 } };
        Assert.Equal(expectedBits, LstmGen.CompilerServices.VectorWidth.Bits);
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0") Assert.Equal("Scalar", path);
        else if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0") Assert.Equal("Vector128", path);
        else if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0") Assert.NotEqual("Vector512", path);
        string? expected = Environment.GetEnvironmentVariable("LSTMGEN_EXPECT_SIMD");
        if (!string.IsNullOrEmpty(expected)) Assert.Equal(expected, path);
    }
}
