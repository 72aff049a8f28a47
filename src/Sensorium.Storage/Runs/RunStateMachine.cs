namespace Sensorium.Storage.Runs;

/// <summary>
/// The one place that says which status changes are allowed. <see cref="RunStore.TransitionAsync"/> asks it inside
/// the same transaction that changes the row, so no caller can skip it.
/// <code>
/// queued ──► running ──► succeeded | failed | cancelled | interrupted
///   │                                                        │
///   └──► cancelled ◄──────────── interrupted ──► queued ◄────┘ (resume)
/// </code>
/// </summary>
public static class RunStateMachine
{
    static readonly Dictionary<RunStatus, RunStatus[]> Next = new()
    {
        [RunStatus.Queued] = [RunStatus.Running, RunStatus.Cancelled],
        [RunStatus.Running] = [RunStatus.Succeeded, RunStatus.Failed, RunStatus.Cancelled, RunStatus.Interrupted],
        [RunStatus.Interrupted] = [RunStatus.Queued, RunStatus.Cancelled],
        [RunStatus.Succeeded] = [],
        [RunStatus.Failed] = [],
        [RunStatus.Cancelled] = [],
    };

    public static bool CanTransition(RunStatus from, RunStatus to) => Next[from].Contains(to);

    public static void EnsureCanTransition(long runId, RunStatus from, RunStatus to)
    {
        if (!CanTransition(from, to)) throw new InvalidRunTransitionException(runId, from, to);
    }

    /// <summary>No way out: succeeded, failed, cancelled.</summary>
    public static bool IsFinal(RunStatus status) => Next[status].Length == 0;

    public static bool CanCancel(RunStatus status) => CanTransition(status, RunStatus.Cancelled);
    public static bool CanResume(RunStatus status) => CanTransition(status, RunStatus.Queued);
}

public sealed class InvalidRunTransitionException(long runId, RunStatus from, RunStatus to)
    : InvalidOperationException($"Run {runId} cannot go from {from} to {to}.")
{
    public RunStatus From { get; } = from;
    public RunStatus To { get; } = to;
}
