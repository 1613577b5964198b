// Accumulated parameter gradients in a model's internal layout; summed in a fixed order for determinism.
using System;
using LstmGen.CompilerServices;

namespace LstmGen.Training;

/// <summary>
/// Gradients of a model's parameters, in the model's internal layout (generated models use their
/// packed layout so the backward pass accumulates with vector operations). Convert with
/// <see cref="ITrainableModel.CopyGradients"/>. Not thread-safe: one per worker, summed with <see cref="Add"/>.
/// </summary>
public sealed class GradientBuffer
{
    private readonly AlignedBuffer _values;

    /// <summary>Creates a zeroed buffer of <paramref name="length"/> floats for <paramref name="owner"/>, in the layout named <paramref name="layout"/>; models call this.</summary>
    internal GradientBuffer(ModelShape owner, string layout, int length)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentException.ThrowIfNullOrEmpty(layout);
        Shape = owner;
        Layout = layout;
        _values = new AlignedBuffer(length);
    }

    /// <summary>The shape of the model the gradients belong to.</summary>
    public ModelShape Shape { get; }

    /// <summary>The gradient layout of the implementation that created the buffer.</summary>
    internal string Layout { get; }

    /// <summary>Floats held.</summary>
    public int Length => _values.Length;

    /// <summary>The raw values, in the model's internal layout.</summary>
    public Span<float> Values => _values.Span;

    /// <summary>Sets every gradient to zero.</summary>
    public void Clear() => _values.Span.Clear();

    /// <summary>Adds <paramref name="other"/> element by element (same model shape).</summary>
    public void Add(GradientBuffer other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!other.Shape.Equals(Shape) || other.Layout != Layout || other.Length != Length)
            throw new ArgumentException($"Cannot add gradients of a model ({other.Shape}) to gradients of ({Shape}).", nameof(other));
        System.Numerics.Tensors.TensorPrimitives.Add(_values.Span, other._values.Span, _values.Span);
    }

    /// <summary>Throws unless the buffer belongs to <paramref name="shape"/> and has the layout <paramref name="layout"/>; the exception names <paramref name="paramName"/>.</summary>
    internal void EnsureShape(ModelShape shape, string layout, string paramName = "gradients")
    {
        if (!Shape.Equals(shape)) throw new ArgumentException($"The gradient buffer belongs to a model of shape ({Shape}), not ({shape}). Create it with this model's CreateGradients().", paramName);
        if (Layout != layout) throw new ArgumentException($"The gradient buffer has the '{Layout}' layout; this model uses '{layout}'. Create it with this model's CreateGradients().", paramName);
    }

    /// <summary>Reference to the first float (64-byte aligned).</summary>
    internal ref float GetReference() => ref _values.Reference;
}
