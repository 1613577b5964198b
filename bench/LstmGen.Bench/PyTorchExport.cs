// Writes what bench/pytorch/bench.py needs to run the same workloads in PyTorch: each model's weights
// (safetensors, PyTorch names, sizes in the metadata) and its inputs with the generated model's outputs.
using System;
using System.IO;
using LstmGen.IO;

namespace LstmGen.Bench;

public static class PyTorchExport
{
    public const string Command = "export-pytorch";

    /// <summary>Writes <c>w{n}.safetensors</c> (weights) and <c>w{n}.expected.safetensors</c> (inputs, expected output) for W1–W4.</summary>
    public static void Run(string directory)
    {
        Directory.CreateDirectory(directory);

        var streaming = new StreamingStep();
        streaming.Setup();
        var (model, inputs, expected) = streaming.Workload;
        Write(directory, "w1", model, expected, w => w.Add("inputs", inputs, inputs.Length, 1));

        TokenSequenceBenchmark[] sequences = { new TinySequence(), new ReviewSequence(), new CharSequence() };
        for (int i = 0; i < sequences.Length; i++)
        {
            sequences[i].Setup();
            var (sequenceModel, tokens, sequenceExpected) = sequences[i].Workload;
            Write(directory, $"w{i + 2}", sequenceModel, sequenceExpected, w => w.Add("tokens", tokens, tokens.Length));
        }
    }

    private static void Write(string directory, string name, ILstmModel model, float[] expected, Action<SafetensorsWriter> addInputs)
    {
        string weights = Path.Combine(directory, name + ".safetensors");
        model.Save(weights);
        var writer = new SafetensorsWriter();
        addInputs(writer);
        writer.Add("expected", expected, expected.Length);
        writer.Save(Path.Combine(directory, name + ".expected.safetensors"));
        Console.WriteLine($"{weights}: {model.Shape}");
    }
}
