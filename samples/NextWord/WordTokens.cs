// Text → word tokens for a language model: lower-case words (with inner apostrophes) and the punctuation that
// shapes a sentence as tokens of their own, so the model learns where sentences and clauses end.
using System;
using System.Collections.Generic;
using System.Text;

namespace NextWord;

public static class WordTokens
{
    /// <summary>Punctuation kept as tokens; other symbols (underscores, brackets, dashes) only separate words.</summary>
    private const string Kept = ".,;:!?\"";

    /// <summary>The tokens of <paramref name="text"/>: words lower-cased, curly quotes read as straight ones.</summary>
    public static List<string> Split(string text)
    {
        var tokens = new List<string>();
        var word = new StringBuilder();
        void Flush()
        {
            int start = 0, end = word.Length;
            while (start < end && word[start] == '\'') start++;
            while (end > start && word[end - 1] == '\'') end--;
            if (end > start) tokens.Add(word.ToString(start, end - start));
            word.Clear();
        }
        foreach (char raw in text)
        {
            char ch = raw switch { '\u201C' or '\u201D' => '"', '\u2018' or '\u2019' => '\'', _ => raw };
            if (char.IsLetterOrDigit(ch)) word.Append(char.ToLowerInvariant(ch));
            else if (ch == '\'' && word.Length > 0) word.Append(ch);
            else
            {
                Flush();
                if (Kept.Contains(ch, StringComparison.Ordinal)) tokens.Add(ch.ToString());
            }
        }
        Flush();
        return tokens;
    }

    /// <summary>Tokens joined back into readable text: no space before punctuation, a capital after a full stop.</summary>
    public static string Join(IEnumerable<string> tokens)
    {
        var text = new StringBuilder();
        bool capital = false, openQuote = false;
        foreach (string token in tokens)
        {
            bool punctuation = token.Length == 1 && Kept.Contains(token[0], StringComparison.Ordinal) && token != "\"";
            if (token == "\"")
            {
                openQuote = !openQuote;
                if (openQuote && text.Length > 0) text.Append(' ');
                text.Append('"');
                continue;
            }
            if (!punctuation && text.Length > 0 && !(text[^1] == '"' && openQuote)) text.Append(' ');
            text.Append(capital && token.Length > 0 ? char.ToUpperInvariant(token[0]) + token[1..] : token == "i" ? "I" : token);
            if (token is "." or "!" or "?") capital = true;
            else if (!punctuation) capital = false;
        }
        return text.ToString();
    }
}
