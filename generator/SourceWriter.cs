// Builds generated source text with consistent indentation and invariant number formatting.
using System;
using System.Globalization;
using System.Text;

namespace LstmGen.Generator;

/// <summary>An indenting text writer for generated C#.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
    }

    /// <summary>Writes <paramref name="header"/>, an opening brace, and indents until the returned scope is disposed.</summary>
    public IDisposable Block(string header)
    {
        Line(header);
        return Open();
    }

    /// <summary>An opening brace and one more level of indentation until disposed.</summary>
    public IDisposable Open()
    {
        Line("{");
        _indent++;
        return new Closer(this);
    }

    public override string ToString() => _text.ToString();

    /// <summary>An integer as C# source, culture-independent.</summary>
    public static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A float as a C# literal (round-trip digits and the f suffix), culture-independent.</summary>
    public static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

    private sealed class Closer(SourceWriter writer) : IDisposable
    {
        public void Dispose()
        {
            writer._indent--;
            writer.Line("}");
        }
    }
}
