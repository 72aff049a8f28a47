using Dapper;
using Sensorium.Storage.Runs;

namespace Sensorium.Storage.Sweeps;

/// <summary>Sweeps and the runs they queued. A sweep and its runs are created in one transaction: all or none.</summary>
public sealed class SweepStore(Database database, TimeProvider time)
{
    /// <summary>
    /// Stores the sweep and queues its runs (each <see cref="NewRun"/>'s team must be the sweep's; its SweepId is set
    /// here). Returns the sweep and the runs, in the order given.
    /// </summary>
    public async Task<(Sweep Sweep, IReadOnlyList<Run> Runs)> CreateAsync(NewSweep sweep, IReadOnlyList<NewRun> runs)
    {
        if (runs.Count == 0) throw new ArgumentException("A sweep has at least one run.", nameof(runs));
        if (runs.Any(r => r.TeamId != sweep.TeamId)) throw new ArgumentException("A sweep's runs belong to its team.", nameof(runs));
        var now = time.GetUtcNow();
        await using var connection = database.Open();
        await using var transaction = connection.BeginTransaction();
        var stored = await connection.QuerySingleAsync<Sweep>("""
            INSERT INTO sweeps (team_id, owner_id, name, base_spec_json, axes_json, mode, budget, seed, created_at)
            VALUES (@TeamId, @OwnerId, @Name, @BaseSpecJson, @AxesJson, @Mode, @Budget, @Seed, @now)
            RETURNING *
            """, new { sweep.TeamId, sweep.OwnerId, sweep.Name, sweep.BaseSpecJson, sweep.AxesJson, sweep.Mode, sweep.Budget, sweep.Seed, now }, transaction);
        var queued = new List<Run>();
        foreach (var run in runs)
        {
            queued.Add(await connection.QuerySingleAsync<Run>("""
                INSERT INTO runs (team_id, owner_id, name, spec_json, status, requested_device, created_at, sweep_id)
                VALUES (@TeamId, @OwnerId, @Name, @SpecJson, 'queued', @RequestedDevice, @now, @sweepId)
                RETURNING *
                """, new { run.TeamId, run.OwnerId, run.Name, run.SpecJson, run.RequestedDevice, now, sweepId = stored.Id }, transaction));
        }
        await transaction.CommitAsync();
        return (stored, queued);
    }

    public async Task<Sweep?> GetAsync(long id)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<Sweep>("SELECT * FROM sweeps WHERE id = @id", new { id });
    }

    /// <summary>The sweep's runs in the order it queued them.</summary>
    public async Task<IReadOnlyList<Run>> ListRunsAsync(long sweepId)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<Run>("SELECT * FROM runs WHERE sweep_id = @sweepId ORDER BY id", new { sweepId })).AsList();
    }

    /// <summary>A team's sweeps, newest first, with their runs counted: finished (succeeded, failed or cancelled) and active (queued or running).</summary>
    public async Task<IReadOnlyList<SweepListItem>> ListForTeamAsync(long teamId, int limit = 200)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<SweepListItem>("""
            SELECT s.id, s.name, s.mode, s.axes_json, s.created_at,
                   COUNT(r.id) AS runs,
                   COALESCE(SUM(CASE WHEN r.status IN ('succeeded', 'failed', 'cancelled') THEN 1 ELSE 0 END), 0) AS finished,
                   COALESCE(SUM(CASE WHEN r.status IN ('queued', 'running') THEN 1 ELSE 0 END), 0) AS active,
                   MAX(r.best_score) AS best_score
            FROM sweeps s LEFT JOIN runs r ON r.sweep_id = s.id
            WHERE s.team_id = @teamId
            GROUP BY s.id, s.name, s.mode, s.axes_json, s.created_at
            ORDER BY s.id DESC LIMIT @limit
            """, new { teamId, limit })).AsList();
    }
}
