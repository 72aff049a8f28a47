using Sensorium.Storage.Datasets;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Web.Features.Datasets;

namespace Sensorium.Web.Features.Runs.Worker;

/// <summary>The spec a run's worker gets, whichever launcher starts it.</summary>
public static class WorkerSpec
{
    /// <summary>
    /// The run's stored spec with the registered dataset's folder added to its name, and the worker's
    /// <paramref name="device"/> (auto, cpu, cuda) and <paramref name="threads"/>.
    /// </summary>
    public static async Task<RunSpec> ForRunAsync(Run run, DatasetStore datasets, string device, int threads)
    {
        var spec = RunSpec.FromJson(run.SpecJson, $"run {run.Id}");
        var dataset = StoredDataset.Find(await datasets.ListAsync(), spec.Dataset)
            ?? throw new InvalidOperationException($"The dataset '{StoredDataset.NameOf(spec.Dataset)}' is not registered.");
        return spec with
        {
            Dataset = StoredDataset.Resolved(spec.Dataset, dataset),
            Trainer = spec.Trainer with { Device = device, Threads = threads },
        };
    }
}
