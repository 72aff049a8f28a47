namespace Sensorium.Storage.Runs;

/// <summary>
/// The one place that says which status changes are allowed. <see cref="RunStore.TransitionAsync"/> asks it inside
/// the same transaction that changes the row, so no caller can skip it.
/// <code>
/// queued ──► running ──► succeeded | failed | cancelled | interrupted
///   │                                 │                      │
///   └──► cancelled ◄──────────── interrupted ──► queued ◄────┘ (resume)
///                                     └────────► queued        (resume of a failed run that has a checkpoint)
/// </code>
/// A failed run is final unless its worker left a checkpoint: only the caller knows that, see <see cref="CanResume(RunStatus, bool)"/>.
/// </summary>
public static class RunStateMachine
{
    static readonly Dictionary<RunStatus, RunStatus[]> Next = new()
    {
        [RunStatus.Queued] = [RunStatus.Running, RunStatus.Cancelled],
        [RunStatus.Running] = [RunStatus.Succeeded, RunStatus.Failed, RunStatus.Cancelled, RunStatus.Interrupted],
        [RunStatus.Interrupted] = [RunStatus.Queued, RunStatus.Cancelled],
        [RunStatus.Succeeded] = [],
        [RunStatus.Failed] = [RunStatus.Queued], // only with a checkpoint: RunQueue checks before it asks
        [RunStatus.Cancelled] = [],
    };

    public static bool CanTransition(RunStatus from, RunStatus to) => Next[from].Contains(to);

    public static void EnsureCanTransition(long runId, RunStatus from, RunStatus to)
    {
        if (!CanTransition(from, to)) throw new InvalidRunTransitionException(runId, from, to);
    }

    /// <summary>The worker will not run again on its own: succeeded, failed, cancelled.</summary>
    public static bool IsFinal(RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;

    public static bool CanCancel(RunStatus status) => CanTransition(status, RunStatus.Cancelled);
    /// <summary>An interrupted run can be queued again; a failed one only when it left a checkpoint.</summary>
    public static bool CanResume(RunStatus status, bool hasCheckpoint = false) =>
        status == RunStatus.Interrupted || (status == RunStatus.Failed && hasCheckpoint);
}

public sealed class InvalidRunTransitionException(long runId, RunStatus from, RunStatus to)
    : InvalidOperationException($"Run {runId} cannot go from {from} to {to}.")
{
    public RunStatus From { get; } = from;
    public RunStatus To { get; } = to;
}
