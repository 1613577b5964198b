// The fixed character vocabulary: the model's sizes are compile-time constants, so the set of characters
// is fixed here (newline and printable ASCII) and everything else maps to one unknown id.
using System;

namespace CharModel;

/// <summary>Id 0 = unknown, 1 = newline, 2… = the printable ASCII characters ' ' … '~'.</summary>
public static class CharacterSet
{
    /// <summary>Number of ids, including the unknown one; the model's Vocabulary and Outputs.</summary>
    public const int Size = 2 + ('~' - ' ' + 1);

    /// <summary>The id every character outside the set maps to.</summary>
    public const int Unknown = 0;

    /// <summary>How the unknown id is written when generated text is printed.</summary>
    public const char UnknownGlyph = '\uFFFD';

    public static int Id(char c) => c switch
    {
        '\n' => 1,
        >= ' ' and <= '~' => 2 + (c - ' '),
        _ => Unknown,
    };

    public static char Character(int id) => id switch
    {
        1 => '\n',
        >= 2 and < Size => (char)(' ' + id - 2),
        _ => UnknownGlyph,
    };

    /// <summary>Ids of <paramref name="text"/>, with Windows line ends read as one newline.</summary>
    public static int[] Encode(string text)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++) ids[i] = Id(text[i]);
        return ids;
    }
}
