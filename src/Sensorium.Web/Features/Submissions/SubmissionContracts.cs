using System.Text.Json;
using Sensorium.Data;
using Sensorium.Data.Submissions;
using Sensorium.Storage.Submissions;

namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// The web app's view of the two tracks (<see cref="Track"/> in Sensorium.Data knows each one's name, mouse, metric and
/// slug) and the two tiers: labels, and a submission's score by its track's ranking metric.
/// </summary>
public static class Tracks
{
    public const string Sensorium = Track.SensoriumName, SensoriumPlus = Track.SensoriumPlusName;
    public static IReadOnlyList<string> All => Track.Names;
    public static IReadOnlyList<string> Tiers { get; } = [SubmissionTiers.LiveTest, SubmissionTiers.FinalTest];

    public static bool IsTrack(string? track) => Track.Find(track) is not null;
    public static bool IsTier(string? tier) => tier is SubmissionTiers.LiveTest or SubmissionTiers.FinalTest;

    /// <summary>Sensorium: correlation to average; Sensorium+: single-trial correlation.</summary>
    public static string OfficialMetric(string track) => Track.Named(track).RankingMetricName;

    public static double Score(string track, Submission s) =>
        Track.Named(track).RankedBy == RankingMetric.CorrelationToAverage ? s.CorrelationToAverage : s.SingleTrialCorrelation;

    public static string TierLabel(string tier) => tier == SubmissionTiers.LiveTest ? "live test" : "final test";

    /// <summary>A track's URL segment ("sensorium-plus" reads better and needs no escaping); both it and the name are accepted.</summary>
    public static string? FromSlug(string slug) => Track.FromSlug(slug)?.Name;

    public static string Slug(string track) => Track.Find(track)?.Slug ?? track;
}

/// <summary>
/// A submission as teams see it: scores are null (and <see cref="ScoresHidden"/> true) for a final-test entry
/// before an administrator reveals its track.
/// </summary>
public sealed record SubmissionResponse(
    long Id, long TeamId, string? TeamName, long? RunId, long? EnsembleId, string Track, string Tier, string FileName, long FileBytes,
    DateTimeOffset CreatedAt, bool IsBaseline, bool ScoresHidden,
    double? SingleTrialCorrelation, double? CorrelationToAverage, double? Feve, string[] Warnings)
{
    public static SubmissionResponse From(Submission s, bool scoresVisible, string? teamName = null) => new(
        s.Id, s.TeamId, teamName, s.RunId, s.EnsembleId, s.Track, s.Tier, s.FileName, s.FileBytes, s.CreatedAt, s.IsBaseline,
        !scoresVisible,
        scoresVisible ? s.SingleTrialCorrelation : null,
        scoresVisible ? s.CorrelationToAverage : null,
        scoresVisible ? s.Feve : null,
        s.WarningsJson is null ? [] : JsonSerializer.Deserialize<string[]>(s.WarningsJson) ?? []);
}

/// <summary>A validation report as the API and pages show it: "file:line: message" per error.</summary>
public sealed record ReportResponse(bool Valid, int Rows, int Neurons, bool StoppedEarly, string[] Errors, string[] Warnings)
{
    public static ReportResponse From(ValidationReport r) => new(r.Valid, r.Rows, r.Neurons, r.StoppedEarly,
        r.Errors.Select(e => e.ToString()).ToArray(), r.Warnings.Select(w => w.ToString()).ToArray());
}

public enum SubmitOutcome { Scored, Invalid, Refused }

/// <summary>What became of a submission: scored (stored), invalid (the report says why), or refused (the message says why, e.g. the daily limit).</summary>
/// <param name="ScoresVisible">Whether the submitter may see the scores now (not for an unrevealed final test).</param>
public sealed record SubmitResult(SubmitOutcome Outcome, Submission? Submission, ValidationReport? Report, string? Message,
    DateTimeOffset? NextAllowedAt = null, bool ScoresVisible = false);

/// <summary>Who submits what.</summary>
/// <param name="IsAdmin">The host: its entries are baselines, marked and not ranked, and not limited per day.</param>
/// <param name="RunId">The run the file was made from (its page's panel); null otherwise.</param>
/// <param name="EnsembleId">The ensemble the file was made from (its page's panel); null otherwise.</param>
public sealed record SubmitRequest(long TeamId, long UserId, bool IsAdmin, string Track, string Tier, string FileName, long? RunId = null,
    long? EnsembleId = null);
