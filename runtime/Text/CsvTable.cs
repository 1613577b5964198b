// Reads CSV files (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes) by column name, for samples and user data.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace LstmGen.Text;

/// <summary>A CSV file loaded into memory, with its columns found by header name.</summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _columns;
    private readonly List<string[]> _rows;

    private CsvTable(string source, string[] header, List<string[]> rows)
    {
        Source = source;
        Header = header;
        _rows = rows;
        _columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < header.Length; i++) _columns.TryAdd(header[i].Trim(), i);
    }

    /// <summary>Where the table came from (a path, or "text").</summary>
    public string Source { get; }

    /// <summary>The column names of the first line.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>Data rows (the header excluded).</summary>
    public int RowCount => _rows.Count;

    /// <summary>Reads a UTF-8 CSV file whose first line names the columns.</summary>
    public static CsvTable Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Parse(reader, path);
    }

    /// <summary>Parses CSV text whose first line names the columns.</summary>
    public static CsvTable Parse(TextReader reader, string source = "text")
    {
        ArgumentNullException.ThrowIfNull(reader);
        List<string[]> records = ReadRecords(reader, source);
        if (records.Count == 0) throw new InvalidDataException($"{source}: the file is empty; expected a header line naming the columns.");
        string[] header = records[0];
        records.RemoveAt(0);
        for (int i = 0; i < records.Count; i++)
        {
            if (records[i].Length != header.Length)
                throw new InvalidDataException($"{source}: record {i + 1} has {records[i].Length} fields; the header has {header.Length}.");
        }
        return new CsvTable(source, header, records);
    }

    /// <summary>The index of the column named <paramref name="name"/> (case-insensitive), or an exception listing the columns there are.</summary>
    public int Column(string name)
    {
        if (_columns.TryGetValue(name, out int index)) return index;
        throw new KeyNotFoundException($"{Source}: no column '{name}'; the columns are {string.Join(", ", Header)}.");
    }

    /// <summary>True when a column named <paramref name="name"/> exists.</summary>
    public bool HasColumn(string name) => _columns.ContainsKey(name);

    /// <summary>The field of <paramref name="row"/> in column <paramref name="column"/>.</summary>
    public string this[int row, int column] => _rows[row][column];

    /// <summary>Every value of a column.</summary>
    public string[] GetColumn(string name)
    {
        int c = Column(name);
        var values = new string[_rows.Count];
        for (int i = 0; i < values.Length; i++) values[i] = _rows[i][c];
        return values;
    }

    /// <summary>A column parsed as numbers (invariant culture); empty fields become NaN; anything else unparsable is an error naming the row.</summary>
    public double[] GetNumbers(string name)
    {
        int c = Column(name);
        var values = new double[_rows.Count];
        for (int i = 0; i < values.Length; i++)
        {
            string field = _rows[i][c].Trim();
            if (field.Length == 0 || field.Equals("NA", StringComparison.OrdinalIgnoreCase) || field.Equals("nan", StringComparison.OrdinalIgnoreCase)) values[i] = double.NaN;
            else if (!double.TryParse(field, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out values[i]))
                throw new InvalidDataException($"{Source}: row {i + 1}, column '{name}': '{field}' is not a number.");
        }
        return values;
    }

    private static List<string[]> ReadRecords(TextReader reader, string source)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, fieldStarted = false, afterQuote = false;
        int line = 1, quoteLine = 0;
        while (true)
        {
            int read = reader.Read();
            if (read < 0) break;
            char ch = (char)read;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else { quoted = false; afterQuote = true; }
                }
                else
                {
                    if (ch == '\n') line++;
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when !fieldStarted:
                    quoted = true;
                    fieldStarted = true;
                    quoteLine = line;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = afterQuote = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = afterQuote = false;
                    if (!(fields.Count == 1 && fields[0].Length == 0)) records.Add(fields.ToArray());
                    fields.Clear();
                    line++;
                    break;
                default:
                    if (afterQuote) throw new InvalidDataException($"{source}: line {line}: text after a closing quote; quote the whole field and double any quote inside it.");
                    field.Append(ch);
                    fieldStarted = true;
                    break;
            }
        }
        if (quoted) throw new InvalidDataException($"{source}: the quoted field opened on line {quoteLine} is never closed.");
        if (fieldStarted || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add(fields.ToArray());
        }
        return records;
    }
}
