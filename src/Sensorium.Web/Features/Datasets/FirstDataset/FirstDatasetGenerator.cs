using System.Diagnostics;
using Microsoft.Extensions.Options;
using Sensorium.Data.Synthetic;
using Sensorium.Storage;
using Sensorium.Storage.Datasets;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Datasets.FirstDataset;

/// <summary>
/// On a workbench without datasets: generates the configured synthetic preset under <c>DatasetRoot</c> in the
/// background (the app serves meanwhile; <see cref="FirstDatasetStatus"/> shows the progress), then registers it.
/// A folder that already holds a complete dataset of that name (e.g. after a restart mid-way) is registered as is.
/// With several web nodes only the dispatching one generates it (two writing one folder would spoil it).
/// </summary>
public sealed class FirstDatasetGenerator(
    IOptions<FirstDatasetOptions> options, IOptions<WorkbenchOptions> workbench, DatasetStore datasets,
    FirstDatasetStatus status, ILogger<FirstDatasetGenerator> logger, Runs.Scheduling.IDispatchGate dispatcher) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled || (await datasets.ListAsync()).Count > 0) return;
        if (!dispatcher.CanDispatch)
        {
            logger.LogInformation("No dataset yet: the dispatching web node generates the first one.");
            return;
        }
        var name = o.DatasetName;
        var folder = Path.Combine(workbench.Value.DatasetRoot!, name);
        try
        {
            if (SyntheticDataset.ReadSummary(folder) is null)
            {
                status.Set(FirstDatasetState.Generating, name, $"Generating the {name} dataset…", 0);
                logger.LogInformation("No dataset yet: generating the synthetic {Preset} dataset in {Folder}.", o.Preset, folder);
                var clock = Stopwatch.StartNew();
                await Task.Run(() => Generate(o, folder, name, stoppingToken), stoppingToken);
                logger.LogInformation("Generated {Name} in {Seconds:F0} s.", name, clock.Elapsed.TotalSeconds);
            }
            await datasets.CreateAsync(name, folder, registeredBy: null);
            logger.LogInformation("Dataset {Name} registered.", name);
            status.Set(FirstDatasetState.Ready, name, $"The {name} dataset is ready.", 1);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (NameTakenException)
        {
            status.Set(FirstDatasetState.Ready, name, $"The {name} dataset is ready.", 1);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Generating the first dataset failed.");
            status.Set(FirstDatasetState.Failed, name, $"Generating the {name} dataset failed: {e.Message}", 0);
        }
    }

    void Generate(FirstDatasetOptions o, string folder, string name, CancellationToken cancellationToken)
    {
        var mice = SynthPresets.DataKeys;
        var progress = new Progress(p =>
        {
            var mouse = Math.Max(0, IndexOf(mice, p.DataKey));
            var within = p.Total > 0 ? (double)p.Done / p.Total : 0;
            status.Set(FirstDatasetState.Generating, name,
                $"Generating the {name} dataset: mouse {mouse + 1} of {mice.Count} ({p.DataKey}), {p.Stage}…",
                (mouse + within) / mice.Count);
        });
        SyntheticDataset.Generate(new SynthOptions
        {
            OutputDirectory = folder, Preset = o.Preset, Seed = o.Seed, WriteZips = false,
            MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount / 2), // leave the server a core
        }, progress, cancellationToken);
    }

    static int IndexOf(IReadOnlyList<string> keys, string key)
    {
        for (var i = 0; i < keys.Count; i++) if (keys[i] == key) return i;
        return -1;
    }

    /// <summary>Reports synchronously on the generator's thread (System.Progress would post to the thread pool).</summary>
    sealed class Progress(Action<SynthProgress> report) : IProgress<SynthProgress>
    {
        public void Report(SynthProgress value) => report(value);
    }
}

public static class FirstDatasetSetup
{
    public static IServiceCollection AddFirstDataset(this IServiceCollection services)
    {
        services.AddOptions<FirstDatasetOptions>().BindConfiguration(FirstDatasetOptions.Section);
        services.AddSingleton<FirstDatasetStatus>();
        services.AddHostedService<FirstDatasetGenerator>();
        return services;
    }
}
