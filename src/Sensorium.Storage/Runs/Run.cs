namespace Sensorium.Storage.Runs;

/// <summary>A training run as stored. <see cref="SpecJson"/> is the whole run spec; the trainer owns its schema.</summary>
public sealed record Run
{
    public long Id { get; init; }
    public long TeamId { get; init; }
    public long OwnerId { get; init; }
    public required string Name { get; init; }
    public required string SpecJson { get; init; }
    public RunStatus Status { get; init; }
    /// <summary>The device asked for; null means any.</summary>
    public string? RequestedDevice { get; init; }
    /// <summary>The device it runs or ran on.</summary>
    public string? Device { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? Error { get; init; }
    /// <summary>0..1 over the whole training.</summary>
    public double Progress { get; init; }
    /// <summary>Best validation correlation so far.</summary>
    public double? BestScore { get; init; }
    public string? CheckpointPath { get; init; }
    public int? Pid { get; init; }
    /// <summary>Set by the host on a queued run: higher starts sooner within the fair order (default 0).</summary>
    public int Priority { get; init; }
    /// <summary>The team's notes on the run (free text; '' for none).</summary>
    public string Notes { get; init; } = "";
    /// <summary>The run's tags joined by ',' ('' for none); see <see cref="TagList"/>.</summary>
    public string Tags { get; init; } = "";

    /// <summary>Why its training ended, as the worker reported it ("early stopping", "time limit … reached after epoch N;
    /// best epoch B", "stopped by U after epoch N; best epoch B", …); null until it ended (migration 0014).</summary>
    public string? StopReason { get; init; }

    /// <summary>The sweep that queued it (null for a run queued on its own).</summary>
    public long? SweepId { get; init; }

    /// <summary>The tags in the order they were given.</summary>
    public IReadOnlyList<string> TagList => Tags.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>What a caller provides to queue a run.</summary>
public sealed record NewRun(long TeamId, long OwnerId, string Name, string SpecJson, string? RequestedDevice, long? SweepId = null);

/// <summary>A queued or running run, as the scheduler and the device occupancy view see it (no names).</summary>
public sealed record ActiveRun
{
    public long Id { get; init; }
    public long TeamId { get; init; }
    public RunStatus Status { get; init; }
    public string? RequestedDevice { get; init; }
    public string? Device { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public int Priority { get; init; }
    /// <summary>The run's spec (the scheduler estimates its GPU memory from it).</summary>
    public string SpecJson { get; init; } = "";
}

/// <summary>A queued or running run as the host's queue view shows it: with its team, owner and worker.</summary>
public sealed record QueueEntry
{
    public long Id { get; init; }
    public long TeamId { get; init; }
    public required string TeamName { get; init; }
    public required string OwnerName { get; init; }
    public required string Name { get; init; }
    public RunStatus Status { get; init; }
    public string? RequestedDevice { get; init; }
    public string? Device { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public double Progress { get; init; }
    public int Priority { get; init; }
    public int? Pid { get; init; }
}
