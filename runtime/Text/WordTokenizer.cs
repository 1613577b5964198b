// Splits review-like text into lower-case word tokens, dropping markup such as <br />.
using System;
using System.Collections.Generic;
using System.Text;

namespace LstmGen.Text;

/// <summary>
/// Turns text into word tokens: markup tags (<c>&lt;br /&gt;</c>, <c>&lt;p&gt;</c>) become spaces, letters
/// are lower-cased (invariant culture), a word is a run of letters, digits and inner apostrophes
/// (<c>can't</c>, <c>it's</c>), and <c>!</c> and <c>?</c> are tokens of their own (they carry sentiment);
/// other punctuation separates words.
/// </summary>
public static class WordTokenizer
{
    /// <summary>The tokens of <paramref name="text"/>.</summary>
    public static List<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        var word = new StringBuilder();
        void Flush()
        {
            // Apostrophes only inside a word: "'quoted'" → quoted.
            int start = 0, end = word.Length;
            while (start < end && word[start] == '\'') start++;
            while (end > start && word[end - 1] == '\'') end--;
            if (end > start) tokens.Add(word.ToString(start, end - start));
            word.Clear();
        }
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (ch == '<')
            {
                int close = text.IndexOf('>', i + 1);
                if (close > i && close - i <= 64 && (i + 1 < text.Length && (char.IsLetter(text[i + 1]) || text[i + 1] == '/')))
                {
                    Flush();
                    i = close;
                    continue;
                }
            }
            if (char.IsLetterOrDigit(ch)) word.Append(char.ToLowerInvariant(ch));
            else if ((ch == '\'' || ch == '\u2019') && word.Length > 0) word.Append('\'');
            else
            {
                Flush();
                if (ch is '!' or '?') tokens.Add(ch.ToString());
            }
        }
        Flush();
        return tokens;
    }
}
