using Sensorium.Models.Encoders;
using TorchSharp.PyBridge;

namespace Sensorium.Models.Tests.Parity;

/// <summary>The four official baselines of MANIFEST §1: file, preset, mouse and inputs.</summary>
public sealed record OfficialModel(string Name, ModelSpec Spec, string DataKey, int Neurons, string Inputs)
{
    public static readonly OfficialModel Sota = new("sota", ModelSpec.Sota, "26872-17-20", 7776, "inputs_1ch.npy");
    public static readonly OfficialModel Ln = new("ln", ModelSpec.Ln, "26872-17-20", 7776, "inputs_1ch.npy");
    public static readonly OfficialModel SotaPlus = new("p_sota", ModelSpec.SotaPlus, "27204-5-13", 7538, "inputs_4ch.npy");
    public static readonly OfficialModel LnPlus = new("p_ln", ModelSpec.LnPlus, "27204-5-13", 7538, "inputs_4ch.npy");

    public static OfficialModel Named(string name) =>
        new[] { Sota, Ln, SotaPlus, LnPlus }.Single(m => m.Name == name);

    public string CheckpointPath => Fixtures.PathOf($"sensorium_{Name}_model.pth");

    /// <summary>The preset built for this mouse, then the official state dict loaded strictly with PyBridge, in eval mode.</summary>
    public FiringRateEncoder LoadWithPyBridge()
    {
        var model = ModelBuilder.Build(Spec, [new MouseNeurons(DataKey, Neurons)]);
        model.load_py(CheckpointPath, strict: true);
        model.eval();
        return model;
    }
}
