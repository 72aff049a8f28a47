namespace Sensorium.Storage.InSilico;

/// <summary>Where an in-silico job is in its life; stored as the lower-case name.</summary>
public enum InSilicoJobStatus
{
    Queued,
    Running,
    Done,
    Failed,
    /// <summary>The server stopped while the job was running; it can be queued again.</summary>
    Interrupted,
}

/// <summary>
/// The in-silico experiments of one finished run or evaluated ensemble (<c>sensorium insilico all</c> in a worker
/// process), as stored: exactly one of <see cref="RunId"/> and <see cref="EnsembleId"/> is set.
/// <see cref="Stage"/> and <see cref="Progress"/> (0..1) are the worker's last report; <see cref="Message"/> why it
/// failed or was interrupted.
/// </summary>
public sealed record InSilicoJob
{
    public long Id { get; init; }
    public long? RunId { get; init; }
    public long? EnsembleId { get; init; }
    public long TeamId { get; init; }
    public long? RequestedBy { get; init; }
    public InSilicoJobStatus Status { get; init; }
    public int MeiNeurons { get; init; }
    /// <summary>The device asked for (the run's GPU), or null for any.</summary>
    public string? RequestedDevice { get; init; }
    /// <summary>The slot it runs or ran in.</summary>
    public string? Device { get; init; }
    public string Stage { get; init; } = "queued";
    public double Progress { get; init; }
    public string? Message { get; init; }
    public int? Pid { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    public bool IsActive => Status is InSilicoJobStatus.Queued or InSilicoJobStatus.Running;
}

/// <summary>What a caller provides to queue a job: of a run (<paramref name="RunId"/>) or of an ensemble (<paramref name="EnsembleId"/>), exactly one.</summary>
public sealed record NewInSilicoJob(long? RunId, long TeamId, long? RequestedBy, int MeiNeurons, string? RequestedDevice, long? EnsembleId = null);
