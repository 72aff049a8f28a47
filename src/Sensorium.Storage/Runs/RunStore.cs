using Dapper;

namespace Sensorium.Storage.Runs;

public sealed class RunStore(Database database, TimeProvider time)
{
    public async Task<Run> CreateAsync(NewRun run)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleAsync<Run>("""
            INSERT INTO runs (team_id, owner_id, name, spec_json, status, requested_device, created_at, sweep_id)
            VALUES (@TeamId, @OwnerId, @Name, @SpecJson, 'queued', @RequestedDevice, @now, @SweepId)
            RETURNING *
            """, new { run.TeamId, run.OwnerId, run.Name, run.SpecJson, run.RequestedDevice, now = time.GetUtcNow(), run.SweepId });
    }

    public async Task<Run?> GetAsync(long id)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<Run>("SELECT * FROM runs WHERE id = @id", new { id });
    }

    /// <summary>A team's runs, newest first.</summary>
    public async Task<IReadOnlyList<Run>> ListForTeamAsync(long teamId, int limit = 200)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<Run>(
            "SELECT * FROM runs WHERE team_id = @teamId ORDER BY created_at DESC, id DESC LIMIT @limit",
            new { teamId, limit })).AsList();
    }

    /// <summary>Every queued and running run of every team, oldest first: the scheduler's input.</summary>
    public async Task<IReadOnlyList<ActiveRun>> ListActiveAsync()
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<ActiveRun>("""
            SELECT id, team_id, status, requested_device, device, created_at, priority, spec_json
            FROM runs WHERE status IN ('queued', 'running')
            ORDER BY created_at, id
            """)).AsList();
    }

    /// <summary>The host's view: every team's running runs, then the queued ones by priority and age.</summary>
    public async Task<IReadOnlyList<QueueEntry>> ListQueueAsync()
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<QueueEntry>("""
            SELECT r.id, r.team_id, t.name AS team_name, u.user_name AS owner_name, r.name, r.status,
                   r.requested_device, r.device, r.created_at, r.started_at, r.progress, r.priority, r.pid
            FROM runs r JOIN teams t ON t.id = r.team_id JOIN users u ON u.id = r.owner_id
            WHERE r.status IN ('queued', 'running')
            ORDER BY r.status = 'queued', r.priority DESC, r.created_at, r.id
            """)).AsList();
    }

    /// <summary>The host's priority for a queued run (higher starts sooner). False when it is not queued.</summary>
    public async Task<bool> SetPriorityAsync(long id, int priority)
    {
        await using var connection = database.Open();
        return await connection.ExecuteAsync(
            "UPDATE runs SET priority = @priority WHERE id = @id AND status = 'queued'", new { id, priority }) == 1;
    }

    /// <summary>
    /// Replaces a run's notes and tags (validated by the caller; tags may not contain ','). Returns the run, or null
    /// when it does not exist.
    /// </summary>
    public async Task<Run?> SetNotesAndTagsAsync(long id, string notes, IReadOnlyList<string> tags)
    {
        if (tags.Any(t => t.Contains(',') || t.Length == 0))
            throw new ArgumentException("A tag is empty or contains ','.", nameof(tags));
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<Run>(
            "UPDATE runs SET notes = @notes, tags = @tags WHERE id = @id RETURNING *",
            new { id, notes, tags = string.Join(',', tags) });
    }

    public async Task<int> CountQueuedForTeamAsync(long teamId)
    {
        await using var connection = database.Open();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM runs WHERE team_id = @teamId AND status = 'queued'", new { teamId });
    }

    /// <summary>
    /// Moves a run to <paramref name="to"/> if <see cref="RunStateMachine"/> allows it from the status it has now,
    /// stamping the times that go with the new status. Throws <see cref="InvalidRunTransitionException"/> otherwise,
    /// and <see cref="KeyNotFoundException"/> for an unknown run. Read and write share one write transaction.
    /// </summary>
    /// <param name="device">For <see cref="RunStatus.Running"/>: the device it was given.</param>
    /// <param name="error">For failed, cancelled and interrupted: why.</param>
    public async Task<Run> TransitionAsync(long id, RunStatus to, string? device = null, string? error = null)
    {
        await using var connection = database.Open();
        await using var transaction = connection.BeginTransaction(); // SQLite: BEGIN IMMEDIATE (the write lock first); PostgreSQL: the row is locked below
        var current = await connection.QuerySingleOrDefaultAsync<string>(
            "SELECT status FROM runs WHERE id = @id" + database.ForUpdate, new { id }, transaction)
            ?? throw new KeyNotFoundException($"Run {id} does not exist.");
        var from = Enum.Parse<RunStatus>(current, ignoreCase: true);
        RunStateMachine.EnsureCanTransition(id, from, to);

        var sql = to switch
        {
            RunStatus.Running => """
                UPDATE runs SET status = 'running', device = @device, started_at = @now, finished_at = NULL,
                                error = NULL, pid = NULL
                WHERE id = @id RETURNING *
                """,
            RunStatus.Queued => """
                UPDATE runs SET status = 'queued', device = NULL, started_at = NULL, finished_at = NULL,
                                error = NULL, pid = NULL, stop_reason = NULL
                WHERE id = @id RETURNING *
                """,
            RunStatus.Succeeded => """
                UPDATE runs SET status = 'succeeded', progress = 1, finished_at = @now, error = NULL, pid = NULL
                WHERE id = @id RETURNING *
                """,
            _ => """
                UPDATE runs SET status = @status, finished_at = @now, error = @error, pid = NULL
                WHERE id = @id RETURNING *
                """,
        };
        var run = await connection.QuerySingleAsync<Run>(
            sql, new { id, device, error, status = ToText(to), now = time.GetUtcNow() }, transaction);
        await transaction.CommitAsync();
        return run;
    }

    /// <summary>
    /// At server start: every run still marked running lost its supervisor, so it becomes interrupted.
    /// Returns the runs changed. Their pid is kept, so the launcher can make sure an orphaned worker is gone.
    /// </summary>
    public async Task<IReadOnlyList<Run>> InterruptAllRunningAsync(string reason, IReadOnlyCollection<long>? except = null)
    {
        RunStateMachine.EnsureCanTransition(0, RunStatus.Running, RunStatus.Interrupted);
        await using var connection = database.Open();
        var keep = (except ?? []).ToArray();
        return (await connection.QueryAsync<Run>($"""
            UPDATE runs SET status = 'interrupted', finished_at = @now, error = @reason
            WHERE status = 'running'{(keep.Length > 0 ? " AND id NOT IN @keep" : "")} RETURNING *
            """, new { reason, now = time.GetUtcNow(), keep })).AsList();
    }

    /// <summary>The worker process id, once launched. Only for a running run.</summary>
    public async Task<bool> SetPidAsync(long id, int pid)
    {
        await using var connection = database.Open();
        return await connection.ExecuteAsync(
            "UPDATE runs SET pid = @pid WHERE id = @id AND status = 'running'", new { id, pid }) == 1;
    }

    /// <summary>Progress (0..1) and, when given, a new best score. Only for a running run.</summary>
    public async Task<bool> SetProgressAsync(long id, double progress, double? bestScore = null)
    {
        await using var connection = database.Open();
        return await connection.ExecuteAsync("""
            UPDATE runs SET progress = @progress, best_score = COALESCE(@bestScore, best_score)
            WHERE id = @id AND status = 'running'
            """, new { id, progress = Math.Clamp(progress, 0, 1), bestScore }) == 1;
    }

    /// <summary>Why the run's training ended (the worker's final report); kept whatever status the run then takes.</summary>
    public async Task SetStopReasonAsync(long id, string reason)
    {
        await using var connection = database.Open();
        await connection.ExecuteAsync("UPDATE runs SET stop_reason = @reason WHERE id = @id", new { id, reason });
    }

    public async Task SetCheckpointAsync(long id, string checkpointPath)
    {
        await using var connection = database.Open();
        await connection.ExecuteAsync(
            "UPDATE runs SET checkpoint_path = @checkpointPath WHERE id = @id", new { id, checkpointPath });
    }

    public static string ToText(RunStatus status) => status.ToString().ToLowerInvariant();
}
