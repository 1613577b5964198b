// Walks a pipeline value's object graph and fails on any Roslyn type (symbols, syntax, compilations, locations).
using System;
using System.Collections;
using System.Collections.Generic;
using System.Reflection;
using Xunit;

namespace LstmGen.Tests.Generator;

internal static class SpecGraph
{
    public static void AssertNoRoslynTypes(object? value, string path)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Walk(value, path, seen);
    }

    private static void Walk(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Type type = value.GetType();
        Assert.False(type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true,
            $"{path} holds a Roslyn object of type {type.FullName}; pipeline values must be plain data.");
        if (!type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items) Walk(item, $"{path}[{i++}]", seen);
        }
        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            Walk(field.GetValue(value), $"{path}.{field.Name}", seen);
    }
}
