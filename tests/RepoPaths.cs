// Finds the repository root from the test binaries, so tests read the repo's files without copying them.
using System;
using System.IO;

namespace LstmGen.Tests;

internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "LstmGen.sln"))) return dir;
        }
        throw new InvalidOperationException($"No LstmGen.sln above {AppContext.BaseDirectory}.");
    });

    /// <summary>The folder holding LstmGen.sln.</summary>
    public static string Root => s_root.Value;
}
