using Sensorium.Models;
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
    /// <summary>Upper bounds per model field: several times the official baselines' sizes.</summary>
    public static readonly IReadOnlyList<(string Field, Func<ModelSpec, int> Value, int Min, int Max)> ModelRanges =
    [
        ("layers", m => m.Layers, 1, 16),
        ("hiddenChannels", m => m.HiddenChannels, 1, 512),
        ("inputKernel", m => m.InputKernel, 1, 31),
        ("hiddenKernel", m => m.HiddenKernel, 1, 31),
        ("inputChannels", m => m.InputChannels, 1, 4),
        ("gridPredictorHiddenFeatures", m => m.GridPredictorHiddenFeatures, 1, 1024),
        ("gridPredictorHiddenLayers", m => m.GridPredictorHiddenLayers, 0, 8),
        ("shifterHiddenChannels", m => m.ShifterHiddenChannels, 1, 256),
        ("shifterLayers", m => m.ShifterLayers, 1, 8),
    ];

    const long RuntimeAllowance = 512L << 20;
    const int NeuronsPerMouse = 10_000; // the official mice have 7,000–8,400
    const int RawHeight = 144, RawWidth = 256;

    public static IReadOnlyList<string> Check(RunSpec spec, long budgetBytes)
    {
        var errors = new List<string>();
        foreach (var (field, value, min, max) in ModelRanges)
        {
            var v = value(spec.Model);
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

    /// <summary>Parameters of the model and the bytes training it takes (an upper-side estimate).</summary>
    public static (long Parameters, long Bytes) Estimate(RunSpec spec)
    {
        var m = spec.Model;
        long c = m.HiddenChannels;
        long core = m.InputChannels * c * m.InputKernel * m.InputKernel
            + (m.Layers - 1) * (c * m.HiddenKernel * m.HiddenKernel + c * c)
            + m.Layers * 2 * c;
        int mice = spec.Dataset.Mice is { Count: > 0 } keys ? keys.Count : spec.Dataset.Track == "all" ? 10 : 1;
        long readout = (long)mice * NeuronsPerMouse * (c + 4)
            + mice * (2L * m.GridPredictorHiddenFeatures + (long)m.GridPredictorHiddenLayers * m.GridPredictorHiddenFeatures * m.GridPredictorHiddenFeatures);
        long shifter = m.Shifter ? mice * (long)m.ShifterLayers * m.ShifterHiddenChannels * m.ShifterHiddenChannels : 0;
        long parameters = core + readout + shifter;

        long height = Math.Max(1, (long)Math.Round(RawHeight * spec.Dataset.Scale) - (m.InputKernel - 1));
        long width = Math.Max(1, (long)Math.Round(RawWidth * spec.Dataset.Scale) - (m.InputKernel - 1));
        long batch = Math.Max(spec.Trainer.BatchSize, spec.Trainer.EvalBatchSize);
        // Per layer: convolution, batch norm and nonlinearity outputs kept for backward, and as many gradients.
        double activations = (double)batch * c * height * width * m.Layers * sizeof(float) * 6;
        double total = parameters * (double)sizeof(float) * 4 + activations + RuntimeAllowance;
        return (parameters, total >= long.MaxValue ? long.MaxValue : (long)total);
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
