using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Readouts;

/// <summary>
/// The per-model source of the readouts' training-time position noise, seeded, shared by the readouts of all mice.
/// <list type="bullet">
/// <item>CPU: one seeded <see cref="Generator"/> owned by this model, so concurrent trainings in one process stay
/// reproducible (the global RNG is process-wide).</item>
/// <item>CUDA: TorchSharp 0.107 only creates CPU generators (<c>new Generator(seed, cuda)</c> is a CPU generator
/// labelled cuda), so the noise is drawn with the GPU's default generator, seeded with <see cref="Seed"/> on first use
/// and on <see cref="Reset"/> (<c>torch.cuda.manual_seed</c>). Reproducible for one model per process (a training
/// worker). Not the host's numbers: drawing B·N·2 normals on the host and copying them (≈8 MB per step at B=128,
/// N=8000), as an earlier version did, cost ~30% of a reference step on an H200.</item>
/// <item>Other devices: drawn on the host with the model's generator and copied.</item>
/// </list>
/// </summary>
public sealed class SamplingNoise(ulong seed) : IDisposable
{
    private Generator? generator;
    private bool cudaSeeded;

    public ulong Seed { get; private set; } = seed;

    /// <summary>Standard normal noise of the given shape and dtype, on the given device.</summary>
    public Tensor Normal(long[] shape, ScalarType dtype, Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            if (!cudaSeeded)
            {
                torch.cuda.manual_seed((long)Seed);
                cudaSeeded = true;
            }
            return randn(shape, dtype, device);
        }
        generator ??= new Generator(Seed);
        var noise = randn(shape, dtype, CPU, generator: generator);
        if (device.type == DeviceType.CPU) return noise;
        using (noise) return noise.to(device, non_blocking: false);
    }

    /// <summary>Uniform noise on [0,1) of the given shape and dtype, on the given device, from the same sequence as
    /// <see cref="Normal"/> (the dropout masks of cores with dropout, e.g. <c>VitCore</c>).</summary>
    public Tensor Uniform(long[] shape, ScalarType dtype, Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            if (!cudaSeeded)
            {
                torch.cuda.manual_seed((long)Seed);
                cudaSeeded = true;
            }
            return rand(shape, dtype, device);
        }
        generator ??= new Generator(Seed);
        var noise = rand(shape, dtype, CPU, generator: generator);
        if (device.type == DeviceType.CPU) return noise;
        using (noise) return noise.to(device, non_blocking: false);
    }

    /// <summary>Restart the noise sequence from <paramref name="newSeed"/> (the trainer does this at every epoch, so
    /// that a resumed run draws exactly what an uninterrupted one would).</summary>
    public void Restart(ulong newSeed)
    {
        Seed = newSeed;
        Reset();
    }

    /// <summary>Restart the noise sequence from the seed.</summary>
    public void Reset()
    {
        generator?.Dispose();
        generator = null;
        cudaSeeded = false;
    }

    public void Dispose() => Reset();
}
