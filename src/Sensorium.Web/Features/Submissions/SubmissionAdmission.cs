using System.Security.Claims;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Accounts;
using Sensorium.Storage.Submissions;
using Sensorium.Web.Features.Accounts;

namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// Who may submit what, now: the team a principal submits for, a known track and tier, and the per-team limit
/// (<see cref="SubmissionsOptions.MaxPerWindow"/> per <see cref="SubmissionsOptions.Window"/>; the host is not limited).
/// The limit is checked again and the entry stored as one step (<see cref="StoreIfAdmittedAsync"/>), so two uploads
/// at once cannot both pass it.
/// </summary>
public sealed class SubmissionAdmission(SubmissionStore store, TeamStore teams, IOptions<SubmissionsOptions> options, TimeProvider time)
{
    readonly SemaphoreSlim admission = new(1, 1); // limit check and insert as one step

    public const string HostTeamName = "host";

    /// <summary>
    /// The team a principal submits for: its own, or for an administrator without a team the team "host" (made on
    /// first use), which holds the host's baseline entries. Null for anyone else.
    /// </summary>
    public async Task<long?> TeamOfAsync(ClaimsPrincipal user)
    {
        if (user.GetTeamId() is { } id) return id;
        if (!user.IsInRole(WorkbenchClaims.AdminRole)) return null;
        var host = await teams.FindByNameAsync(HostTeamName);
        if (host is not null) return host.Id;
        try { return (await teams.CreateAsync(HostTeamName)).Id; }
        catch (Sensorium.Storage.NameTakenException) { return (await teams.FindByNameAsync(HostTeamName))!.Id; }
    }

    /// <summary>Null when the team may submit this track and tier now; else the refusal with when it may next.</summary>
    public async Task<SubmitResult?> CheckLimitAsync(long teamId, string track, string tier, bool isAdmin)
    {
        if (isAdmin) return null;
        var o = options.Value;
        var now = time.GetUtcNow();
        var recent = await store.TimesSinceAsync(teamId, track, tier, now - o.Window);
        if (recent.Count < o.MaxPerWindow) return null;
        var next = recent[recent.Count - o.MaxPerWindow] + o.Window;
        return new SubmitResult(SubmitOutcome.Refused, null, null,
            $"Your team has made {recent.Count} {track} {Tracks.TierLabel(tier)} submission(s) in the last {Hours(o.Window)}; " +
            $"the limit is {o.MaxPerWindow}. The next is allowed at {next:yyyy-MM-dd HH:mm} UTC.", next);
    }

    /// <summary>Null when the request names a track and tier and is within the limit; else the refusal.</summary>
    public async Task<SubmitResult?> AdmitAsync(SubmitRequest request)
    {
        if (!Tracks.IsTrack(request.Track)) return Refused($"track must be {string.Join(" or ", Tracks.All.Select(t => $"'{t}'"))} (got '{request.Track}')");
        if (!Tracks.IsTier(request.Tier)) return Refused($"tier must be 'test' (live test) or 'final_test' (got '{request.Tier}')");
        return await CheckLimitAsync(request.TeamId, request.Track, request.Tier, request.IsAdmin);
    }

    /// <summary>Checks the limit again and, when still within it, stores the entry (one step); the refusal otherwise.</summary>
    public async Task<(Submission? Stored, SubmitResult? Refusal)> StoreIfAdmittedAsync(SubmitRequest request, Submission entry, CancellationToken cancel)
    {
        await admission.WaitAsync(cancel);
        try
        {
            if (await CheckLimitAsync(request.TeamId, request.Track, request.Tier, request.IsAdmin) is { } late) return (null, late);
            return (await store.CreateAsync(entry), null);
        }
        finally
        {
            admission.Release();
        }
    }

    public static SubmitResult Refused(string message) => new(SubmitOutcome.Refused, null, null, message);

    static string Hours(TimeSpan window) => window.TotalHours == Math.Floor(window.TotalHours) ? $"{window.TotalHours:0} h" : window.ToString();
}
