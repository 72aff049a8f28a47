using Sensorium.Models.Encoders;
using Sensorium.Models.Readouts;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models;

/// <summary>
/// Builds a <see cref="FiringRateEncoder"/> from a <see cref="ModelSpec"/> for any set of mice: one shared core,
/// and per mouse (keyed by data key) a readout over the core's declared output channels and, if the spec has one,
/// a shifter. Every part is built by its own spec, whatever its kind.
/// </summary>
public static class ModelBuilder
{
    /// <param name="device">Where the model lives; null means the CPU.</param>
    /// <param name="seed">Seeds the initial weights (drawn on the CPU, so they are the same on every device) and
    /// the readouts' training-time position noise.</param>
    public static FiringRateEncoder Build(ModelSpec spec, IReadOnlyList<MouseNeurons> mice, Device? device = null,
        ulong seed = 42)
    {
        TorchNative.Initialize();
        spec.Validate();
        ValidateMice(mice);
        var cpu = CPU;
        using var generator = new Generator(seed, cpu);
        var core = spec.Core.Build(generator, cpu);
        var noise = new SamplingNoise(seed);
        var readouts = new PerMouse<ReadoutModule>();
        var shifters = spec.Shifter is null ? null : new PerMouse<ShifterModule>();
        foreach (var mouse in mice)
        {
            readouts.Add(mouse.DataKey, spec.Readout.Build(core.OutputChannels, mouse, noise, generator, cpu));
            shifters?.Add(mouse.DataKey, spec.Shifter!.Build(generator, cpu));
        }
        var encoder = new FiringRateEncoder(core, readouts, shifters, noise);
        if (device is not null && device.type != DeviceType.CPU) encoder.to(device);
        return encoder;
    }

    private static void ValidateMice(IReadOnlyList<MouseNeurons> mice)
    {
        if (mice.Count == 0) throw new ArgumentException("A model needs at least one mouse.", nameof(mice));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mouse in mice)
        {
            if (string.IsNullOrEmpty(mouse.DataKey) || mouse.DataKey.Contains('.'))
                throw new ArgumentException($"Data key '{mouse.DataKey}' must be non-empty and contain no '.'.", nameof(mice));
            if (!seen.Add(mouse.DataKey))
                throw new ArgumentException($"Data key '{mouse.DataKey}' appears twice.", nameof(mice));
            if (mouse.NeuronCount < 1)
                throw new ArgumentException($"Mouse '{mouse.DataKey}' has {mouse.NeuronCount} neurons.", nameof(mice));
            if ((mouse.CorticalX is null) != (mouse.CorticalY is null)
                || (mouse.CorticalX is not null && (mouse.CorticalX.Count != mouse.NeuronCount || mouse.CorticalY!.Count != mouse.NeuronCount)))
                throw new ArgumentException(
                    $"Mouse '{mouse.DataKey}': cortical x and y must both be given, with {mouse.NeuronCount} values each.", nameof(mice));
        }
    }
}
