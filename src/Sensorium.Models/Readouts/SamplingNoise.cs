using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Readouts;

/// <summary>
/// The per-model source of the readouts' training-time position noise: one seeded <see cref="Generator"/>, shared
/// by the readouts of all mice, so that concurrent trainings stay reproducible (the global RNG is process-wide).
/// TorchSharp 0.107 only creates CPU generators (<c>new Generator(seed, cuda)</c> is a CPU generator labelled cuda),
/// so the noise is drawn on the CPU and copied to the model's device: B·N·2 floats per batch (≈8 MB at B=128,
/// N=8000, through pinned memory without blocking the host), the same numbers on every device. <see cref="UseDeviceRng"/> trades that for the device's global RNG.
/// </summary>
public sealed class SamplingNoise(ulong seed) : IDisposable
{
    private Generator? generator;

    public ulong Seed { get; } = seed;

    /// <summary>
    /// Draw on the model's device with its default (process-wide, unseeded here) RNG instead: no copy, but not
    /// reproducible per model. Off by default.
    /// </summary>
    public bool UseDeviceRng { get; set; }

    /// <summary>Standard normal noise of the given shape and dtype, on the given device.</summary>
    public Tensor Normal(long[] shape, ScalarType dtype, Device device)
    {
        if (UseDeviceRng && device.type != DeviceType.CPU) return randn(shape, dtype, device);
        generator ??= new Generator(Seed);
        var noise = randn(shape, dtype, CPU, generator: generator);
        if (device.type == DeviceType.CPU) return noise;
        using (noise)
        {
            if (device.type != DeviceType.CUDA) return noise.to(device, non_blocking: false);
            // Through pinned memory, asynchronously: the host does not wait for the copy, and libtorch's caching host
            // allocator keeps the pinned block until the copy has completed on its stream, so disposing it here is safe.
            using var pinned = noise.pin_memory();
            return pinned.to(device, non_blocking: true);
        }
    }

    /// <summary>Restart the noise sequence from the seed.</summary>
    public void Reset()
    {
        generator?.Dispose();
        generator = null;
    }

    public void Dispose() => Reset();
}
