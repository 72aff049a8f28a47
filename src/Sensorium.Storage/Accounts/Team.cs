namespace Sensorium.Storage.Accounts;

/// <summary>A team: the unit that owns runs and sees them.</summary>
public sealed record Team
{
    public long Id { get; init; }
    public required string Name { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}
