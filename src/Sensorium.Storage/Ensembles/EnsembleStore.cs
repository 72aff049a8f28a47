using System.Data.Common;
using Dapper;

namespace Sensorium.Storage.Ensembles;

/// <summary>
/// Ensembles and their member runs. Life: waiting (members training) → queued → running (a device slot) → succeeded
/// | failed, or interrupted when the server stopped under one. Every move is a conditional update, so a late report of
/// an ensemble that already ended changes nothing.
/// </summary>
public sealed class EnsembleStore(Database database, TimeProvider time)
{
    const string Columns = """
        id, team_id, created_by, name, dataset, mice, status, requested_device, device, scores, message, pid,
        created_at, started_at, finished_at
        """;

    public async Task<Ensemble> CreateAsync(NewEnsemble ensemble)
    {
        if (ensemble.RunIds.Count < 2) throw new ArgumentException("an ensemble needs at least two runs", nameof(ensemble));
        if (ensemble.RunIds.Distinct().Count() != ensemble.RunIds.Count) throw new ArgumentException("a run is listed twice", nameof(ensemble));
        await using var connection = database.Open();
        await using var transaction = await connection.BeginTransactionAsync();
        var created = await connection.QuerySingleAsync<Ensemble>($"""
            INSERT INTO ensembles (team_id, created_by, name, dataset, mice, status, requested_device, created_at)
            VALUES (@TeamId, @CreatedBy, @Name, @Dataset, @mice, @status, @RequestedDevice, @now)
            RETURNING {Columns}
            """, new
        {
            ensemble.TeamId, ensemble.CreatedBy, ensemble.Name, ensemble.Dataset, mice = string.Join(',', ensemble.Mice),
            status = ensemble.Waiting ? "waiting" : "queued", ensemble.RequestedDevice, now = time.GetUtcNow(),
        }, transaction);
        for (int i = 0; i < ensemble.RunIds.Count; i++)
            await connection.ExecuteAsync("INSERT INTO ensemble_members (ensemble_id, run_id, position) VALUES (@id, @run, @i)",
                new { id = created.Id, run = ensemble.RunIds[i], i }, transaction);
        await transaction.CommitAsync();
        return created with { MemberRunIds = ensemble.RunIds.ToList() };
    }

    public async Task<Ensemble?> GetAsync(long id)
    {
        await using var connection = database.Open();
        var e = await connection.QuerySingleOrDefaultAsync<Ensemble>($"SELECT {Columns} FROM ensembles WHERE id = @id", new { id });
        return e is null ? null : (await WithMembersAsync(connection, [e]))[0];
    }

    /// <summary>The team's ensembles, newest first.</summary>
    public async Task<IReadOnlyList<Ensemble>> ListForTeamAsync(long teamId, int limit = 200)
    {
        await using var connection = database.Open();
        var rows = (await connection.QueryAsync<Ensemble>(
            $"SELECT {Columns} FROM ensembles WHERE team_id = @teamId ORDER BY id DESC LIMIT @limit", new { teamId, limit })).AsList();
        return await WithMembersAsync(connection, rows);
    }

    /// <summary>Ensembles in the given states, oldest first (queued and running: the scheduler's input; waiting: their members are checked).</summary>
    public async Task<IReadOnlyList<Ensemble>> ListInStatusAsync(params EnsembleStatus[] statuses)
    {
        await using var connection = database.Open();
        // The names come from the enum, not from a caller: written into the SQL (one statement for both engines).
        string names = string.Join(", ", statuses.Select(s => $"'{s.ToString().ToLowerInvariant()}'"));
        var rows = (await connection.QueryAsync<Ensemble>(
            $"SELECT {Columns} FROM ensembles WHERE status IN ({names}) ORDER BY created_at, id")).AsList();
        return await WithMembersAsync(connection, rows);
    }

    /// <summary>Waiting (or interrupted / failed, to evaluate again) → queued; null when it is in none of those states.</summary>
    public Task<Ensemble?> QueueAsync(long id) => MoveAsync(id, "status = 'queued', message = NULL, finished_at = NULL, device = NULL, pid = NULL",
        "status IN ('waiting', 'interrupted', 'failed')", new { });

    /// <summary>Queued → running on <paramref name="device"/>; null when it is no longer queued.</summary>
    public Task<Ensemble?> StartAsync(long id, string device) =>
        MoveAsync(id, "status = 'running', device = @device, started_at = @now", "status = 'queued'", new { device });

    public async Task<bool> SetPidAsync(long id, int pid)
    {
        await using var connection = database.Open();
        return await connection.ExecuteAsync("UPDATE ensembles SET pid = @pid WHERE id = @id AND status = 'running'", new { id, pid }) == 1;
    }

    /// <summary>Running → succeeded with its scores; null when it had already ended.</summary>
    public Task<Ensemble?> SucceedAsync(long id, string scores) =>
        MoveAsync(id, "status = 'succeeded', scores = @scores, message = NULL, finished_at = @now, pid = NULL", "status = 'running'", new { scores });

    /// <summary>A waiting, queued or running ensemble fails with <paramref name="message"/>; null when it had already ended.</summary>
    public Task<Ensemble?> FailAsync(long id, string message) =>
        MoveAsync(id, "status = 'failed', message = @message, finished_at = @now, pid = NULL", "status IN ('waiting', 'queued', 'running')", new { message });

    /// <summary>A running ensemble whose server is stopping ends interrupted; null if it had ended.</summary>
    public Task<Ensemble?> InterruptAsync(long id, string reason) =>
        MoveAsync(id, "status = 'interrupted', message = @reason, finished_at = @now, pid = NULL", "status = 'running'", new { reason });

    /// <summary>Every running ensemble ends interrupted with <paramref name="reason"/> (at start-up: their server is gone).</summary>
    public async Task<IReadOnlyList<Ensemble>> InterruptRunningAsync(string reason)
    {
        await using var connection = database.Open();
        var rows = (await connection.QueryAsync<Ensemble>($"""
            UPDATE ensembles SET status = 'interrupted', message = @reason, finished_at = @now
            WHERE status = 'running' RETURNING {Columns}
            """, new { reason, now = time.GetUtcNow() })).AsList();
        return await WithMembersAsync(connection, rows);
    }

    /// <summary>Per team, when it last had an ensemble start: counts with its runs' starts for the fair share.</summary>
    public async Task<IReadOnlyDictionary<long, DateTimeOffset>> LastStartPerTeamAsync()
    {
        await using var connection = database.Open();
        var rows = await connection.QueryAsync<LastStart>(
            "SELECT team_id, MAX(started_at) AS started_at FROM ensembles WHERE started_at IS NOT NULL GROUP BY team_id");
        return rows.ToDictionary(r => r.TeamId, r => r.StartedAt);
    }

    async Task<Ensemble?> MoveAsync(long id, string set, string when, object values)
    {
        await using var connection = database.Open();
        var parameters = new DynamicParameters(values);
        parameters.Add("id", id);
        parameters.Add("now", time.GetUtcNow());
        var e = await connection.QuerySingleOrDefaultAsync<Ensemble>(
            $"UPDATE ensembles SET {set} WHERE id = @id AND {when} RETURNING {Columns}", parameters);
        return e is null ? null : (await WithMembersAsync(connection, [e]))[0];
    }

    async Task<IReadOnlyList<Ensemble>> WithMembersAsync(DbConnection connection, List<Ensemble> rows)
    {
        if (rows.Count == 0) return rows;
        var ids = rows.Select(r => r.Id).ToArray();
        // Dapper expands "IN @ids" for SQLite; Npgsql takes the array as one parameter.
        string match = database.Engine == DatabaseEngine.Postgres ? "= ANY(@ids)" : "IN @ids";
        var members = (await connection.QueryAsync<Member>(
            $"SELECT ensemble_id, run_id, position FROM ensemble_members WHERE ensemble_id {match} ORDER BY ensemble_id, position", new { ids }))
            .GroupBy(m => m.EnsembleId).ToDictionary(g => g.Key, g => (IReadOnlyList<long>)g.Select(m => m.RunId).ToList());
        return rows.Select(r => r with { MemberRunIds = members.GetValueOrDefault(r.Id, []) }).ToList();
    }

    sealed class Member
    {
        public long EnsembleId { get; init; }
        public long RunId { get; init; }
        public int Position { get; init; }
    }

    sealed class LastStart
    {
        public long TeamId { get; init; }
        public DateTimeOffset StartedAt { get; init; }
    }
}
