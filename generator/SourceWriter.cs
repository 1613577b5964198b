// Builds generated source text with consistent indentation and invariant number formatting, and lets an emitter
// route members into named parts (one generated file each) without changing how it writes them.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace LstmGen.Generator;

/// <summary>An indenting text writer for generated C#.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _main = new();
    private readonly Dictionary<string, PartBuffer> _parts = new(StringComparer.Ordinal);
    private StringBuilder _text;
    private int _indent;

    public SourceWriter() => _text = _main;

    /// <summary>The current indentation level (four spaces each).</summary>
    public int Indent => _indent;

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

    /// <summary>
    /// Declares the part named <paramref name="name"/> as a file of its own: <paramref name="opening"/> (the file's
    /// header and wrappers, ending in a newline) comes before what <see cref="Part"/> scopes write to it, at
    /// indentation <paramref name="indent"/>, and <paramref name="closing"/> after.
    /// </summary>
    public void DefinePart(string name, string opening, string closing, int indent)
    {
        if (_parts.ContainsKey(name)) throw new InvalidOperationException($"Part {name} is already defined.");
        _parts.Add(name, new PartBuffer(new StringBuilder(opening), opening.Length, closing, indent));
    }

    /// <summary>
    /// Until the returned scope is disposed, what is written goes to the part named <paramref name="name"/>
    /// (appended to what earlier scopes of the same name wrote) instead of the main text. A part holds members of
    /// the type being written, so it is written at one indentation: the one <see cref="DefinePart"/> gave, or else
    /// the one of its first scope.
    /// </summary>
    public IDisposable Part(string name)
    {
        if (!_parts.TryGetValue(name, out PartBuffer? part))
        {
            part = new PartBuffer(new StringBuilder(), 0, "", _indent);
            _parts.Add(name, part);
        }
        else if (part.Indent != _indent)
        {
            throw new InvalidOperationException($"Part {name} is written at indentation {part.Indent}, not {_indent}.");
        }
        var scope = new PartScope(this, _text);
        _text = part.Text;
        return scope;
    }

    /// <summary>
    /// The text of the part named <paramref name="name"/>: its opening, what was written to it (without a last
    /// empty line), and its closing; <see langword="null"/> when nothing was written to it. Call it once, when the part is complete.
    /// </summary>
    public string? PartText(string name)
    {
        if (!_parts.TryGetValue(name, out PartBuffer? part) || part.Text.Length == part.OpeningLength) return null;
        StringBuilder text = part.Text;
        if (text.Length >= part.OpeningLength + 2 && text[text.Length - 1] == '\n' && text[text.Length - 2] == '\n') text.Length--;
        return text.Append(part.Closing).ToString();
    }

    /// <summary>The main text: everything not written inside a <see cref="Part"/> scope.</summary>
    public override string ToString() => _main.ToString();

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

    /// <summary>A part's text so far (after its opening), and how it ends.</summary>
    private sealed record PartBuffer(StringBuilder Text, int OpeningLength, string Closing, int Indent);

    private sealed class PartScope(SourceWriter writer, StringBuilder previous) : IDisposable
    {
        public void Dispose() => writer._text = previous;
    }
}
