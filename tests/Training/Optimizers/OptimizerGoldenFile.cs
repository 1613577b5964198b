// Reads one optim_*.safetensors golden trajectory into parameter blocks, and builds the optimizer its metadata describes.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using LstmGen.IO;
using LstmGen.Training.Optimizers;

namespace LstmGen.Tests.Training.Optimizers;

/// <summary>
/// One optimizer golden file (README section 5): LSTM(3,7) → Linear(7,1), initial float32 weights,
/// and for steps 1..3 the float64 gradients fed to <c>torch.optim</c> and the float64 parameters after.
/// Parameters are gathered into one block in <see cref="Shape"/>'s (PyTorch state_dict) order.
/// </summary>
internal sealed class OptimizerGoldenFile : IDisposable
{
    public const int Steps = 3;

    private readonly SafetensorsFile _file;

    private OptimizerGoldenFile(string path)
    {
        _file = SafetensorsFile.Open(path);
        Name = Path.GetFileNameWithoutExtension(path);
        using JsonDocument json = JsonDocument.Parse(_file.Metadata["optimizer"]);
        Hyperparameters = json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        foreach (ParameterTensor tensor in Shape.Tensors)
        {
            SafetensorsTensorInfo info = _file.GetInfo(tensor.Name);
            if (!info.Shape.SequenceEqual(tensor.Shape))
                throw new InvalidDataException($"{Name}: {tensor.Name} has shape {info.ShapeText}, expected {tensor.ShapeText}.");
        }
    }

    /// <summary>The model of every optimizer file.</summary>
    public static ModelShape Shape { get; } = new(inputSize: 3, vocabularySize: 0, embeddingSize: 0, hiddenSize: 7, layerCount: 1, outputSize: 1, Head.Linear, HeadOn.LastStep);

    public static string Folder => Path.Combine(RepoPaths.Root, "tests", "golden");

    /// <summary>The file names (without extension) of every optimizer golden file.</summary>
    public static IEnumerable<string> All() =>
        Directory.GetFiles(Folder, "optim_*.safetensors").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    public static OptimizerGoldenFile Open(string name) => new(Path.Combine(Folder, name + ".safetensors"));

    public string Name { get; }

    /// <summary>The metadata's <c>optimizer</c> JSON, by key.</summary>
    public IReadOnlyDictionary<string, JsonElement> Hyperparameters { get; }

    /// <summary>The <c>clip_grad_norm</c> of the clipping case, else null.</summary>
    public double? ClipGradNorm => Hyperparameters.TryGetValue("clip_grad_norm", out JsonElement v) ? v.GetDouble() : null;

    /// <summary>The initial (float32) parameters.</summary>
    public float[] InitialParameters() => Gather(t => t.Name, static (f, n, d) => f.ReadFloat32(n, d));

    /// <summary><c>step{k}.grad.*</c> (after clipping, in the clipping case), rounded to float.</summary>
    public float[] Gradients(int step) => Gather(t => $"step{step}.grad.{t.Name}", static (f, n, d) => f.ReadFloat32(n, d));

    /// <summary><c>step{k}.rawgrad.*</c> (clipping case only), rounded to float.</summary>
    public float[] RawGradients(int step) => Gather(t => $"step{step}.rawgrad.{t.Name}", static (f, n, d) => f.ReadFloat32(n, d));

    /// <summary><c>step{k}.rawgrad.*</c> in float64.</summary>
    public double[] RawGradients64(int step) => Gather64(t => $"step{step}.rawgrad.{t.Name}");

    /// <summary><c>step{k}.grad.*</c> in float64.</summary>
    public double[] Gradients64(int step) => Gather64(t => $"step{step}.grad.{t.Name}");

    /// <summary>The float64 reference parameters after step k.</summary>
    public double[] Parameters64(int step) => Gather64(t => $"step{step}.{t.Name}");

    /// <summary>The optimizer the metadata describes; unknown keys fail, missing keys take PyTorch's defaults.</summary>
    public IOptimizer CreateOptimizer()
    {
        var known = new HashSet<string>(StringComparer.Ordinal) { "type", "clip_grad_norm" };
        double D(string key, double fallback) { known.Add(key); return Hyperparameters.TryGetValue(key, out JsonElement v) ? v.GetDouble() : fallback; }
        bool B(string key) { known.Add(key); return Hyperparameters.TryGetValue(key, out JsonElement v) && v.GetBoolean(); }
        string type = Hyperparameters["type"].GetString()!;
        IOptimizer optimizer = type switch
        {
            "SGD" => new Sgd(D("lr", double.NaN), D("momentum", 0), D("dampening", 0), B("nesterov"), D("weight_decay", 0)),
            "Adam" => new Adam(D("lr", 1e-3), D("beta1", 0.9), D("beta2", 0.999), D("eps", 1e-8), D("weight_decay", 0), B("amsgrad")),
            "AdamW" => new AdamW(D("lr", 1e-3), D("beta1", 0.9), D("beta2", 0.999), D("eps", 1e-8), D("weight_decay", 1e-2), B("amsgrad")),
            "RMSprop" => new RmsProp(D("lr", 1e-2), D("alpha", 0.99), D("eps", 1e-8), D("weight_decay", 0), D("momentum", 0), B("centered")),
            "Adagrad" => new Adagrad(D("lr", 1e-2), D("lr_decay", 0), D("weight_decay", 0), D("initial_accumulator_value", 0), D("eps", 1e-10)),
            _ => throw new InvalidDataException($"{Name}: unknown optimizer type '{type}'."),
        };
        string[] unknown = Hyperparameters.Keys.Where(k => !known.Contains(k)).ToArray();
        if (unknown.Length > 0) throw new InvalidDataException($"{Name}: hyper-parameters not understood: {string.Join(", ", unknown)}.");
        return optimizer;
    }

    public void Dispose() => _file.Dispose();

    private delegate void Reader(SafetensorsFile file, string name, Span<float> destination);

    private float[] Gather(Func<ParameterTensor, string> name, Reader read)
    {
        var block = new float[Shape.ParameterCount];
        foreach (ParameterTensor t in Shape.Tensors) read(_file, name(t), block.AsSpan(t.Offset, t.Length));
        return block;
    }

    private double[] Gather64(Func<ParameterTensor, string> name)
    {
        var block = new double[Shape.ParameterCount];
        foreach (ParameterTensor t in Shape.Tensors) _file.ReadFloat64(name(t), block.AsSpan(t.Offset, t.Length));
        return block;
    }
}
