using Microsoft.Extensions.Options;
using Sensorium.Training.Gpus;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Runs.Scheduling;

/// <summary>
/// Device discovery at server start: every GPU nvidia-smi lists becomes a scheduler device <c>cuda:N</c> with
/// <see cref="WorkbenchOptions.SlotsPerGpu"/> slots and a memory budget of its free memory at start less
/// <see cref="WorkbenchOptions.GpuMemoryReserveMiB"/>, placed before the configured devices (so runs that may go
/// anywhere prefer a GPU on ties). A GPU that appsettings.json configures itself (a <c>cuda:N</c> entry) keeps that
/// entry; <see cref="WorkbenchOptions.DiscoverGpus"/> false turns discovery off. No GPU: the configured devices alone
/// (the CPU). The worker of a run on <c>cuda:N</c> sees only that GPU (CUDA_VISIBLE_DEVICES=N, see ProcessRunLauncher).
/// </summary>
public sealed class GpuDevices(ILogger<GpuDevices> logger) : IPostConfigureOptions<WorkbenchOptions>
{
    /// <summary>What discovery found at start (null when it was off).</summary>
    public GpuDiscoveryResult? Found { get; private set; }

    public void PostConfigure(string? name, WorkbenchOptions options)
    {
        if (!options.DiscoverGpus)
        {
            logger.LogInformation("GPU discovery is off (Workbench:DiscoverGpus): devices {Devices}.", string.Join(", ", options.Devices.Select(d => d.Name)));
            return;
        }
        Found = GpuDiscovery.Discover(program: options.NvidiaSmi);
        var added = Add(options, Found);
        if (Found.CpuOnly)
            logger.LogInformation("No GPU found ({Problem}): runs are scheduled on {Devices}.", Found.Problem, string.Join(", ", options.Devices.Select(d => d.Name)));
        else
            logger.LogInformation("GPUs found: {Gpus}; scheduler devices {Devices}.",
                string.Join("; ", Found.Gpus.Select(g => $"{g.DeviceName} {g.Name} {g.FreeMiB:N0}/{g.TotalMiB:N0} MiB free")),
                string.Join(", ", options.Devices.Select(d => $"{d.Name} ({d.Slots} slots{(d.MemoryMiB is { } m ? $", {m:N0} MiB" : "")})")));
        if (added == 0 && !Found.CpuOnly)
            logger.LogInformation("Every GPU found is configured in appsettings.json: discovery added none.");
    }

    /// <summary>Adds the GPUs of <paramref name="found"/> not configured yet to <paramref name="options"/>; returns how many.</summary>
    public static int Add(WorkbenchOptions options, GpuDiscoveryResult found)
    {
        var discovered = found.Gpus
            .Where(g => !options.Devices.Any(d => string.Equals(d.Name, g.DeviceName, StringComparison.OrdinalIgnoreCase)))
            .Select(g => new DeviceOptions
            {
                Name = g.DeviceName,
                Slots = options.SlotsPerGpu,
                MemoryMiB = Math.Max(1, g.FreeMiB - options.GpuMemoryReserveMiB),
                Description = $"{g.Name}, {g.TotalMiB:N0} MiB",
            })
            .ToList();
        options.Devices.InsertRange(0, discovered);
        return discovered.Count;
    }
}
