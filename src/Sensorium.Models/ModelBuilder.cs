using Sensorium.Models.Cores;
using Sensorium.Models.Encoders;
using Sensorium.Models.Readouts;
using Sensorium.Models.Shifters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sensorium.Models;

/// <summary>
/// Builds a <see cref="FiringRateEncoder"/> from a <see cref="ModelSpec"/> for any set of mice: one shared core,
/// and per mouse (keyed by data key) a readout and, if the spec says so, a shifter.
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
        var core = new Stacked2dCore(spec.InputChannels, spec.HiddenChannels, spec.InputKernel, spec.HiddenKernel,
            spec.Layers, linear: spec.Kind == CoreKind.Ln, spec.GammaInput, spec.BatchNormMomentum, generator, cpu);
        var noise = new SamplingNoise(seed);
        var readouts = new PerMouse<FullGaussian2dReadout>();
        var shifters = spec.Shifter ? new PerMouse<MlpShifter>() : null;
        foreach (var mouse in mice)
        {
            var grid = mouse.CorticalX is null || mouse.CorticalY is null
                ? null
                : FullGaussian2dReadout.SourceGridFromCortex(mouse.CorticalX, mouse.CorticalY);
            readouts.Add(mouse.DataKey, new FullGaussian2dReadout(spec.HiddenChannels, mouse.NeuronCount, grid,
                spec.InitSigma, spec.GammaReadout, spec.ReadoutBias, spec.GridPredictorHiddenFeatures,
                spec.GridPredictorHiddenLayers, gridFinalTanh: true, noise, generator, cpu));
            shifters?.Add(mouse.DataKey, new MlpShifter(2, spec.ShifterHiddenChannels, spec.ShifterLayers, generator, cpu));
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
