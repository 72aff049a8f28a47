using Dapper;

namespace Sensorium.Storage.Nodes;

/// <summary>
/// The lease row as read right after an attempt: who holds it (node id and process instance), until when, and the
/// database's clock at that moment (milliseconds since 1970).
/// </summary>
public sealed record DispatcherLeaseState(string? Holder, string? Instance, long ExpiresMs, long NowMs, DateTimeOffset? AcquiredAt)
{
    public bool IsHeldBy(string node, string instance) => Holder == node && Instance == instance && ExpiresMs > NowMs;
    public TimeSpan Remaining => TimeSpan.FromMilliseconds(Math.Max(0, ExpiresMs - NowMs));
}

/// <summary>
/// The one dispatcher lease of a database shared by web nodes (table <c>dispatcher_lease</c>, migration 0011). Each
/// attempt is one conditional UPDATE, atomic on both engines: it succeeds when the lease is free, expired, or already
/// this node's (same node id and process instance); at start a node may also take back a lease its own node id
/// holds (the previous process of the same node, which is gone). Expiry is judged by the database's clock.
/// </summary>
public sealed class DispatcherLeaseStore(Database database)
{
    const string Name = "dispatcher";

    /// <summary>The database's clock in milliseconds since 1970.</summary>
    string NowMs => database.Engine == DatabaseEngine.Postgres
        ? "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
        : "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

    /// <summary>
    /// Takes or renews the lease for <paramref name="duration"/> from now (database clock). <paramref name="atStart"/>:
    /// a node starting may take over a lease its own node id still holds. Returns whether this node holds it now,
    /// and the row as it is after the attempt.
    /// </summary>
    public async Task<(bool Held, DispatcherLeaseState State)> TryAcquireAsync(string node, string instance, TimeSpan duration, bool atStart = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(node);
        await using var connection = database.Open();
        var changed = await connection.ExecuteAsync($"""
            UPDATE dispatcher_lease SET
                acquired_at = CASE WHEN holder = @node AND instance = @instance THEN acquired_at ELSE @now END,
                holder = @node, instance = @instance, expires_ms = {NowMs} + @durationMs
            WHERE name = @Name AND (holder IS NULL OR expires_ms <= {NowMs}
                OR (holder = @node AND instance = @instance) OR (@atStart AND holder = @node))
            """, new { Name, node, instance, durationMs = (long)duration.TotalMilliseconds, atStart, now = DateTimeOffset.UtcNow });
        var state = await ReadAsync(connection);
        return (changed == 1 && state.IsHeldBy(node, instance), state);
    }

    /// <summary>Gives the lease up (a node stopping cleanly), so another node need not wait for it to expire.</summary>
    public async Task<bool> ReleaseAsync(string node, string instance)
    {
        await using var connection = database.Open();
        return await connection.ExecuteAsync("""
            UPDATE dispatcher_lease SET holder = NULL, instance = NULL, expires_ms = 0, acquired_at = NULL
            WHERE name = @Name AND holder = @node AND instance = @instance
            """, new { Name, node, instance }) == 1;
    }

    /// <summary>The lease as it is now.</summary>
    public async Task<DispatcherLeaseState> GetAsync()
    {
        await using var connection = database.Open();
        return await ReadAsync(connection);
    }

    async Task<DispatcherLeaseState> ReadAsync(System.Data.Common.DbConnection connection)
    {
        var row = await connection.QuerySingleAsync<(string? Holder, string? Instance, long ExpiresMs, long NowMs, string? AcquiredAt)>(
            $"SELECT holder, instance, expires_ms, {NowMs} AS now_ms, acquired_at FROM dispatcher_lease WHERE name = @Name", new { Name });
        return new DispatcherLeaseState(row.Holder, row.Instance, row.ExpiresMs, row.NowMs,
            row.AcquiredAt is null ? null : DateTimeOffset.Parse(row.AcquiredAt, System.Globalization.CultureInfo.InvariantCulture));
    }
}
