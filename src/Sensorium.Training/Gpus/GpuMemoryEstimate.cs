using Sensorium.Models.Cores;
using Sensorium.Models;

namespace Sensorium.Training.Gpus;

/// <summary>
/// A run's GPU memory estimated from its spec, for the scheduler's admission (a run starts on a GPU only where the
/// estimates of the runs there, this one included, fit the memory the GPU had free at server start). Deliberately on
/// the high side: it counts what a training step keeps alive at its peak — the core's activations and their
/// gradients (≈ 5 saved feature maps per layer and sample), the readout's (B, C, N) samples (×3: output, product,
/// gradient), the dataset uploaded once (images + responses of every trial), the weights with gradient and two Adam
/// moments — times the caching allocator's slack, plus the CUDA context. bf16 (autocast) adds the convolutions' bf16 input copies. The figures are
/// checked against nvidia-smi's memory per process by scripts/gpu-bench.sh (step C).
/// </summary>
public static class GpuMemoryEstimate
{
    /// <summary>CUDA context, cuDNN/cuBLAS workspaces and libtorch's kernels, per process.</summary>
    public const long ContextMiB = 600;

    /// <summary>Neurons assumed per mouse when the dataset is not looked at (the real mice have 7,334–8,372).</summary>
    public const int NeuronsPerMouse = 8_400;

    /// <summary>Trials assumed per mouse (the real ones have ≈ 7,000 of all tiers; only train+validation are uploaded).</summary>
    public const int TrialsPerMouse = 5_000;

    /// <summary>Mice of a run when its track is "all" and the spec does not list them (the seven of Sensorium 2022).</summary>
    public const int MiceOfAll = 7;

    const double AllocatorSlack = 1.3;
    const int FullHeight = 144, FullWidth = 256;

    /// <summary>The estimate in MiB for <paramref name="spec"/>; <paramref name="neuronsPerMouse"/> when known.</summary>
    public static long MiB(RunSpec spec, int? neuronsPerMouse = null)
    {
        int mice = spec.Dataset.Mice?.Count ?? spec.Dataset.TrackMice?.Count ?? MiceOfAll;
        return MiB(spec.Model, spec.Trainer.BatchSize, spec.Dataset.Scale, mice, neuronsPerMouse ?? NeuronsPerMouse,
            TrialsPerMouse, spec.Trainer.Precision == MixedPrecision.Bf16);
    }

    public static long MiB(ModelSpec model, int batch, double scale, int mice, int neuronsPerMouse, int trialsPerMouse, bool bf16)
    {
        long height = Math.Max(1, (long)Math.Round(FullHeight * scale)), width = Math.Max(1, (long)Math.Round(FullWidth * scale));
        // The core's size: Stacked2d's own fields; another core by its output channels, counted as 4 full-size layers
        // (generous: an estimate that is too high delays a run, one too low can run a GPU out of memory).
        var (layers, inputKernel) = model.Core is Stacked2dCoreSpec stacked ? (stacked.Layers, stacked.InputKernel) : (4, 1);
        int channels = model.Core.OutputChannels();
        long h1 = Math.Max(1, height - inputKernel + 1), w1 = Math.Max(1, width - inputKernel + 1);
        // bf16 (autocast): the activations stay fp32; the convolutions keep bf16 copies of their inputs for backward
        // (3 of the 5 tensors per layer, at 2 bytes), so bf16 adds to the core's memory rather than halving it.
        double coreBytes = bf16 ? 4 + 3.0 * 2 / 5 : 4;
        double core = (double)batch * layers * channels * h1 * w1 * 5 * coreBytes;
        double readout = (double)batch * channels * neuronsPerMouse * 3 * 4; // one mouse per batch, fp32
        double data = (double)mice * trialsPerMouse * (height * width * model.InputChannels + neuronsPerMouse + 5) * 4;
        double weights = (double)mice * neuronsPerMouse * (channels + 4) * 4 * 4
                         + (double)layers * channels * channels * 3 * 4 * 4;
        double bytes = (core + readout + weights) * AllocatorSlack + data;
        return ContextMiB + (long)Math.Ceiling(bytes / (1024 * 1024));
    }
}
