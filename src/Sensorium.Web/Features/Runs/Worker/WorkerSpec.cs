using Sensorium.Storage.Datasets;
using Sensorium.Storage.Runs;
using Sensorium.Training;

namespace Sensorium.Web.Features.Runs.Worker;

/// <summary>The spec a run's worker gets, whichever launcher starts it.</summary>
public static class WorkerSpec
{
    /// <summary>
    /// The run's stored spec with the registered dataset's folder in place of its name, and the worker's
    /// <paramref name="device"/> (auto, cpu, cuda) and <paramref name="threads"/>.
    /// </summary>
    public static async Task<RunSpec> ForRunAsync(Run run, DatasetStore datasets, string device, int threads)
    {
        var spec = RunSpec.FromJson(run.SpecJson, $"run {run.Id}");
        var dataset = (await datasets.ListAsync()).FirstOrDefault(d => string.Equals(d.Name, spec.Dataset.Path, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"The dataset '{spec.Dataset.Path}' is not registered.");
        return spec with
        {
            Dataset = spec.Dataset with { Path = dataset.Path },
            Trainer = spec.Trainer with { Device = device, Threads = threads },
        };
    }
}
