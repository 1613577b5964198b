// Loads a Keras model's weights into an LstmGen model without Python: .keras archives (Keras 3), .h5 files (Keras 2
// models and weights, Keras 3 weights), and safetensors files of Keras variable names; the file's kind is read from its bytes.
using System;
using System.IO;
using System.IO.Compression;
using LstmGen.IO;
using PureHDF;

namespace LstmGen.Keras;

/// <summary>
/// Loads the weights of a Keras model (Embedding → LSTM/GRU/Bidirectional layers → Dense) into a generated model (or a
/// <see cref="Reference.ReferenceLstm"/>), converting Keras' layouts to LstmGen's; the model runs the new weights at
/// once (the load repacks them as <c>model.Load</c> does).
/// </summary>
/// <remarks>
/// <para><b>Files</b>, told apart by their first bytes: a <c>.keras</c> archive (Keras 3 <c>model.save</c>: a zip with
/// <c>config.json</c> and <c>model.weights.h5</c>); an HDF5 file — Keras 2's <c>model.save("m.h5")</c> (attribute
/// <c>model_config</c>, group <c>model_weights</c>) or <c>save_weights("w.h5")</c> (attribute <c>layer_names</c>), or Keras 3's
/// <c>save_weights("w.weights.h5")</c> (groups <c>layers/…/vars</c>); or a safetensors file whose tensor names are Keras
/// variable paths. HDF5 is read with PureHDF (managed code, no native library).</para>
/// <para><b>With a model config</b> (<c>.keras</c>, Keras 2 model <c>.h5</c>) every layer is checked against the model first:
/// only InputLayer, Embedding, LSTM, GRU, Bidirectional (merge_mode concat), Dense (linear, sigmoid or softmax, matching
/// <see cref="ModelShape.Head"/>) and Dropout; activations tanh/sigmoid, biases, GRU <c>reset_after=True</c>, units,
/// vocabulary and outputs as the model's, and the last recurrent layer's <c>return_sequences</c> matching
/// <see cref="ModelShape.HeadOn"/> (a Bidirectional with <c>return_sequences=False</c> is <see cref="HeadOn.FinalState"/>).
/// A file without a config is mapped by its variables' names and shapes.</para>
/// <para><b>Weights</b>: LSTM kernel [in, 4H] and recurrent_kernel [H, 4H], gate columns i, f, c, o (PyTorch's i, f, g, o),
/// transposed; Keras' one bias [4H] becomes <c>bias_ih</c> (and <c>bias_hh</c> = 0). GRU kernel [in, 3H], recurrent_kernel
/// [H, 3H], bias [2, 3H] (input, recurrent), gate columns z, r, h reordered to r, z, n. Embedding [Vocabulary, Embedding];
/// Dense kernel [features, Outputs] transposed, bias [Outputs]. Recurrent layers in file order; a <c>backward_</c> path
/// segment marks a Bidirectional's reverse direction.</para>
/// <para>Every problem is a <see cref="WeightFileException"/> naming the layer or variable, the expected and the found
/// value; on any error the model is left unchanged.</para>
/// </remarks>
public static class KerasWeights
{
    /// <summary>Largest file read (2 GB).</summary>
    private const long MaxFileLength = int.MaxValue;

    /// <summary>
    /// Reads every parameter of <paramref name="model"/> from the Keras file at <paramref name="path"/> (<c>.keras</c>,
    /// <c>.h5</c>, <c>.weights.h5</c>, or safetensors of Keras names), puts them into the model and repacks it.
    /// </summary>
    /// <exception cref="WeightFileException">The file is not a Keras file LstmGen reads, or its layers or weights do not fit the model.</exception>
    /// <exception cref="SafetensorsFormatException">The file is neither a zip nor HDF5, and not a valid safetensors file either.</exception>
    public static void Load(string path, ILstmModel model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        long length = new FileInfo(path).Length;
        if (length > MaxFileLength) throw new WeightFileException($"'{path}': expected a Keras file of at most 2 GB, found {length} bytes.");
        if (!IsZip(path) && !IsHdf5(path))
        {
            using var file = SafetensorsFile.Open(path);
            Apply(model, new KerasWeightMapper(new SafetensorsKerasTensors(file), model.Shape).Read(), $"'{path}'");
            return;
        }
        Load(File.ReadAllBytes(path), model, $"'{path}'");
    }

    /// <summary>As <see cref="Load(string, ILstmModel)"/>, from the bytes of a <c>.keras</c> or <c>.h5</c> file (e.g. an embedded resource).</summary>
    /// <exception cref="WeightFileException">The bytes are not a Keras file LstmGen reads, or its layers or weights do not fit the model.</exception>
    public static void Load(ReadOnlySpan<byte> file, ILstmModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Load(file.ToArray(), model, "Keras file");
    }

    private static void Load(byte[] bytes, ILstmModel model, string source)
    {
        float[] block;
        try
        {
            block = IsZip(bytes) ? ReadKerasArchive(bytes, model.Shape, source)
                : FindHdf5Superblock(bytes) >= 0 ? ReadHdf5(bytes, model.Shape, source, config: null)
                : throw new KerasFormatProblem($"{source}: expected a .keras archive (a zip), an HDF5 file or a safetensors file, found none of them (first bytes {Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)))}).");
        }
        catch (KerasFormatProblem e)
        {
            throw new WeightFileException(e.Message, e);
        }
        catch (InvalidDataException e)
        {
            throw new WeightFileException($"{source}: expected a readable zip archive, found one that is damaged: {e.Message}", e);
        }
        Apply(model, block, source);
    }

    private static void Apply(ILstmModel model, float[] block, string source) => ModelWeights.Apply(model, block, source);

    private static float[] ReadKerasArchive(byte[] bytes, ModelShape shape, string source)
    {
        using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        ZipArchiveEntry config = zip.GetEntry("config.json")
            ?? throw new KerasFormatProblem($"{source}: expected a .keras archive with config.json, found the entries {Entries(zip)}.");
        ZipArchiveEntry weights = zip.GetEntry("model.weights.h5")
            ?? throw new KerasFormatProblem($"{source}: expected a .keras archive with model.weights.h5, found the entries {Entries(zip)}{(zip.GetEntry("model.weights.npz") is null ? "" : " (weights saved as .npz are not read: save with the default weights_format='h5')")}.");
        KerasModelConfig model = KerasModelConfig.Parse(System.Text.Encoding.UTF8.GetString(Extract(config, 64L << 20, source)), source + " config.json");
        model.Check(shape, source);
        return ReadHdf5(Extract(weights, MaxFileLength, source), shape, source + " model.weights.h5", model);
    }

    private static float[] ReadHdf5(byte[] bytes, ModelShape shape, string source, KerasModelConfig? config)
    {
        try
        {
            using var file = H5File.Open(new MemoryStream(bytes, writable: false), leaveOpen: false);
            Hdf5KerasTensors tensors = Hdf5KerasTensors.Read(file, source, bytes.Length, config);
            if (config is null && tensors.ModelConfig is { } json) KerasModelConfig.Parse(json, source + " model_config").Check(shape, source);
            return new KerasWeightMapper(tensors, shape).Read();
        }
        catch (Exception e) when (e is not (WeightFileException or KerasFormatProblem))
        {
            // PureHDF reports a damaged file with whatever exception its parser meets (an OutOfMemoryException too, when a
            // damaged length asks for an array beyond .NET's limit); the caller gets one documented type.
            throw new KerasFormatProblem($"{source}: expected a readable HDF5 file, found one PureHDF cannot read ({e.GetType().Name}: {e.Message}).");
        }
    }

    /// <summary>
    /// An entry's bytes. The declared size is not trusted for the allocation: the buffer grows with the bytes actually
    /// inflated, and reading stops with an error past the declared size or <paramref name="limit"/>.
    /// </summary>
    private static byte[] Extract(ZipArchiveEntry entry, long limit, string source)
    {
        if (entry.Length > limit) throw new KerasFormatProblem($"{source}: '{entry.FullName}': expected at most {limit} bytes, found {entry.Length}.");
        using Stream stream = entry.Open();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > entry.Length)
                throw new KerasFormatProblem($"{source}: '{entry.FullName}': expected {entry.Length} bytes (its declared size), found more.");
            buffer.Write(chunk, 0, n);
        }
        if (buffer.Length != entry.Length)
            throw new KerasFormatProblem($"{source}: '{entry.FullName}': expected {entry.Length} bytes, found {buffer.Length}.");
        return buffer.ToArray();
    }

    private static string Entries(ZipArchive zip)
    {
        var names = new System.Collections.Generic.List<string>();
        foreach (ZipArchiveEntry e in zip.Entries)
        {
            if (names.Count == 8) { names.Add("…"); break; }
            names.Add("'" + e.FullName + "'");
        }
        return names.Count == 0 ? "(none)" : string.Join(", ", names);
    }

    /// <summary>A zip starts with a local file header (PK 3 4), or, when empty, with the end-of-directory record (PK 5 6).</summary>
    private static bool IsZip(ReadOnlySpan<byte> head) => head.StartsWith("PK\u0003\u0004"u8) || head.StartsWith("PK\u0005\u0006"u8);

    private static bool IsZip(string path) => StartsWith(path, "PK\u0003\u0004"u8, 0) || StartsWith(path, "PK\u0005\u0006"u8, 0);

    private static bool IsHdf5(string path)
    {
        foreach (long offset in new long[] { 0, 512, 1024, 2048 })
            if (StartsWith(path, s_hdf5Signature, offset)) return true;
        return false;
    }

    private static readonly byte[] s_hdf5Signature = { 0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A };

    /// <summary>The offset of the HDF5 superblock signature (0, 512, 1024 or 2048), or −1.</summary>
    private static long FindHdf5Superblock(byte[] bytes)
    {
        foreach (int offset in new[] { 0, 512, 1024, 2048 })
            if (bytes.Length >= offset + 8 && bytes.AsSpan(offset, 8).SequenceEqual(s_hdf5Signature)) return offset;
        return -1;
    }

    private static bool StartsWith(string path, ReadOnlySpan<byte> signature, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length < offset + signature.Length) return false;
        Span<byte> head = stackalloc byte[signature.Length];
        stream.Position = offset;
        stream.ReadExactly(head);
        return head.SequenceEqual(signature);
    }
}
