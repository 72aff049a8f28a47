using Dapper;

namespace Sensorium.Storage.InSilico;

/// <summary>
/// In-silico jobs: queued → running (a device slot) → done | failed, or interrupted when the server stopped under
/// one. Every move is a conditional update, so a late report of a job that already ended changes nothing.
/// </summary>
public sealed class InSilicoJobStore(Database database, TimeProvider time)
{
    const string Columns = """
        id, run_id, ensemble_id, team_id, requested_by, status, mei_neurons, requested_device, device, stage, progress, message, pid,
        created_at, started_at, finished_at
        """;

    /// <summary>Queues a job; null when the run (or ensemble) already has one queued or running.</summary>
    public async Task<InSilicoJob?> CreateAsync(NewInSilicoJob job)
    {
        if ((job.RunId is null) == (job.EnsembleId is null))
            throw new ArgumentException("an in-silico job belongs to a run or to an ensemble: exactly one of RunId and EnsembleId", nameof(job));
        await using var connection = database.Open();
        try
        {
            return await connection.QuerySingleAsync<InSilicoJob>($"""
                INSERT INTO insilico_jobs (run_id, ensemble_id, team_id, requested_by, status, mei_neurons, requested_device, stage, created_at)
                VALUES (@RunId, @EnsembleId, @TeamId, @RequestedBy, 'queued', @MeiNeurons, @RequestedDevice, 'queued', @now)
                RETURNING {Columns}
                """, new { job.RunId, job.EnsembleId, job.TeamId, job.RequestedBy, job.MeiNeurons, job.RequestedDevice, now = time.GetUtcNow() });
        }
        catch (Exception e) when (Database.IsUniqueViolation(e))
        {
            return null;
        }
    }

    public async Task<InSilicoJob?> GetAsync(long id)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<InSilicoJob>($"SELECT {Columns} FROM insilico_jobs WHERE id = @id", new { id });
    }

    /// <summary>The run's latest job (what its pages show), or null when it never had one.</summary>
    public async Task<InSilicoJob?> LatestForRunAsync(long runId)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<InSilicoJob>(
            $"SELECT {Columns} FROM insilico_jobs WHERE run_id = @runId ORDER BY id DESC LIMIT 1", new { runId });
    }

    /// <summary>The ensemble's latest job, or null when it never had one.</summary>
    public async Task<InSilicoJob?> LatestForEnsembleAsync(long ensembleId)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<InSilicoJob>(
            $"SELECT {Columns} FROM insilico_jobs WHERE ensemble_id = @ensembleId ORDER BY id DESC LIMIT 1", new { ensembleId });
    }

    /// <summary>Queued and running jobs, queue order: the scheduler's input.</summary>
    public async Task<IReadOnlyList<InSilicoJob>> ListActiveAsync()
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<InSilicoJob>(
            $"SELECT {Columns} FROM insilico_jobs WHERE status IN ('queued', 'running') ORDER BY created_at, id")).AsList();
    }

    /// <summary>Queued → running on <paramref name="device"/>; null when the job is no longer queued.</summary>
    public async Task<InSilicoJob?> StartAsync(long id, string device)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<InSilicoJob>($"""
            UPDATE insilico_jobs SET status = 'running', device = @device, stage = 'starting', progress = 0, started_at = @now
            WHERE id = @id AND status = 'queued' RETURNING {Columns}
            """, new { id, device, now = time.GetUtcNow() });
    }

    public async Task<bool> SetPidAsync(long id, int pid)
    {
        await using var connection = database.Open();
        return await connection.ExecuteAsync(
            "UPDATE insilico_jobs SET pid = @pid WHERE id = @id AND status = 'running'", new { id, pid }) == 1;
    }

    /// <summary>The worker's latest report of a running job; false when it is no longer running.</summary>
    public async Task<bool> ReportAsync(long id, string stage, double progress)
    {
        await using var connection = database.Open();
        return await connection.ExecuteAsync(
            "UPDATE insilico_jobs SET stage = @stage, progress = @progress WHERE id = @id AND status = 'running'",
            new { id, stage, progress = Math.Clamp(progress, 0, 1) }) == 1;
    }

    /// <summary>
    /// Ends a queued or running job as done (progress 1) or failed (with <paramref name="message"/>). Null when it had
    /// already ended (e.g. interrupted by a restart).
    /// </summary>
    public async Task<InSilicoJob?> FinishAsync(long id, bool succeeded, string? message)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<InSilicoJob>($"""
            UPDATE insilico_jobs SET status = @status, stage = @stage, message = @message, finished_at = @now, pid = NULL,
                progress = CASE WHEN @succeeded THEN 1 ELSE progress END
            WHERE id = @id AND status IN ('queued', 'running') RETURNING {Columns}
            """, new
        {
            id, succeeded, status = succeeded ? "done" : "failed", stage = succeeded ? "done" : "failed",
            message = succeeded ? null : message ?? "failed", now = time.GetUtcNow(),
        });
    }

    /// <summary>A running job whose server is stopping ends interrupted with <paramref name="reason"/>; null if it had ended.</summary>
    public async Task<InSilicoJob?> InterruptAsync(long id, string reason)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<InSilicoJob>($"""
            UPDATE insilico_jobs SET status = 'interrupted', message = @reason, finished_at = @now, pid = NULL
            WHERE id = @id AND status = 'running' RETURNING {Columns}
            """, new { id, reason, now = time.GetUtcNow() });
    }

    /// <summary>Marks every running job interrupted with <paramref name="reason"/> (at start-up: their server is gone).</summary>
    public async Task<IReadOnlyList<InSilicoJob>> InterruptRunningAsync(string reason)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<InSilicoJob>($"""
            UPDATE insilico_jobs SET status = 'interrupted', message = @reason, finished_at = @now
            WHERE status = 'running' RETURNING {Columns}
            """, new { reason, now = time.GetUtcNow() })).AsList();
    }

    /// <summary>Per team, when it last had a job start: counts with its runs' starts for the fair share.</summary>
    public async Task<IReadOnlyDictionary<long, DateTimeOffset>> LastStartPerTeamAsync()
    {
        await using var connection = database.Open();
        var rows = await connection.QueryAsync<LastStart>(
            "SELECT team_id, MAX(started_at) AS started_at FROM insilico_jobs WHERE started_at IS NOT NULL GROUP BY team_id");
        return rows.ToDictionary(r => r.TeamId, r => r.StartedAt);
    }

    sealed class LastStart
    {
        public long TeamId { get; init; }
        public DateTimeOffset StartedAt { get; init; }
    }
}
