// A diagnostic as plain data (descriptor id, location numbers, arguments), so the pipeline caches it without holding syntax trees or Roslyn types.
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LstmGen.Generator.Model;

/// <summary>A source location as numbers and a path.</summary>
internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartCharacter, int EndLine, int EndCharacter)
{
    public Location ToLocation() => Location.Create(
        FilePath,
        new TextSpan(Start, Length),
        new LinePositionSpan(new LinePosition(StartLine, StartCharacter), new LinePosition(EndLine, EndCharacter)));

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        LinePositionSpan lines = location.GetLineSpan().Span;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan.Start, location.SourceSpan.Length,
            lines.Start.Line, lines.Start.Character, lines.End.Line, lines.End.Character);
    }
}

/// <summary>A diagnostic to report, as equatable data; the descriptor is looked up by id when reported.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(DiagnosticDescriptors.ById(Id), Location?.ToLocation(), messageArgs: System.Linq.Enumerable.ToArray<object>(Arguments));

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        new(descriptor.Id, LocationInfo.From(location), new EquatableArray<string>(arguments));
}
