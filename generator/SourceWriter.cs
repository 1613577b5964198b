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
    private readonly Dictionary<string, (StringBuilder Text, int Indent)> _parts = new(StringComparer.Ordinal);
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
    /// Until the returned scope is disposed, what is written goes to the part named <paramref name="name"/>
    /// (appended to what earlier scopes of the same name wrote) instead of the main text, at the same indentation.
    /// A part holds members of the type being written, so it is opened at the type body's level, the same every time;
    /// whoever files it wraps it in the same namespace and types (<see cref="PartIndent"/> says at which level).
    /// </summary>
    public IDisposable Part(string name)
    {
        if (!_parts.TryGetValue(name, out var part))
        {
            part = (new StringBuilder(), _indent);
            _parts.Add(name, part);
        }
        else if (part.Indent != _indent)
        {
            throw new InvalidOperationException($"Part {name} was opened at indentation {part.Indent}, now at {_indent}.");
        }
        var scope = new PartScope(this, _text);
        _text = part.Text;
        return scope;
    }

    /// <summary>Whether anything was written to the part named <paramref name="name"/>.</summary>
    public bool HasPart(string name) => _parts.ContainsKey(name);

    /// <summary>The indentation level the part named <paramref name="name"/> was written at.</summary>
    public int PartIndent(string name) => _parts[name].Indent;

    /// <summary>The text of the part named <paramref name="name"/>, each line indented as written.</summary>
    public string PartText(string name) => _parts[name].Text.ToString();

    /// <summary>Appends <paramref name="text"/> as it is (already indented lines, each ending in a newline).</summary>
    public void Raw(string text) => _text.Append(text);

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

    private sealed class PartScope(SourceWriter writer, StringBuilder previous) : IDisposable
    {
        public void Dispose() => writer._text = previous;
    }
}
