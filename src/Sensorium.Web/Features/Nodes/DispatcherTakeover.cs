using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Runs.Worker;

namespace Sensorium.Web.Features.Nodes;

/// <summary>
/// What a node does once it holds the dispatcher lease, before it starts anything: the runs and jobs the previous
/// holder left running (the previous process of this node, or another node that died) are taken over. Events their
/// workers wrote to the shared run directory while no server listened are recorded (<see cref="RunRecovery"/>); the
/// launcher re-attaches to workers that outlive a server (Slurm jobs); the other runs become interrupted and those with
/// a checkpoint are queued again to resume from it; in-silico jobs left running end interrupted. Only the lease holder
/// runs this, so a node starting beside a live dispatcher never interrupts that node's runs.
/// </summary>
public static class DispatcherTakeover
{
    public static async Task RecoverAsync(IServiceProvider services, ILogger logger)
    {
        var recovery = services.GetService<RunRecovery>();
        if (recovery is not null) await recovery.IngestOrphansAsync(); // what their workers did while no server listened
        var reattached = await services.GetRequiredService<IRunLauncher>().ReattachAsync(); // Slurm jobs outlive the server
        var interrupted = await services.GetRequiredService<RunLifecycle>().InterruptOrphanedRunsAsync(reattached);
        foreach (var run in interrupted)
            logger.LogWarning("Run {RunId} was left running by the previous dispatcher and is now interrupted (worker pid {Pid}).",
                run.Id, run.Pid);
        if (recovery is not null) await recovery.RecoverAsync(interrupted);
        if (services.GetService<Neurons.InSilicoJobs>() is { } jobs) await jobs.RecoverAsync(); // in flight: interrupted
        if (services.GetService<Ensembles.EnsembleJobs>() is { } ensembles) await ensembles.RecoverAsync(); // in flight: interrupted
    }
}
