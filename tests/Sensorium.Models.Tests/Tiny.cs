using Sensorium.Models.Cores;
using Sensorium.Models.Readouts;
using Sensorium.Models.Shifters;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests;

/// <summary>Tiny models and inputs for fast unit tests.</summary>
internal static class Tiny
{
    /// <summary>2 layers, 4 channels, 5×5 input kernel, 3×3 hidden kernel: (B,1,12,16) → (B,4,8,12).</summary>
    public static readonly Stacked2dCoreSpec Core = new() { Layers = 2, HiddenChannels = 4, InputKernel = 5, HiddenKernel = 3 };

    /// <summary><see cref="Core"/>, a readout with a 6-wide grid predictor, no shifter.</summary>
    public static readonly ModelSpec Spec = new()
    {
        Core = Core, Readout = new FullGaussian2dReadoutSpec { GridPredictorHiddenFeatures = 6 },
    };

    /// <summary><see cref="Spec"/> with a 3-wide MLP shifter.</summary>
    public static readonly ModelSpec WithShifter = Spec with { Shifter = new MlpShifterSpec { HiddenChannels = 3 } };

    /// <summary>Mice m0, m1, … with the given neuron counts at random cortical positions.</summary>
    public static MouseNeurons[] Mice(params int[] neurons)
    {
        var random = new Random(1);
        return neurons.Select((n, i) => MouseNeurons.FromCortex($"m{i}",
            Enumerable.Range(0, n).Select(_ => random.NextDouble() * 400).ToArray(),
            Enumerable.Range(0, n).Select(_ => random.NextDouble() * 300 - 50).ToArray())).ToArray();
    }

    public static Tensor Images(long batch, long channels = 1, long seed = 3)
    {
        using var generator = new Generator((ulong)seed);
        return randn([batch, channels, 12, 16], generator: generator);
    }
}
