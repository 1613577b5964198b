// Pretrained word vectors (word2vec or GloVe text files) copied into the embedding rows of a vocabulary's words,
// so a token model starts from vectors learned on far more text; the report says how much of the vocabulary they cover.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace LstmGen.Text;

/// <summary>What <see cref="WordVectors.LoadInto(string, Vocabulary, ILstmModel, bool)"/> found.</summary>
/// <param name="Dimension">Floats per vector.</param>
/// <param name="VectorsRead">Vector lines in the file.</param>
/// <param name="WordsFound">Vocabulary words (ids 2 and up: padding and unknown not counted) whose row was filled from the file.</param>
/// <param name="WordsMissing">Vocabulary words the file has no vector for; their rows keep their values.</param>
/// <param name="MissingExamples">Up to 20 of the missing words, most frequent (lowest id) first.</param>
public sealed record WordVectorReport(int Dimension, int VectorsRead, int WordsFound, int WordsMissing, IReadOnlyList<string> MissingExamples)
{
    /// <summary>The share of the vocabulary's words that got a vector, 0 … 1.</summary>
    public double Coverage => WordsFound + WordsMissing == 0 ? 0 : (double)WordsFound / (WordsFound + WordsMissing);

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{WordsFound:N0} of {WordsFound + WordsMissing:N0} vocabulary words found ({Coverage:P1}) among {VectorsRead:N0} vectors of dimension {Dimension}");
}

/// <summary>
/// Reads word vectors in the text formats of word2vec (a first line "count dimension", then "word v1 … vd" per line)
/// and GloVe (the same lines without the header) into the embedding rows of a <see cref="Vocabulary"/>.
/// </summary>
/// <remarks>
/// A word is matched exactly first; with <c>lowerCaseFallback</c> a file word that is not in the vocabulary is also
/// tried lower-cased (the vocabulary of <see cref="WordTokenizer"/> is lower case), and an exact match always wins over
/// such a fallback. Rows of words the file lacks keep their values (initialise the model first). To keep the loaded
/// vectors fixed during training, name the embedding in <see cref="Training.TrainingOptions.FrozenTensors"/>.
/// </remarks>
/// <example>
/// <code>
/// ParameterInit.Initialize(model.Shape, model.Parameters, seed: 1);
/// WordVectorReport report = WordVectors.LoadInto("glove.6B.50d.txt", vocabulary, model);
/// Console.WriteLine(report);   // 4,690 of 4,998 vocabulary words found (93.8 %) among 400,000 vectors of dimension 50
/// var options = new TrainingOptions { FrozenTensors = [ModelShape.EmbeddingWeightName] };
/// </code>
/// </example>
public static class WordVectors
{
    /// <summary>Fills the embedding rows of <paramref name="model"/> (a token model whose vocabulary size is <paramref name="vocabulary"/>'s count) from the file at <paramref name="path"/>, then calls <see cref="ILstmModel.ParametersChanged"/>.</summary>
    /// <exception cref="ArgumentException">The model reads float vectors, or its vocabulary size or embedding width does not match.</exception>
    /// <exception cref="InvalidDataException">A line is malformed, a number is not finite, or the vectors' dimension is not the embedding width (named with the line).</exception>
    public static WordVectorReport LoadInto(string path, Vocabulary vocabulary, ILstmModel model, bool lowerCaseFallback = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(model);
        ModelShape shape = model.Shape;
        if (!shape.IsTokenModel) throw new ArgumentException($"The model reads float vectors ({shape}); word vectors need a token model with an embedding.", nameof(model));
        if (shape.VocabularySize != vocabulary.Count)
            throw new ArgumentException($"The model has {shape.VocabularySize} embedding rows but the vocabulary has {vocabulary.Count} ids; declare Vocabulary = {vocabulary.Count} or build the vocabulary with maxSize {shape.VocabularySize}.", nameof(vocabulary));
        ParameterTensor embedding = shape.GetTensor(ModelShape.EmbeddingWeightName);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        WordVectorReport report = LoadInto(reader, vocabulary, model.Parameters.Slice(embedding.Offset, embedding.Length), shape.EmbeddingSize, lowerCaseFallback, path);
        model.ParametersChanged();
        return report;
    }

    /// <summary>
    /// Fills rows of <paramref name="embedding"/> (<paramref name="vocabulary"/>.Count × <paramref name="dimension"/> floats,
    /// row = id) from vectors read from <paramref name="reader"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="embedding"/> has the wrong length or <paramref name="dimension"/> is not positive.</exception>
    /// <exception cref="InvalidDataException">A line is malformed, a number is not finite, or the vectors' dimension is not <paramref name="dimension"/>.</exception>
    public static WordVectorReport LoadInto(TextReader reader, Vocabulary vocabulary, Span<float> embedding, int dimension, bool lowerCaseFallback = true, string source = "text")
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if (embedding.Length != (long)vocabulary.Count * dimension)
            throw new ArgumentException($"Expected an embedding of {vocabulary.Count} × {dimension} = {(long)vocabulary.Count * dimension} floats; got {embedding.Length}.", nameof(embedding));
        var exact = new bool[vocabulary.Count];
        var filled = new bool[vocabulary.Count];
        var row = new float[dimension];
        int lineNumber = 0, vectors = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 0) continue;
            if (lineNumber == 1 && parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int declared))
            {
                if (declared != dimension)
                    throw new InvalidDataException($"{source}: the word2vec header declares vectors of dimension {declared}; the embedding is {dimension} wide.");
                continue;
            }
            if (parts.Length < dimension + 1)
                throw new InvalidDataException($"{source}: line {lineNumber} has {parts.Length - 1} numbers after its word; expected a word and {dimension} numbers (the embedding width).");
            // A word may itself contain spaces (some GloVe files): the last `dimension` fields are the numbers.
            int wordFields = parts.Length - dimension;
            for (int j = 0; j < dimension; j++)
            {
                string field = parts[wordFields + j];
                if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out row[j]) || !float.IsFinite(row[j]))
                    throw new InvalidDataException($"{source}: line {lineNumber}, number {j + 1}: '{field}' is not a finite number.");
            }
            vectors++;
            string word = wordFields == 1 ? parts[0] : string.Join(' ', parts, 0, wordFields);
            int id = vocabulary.IdOf(word);
            bool isExact = id != Vocabulary.Unknown || word == "<unk>";
            if (!isExact && lowerCaseFallback) id = vocabulary.IdOf(word.ToLowerInvariant());
            if (id == Vocabulary.Unknown && word != "<unk>") continue;
            if (exact[id] || (!isExact && filled[id])) continue;
            row.CopyTo(embedding.Slice(id * dimension, dimension));
            filled[id] = true;
            exact[id] = isExact;
        }
        if (vectors == 0) throw new InvalidDataException($"{source}: no word vectors found.");
        int found = 0;
        var missing = new List<string>();
        int missingCount = 0;
        for (int id = 2; id < vocabulary.Count; id++)
        {
            if (filled[id]) { found++; continue; }
            missingCount++;
            if (missing.Count < 20) missing.Add(vocabulary[id]);
        }
        return new WordVectorReport(dimension, vectors, found, missingCount, missing);
    }
}
