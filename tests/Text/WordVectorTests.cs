// Pretrained word vectors into embedding rows: the bundled word2vec-format file and GloVe-style lines, exact and
// lower-cased matches, the coverage report, rows left alone, and malformed files named by line.
using System;
using System.IO;
using System.Linq;
using LstmGen.Reference;
using LstmGen.Text;
using Xunit;

namespace LstmGen.Tests.Text;

public sealed class WordVectorTests
{
    private static readonly string TinyFile = Path.Combine(RepoPaths.Root, "tests", "data", "word-vectors-tiny.txt");

    // ids: 0 <pad>, 1 <unk>, then by frequency: the (3), she (2), could, elizabeth, missing (1 each, ordinal order)
    private static Vocabulary Words() => Vocabulary.Build(new[] { new[] { "the", "the", "the", "she", "she", "could", "elizabeth", "missing" } }, maxSize: 100);

    [Fact]
    public void Word2VecFileFillsTheRowsOfFoundWordsOnly()
    {
        Vocabulary vocabulary = Words();
        var model = new ReferenceLstm(new ModelShape(0, vocabulary.Count, 4, 3, 1, 1, Head.Linear, HeadOn.LastStep));
        model.Parameters.Fill(42);
        WordVectorReport report = WordVectors.LoadInto(TinyFile, vocabulary, model);

        ParameterTensor embedding = model.Shape.GetTensor(ModelShape.EmbeddingWeightName);
        float[] Row(string word) => model.Parameters.Slice(embedding.Offset + vocabulary.IdOf(word) * 4, 4).ToArray();
        Assert.Equal(new[] { 0.25f, -0.5f, 0.125f, 1f }, Row("the"));          // the exact "the" wins over "The"
        Assert.Equal(new[] { 1.5f, 0f, -2f, 0.75f }, Row("she"));
        Assert.Equal(new[] { 3f, -3f, 0.3f, -0.25f }, Row("elizabeth"));      // "Elizabeth" matched lower-cased
        Assert.Equal(new[] { 42f, 42f, 42f, 42f }, Row("missing"));           // no vector: the row is left alone
        Assert.All(model.Parameters[(embedding.Offset + embedding.Length)..].ToArray(), v => Assert.Equal(42f, v)); // nothing else written
        Assert.Equal(4, report.Dimension);
        Assert.Equal(7, report.VectorsRead);
        Assert.Equal(4, report.WordsFound);
        Assert.Equal(1, report.WordsMissing);
        Assert.Equal(new[] { "missing" }, report.MissingExamples);
        Assert.Equal(0.8, report.Coverage, 12);
        Assert.Contains("4 of 5 vocabulary words found", report.ToString());
    }

    [Fact]
    public void GloVeLinesWithoutAHeaderAndWithoutTheLowerCaseFallback()
    {
        Vocabulary vocabulary = Words();
        var embedding = new float[vocabulary.Count * 2];
        var report = WordVectors.LoadInto(new StringReader("She 1 2\nshe 3 4\nElizabeth 5 6\n"), vocabulary, embedding, 2, lowerCaseFallback: false);
        Assert.Equal(new[] { 3f, 4f }, embedding.AsSpan(vocabulary.IdOf("she") * 2, 2).ToArray());
        Assert.Equal(new[] { 0f, 0f }, embedding.AsSpan(vocabulary.IdOf("elizabeth") * 2, 2).ToArray());
        Assert.Equal(1, report.WordsFound);
    }

    [Fact]
    public void BadFilesAndMismatchedModelsAreNamed()
    {
        Vocabulary vocabulary = Words();
        var embedding = new float[vocabulary.Count * 4];
        var header = Assert.Throws<InvalidDataException>(() => WordVectors.LoadInto(new StringReader("2 3\nthe 1 2 3\n"), vocabulary, embedding, 4));
        Assert.Contains("dimension 3", header.Message);
        var shortLine = Assert.Throws<InvalidDataException>(() => WordVectors.LoadInto(new StringReader("the 1 2 3 4\nshe 1 2\n"), vocabulary, embedding, 4));
        Assert.Contains("line 2", shortLine.Message);
        var number = Assert.Throws<InvalidDataException>(() => WordVectors.LoadInto(new StringReader("the 1 2 x 4\n"), vocabulary, embedding, 4));
        Assert.Contains("number 3: 'x'", number.Message);
        Assert.Equal("embedding", Assert.Throws<ArgumentException>(() => WordVectors.LoadInto(new StringReader("the 1\n"), vocabulary, new float[3], 4)).ParamName);

        var tooSmall = new ReferenceLstm(new ModelShape(0, vocabulary.Count + 1, 4, 3, 1, 1, Head.Linear, HeadOn.LastStep));
        var mismatch = Assert.Throws<ArgumentException>(() => WordVectors.LoadInto(TinyFile, vocabulary, tooSmall));
        Assert.Equal("vocabulary", mismatch.ParamName);
        Assert.Contains($"{vocabulary.Count + 1} embedding rows", mismatch.Message);
        var floats = new ReferenceLstm(new ModelShape(3, 0, 0, 3, 1, 1, Head.Linear, HeadOn.LastStep));
        Assert.Equal("model", Assert.Throws<ArgumentException>(() => WordVectors.LoadInto(TinyFile, vocabulary, floats)).ParamName);
        var narrow = new ReferenceLstm(new ModelShape(0, vocabulary.Count, 5, 3, 1, 1, Head.Linear, HeadOn.LastStep));
        Assert.Contains("dimension 4", Assert.Throws<InvalidDataException>(() => WordVectors.LoadInto(TinyFile, vocabulary, narrow)).Message);
    }
}
