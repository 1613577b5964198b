// The characters the four tasks are written in. A model's vocabulary is a compile-time constant, so the set
// is fixed here and shared by every task; each task uses only some of it.
using System;

namespace Explorer;

/// <summary>Id 0 is the end marker '.', which the models learn to predict after the answer; ids 1… are the letters.</summary>
public static class Alphabet
{
    /// <summary>The characters in id order.</summary>
    public const string Characters = ".abcxXYAB";

    /// <summary>Number of ids: the models' Vocabulary and Outputs.</summary>
    public const int Size = 9;

    /// <summary>The character that ends every sequence.</summary>
    public const char End = '.';

    /// <summary>The id of <paramref name="c"/>; throws for a character outside the set.</summary>
    public static int Id(char c)
    {
        int id = Characters.IndexOf(c, StringComparison.Ordinal);
        return id >= 0 ? id : throw new ArgumentException($"'{c}' is not one of the characters \"{Characters}\".", nameof(c));
    }

    /// <summary>The character of <paramref name="id"/>.</summary>
    public static char Character(int id) => (uint)id < Size
        ? Characters[id]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"Ids are 0 to {Size - 1}.");

    /// <summary>The ids of <paramref name="text"/>.</summary>
    public static int[] Encode(string text)
    {
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++) ids[i] = Id(text[i]);
        return ids;
    }
}
