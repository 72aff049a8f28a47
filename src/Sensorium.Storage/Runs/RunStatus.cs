namespace Sensorium.Storage.Runs;

/// <summary>Where a run is in its life; stored as the lower-case name.</summary>
public enum RunStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// <summary>The server stopped while the run was running; it can be requeued (resumed).</summary>
    Interrupted,
}
