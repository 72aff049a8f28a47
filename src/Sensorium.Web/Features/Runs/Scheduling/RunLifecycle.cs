using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Features.Runs.Scheduling;

/// <summary>
/// Every status change of a run goes through here: the store enforces <see cref="RunStateMachine"/>, then the
/// change is published (<see cref="RunStatusChanged"/>) and the dispatcher is woken.
/// </summary>
public sealed class RunLifecycle(RunStore runs, TrainingNotifications notifications, QueueSignal signal, TimeProvider time)
{
    public async Task<Run> QueueAsync(NewRun newRun)
    {
        var run = await runs.CreateAsync(newRun);
        await PublishAsync(run);
        return run;
    }

    /// <summary>Publishes runs a store created as a group (a sweep's) and wakes the dispatcher once per run.</summary>
    public async Task PublishQueuedAsync(IEnumerable<Run> queued)
    {
        foreach (var run in queued) await PublishAsync(run);
    }

    /// <exception cref="InvalidRunTransitionException">The run's current status does not allow it.</exception>
    public async Task<Run> TransitionAsync(long runId, RunStatus to, string? device = null, string? error = null)
    {
        var run = await runs.TransitionAsync(runId, to, device, error);
        await PublishAsync(run);
        return run;
    }

    /// <summary>
    /// At start-up: runs left running lost their supervisor; they become interrupted (pid kept), except those the
    /// launcher re-attached to (<paramref name="reattached"/>).
    /// </summary>
    public async Task<IReadOnlyList<Run>> InterruptOrphanedRunsAsync(IReadOnlyCollection<long>? reattached = null)
    {
        var interrupted = await runs.InterruptAllRunningAsync(
            "The server stopped while this run was running. Resume it to queue it again.", reattached);
        foreach (var run in interrupted) await PublishAsync(run);
        return interrupted;
    }

    async Task PublishAsync(Run run)
    {
        await notifications.PublishAsync(
            new RunStatusChanged(run.Id, run.TeamId, run.Status, run.Device, run.Error, time.GetUtcNow()));
        signal.Wake();
    }
}
