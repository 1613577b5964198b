// CSV reading, word tokenization, vocabulary and padding: the data utilities the samples and users rely on.
using System;
using System.IO;
using System.Linq;
using LstmGen.Text;
using Xunit;

namespace LstmGen.Tests.Text;

public sealed class CsvTableTests
{
    [Fact]
    public void QuotesDoubledQuotesAndLineBreaksInsideFields()
    {
        CsvTable t = CsvTable.Parse(new StringReader("text,label\r\n\"a, b\",1\n\"say \"\"hi\"\"\nthere\",0\nplain,1"));
        Assert.Equal(3, t.RowCount);
        Assert.Equal("a, b", t[0, t.Column("text")]);
        Assert.Equal("say \"hi\"\nthere", t[1, 0]);
        Assert.Equal(new[] { 1.0, 0.0, 1.0 }, t.GetNumbers("LABEL"));
    }

    [Fact]
    public void EmptyFieldsAndMissingNumbers()
    {
        CsvTable t = CsvTable.Parse(new StringReader("year,value\n1700,5\n1701,\n1702,NA\n"));
        double[] v = t.GetNumbers("value");
        Assert.Equal(5, v[0]);
        Assert.True(double.IsNaN(v[1]) && double.IsNaN(v[2]));
    }

    [Fact]
    public void ErrorsNameTheProblem()
    {
        var e1 = Assert.Throws<InvalidDataException>(() => CsvTable.Parse(new StringReader("a,b\n\"open,1\n")));
        Assert.Contains("line 2", e1.Message);
        var e2 = Assert.Throws<InvalidDataException>(() => CsvTable.Parse(new StringReader("a,b\n1,2,3\n")));
        Assert.Contains("3 fields", e2.Message);
        var e3 = Assert.Throws<InvalidDataException>(() => CsvTable.Parse(new StringReader("a,b\n\"x\"y,2\n")));
        Assert.Contains("after a closing quote", e3.Message);
        CsvTable t = CsvTable.Parse(new StringReader("text,label\nx,1\n"));
        var e4 = Assert.Throws<System.Collections.Generic.KeyNotFoundException>(() => t.Column("score"));
        Assert.Contains("text, label", e4.Message);
        var e5 = Assert.Throws<InvalidDataException>(() => CsvTable.Parse(new StringReader("n\nabc\n")).GetNumbers("n"));
        Assert.Contains("row 1", e5.Message);
    }
}

public sealed class WordTokenizerTests
{
    [Fact]
    public void LowerCasesDropsMarkupKeepsApostrophesAndMarks()
    {
        Assert.Equal(new[] { "i", "can't", "say", "it", "was", "great", "!", "really", "?" },
            WordTokenizer.Tokenize("I can't say it was GREAT!<br /><br />Really?"));
        Assert.Equal(new[] { "quoted", "3", "x", "5" }, WordTokenizer.Tokenize("'quoted' 3 x 5 -- ..."));
        Assert.Equal(new[] { "a", "b" }, WordTokenizer.Tokenize("a<p>b"));
        Assert.Equal(new[] { "1", "2" }, WordTokenizer.Tokenize("1 < 2"));
        Assert.Empty(WordTokenizer.Tokenize(""));
    }
}

public sealed class VocabularyTests
{
    [Fact]
    public void MostFrequentFirstTiesInOrdinalOrderUnknownForTheRest()
    {
        var docs = new[] { WordTokenizer.Tokenize("b a a c"), WordTokenizer.Tokenize("b a d") };
        Vocabulary v = Vocabulary.Build(docs, maxSize: 4);
        Assert.Equal(4, v.Count);
        Assert.Equal("<pad>", v[0]);
        Assert.Equal("<unk>", v[1]);
        Assert.Equal("a", v[2]);
        Assert.Equal("b", v[3]);
        Assert.Equal(new[] { 2, 3, Vocabulary.Unknown, Vocabulary.Unknown }, v.Encode(new[] { "a", "b", "c", "zebra" }));
    }

    [Fact]
    public void SaveLoadRoundTripAndBadFiles()
    {
        Vocabulary v = Vocabulary.Build(new[] { WordTokenizer.Tokenize("x y y z z z") }, 10);
        string path = Path.Combine(Path.GetTempPath(), $"vocab-{Guid.NewGuid():N}.txt");
        try
        {
            v.Save(path);
            Vocabulary back = Vocabulary.Load(path);
            Assert.Equal(v.Count, back.Count);
            Assert.Equal(Enumerable.Range(0, v.Count).Select(i => v[i]), Enumerable.Range(0, back.Count).Select(i => back[i]));
            File.WriteAllText(path, "hello\nworld\n");
            Assert.Throws<InvalidDataException>(() => Vocabulary.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public sealed class SequencePaddingTests
{
    [Fact]
    public void PadsAndCutsAtEitherEnd()
    {
        int[] ids = { 1, 2, 3, 4, 5 };
        Assert.Equal(new[] { 3, 4, 5 }, SequencePadding.PadOrTruncate(ids, 3));
        Assert.Equal(new[] { 1, 2, 3 }, SequencePadding.PadOrTruncate(ids, 3, truncate: SequenceEnd.End));
        Assert.Equal(new[] { 0, 0, 1, 2, 3, 4, 5 }, SequencePadding.PadOrTruncate(ids, 7));
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 9, 9 }, SequencePadding.PadOrTruncate(ids, 7, pad: SequenceEnd.End, padValue: 9));
        Assert.Equal(new[] { 4, 5 }, SequencePadding.Truncate(ids, 2));
        Assert.Equal(new[] { 0 }, SequencePadding.Truncate(ReadOnlySpan<int>.Empty, 2));
    }
}
