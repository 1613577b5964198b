// Maps words to token ids: padding, unknown, then the most frequent words; saved next to a model.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace LstmGen.Text;

/// <summary>
/// A word ↔ id table. Id 0 is padding (<c>&lt;pad&gt;</c>), id 1 is any word not in the table
/// (<c>&lt;unk&gt;</c>), ids 2… are the words, most frequent first (ties in ordinal order, so the same
/// corpus always gives the same ids).
/// </summary>
public sealed class Vocabulary
{
    /// <summary>The padding id.</summary>
    public const int Padding = 0;

    /// <summary>The id of words not in the table.</summary>
    public const int Unknown = 1;

    private readonly string[] _words;
    private readonly Dictionary<string, int> _ids;

    private Vocabulary(string[] words)
    {
        _words = words;
        _ids = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (int i = 0; i < words.Length; i++)
        {
            if (!_ids.TryAdd(words[i], i)) throw new InvalidDataException($"The vocabulary lists '{words[i]}' twice (ids {_ids[words[i]]} and {i}).");
        }
    }

    /// <summary>Ids in use, padding and unknown included: the model's <c>Vocabulary</c> size.</summary>
    public int Count => _words.Length;

    /// <summary>The word of an id.</summary>
    public string this[int id] => _words[id];

    /// <summary>Builds a table of at most <paramref name="maxSize"/> ids (padding and unknown included) from tokenized documents, keeping words seen at least <paramref name="minCount"/> times.</summary>
    public static Vocabulary Build(IEnumerable<IReadOnlyList<string>> documents, int maxSize, int minCount = 1)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (IReadOnlyList<string> document in documents)
        {
            foreach (string word in document) counts[word] = counts.GetValueOrDefault(word) + 1;
        }
        IEnumerable<string> ranked = counts.Where(p => p.Value >= minCount)
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key).Where(w => w != "<pad>" && w != "<unk>").Take(maxSize - 2);
        return new Vocabulary(new[] { "<pad>", "<unk>" }.Concat(ranked).ToArray());
    }

    /// <summary>The id of <paramref name="word"/>, or <see cref="Unknown"/>.</summary>
    public int IdOf(string word) => _ids.TryGetValue(word, out int id) ? id : Unknown;

    /// <summary>The ids of a token list.</summary>
    public int[] Encode(IReadOnlyList<string> words)
    {
        var ids = new int[words.Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = IdOf(words[i]);
        return ids;
    }

    /// <summary>Writes one word per line (line n = id n), atomically.</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                foreach (string word in _words) writer.Write(word + "\n");
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Reads a table written by <see cref="Save"/>.</summary>
    public static Vocabulary Load(string path)
    {
        string[] words = File.ReadAllText(path, Encoding.UTF8).Split('\n');
        if (words.Length > 0 && words[^1].Length == 0) words = words[..^1];
        if (words.Length < 2 || words[0] != "<pad>" || words[1] != "<unk>")
            throw new InvalidDataException($"{path}: not a vocabulary file; expected '<pad>' and '<unk>' on the first two lines.");
        return new Vocabulary(words);
    }
}
