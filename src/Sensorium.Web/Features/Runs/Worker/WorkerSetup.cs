using Microsoft.Extensions.DependencyInjection.Extensions;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Runs.Slurm;

namespace Sensorium.Web.Features.Runs.Worker;

public static class WorkerSetup
{
    /// <summary>
    /// The launcher <c>Worker:Launcher</c> names: <c>process</c> (one local <c>sensorium train</c> process per run) or
    /// <c>slurm</c> (one Slurm batch job per run). Call before <c>AddRunQueue()</c>.
    /// </summary>
    public static IServiceCollection AddRunLauncher(this IServiceCollection services, IConfiguration configuration)
    {
        var launcher = configuration[$"{WorkerOptions.Section}:{nameof(WorkerOptions.Launcher)}"] ?? "process";
        if (launcher.Equals("slurm", StringComparison.OrdinalIgnoreCase)) return services.AddSlurmRunLauncher();
        if (!launcher.Equals("process", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Worker:Launcher is '{launcher}'; expected process (the default) or slurm.");
        return services.AddProcessRunLauncher();
    }

    /// <summary>The local launcher: one <c>sensorium train</c> process per run.</summary>
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

    /// <summary>The Slurm launcher: one batch job per run, followed through the shared run directory.</summary>
    public static IServiceCollection AddSlurmRunLauncher(this IServiceCollection services)
    {
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section);
        services.AddOptions<SlurmOptions>().BindConfiguration(SlurmOptions.Section);
        services.TryAddSingleton<Hosting.CliLauncher>();
        services.AddSingleton<SlurmClient>();
        services.AddSingleton<SlurmRunLauncher>();
        services.TryAddSingleton<IRunLauncher>(sp => sp.GetRequiredService<SlurmRunLauncher>());
        services.AddHostedService(sp => sp.GetRequiredService<SlurmRunLauncher>());
        return services;
    }
}
