using Sensorium.Data.Submissions;
using Sensorium.Storage.Submissions;

namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// Who sees which scores and files: live-test scores are public at once; final-test scores only for administrators
/// until an administrator reveals the track (<see cref="RevealFinalAsync"/>); a file only to its team and administrators.
/// </summary>
public sealed class SubmissionVisibility(SubmissionStore store, SubmissionNotifications notifications)
{
    /// <summary>Live-test scores always; final-test scores to administrators, and to everyone once the track is revealed.</summary>
    public static bool ScoresVisible(Submission s, bool isAdmin, bool revealed) =>
        s.Tier == SubmissionTiers.LiveTest || isAdmin || revealed;

    public Task<bool> IsFinalRevealedAsync(string track) => store.IsFinalRevealedAsync(track);

    public async Task<IReadOnlyList<SubmissionResponse>> ListForTeamAsync(long teamId, bool isAdmin)
    {
        var revealed = await RevealedAsync();
        return (await store.ListForTeamAsync(teamId))
            .Select(s => SubmissionResponse.From(s, ScoresVisible(s, isAdmin, revealed.Contains(s.Track)))).ToList();
    }

    public async Task<IReadOnlyList<SubmissionResponse>> ListForRunAsync(long runId, bool isAdmin)
    {
        var revealed = await RevealedAsync();
        return (await store.ListForRunAsync(runId))
            .Select(s => SubmissionResponse.From(s, ScoresVisible(s, isAdmin, revealed.Contains(s.Track)))).ToList();
    }

    public async Task<IReadOnlyList<SubmissionResponse>> ListForEnsembleAsync(long ensembleId, bool isAdmin)
    {
        var revealed = await RevealedAsync();
        return (await store.ListForEnsembleAsync(ensembleId))
            .Select(s => SubmissionResponse.From(s, ScoresVisible(s, isAdmin, revealed.Contains(s.Track)))).ToList();
    }

    /// <summary>The submission for a download: a team's own, or any for an administrator.</summary>
    public async Task<Submission?> GetForDownloadAsync(long id, long? teamId, bool isAdmin) =>
        await store.GetAsync(id) is { } s && (isAdmin || s.TeamId == teamId) && File.Exists(s.FilePath) ? s : null;

    public async Task<bool> RevealFinalAsync(string track, long userId)
    {
        bool changed = await store.RevealFinalAsync(track, userId);
        if (changed) await notifications.PublishRevealAsync(track);
        return changed;
    }

    public async Task<HashSet<string>> RevealedAsync()
    {
        var revealed = new HashSet<string>();
        foreach (var track in Tracks.All) if (await store.IsFinalRevealedAsync(track)) revealed.Add(track);
        return revealed;
    }
}
