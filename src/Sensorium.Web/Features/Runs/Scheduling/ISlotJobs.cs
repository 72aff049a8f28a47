namespace Sensorium.Web.Features.Runs.Scheduling;

/// <summary>
/// Work besides trainings that takes a device slot (the in-silico jobs of finished runs, ensemble evaluations): the
/// <see cref="RunDispatcher"/> plans it together with the runs, by the same fair-share rules.
/// </summary>
public interface ISlotJobs
{
    /// <summary>The kind of work this source plans (its ids are its own; the dispatcher routes starts by kind).</summary>
    SlotWork Kind { get; }

    /// <summary>Queued and running jobs, as the scheduler sees them (<see cref="SlotWork.InSilicoJob"/>).</summary>
    Task<(IReadOnlyList<QueuedRun> Queued, IReadOnlyList<RunningRun> Running)> ActiveAsync();

    /// <summary>When each team last had a job start (counts with its runs' starts).</summary>
    Task<IReadOnlyDictionary<long, DateTimeOffset>> LastStartPerTeamAsync();

    /// <summary>Starts a queued job on <paramref name="device"/>; returns once its worker is under way, not when it ends.</summary>
    Task StartAsync(long jobId, string device, CancellationToken cancellationToken);
}
