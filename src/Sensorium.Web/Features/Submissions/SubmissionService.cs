using System.Text.Json;
using Sensorium.Storage.Submissions;

namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// The benchmark server's intake, one step after another: admission (<see cref="SubmissionAdmission"/>: track, tier,
/// the per-team limit) → staging (<see cref="SubmissionStaging"/>: the file streamed to disk under a size limit) →
/// scoring (<see cref="SubmissionScoring"/>: validate and score in one pass) → storage (the limit checked again and the
/// entry stored as one step) → notification. What each viewer may see is <see cref="SubmissionVisibility"/>'s;
/// rankings are the Leaderboards feature's.
/// </summary>
public sealed class SubmissionService(
    SubmissionAdmission admission, SubmissionStaging staging, SubmissionScoring scoring, SubmissionVisibility visibility,
    SubmissionNotifications notifications)
{
    public long MaxUploadBytes => staging.MaxUploadBytes;

    /// <summary>The entries made from a run or an ensemble, newest first, as the viewer may see them (a panel's history).</summary>
    public async Task<IReadOnlyList<SubmissionResponse>> ListMadeFromAsync(long? runId, long? ensembleId, bool isAdmin) =>
        runId is { } run ? await visibility.ListForRunAsync(run, isAdmin)
        : ensembleId is { } ensemble ? await visibility.ListForEnsembleAsync(ensemble, isAdmin)
        : [];

    /// <summary>Called after any change of any leaderboard (an entry scored here or elsewhere, a reveal).</summary>
    public IDisposable Subscribe(Func<Task> handler) => notifications.Subscribe(handler);

    /// <summary>Streams <paramref name="content"/> to disk, validates, scores and stores it.</summary>
    public async Task<SubmitResult> SubmitAsync(SubmitRequest request, Stream content, CancellationToken cancel = default)
    {
        if (await admission.AdmitAsync(request) is { } refused) return refused;
        string path = staging.NewPath(request);
        bool keep = false;
        try
        {
            var bytes = await staging.WriteAsync(content, path, cancel);
            if (bytes is null) return SubmissionStaging.OverLimit(request.FileName, MaxUploadBytes);
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
        if (await admission.AdmitAsync(request) is { } refused) return refused;
        string path = staging.NewPath(request);
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

    async Task<SubmitResult> ScoreAndStoreAsync(SubmitRequest request, string path, long bytes, CancellationToken cancel)
    {
        string fileName = SubmissionStaging.SafeName(request.FileName);
        var (score, failure) = await scoring.ScoreAsync(request, path, fileName, cancel);
        if (failure is not null) return failure;
        var metrics = score!.Metrics!;

        var (stored, late) = await admission.StoreIfAdmittedAsync(request, new Submission
        {
            TeamId = request.TeamId, UserId = request.UserId, RunId = request.RunId, EnsembleId = request.EnsembleId, Track = request.Track,
            Tier = request.Tier, FileName = fileName, FilePath = path, FileBytes = bytes,
            SingleTrialCorrelation = metrics.SingleTrialCorrelation, CorrelationToAverage = metrics.CorrelationToAverage,
            Feve = metrics.Feve, IsBaseline = request.IsAdmin,
            WarningsJson = score.Report.Warnings.Count == 0 ? null : JsonSerializer.Serialize(score.Report.Warnings.Select(w => w.ToString())),
        }, cancel);
        if (late is not null) return late;

        bool revealed = await visibility.IsFinalRevealedAsync(stored!.Track);
        await notifications.PublishAsync(stored, revealed);
        return new SubmitResult(SubmitOutcome.Scored, stored, score.Report, null,
            ScoresVisible: SubmissionVisibility.ScoresVisible(stored, request.IsAdmin, revealed));
    }
}
