// Reads the variables of Keras' HDF5 weight files with PureHDF (pure managed HDF5): the Keras 2 layout (attributes
// layer_names and weight_names) and the Keras 3 layout (layers/<snake_case class>[_n]/…/vars/<i>), named as Keras names them.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using PureHDF;
using PureHDF.VOL.Native;

namespace LstmGen.Keras;

/// <summary>The variables of a Keras HDF5 file under Keras variable names, plus the model config it carries (Keras 2 <c>model_config</c>).</summary>
internal sealed class Hdf5KerasTensors : KerasTensors
{
    private readonly string _source;
    private readonly long _fileLength;
    private readonly List<string> _names = new();
    private readonly Dictionary<string, IH5Dataset> _datasets = new(StringComparer.Ordinal);

    private Hdf5KerasTensors(string source, long fileLength)
    {
        _source = source;
        _fileLength = fileLength;
    }

    public override string Source => _source;

    public override IReadOnlyList<string> Names => _names;

    /// <summary>The Keras 2 <c>model_config</c> attribute (JSON), or null.</summary>
    public string? ModelConfig { get; private set; }

    /// <summary>Which layout the file has, for messages: "Keras 2 (layer_names)" or "Keras 3 (layers/…/vars)".</summary>
    public string Layout { get; private set; } = "";

    /// <summary>
    /// Opens <paramref name="file"/> (already opened by PureHDF) and names its variables. <paramref name="config"/> (Keras 3
    /// <c>config.json</c>, parsed) decides which Keras 3 container is which layer; without it the container names do.
    /// </summary>
    public static Hdf5KerasTensors Read(NativeFile file, string source, long fileLength, KerasModelConfig? config)
    {
        var tensors = new Hdf5KerasTensors(source, fileLength);
        IH5Group root = file;
        if (root.AttributeExists("model_config")) tensors.ModelConfig = ReadStringAttribute(root, "model_config", source);
        IH5Group? keras2 = root.AttributeExists("layer_names") ? root
            : root.LinkExists("model_weights") && root.Get("model_weights") is IH5Group weights && weights.AttributeExists("layer_names") ? weights
            : null;
        if (keras2 is not null)
        {
            tensors.Layout = "Keras 2 (layer_names)";
            tensors.ReadKeras2(keras2);
        }
        else if (root.LinkExists("layers") && root.Get("layers") is IH5Group layers)
        {
            tensors.Layout = "Keras 3 (layers/…/vars)";
            tensors.ReadKeras3(layers, config);
        }
        else
        {
            throw new KerasFormatProblem($"{source}: expected a Keras weight file (an attribute 'layer_names', a group 'model_weights', or a group 'layers'), found an HDF5 file with {Describe(root)}.");
        }
        return tensors;
    }

    private void ReadKeras2(IH5Group group)
    {
        foreach (string layer in ReadStringsAttribute(group, "layer_names", _source))
        {
            if (!group.LinkExists(layer) || group.Get(layer) is not IH5Group layerGroup)
                throw new KerasFormatProblem($"{_source}: layer_names lists '{layer}', but the file has no group '{layer}'.");
            if (!layerGroup.AttributeExists("weight_names")) continue; // a layer without weights
            foreach (string weight in ReadStringsAttribute(layerGroup, "weight_names", _source))
            {
                if (!layerGroup.LinkExists(weight) || layerGroup.Get(weight) is not IH5Dataset dataset)
                    throw new KerasFormatProblem($"{_source}: layer '{layer}' lists the weight '{weight}', but the file has no dataset '{layer}/{weight}'.");
                Add(weight, dataset);
            }
        }
    }

    private void ReadKeras3(IH5Group layers, KerasModelConfig? config)
    {
        if (config is not null)
        {
            // The containers are named after each layer's class in model order (saving_lib: snake_case, _1, _2 … per class).
            var used = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (KerasLayerConfig layer in config.Layers)
            {
                if (layer.ClassName == "InputLayer") continue;
                string container = SnakeCase(layer.ClassName);
                if (used.TryGetValue(container, out int n)) { used[container] = n + 1; container += "_" + (n + 1).ToString(CultureInfo.InvariantCulture); }
                else used[container] = 0;
                if (!layers.LinkExists(container) || layers.Get(container) is not IH5Group group) continue; // no weights
                AddLayer(layer.Name, layer.ClassName, group, layer.Inner?.ClassName);
            }
            return;
        }
        // No config: the container names say the kind; order by kind then by the numeric suffix Keras appends.
        var containers = layers.Children().OfType<IH5Group>().Select(g => g.Name).ToList();
        foreach (string name in containers.OrderBy(SuffixOrder))
        {
            var group = (IH5Group)layers.Get(name);
            string kind = BaseName(name);
            string className = kind switch
            {
                "lstm" => "LSTM", "gru" => "GRU", "bidirectional" => "Bidirectional", "dense" => "Dense", "embedding" => "Embedding",
                _ => kind,
            };
            AddLayer(name, className, group, inner: null);
        }
    }

    /// <summary>Names a Keras 3 layer's vars as Keras 2 would: <c>lstm/kernel</c>, <c>bidirectional/forward_layer/kernel</c>, <c>dense/bias</c> ….</summary>
    private void AddLayer(string name, string className, IH5Group group, string? inner)
    {
        string[] cellLeaves = { "kernel", "recurrent_kernel", "bias" };
        switch (className)
        {
            case "LSTM" or "GRU":
                AddVars(group, "cell/vars", name, cellLeaves);
                break;
            case "Bidirectional":
                AddVars(group, "forward_layer/cell/vars", name + "/forward_layer", cellLeaves);
                AddVars(group, "backward_layer/cell/vars", name + "/backward_layer", cellLeaves);
                break;
            case "Dense":
                AddVars(group, "vars", name, new[] { "kernel", "bias" });
                break;
            case "Embedding":
                AddVars(group, "vars", name, new[] { "embeddings" });
                break;
            default:
                // Any other layer: its variables keep their index, so the mapper reports them as weights the model does not have.
                AddVars(group, "vars", name, Array.Empty<string>());
                break;
        }
    }

    private void AddVars(IH5Group layer, string path, string prefix, string[] leaves)
    {
        if (!layer.LinkExists(path) || layer.Get(path) is not IH5Group vars) return;
        var datasets = vars.Children().OfType<IH5Dataset>().ToDictionary(d => d.Name, StringComparer.Ordinal);
        for (int i = 0; i < datasets.Count; i++)
        {
            string index = i.ToString(CultureInfo.InvariantCulture);
            if (!datasets.TryGetValue(index, out IH5Dataset? dataset))
                throw new KerasFormatProblem($"{_source}: '{prefix}': expected variables numbered 0 to {datasets.Count - 1}, found {string.Join(", ", datasets.Keys.Select(k => "'" + k + "'"))}.");
            Add(prefix + "/" + (i < leaves.Length ? leaves[i] : index), dataset);
        }
    }

    private void Add(string name, IH5Dataset dataset)
    {
        if (_datasets.ContainsKey(name)) throw new KerasFormatProblem($"{_source}: the weight '{name}' appears twice.");
        _names.Add(name);
        _datasets.Add(name, dataset);
    }

    public override int[] Shape(string name)
    {
        IH5Dataset dataset = _datasets[name];
        ulong[] dims = dataset.Space.Dimensions;
        var shape = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] > int.MaxValue) throw new KerasFormatProblem($"{_source}: '{name}': expected dimensions below 2^31, found {dims[i]}.");
            shape[i] = (int)dims[i];
        }
        return shape;
    }

    public override string? DtypeProblem(string name)
    {
        IH5DataType type = _datasets[name].Type;
        if (type.Class == H5DataTypeClass.FloatingPoint && type.Size is 4 or 8) return null;
        return $"expected float32 or float64 values, found {type.Class} of {type.Size} bytes.";
    }

    public override float[] Read(string name, int[] shape)
    {
        IH5Dataset dataset = _datasets[name];
        long count = 1;
        foreach (int d in shape) count *= d;
        int size = dataset.Type.Size;
        // Keras writes weights uncompressed: the data cannot be larger than the file (checked before allocating).
        if (count * size > _fileLength)
            throw new KerasFormatProblem($"{_source}: '{name}': {count} values of {size} bytes cannot fit in a file of {_fileLength} bytes.");
        var native = (NativeDataset)dataset;
        if (size == 4)
        {
            var values = new float[count];
            native.Read<float>(values.AsSpan());
            return values;
        }
        var doubles = new double[count];
        native.Read<double>(doubles.AsSpan());
        return Array.ConvertAll(doubles, d => (float)d);
    }

    private static string SnakeCase(string className)
    {
        var builder = new System.Text.StringBuilder();
        for (int i = 0; i < className.Length; i++)
        {
            char c = className[i];
            bool boundary = i > 0 && char.IsUpper(c) && (char.IsLower(className[i - 1]) || (i + 1 < className.Length && char.IsLower(className[i + 1])));
            if (boundary) builder.Append('_');
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }

    private static string BaseName(string container)
    {
        int underscore = container.LastIndexOf('_');
        return underscore > 0 && int.TryParse(container.AsSpan(underscore + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _) ? container[..underscore] : container;
    }

    private static int SuffixOrder(string container)
    {
        int underscore = container.LastIndexOf('_');
        int n = underscore > 0 && int.TryParse(container.AsSpan(underscore + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int k) ? k : 0;
        // Within one kind Keras numbers layers in model order; embeddings come first and Dense layers last in the models LstmGen maps.
        int kind = BaseName(container) switch { "embedding" => 0, "dense" => 2, _ => 1 };
        return kind * 1_000_000 + n;
    }

    private static string Describe(IH5Group root)
    {
        var children = root.Children().Take(8).Select(c => "'" + c.Name + "'").ToList();
        return children.Count == 0 ? "no groups" : "the top-level entries " + string.Join(", ", children);
    }

    internal static string ReadStringAttribute(IH5Object owner, string name, string source)
    {
        IH5Attribute attribute = owner.Attribute(name);
        CheckStringAttribute(attribute, name, source);
        if (attribute.Space.Rank == 0 || (attribute.Space.Rank == 1 && attribute.Space.Dimensions[0] == 1))
        {
            string[] values = attribute.Space.Rank == 0 ? new[] { attribute.Read<string>() } : attribute.Read<string[]>();
            return values[0];
        }
        throw new KerasFormatProblem($"{source}: attribute '{name}': expected one string, found {attribute.Space.Dimensions.Length}-dimensional data.");
    }

    internal static string[] ReadStringsAttribute(IH5Object owner, string name, string source)
    {
        IH5Attribute attribute = owner.Attribute(name);
        CheckStringAttribute(attribute, name, source);
        if (attribute.Space.Rank == 0) return new[] { attribute.Read<string>() };
        if (attribute.Space.Rank != 1 || attribute.Space.Dimensions[0] > 100_000)
            throw new KerasFormatProblem($"{source}: attribute '{name}': expected a list of at most 100000 strings, found shape [{string.Join(", ", attribute.Space.Dimensions)}].");
        return attribute.Read<string[]>();
    }

    private static void CheckStringAttribute(IH5Attribute attribute, string name, string source)
    {
        if (attribute.Type.Class != H5DataTypeClass.String && attribute.Type.Class != H5DataTypeClass.VariableLength)
            throw new KerasFormatProblem($"{source}: attribute '{name}': expected strings, found {attribute.Type.Class}.");
    }
}

/// <summary>A Keras file whose structure is not what Keras writes; turned into a <see cref="IO.WeightFileException"/> by <see cref="KerasWeights"/>.</summary>
internal sealed class KerasFormatProblem : Exception
{
    public KerasFormatProblem(string message) : base(message) { }
}
