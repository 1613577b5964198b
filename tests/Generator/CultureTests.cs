// The generated text (every file of a model, and the files' names) must not depend on the culture the compiler runs under.
using System.Globalization;
using System.Linq;
using Xunit;

namespace LstmGen.Tests.Generator;

public class CultureTests
{
    [Theory]
    [InlineData("fi-FI")] // U+2212 minus sign, space group separator
    [InlineData("ar-SA")]
    [InlineData("de-DE")]
    public void GeneratedSourceIsTheSameUnderAnyCulture(string culture)
    {
        // A compact model (loop kernels) and one whose register tiles are unrolled (tile files with every column offset).
        string source = ModelCompiler.ModelSource("Vocabulary = 12345, Embedding = 7, Hidden = 1234, Layers = 3, Outputs = 1001, Head = LstmGen.Head.Softmax")
            + ModelCompiler.ModelSource("Inputs = 1234, Hidden = 37, Layers = 2, Outputs = 3", "Unrolled", ns: null); // after the first one's file-scoped namespace
        CultureInfo saved = CultureInfo.CurrentCulture, savedUi = CultureInfo.CurrentUICulture;
        string invariant, localized;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
            invariant = string.Join("\0", ModelCompiler.Run(source).Sources.Select(s => s.HintName + "\n" + s.SourceText));
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
            localized = string.Join("\0", ModelCompiler.Run(source).Sources.Select(s => s.HintName + "\n" + s.SourceText));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
            CultureInfo.CurrentUICulture = savedUi;
        }
        Assert.Equal(ModelCompiler.FilesPerCompactModel + ModelCompiler.FilesPerModel, invariant.Split('\0').Length);
        Assert.NotEmpty(invariant);
        Assert.Equal(invariant, localized);
    }
}
