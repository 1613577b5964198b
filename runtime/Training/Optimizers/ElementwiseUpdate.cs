// The one loop every optimizer runs: an update rule applied to the vector width the kernels use (VectorWidth), then
// the remaining elements one at a time with the same rule, so no element is visited twice.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LstmGen.CompilerServices;

namespace LstmGen.Training.Optimizers;

/// <summary>
/// An element-wise optimizer update: reads the parameter, gradient and up to three state slots at
/// <c>index</c>, writes back the parameter and the slots it owns. Implementations are readonly
/// structs whose fields are the step's scalars, so the JIT specialises the loop for each.
/// </summary>
internal interface IUpdateRule
{
    /// <summary>Updates <typeparamref name="T"/>.Count elements starting at <paramref name="index"/>.</summary>
    void Apply<T>(ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint index)
        where T : struct, IFloatLanes<T>;
}

/// <summary>Runs an <see cref="IUpdateRule"/> over whole blocks.</summary>
internal static class ElementwiseUpdate
{
    /// <summary>
    /// Applies <paramref name="rule"/> to every element. The state spans a rule does not use may be
    /// empty; the ones it uses must be as long as <paramref name="parameters"/> (callers check).
    /// Vector iterations never overlap (an in-place update applied twice would be wrong), so the
    /// tail runs on <see cref="ScalarLane"/>, which rounds exactly as the vector lanes do.
    /// </summary>
    public static void Run<TRule>(TRule rule, Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state0, Span<float> state1, Span<float> state2)
        where TRule : struct, IUpdateRule
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float s0 = ref MemoryMarshal.GetReference(state0);
        ref float s1 = ref MemoryMarshal.GetReference(state1);
        ref float s2 = ref MemoryMarshal.GetReference(state2);
        nuint length = (nuint)parameters.Length;
        nuint done = 0;
        if (VectorWidth.Use512) done = Loop<TRule, Lanes512>(rule, ref p, ref g, ref s0, ref s1, ref s2, done, length);
        else if (VectorWidth.Use256) done = Loop<TRule, Lanes256>(rule, ref p, ref g, ref s0, ref s1, ref s2, done, length);
        else if (VectorWidth.Use128) done = Loop<TRule, Lanes128>(rule, ref p, ref g, ref s0, ref s1, ref s2, done, length);
        Loop<TRule, ScalarLane>(rule, ref p, ref g, ref s0, ref s1, ref s2, done, length);
    }

    /// <summary>Runs whole registers of <typeparamref name="T"/> from <paramref name="start"/>; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Loop<TRule, T>(TRule rule, ref float p, ref float g, ref float s0, ref float s1, ref float s2, nuint start, nuint length)
        where TRule : struct, IUpdateRule
        where T : struct, IFloatLanes<T>
    {
        nuint width = (nuint)T.Count;
        nuint i = start;
        for (; length - i >= width; i += width)
            rule.Apply<T>(ref p, ref g, ref s0, ref s1, ref s2, i);
        return i;
    }
}
