using Sensorium.Models;
using Sensorium.Models.Cores;
using Sensorium.Models.Readouts;
using Sensorium.Models.Shifters;
using Sensorium.Training;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Runs;

/// <summary>
/// What a run may ask of the shared machine, checked before it is queued: every size of the model within a sane
/// range, and an estimate of the memory training needs (weights with their gradients and Adam's two moments, plus
/// the core's activations for a batch and their gradients, plus a fixed allowance for the runtime and the data) within
/// the share of one slot (<see cref="WorkbenchOptions.MaxRunMemoryBytes"/>, default the machine's memory divided by
/// its slots). A model the worker could not even build is refused here with the field named, not by a SIGABRT.
/// </summary>
public static class RunResourceLimits
{
    /// <summary>
    /// Upper bounds per model field: several times the official baselines' sizes. A field of a part of another kind
    /// reads null and is not checked (its memory still is, by the estimate). Named by the flat spec's names.
    /// </summary>
    public static readonly IReadOnlyList<(string Field, Func<ModelSpec, int?> Value, int Min, int Max)> ModelRanges =
    [
        ("layers", m => (m.Core as Stacked2dCoreSpec)?.Layers, 1, 16),
        ("hiddenChannels", m => (m.Core as Stacked2dCoreSpec)?.HiddenChannels, 1, 512),
        ("inputKernel", m => (m.Core as Stacked2dCoreSpec)?.InputKernel, 1, 31),
        ("hiddenKernel", m => (m.Core as Stacked2dCoreSpec)?.HiddenKernel, 1, 31),
        ("inputChannels", m => m.InputChannels, 1, 4),
        ("coreOutputChannels", m => m.Core is Stacked2dCoreSpec ? null : m.Core.OutputChannels(), 1, 512),
        ("blocks", m => (m.Core as VitCoreSpec)?.Blocks, 1, 24),
        ("heads", m => (m.Core as VitCoreSpec)?.Heads, 1, 32),
        ("mlpDim", m => (m.Core as VitCoreSpec)?.MlpDim, 1, 8192),
        ("gridPredictorHiddenFeatures", m => (m.Readout as FullGaussian2dReadoutSpec)?.GridPredictorHiddenFeatures, 1, 1024),
        ("gridPredictorHiddenLayers", m => (m.Readout as FullGaussian2dReadoutSpec)?.GridPredictorHiddenLayers, 0, 8),
        ("shifterHiddenChannels", m => (m.Shifter as MlpShifterSpec)?.HiddenChannels, 1, 256),
        ("shifterLayers", m => (m.Shifter as MlpShifterSpec)?.Layers, 1, 8),
    ];

    const long RuntimeAllowance = 512L << 20;
    const int NeuronsPerMouse = 10_000; // the official mice have 7,000–8,400
    const int RawHeight = 144, RawWidth = 256;

    public static IReadOnlyList<string> Check(RunSpec spec, long budgetBytes)
    {
        var errors = new List<string>();
        foreach (var (field, value, min, max) in ModelRanges)
        {
            if (value(spec.Model) is not { } v) continue;
            if (v < min || v > max) errors.Add($"model.{field} must be in [{min}, {max}] (got {v}).");
        }
        if (errors.Count > 0) return errors;

        var (parameters, bytes) = Estimate(spec);
        if (bytes > budgetBytes)
            errors.Add($"model: training this run needs about {Gib(bytes)} ({parameters:N0} parameters; activations of a batch of " +
                $"{Math.Max(spec.Trainer.BatchSize, spec.Trainer.EvalBatchSize)}), more than the {Gib(budgetBytes)} one run may use here. " +
                "Use fewer layers or hidden channels, a smaller batch size or a smaller image scale.");
        return errors;
    }

    /// <summary>
    /// Parameters of the model and the bytes training it takes (an upper-side estimate). The Stacked2d core is counted
    /// exactly; a core of another kind as 4 full 9×9 convolutions of its output width (a generous bound for small
    /// cores; a core that needs more adds its case here).
    /// </summary>
    public static (long Parameters, long Bytes) Estimate(RunSpec spec)
    {
        var m = spec.Model;
        long c = m.Core.OutputChannels();
        var (layers, inputKernel, core) = m.Core switch
        {
            Stacked2dCoreSpec s => (s.Layers, s.InputKernel, m.InputChannels * c * s.InputKernel * s.InputKernel
                + (s.Layers - 1) * (c * s.HiddenKernel * s.HiddenKernel + c * c)
                + s.Layers * 2 * c),
            VitCoreSpec v => (v.Blocks, 1, VitParameters(v)),
            _ => (4, 9, 4 * c * Math.Max(c, m.InputChannels) * 81),
        };
        var (gridFeatures, gridLayers) = m.Readout is FullGaussian2dReadoutSpec r
            ? (r.GridPredictorHiddenFeatures, r.GridPredictorHiddenLayers)
            : (30, 1);
        int mice = spec.Dataset.Mice is { Count: > 0 } keys ? keys.Count : spec.Dataset.Track == "all" ? 10 : 1;
        long readout = (long)mice * NeuronsPerMouse * (c + 4)
            + mice * (2L * gridFeatures + (long)gridLayers * gridFeatures * gridFeatures);
        long shifter = m.Shifter switch
        {
            null => 0,
            MlpShifterSpec s => mice * (long)s.Layers * s.HiddenChannels * s.HiddenChannels,
            _ => mice * 1024L,
        };
        long parameters = core + readout + shifter;

        long height = Math.Max(1, (long)Math.Round(RawHeight * spec.Dataset.Scale) - (inputKernel - 1));
        long width = Math.Max(1, (long)Math.Round(RawWidth * spec.Dataset.Scale) - (inputKernel - 1));
        long batch = Math.Max(spec.Trainer.BatchSize, spec.Trainer.EvalBatchSize);
        // Per layer: convolution, batch norm and nonlinearity outputs kept for backward, and as many gradients.
        double activations = (double)batch * c * height * width * layers * sizeof(float) * 6;
        if (m.Core is VitCoreSpec vit)
        {
            // Per block and token: q,k,v and the mixed heads (4·H·E), the MLP (2·M), norms and residuals (~6·E); per head
            // the T×T attention weights, their dropout and softmax (3·T²); all kept for backward, and as many gradients.
            var (gh, gw) = vit.Grid;
            double tokens = (double)gh * gw + 1;
            double perBlock = tokens * (4.0 * vit.Heads * vit.EmbeddingDim + 2.0 * vit.MlpDim + 6.0 * vit.EmbeddingDim)
                + 3.0 * vit.Heads * tokens * tokens;
            activations = batch * perBlock * vit.Blocks * sizeof(float) * 2;
        }
        double total = parameters * (double)sizeof(float) * 4 + activations + RuntimeAllowance;
        return (parameters, total >= long.MaxValue ? long.MaxValue : (long)total);
    }

    static long VitParameters(VitCoreSpec v)
    {
        long e = v.EmbeddingDim, h = v.Heads, mlp = v.MlpDim;
        var (gh, gw) = v.Grid;
        long embedding = e * v.PatchSize * v.PatchSize + e + e + ((long)gh * gw + 1) * e;
        long block = e * 3 * h * e + (h * e * e + e) + (e * mlp + mlp) + (mlp * e + e) + 4 * e
            + (v.InputChannels > 1 ? (v.InputChannels - 1) * (e / 2) + e / 2 + (e / 2) * e + e : 0);
        return embedding + v.Blocks * block;
    }

    /// <summary>The memory one run may use: the configured value, or the machine's (or container's) memory per slot.</summary>
    public static long Budget(WorkbenchOptions options)
    {
        if (options.MaxRunMemoryBytes > 0) return options.MaxRunMemoryBytes;
        var slots = Math.Max(1, options.Devices.Sum(d => d.Slots));
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / slots;
    }

    static string Gib(long bytes) => $"{bytes / (double)(1L << 30):0.0} GiB";
}
