using System.Text.Json;
using Microsoft.Extensions.Options;
using Sensorium.Data;
using Sensorium.Data.Submissions;
using System.Security.Claims;
using Sensorium.Storage.Accounts;
using Sensorium.Storage.Submissions;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// The benchmark server: takes a submission CSV (streamed to disk under a size limit), validates and scores it in one
/// streaming pass against the host's ground truth, applies the per-team limit, stores it, and answers what each viewer
/// may see: live-test scores are public at once; final-test scores only for administrators until a track is revealed.
/// </summary>
public sealed class SubmissionService(
    SubmissionStore store, TeamStore teams, GroundTruthSource truths, SubmissionNotifications notifications,
    IOptions<SubmissionsOptions> options, IOptions<WorkbenchOptions> workbench, TimeProvider time, ILogger<SubmissionService> logger)
{
    readonly SemaphoreSlim admission = new(1, 1); // limit check and insert as one step

    public const string HostTeamName = "host";

    public long MaxUploadBytes => options.Value.MaxUploadBytes;

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

    /// <summary>Streams <paramref name="content"/> to disk, validates, scores and stores it.</summary>
    public async Task<SubmitResult> SubmitAsync(SubmitRequest request, Stream content, CancellationToken cancel = default)
    {
        if (await AdmitAsync(request) is { } refused) return refused;
        string path = NewPath(request);
        bool keep = false;
        try
        {
            long? bytes;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
                bytes = await UploadStaging.CopyLimitedAsync(content, file, MaxUploadBytes, cancel);
            if (bytes is null) return OverLimit(request.FileName, MaxUploadBytes);
            var result = await ScoreAndStoreAsync(request, path, bytes.Value, cancel);
            keep = result.Outcome == SubmitOutcome.Scored;
            return result;
        }
        finally
        {
            if (!keep) File.Delete(path);
        }
    }

    /// <summary>Like <see cref="SubmitAsync"/> for a file already on disk (an upload staged by the API); it is moved, not copied, when kept.</summary>
    public async Task<SubmitResult> SubmitStagedAsync(SubmitRequest request, string stagedPath, CancellationToken cancel = default)
    {
        if (await AdmitAsync(request) is { } refused) return refused;
        string path = NewPath(request);
        File.Move(stagedPath, path);
        bool keep = false;
        try
        {
            var result = await ScoreAndStoreAsync(request, path, new FileInfo(path).Length, cancel);
            keep = result.Outcome == SubmitOutcome.Scored;
            return result;
        }
        finally
        {
            if (!keep) File.Delete(path);
        }
    }

    async Task<SubmitResult?> AdmitAsync(SubmitRequest request)
    {
        if (!Tracks.IsTrack(request.Track)) return Refused($"track must be 'sensorium' or 'sensorium+' (got '{request.Track}')");
        if (!Tracks.IsTier(request.Tier)) return Refused($"tier must be 'test' (live test) or 'final_test' (got '{request.Tier}')");
        return await CheckLimitAsync(request.TeamId, request.Track, request.Tier, request.IsAdmin);
    }

    string NewPath(SubmitRequest request)
    {
        string directory = Path.Combine(workbench.Value.DataDirectory, "submissions", request.TeamId.ToString());
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, $"{time.GetUtcNow():yyyyMMdd-HHmmss}-{Guid.NewGuid():N}-{request.Tier}.csv");
    }

    async Task<SubmitResult> ScoreAndStoreAsync(SubmitRequest request, string path, long bytes, CancellationToken cancel)
    {
        string fileName = SafeName(request.FileName);
        GroundTruth truth;
        try { truth = truths.Get(request.Track, request.Tier); }
        catch (Exception e) when (e is DataFormatException or IOException)
        {
            logger.LogError(e, "No ground truth for {Track} {Tier}.", request.Track, request.Tier);
            return Refused($"The server cannot score {request.Track} {Tracks.TierLabel(request.Tier)} submissions now (no ground truth). Ask the host.");
        }

        var validation = new ValidationOptions { MaxBytes = MaxUploadBytes };
        var score = await Task.Run(() =>
        {
            using var stream = File.OpenRead(path);
            return SubmissionScorer.Score(stream, fileName, truth, validation);
        }, cancel);
        if (score.Metrics is not { } metrics) return new SubmitResult(SubmitOutcome.Invalid, null, score.Report, "The file is not a valid submission.");

        await admission.WaitAsync(cancel);
        Submission stored;
        try
        {
            if (await CheckLimitAsync(request.TeamId, request.Track, request.Tier, request.IsAdmin) is { } late) return late;
            stored = await store.CreateAsync(new Submission
            {
                TeamId = request.TeamId, UserId = request.UserId, RunId = request.RunId, Track = request.Track,
                Tier = request.Tier, FileName = fileName, FilePath = path, FileBytes = bytes,
                SingleTrialCorrelation = metrics.SingleTrialCorrelation, CorrelationToAverage = metrics.CorrelationToAverage,
                Feve = metrics.Feve, IsBaseline = request.IsAdmin,
                WarningsJson = score.Report.Warnings.Count == 0 ? null : JsonSerializer.Serialize(score.Report.Warnings.Select(w => w.ToString())),
            });
        }
        finally
        {
            admission.Release();
        }
        bool revealed = await store.IsFinalRevealedAsync(stored.Track);
        await notifications.PublishAsync(stored, revealed);
        return new SubmitResult(SubmitOutcome.Scored, stored, score.Report, null, ScoresVisible: ScoresVisible(stored, request.IsAdmin, revealed));
    }

    /// <summary>Live-test scores always; final-test scores to administrators, and to everyone once the track is revealed.</summary>
    public static bool ScoresVisible(Submission s, bool isAdmin, bool revealed) =>
        s.Tier == SubmissionTiers.LiveTest || isAdmin || revealed;

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

    /// <summary>The submission for a download: a team's own, or any for an administrator.</summary>
    public async Task<Submission?> GetForDownloadAsync(long id, long? teamId, bool isAdmin) =>
        await store.GetAsync(id) is { } s && (isAdmin || s.TeamId == teamId) && File.Exists(s.FilePath) ? s : null;

    /// <summary>
    /// Each team's best entry by the track's official metric (ties: the earlier), ranked; baselines shown unranked.
    /// A final-test board has no rows for non-administrators until revealed.
    /// </summary>
    public async Task<Leaderboard> LeaderboardAsync(string track, string tier, bool isAdmin)
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
            rows.Add(new LeaderboardRow(s.IsBaseline ? null : ++rank, entry.TeamName, s.Id, s.IsBaseline,
                s.SingleTrialCorrelation, s.CorrelationToAverage, s.Feve, count, s.CreatedAt));
        }
        return new Leaderboard(track, tier, rankedBy, revealed, false, rows);
    }

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

    static SubmitResult Refused(string message) => new(SubmitOutcome.Refused, null, null, message);

    /// <summary>The answer for a file over <see cref="SubmissionsOptions.MaxUploadBytes"/>: invalid, not read.</summary>
    public static SubmitResult OverLimit(string fileName, long maxBytes)
    {
        string file = SafeName(fileName);
        return new(SubmitOutcome.Invalid, null, new ValidationReport(file, false,
            [new ValidationIssue(file, 0, $"the file is over the limit of {maxBytes} bytes; it was not read")], [], 0, 0, true),
            "The file is not a valid submission.");
    }

    /// <summary>The uploaded name without folders or odd characters (it is shown and used for downloads).</summary>
    static string SafeName(string name)
    {
        var clean = new string(Path.GetFileName(name ?? "").Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
        return string.IsNullOrEmpty(clean) ? "submission.csv" : clean[..Math.Min(clean.Length, 100)];
    }

    static string Hours(TimeSpan window) => window.TotalHours == Math.Floor(window.TotalHours) ? $"{window.TotalHours:0} h" : window.ToString();
}
