using Sensorium.Data.Submissions;
using Sensorium.Storage.Submissions;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Submissions;

namespace Sensorium.Web.Features.Leaderboards;

/// <summary>
/// One row of a leaderboard: a team's best entry. Baselines have no rank. <see cref="Source"/>: what the entry was made
/// from ("run", "ensemble" or "upload"); which run or ensemble (<see cref="RunId"/>, <see cref="EnsembleId"/>) only on
/// the viewer's own team's rows (other teams' ids are theirs).
/// </summary>
public sealed record LeaderboardRow(
    int? Rank, string TeamName, long SubmissionId, bool IsBaseline, double SingleTrialCorrelation, double CorrelationToAverage,
    double Feve, int Entries, DateTimeOffset CreatedAt, string Source = LeaderboardRow.Upload, long? RunId = null, long? EnsembleId = null)
{
    public const string Run = "run", Ensemble = "ensemble", Upload = "upload";
}

/// <summary>A track and tier's leaderboard. <see cref="Hidden"/>: final-test scores not yet revealed (no rows for teams).</summary>
public sealed record Leaderboard(string Track, string Tier, string RankedBy, bool Revealed, bool Hidden, IReadOnlyList<LeaderboardRow> Rows);

/// <summary>Ranks the stored submissions of a track and tier by the track's official metric (<see cref="Sensorium.Data.Track.RankedBy"/>).</summary>
public sealed class LeaderboardService(SubmissionStore store)
{
    /// <summary>
    /// Each team's best entry by the track's official metric (ties: the earlier), ranked; baselines shown unranked.
    /// A final-test board has no rows for non-administrators until revealed.
    /// </summary>
    /// <param name="viewerTeamId">The viewer's team: its rows say which run or ensemble they were made from.</param>
    public async Task<Leaderboard> LeaderboardAsync(string track, string tier, bool isAdmin, long? viewerTeamId = null)
    {
        bool revealed = tier == SubmissionTiers.LiveTest || await store.IsFinalRevealedAsync(track);
        string rankedBy = Tracks.OfficialMetric(track);
        if (!revealed && !isAdmin) return new Leaderboard(track, tier, rankedBy, false, true, []);

        var best = (await store.ListForBoardAsync(track, tier))
            .GroupBy(e => (e.Submission.TeamId, e.Submission.IsBaseline))
            .Select(g => (Best: g.OrderByDescending(e => Tracks.Score(track, e.Submission)).ThenBy(e => e.Submission.CreatedAt).First(), Count: g.Count()))
            .OrderByDescending(b => Tracks.Score(track, b.Best.Submission)).ThenBy(b => b.Best.Submission.CreatedAt)
            .ToList();
        var rows = new List<LeaderboardRow>();
        int rank = 0;
        foreach (var (entry, count) in best)
        {
            var s = entry.Submission;
            bool own = viewerTeamId == s.TeamId;
            string source = s.RunId is not null ? LeaderboardRow.Run : s.EnsembleId is not null ? LeaderboardRow.Ensemble : LeaderboardRow.Upload;
            rows.Add(new LeaderboardRow(s.IsBaseline ? null : ++rank, entry.TeamName, s.Id, s.IsBaseline,
                s.SingleTrialCorrelation, s.CorrelationToAverage, s.Feve, count, s.CreatedAt,
                source, own ? s.RunId : null, own ? s.EnsembleId : null));
        }
        return new Leaderboard(track, tier, rankedBy, revealed, false, rows);
    }
}

/// <summary><c>GET /api/leaderboards/{track}/{tier}</c> (anonymous) and the live hub.</summary>
public static class LeaderboardsApi
{
    public static IEndpointRouteBuilder MapLeaderboardsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/leaderboards/{track}/{tier}", GetAsync).AllowAnonymous().WithTags("Leaderboards");
        app.MapHub<LeaderboardHub>(LeaderboardHub.Path);
        return app;
    }

    static async Task<Microsoft.AspNetCore.Http.HttpResults.Results<Microsoft.AspNetCore.Http.HttpResults.Ok<Leaderboard>, Microsoft.AspNetCore.Http.HttpResults.NotFound>> GetAsync(
        string track, string tier, System.Security.Claims.ClaimsPrincipal user, LeaderboardService boards)
    {
        var t = Tracks.FromSlug(track);
        if (t is null || !Tracks.IsTier(tier)) return TypedResults.NotFound();
        return TypedResults.Ok(await boards.LeaderboardAsync(t, tier, user.IsInRole(WorkbenchClaims.AdminRole), user.GetTeamId()));
    }
}
