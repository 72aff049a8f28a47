using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sensorium.Web.Features.Runs.Scheduling;

namespace Sensorium.Web.Features.Runs;

public static class RunsSetup
{
    /// <summary>The run queue: lifecycle, fair dispatcher, progress recorder, and the launcher seam.</summary>
    public static IServiceCollection AddRunQueue(this IServiceCollection services)
    {
        services.TryAddSingleton<IRunLauncher, NoRunLauncher>(); // the real one is registered before this call
        services.AddSingleton<QueueSignal>();
        services.TryAddSingleton<IDispatchGate, AlwaysDispatch>(); // the dispatcher lease when AddWebNodes came first
        services.AddSingleton<GpuDevices>(); // device discovery at start: each GPU a scheduler device
        services.AddSingleton<Microsoft.Extensions.Options.IPostConfigureOptions<Sensorium.Web.Hosting.WorkbenchOptions>>(sp => sp.GetRequiredService<GpuDevices>());
        services.TryAddSingleton<Sensorium.Storage.Runs.TeamServiceHistory>();
        services.AddSingleton<RunLifecycle>();
        services.AddSingleton<RunProgressRecorder>();
        services.AddSingleton<RunRequestValidator>();
        services.AddSingleton<RunQueue>();
        services.AddSingleton<SlotActivity>(); // slots taken or freed, for the pages that show them
        services.AddSingleton<Artifacts.RunArtifacts>(); // the files of a run's directory, for its team
        services.AddSingleton<Queue.DeviceMonitor>(); // the host's queue view: CPU, memory, GPUs
        services.AddSingleton<RunDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<RunDispatcher>());
        services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        return services;
    }
}
