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
        string source = ModelCompiler.ModelSource("Vocabulary = 12345, Embedding = 7, Hidden = 1234, Layers = 3, Outputs = 1001, Head = LstmGen.Head.Softmax");
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
        Assert.Equal(ModelCompiler.FilesPerModel, invariant.Split('\0').Length);
        Assert.NotEmpty(invariant);
        Assert.Equal(invariant, localized);
    }
}
