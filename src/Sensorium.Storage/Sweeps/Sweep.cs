namespace Sensorium.Storage.Sweeps;

/// <summary>A sweep as stored: the base spec and the axes as JSON (the trainer's sweep format owns their schema).</summary>
public sealed record Sweep
{
    public long Id { get; init; }
    public long TeamId { get; init; }
    public long OwnerId { get; init; }
    public required string Name { get; init; }
    public required string BaseSpecJson { get; init; }
    /// <summary>The axes as a JSON array: <c>[{"field": …, "values": […]} | {"field": …, "range": {…}}]</c>.</summary>
    public required string AxesJson { get; init; }
    /// <summary>"grid" or "random".</summary>
    public required string Mode { get; init; }
    public int Budget { get; init; }
    /// <summary>Seed of the random draws.</summary>
    public int Seed { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>What a caller provides to create a sweep (its runs come with it).</summary>
public sealed record NewSweep(long TeamId, long OwnerId, string Name, string BaseSpecJson, string AxesJson, string Mode, int Budget, int Seed);

/// <summary>A sweep in its team's list, with how its runs stand.</summary>
public sealed record SweepListItem
{
    public long Id { get; init; }
    public required string Name { get; init; }
    public required string Mode { get; init; }
    public required string AxesJson { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public int Runs { get; init; }
    public int Finished { get; init; }
    public int Active { get; init; }
    public double? BestScore { get; init; }
}
