namespace Sensorium.Storage.Ensembles;

/// <summary>Where an ensemble is in its life; stored as the lower-case name.</summary>
public enum EnsembleStatus
{
    /// <summary>Some members are still training ("train K seeds, then ensemble"): queued when the last one succeeds.</summary>
    Waiting,
    Queued,
    Running,
    Succeeded,
    Failed,
    /// <summary>The server stopped while it was being evaluated; it can be queued again.</summary>
    Interrupted,
}

/// <summary>
/// An ensemble of finished runs as stored: its prediction is the mean of its members' (in <see cref="MemberRunIds"/>
/// order), evaluated per mouse on validation and test by a worker process. <see cref="Scores"/> is the worker's
/// per-mouse result (JSON) once it succeeded; <see cref="Message"/> why it failed or was interrupted.
/// </summary>
public sealed record Ensemble
{
    public long Id { get; init; }
    public long TeamId { get; init; }
    public long? CreatedBy { get; init; }
    public string Name { get; init; } = "";
    /// <summary>The members' dataset path.</summary>
    public string Dataset { get; init; } = "";
    /// <summary>The members' mice, data keys joined by ','.</summary>
    public string Mice { get; init; } = "";
    public EnsembleStatus Status { get; init; }
    public string? RequestedDevice { get; init; }
    public string? Device { get; init; }
    public string? Scores { get; init; }
    public string? Message { get; init; }
    public int? Pid { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public IReadOnlyList<long> MemberRunIds { get; init; } = [];

    public IReadOnlyList<string> MouseList => Mice.Split(',', StringSplitOptions.RemoveEmptyEntries);
    public bool IsActive => Status is EnsembleStatus.Waiting or EnsembleStatus.Queued or EnsembleStatus.Running;
}

/// <summary>What a caller provides to make an ensemble; <paramref name="Waiting"/>: its members are still training.</summary>
public sealed record NewEnsemble(long TeamId, long? CreatedBy, string Name, string Dataset, IReadOnlyList<string> Mice,
    IReadOnlyList<long> RunIds, bool Waiting, string? RequestedDevice = null);
