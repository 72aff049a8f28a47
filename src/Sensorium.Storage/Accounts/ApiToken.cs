namespace Sensorium.Storage.Accounts;

/// <summary>A team's bearer token as stored: only its hash is kept.</summary>
public sealed record ApiToken
{
    public long Id { get; init; }
    public long TeamId { get; init; }
    public long CreatedBy { get; init; }
    public required string Name { get; init; }
    public required string TokenHash { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? LastUsedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
}
