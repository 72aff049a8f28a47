using Microsoft.Extensions.DependencyInjection.Extensions;
using Sensorium.Web.Features.Runs.Scheduling;

namespace Sensorium.Web.Features.Runs.Worker;

public static class WorkerSetup
{
    /// <summary>The real launcher: one <c>sensorium train</c> process per run. Call before <c>AddRunQueue()</c>.</summary>
    public static IServiceCollection AddProcessRunLauncher(this IServiceCollection services)
    {
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section);
        services.TryAddSingleton<Hosting.CliLauncher>();
        services.AddSingleton<ProcessRunLauncher>();
        services.TryAddSingleton<IRunLauncher>(sp => sp.GetRequiredService<ProcessRunLauncher>());
        services.AddHostedService(sp => sp.GetRequiredService<ProcessRunLauncher>()); // stops workers with the server
        services.AddSingleton<RunRecovery>();
        return services;
    }
}
