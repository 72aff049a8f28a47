using Dapper;

namespace Sensorium.Storage.Submissions;

/// <summary>Scored submissions and the per-track reveal of final-test scores. Visibility rules live in the web app.</summary>
public sealed class SubmissionStore(Database database, TimeProvider time)
{
    public async Task<Submission> CreateAsync(Submission submission)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleAsync<Submission>("""
            INSERT INTO submissions (team_id, user_id, run_id, ensemble_id, track, tier, file_name, file_path, file_bytes,
                single_trial_correlation, correlation_to_average, feve, warnings_json, is_baseline, note, created_at)
            VALUES (@TeamId, @UserId, @RunId, @EnsembleId, @Track, @Tier, @FileName, @FilePath, @FileBytes,
                @SingleTrialCorrelation, @CorrelationToAverage, @Feve, @WarningsJson, @IsBaseline, @Note, @now)
            RETURNING *
            """, new
        {
            submission.TeamId, submission.UserId, submission.RunId, submission.EnsembleId, submission.Track, submission.Tier, submission.FileName,
            submission.FilePath, submission.FileBytes, submission.SingleTrialCorrelation, submission.CorrelationToAverage,
            submission.Feve, submission.WarningsJson, submission.IsBaseline, submission.Note, now = time.GetUtcNow(),
        });
    }

    public async Task<Submission?> GetAsync(long id)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<Submission>("SELECT * FROM submissions WHERE id = @id", new { id });
    }

    /// <summary>A team's submissions, newest first.</summary>
    public async Task<IReadOnlyList<Submission>> ListForTeamAsync(long teamId)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<Submission>(
            "SELECT * FROM submissions WHERE team_id = @teamId ORDER BY created_at DESC, id DESC", new { teamId })).AsList();
    }

    /// <summary>A run's submissions, newest first.</summary>
    public async Task<IReadOnlyList<Submission>> ListForRunAsync(long runId)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<Submission>(
            "SELECT * FROM submissions WHERE run_id = @runId ORDER BY created_at DESC, id DESC", new { runId })).AsList();
    }

    /// <summary>An ensemble's submissions, newest first.</summary>
    public async Task<IReadOnlyList<Submission>> ListForEnsembleAsync(long ensembleId)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<Submission>(
            "SELECT * FROM submissions WHERE ensemble_id = @ensembleId ORDER BY created_at DESC, id DESC", new { ensembleId })).AsList();
    }

    /// <summary>Every submission of a track and tier with its team's name (leaderboards rank them in the app).</summary>
    public async Task<IReadOnlyList<TeamSubmission>> ListForBoardAsync(string track, string tier)
    {
        await using var connection = database.Open();
        var rows = await connection.QueryAsync<Submission, string, TeamSubmission>("""
            SELECT s.*, t.name AS team_name FROM submissions s JOIN teams t ON t.id = s.team_id
            WHERE s.track = @track AND s.tier = @tier ORDER BY s.created_at, s.id
            """, (s, name) => new TeamSubmission { Submission = s, TeamName = name }, new { track, tier }, splitOn: "team_name");
        return rows.AsList();
    }

    /// <summary>When a team's submissions of a track and tier since <paramref name="since"/> were made, oldest first.</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> TimesSinceAsync(long teamId, string track, string tier, DateTimeOffset since)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<DateTimeOffset>("""
            SELECT created_at FROM submissions
            WHERE team_id = @teamId AND track = @track AND tier = @tier AND created_at >= @since
            ORDER BY created_at
            """, new { teamId, track, tier, since })).AsList();
    }

    /// <summary>Makes a track's final-test scores public; false if they already were.</summary>
    public async Task<bool> RevealFinalAsync(string track, long? revealedBy)
    {
        await using var connection = database.Open();
        return await connection.ExecuteAsync(
            "INSERT INTO final_reveals (track, revealed_by, revealed_at) VALUES (@track, @revealedBy, @now) ON CONFLICT DO NOTHING",
            new { track, revealedBy, now = time.GetUtcNow() }) == 1;
    }

    public async Task<bool> IsFinalRevealedAsync(string track)
    {
        await using var connection = database.Open();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM final_reveals WHERE track = @track", new { track }) > 0;
    }
}
