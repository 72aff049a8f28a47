using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Readouts;

/// <summary>
/// The per-model source of the readouts' training-time position noise: one seeded <see cref="Generator"/>, shared
/// by the readouts of all mice, so that concurrent trainings stay reproducible (the global RNG is process-wide).
/// A generator lives on one device; the first draw on another device starts a fresh generator there, from the seed.
/// </summary>
public sealed class SamplingNoise(ulong seed) : IDisposable
{
    private Generator? generator;

    public ulong Seed { get; } = seed;

    /// <summary>Standard normal noise of the given shape, dtype and device.</summary>
    public Tensor Normal(long[] shape, ScalarType dtype, Device device)
    {
        if (generator is null || generator.device.type != device.type || generator.device.index != device.index)
        {
            generator?.Dispose();
            generator = new Generator(Seed, device);
        }
        return randn(shape, dtype, device, generator: generator);
    }

    /// <summary>Restart the noise sequence from the seed.</summary>
    public void Reset()
    {
        generator?.Dispose();
        generator = null;
    }

    public void Dispose() => Reset();
}
