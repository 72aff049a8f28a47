using Microsoft.AspNetCore.SignalR;
using Sensorium.Storage.Accounts;
using Sensorium.Storage.Submissions;
using Sensorium.Web.Features.Leaderboards;

namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// Announces scored entries and reveals to leaderboard pages (in-process subscriptions) and hub clients. What leaves
/// here is already redacted: final-test scores of an unrevealed track are never in a message.
/// </summary>
public sealed class SubmissionNotifications(
    IHubContext<LeaderboardHub, ILeaderboardClient> hub, TeamStore teams, ILogger<SubmissionNotifications> logger)
{
    readonly Lock gate = new();
    readonly List<Func<Task>> subscribers = [];

    /// <summary>Called after any change of any leaderboard; re-read in the handler.</summary>
    public IDisposable Subscribe(Func<Task> handler)
    {
        lock (gate) subscribers.Add(handler);
        return new Subscription(() => { lock (gate) subscribers.Remove(handler); });
    }

    public async Task PublishAsync(Submission s, bool finalRevealed)
    {
        bool visible = SubmissionVisibility.ScoresVisible(s, isAdmin: false, finalRevealed);
        var team = await teams.GetAsync(s.TeamId);
        await hub.Clients.All.SubmissionScored(new SubmissionScored(s.Id, s.Track, s.Tier, team?.Name ?? "?", s.IsBaseline, s.CreatedAt,
            visible ? s.SingleTrialCorrelation : null, visible ? s.CorrelationToAverage : null, visible ? s.Feve : null));
        await NotifyAsync();
    }

    public async Task PublishRevealAsync(string track)
    {
        await hub.Clients.All.FinalRevealed(new FinalRevealed(track));
        await NotifyAsync();
    }

    /// <summary>This node announced a change (Features/Nodes tells the other web nodes' pages through Redis).</summary>
    public event Action? Announced;

    /// <summary>Another web node announced a change: this node's pages re-read (its hub clients heard it through the backplane).</summary>
    public Task NotifyLocalAsync() => NotifyAsync(announce: false);

    async Task NotifyAsync(bool announce = true)
    {
        if (announce) Announced?.Invoke();
        Func<Task>[] targets;
        lock (gate) targets = subscribers.ToArray();
        foreach (var target in targets)
        {
            try { await target(); }
            catch (Exception e) { logger.LogWarning(e, "A leaderboard subscriber failed."); }
        }
    }

    sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
