namespace Sensorium.Storage.Accounts;

/// <summary>An account. <see cref="PasswordHash"/> is produced and checked by the web app's password hasher.</summary>
public sealed record User
{
    public long Id { get; init; }
    public required string UserName { get; init; }
    public required string PasswordHash { get; init; }
    public long? TeamId { get; init; }
    public bool IsAdmin { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}
