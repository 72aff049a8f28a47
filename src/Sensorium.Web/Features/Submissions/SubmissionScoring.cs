using Microsoft.Extensions.Options;
using Sensorium.Data;
using Sensorium.Data.Submissions;

namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// Validates and scores a submission file in one streaming pass against the host's ground truth of its track and
/// tier (<see cref="GroundTruthSource"/>). No ground truth is a refusal that says so, never a score.
/// </summary>
public sealed class SubmissionScoring(GroundTruthSource truths, IOptions<SubmissionsOptions> options, ILogger<SubmissionScoring> logger)
{
    /// <summary>The score (with its report), or the answer when there is none: refused (no ground truth) or invalid.</summary>
    public async Task<(SubmissionScore? Score, SubmitResult? Failure)> ScoreAsync(SubmitRequest request, string path, string fileName, CancellationToken cancel)
    {
        GroundTruth truth;
        try { truth = truths.Get(request.Track, request.Tier); }
        catch (Exception e) when (e is DataFormatException or IOException)
        {
            logger.LogError(e, "No ground truth for {Track} {Tier}.", request.Track, request.Tier);
            return (null, SubmissionAdmission.Refused($"The server cannot score {request.Track} {Tracks.TierLabel(request.Tier)} submissions now (no ground truth). Ask the host."));
        }

        var validation = new ValidationOptions { MaxBytes = options.Value.MaxUploadBytes };
        var score = await Task.Run(() =>
        {
            using var stream = File.OpenRead(path);
            return SubmissionScorer.Score(stream, fileName, truth, validation);
        }, cancel);
        if (score.Metrics is null) return (null, new SubmitResult(SubmitOutcome.Invalid, null, score.Report, "The file is not a valid submission."));
        return (score, null);
    }
}
