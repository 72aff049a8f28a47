using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Sensorium.Web.Features.Leaderboards;

/// <summary>
/// A new scored entry. Scores are null for a final-test entry whose track is not revealed: the hub tells everyone
/// that a team submitted, never what it scored.
/// </summary>
public sealed record SubmissionScored(
    long SubmissionId, string Track, string Tier, string TeamName, bool IsBaseline, DateTimeOffset CreatedAt,
    double? SingleTrialCorrelation, double? CorrelationToAverage, double? Feve);

/// <summary>An administrator revealed a track's final-test scores.</summary>
public sealed record FinalRevealed(string Track);

public interface ILeaderboardClient
{
    Task SubmissionScored(SubmissionScored message);
    Task FinalRevealed(FinalRevealed message);
}

/// <summary>Live leaderboard events at <c>/hubs/leaderboards</c>, for anyone (the live leaderboard is public).</summary>
[AllowAnonymous]
public sealed class LeaderboardHub : Hub<ILeaderboardClient>
{
    public const string Path = "/hubs/leaderboards";
}
