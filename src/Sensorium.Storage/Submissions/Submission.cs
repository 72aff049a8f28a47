namespace Sensorium.Storage.Submissions;

/// <summary>
/// A valid, scored submission CSV of a team for one track (a Sensorium.Data.Track name) and tier ("test" = live test,
/// "final_test"). Scores are the official metrics against the host's ground truth.
/// </summary>
public sealed record Submission
{
    public long Id { get; init; }
    public long TeamId { get; init; }
    public long UserId { get; init; }
    /// <summary>The run it was made from; null for a CSV made elsewhere.</summary>
    public long? RunId { get; init; }
    /// <summary>The ensemble it was made from (migration 0012); null otherwise.</summary>
    public long? EnsembleId { get; init; }
    public required string Track { get; init; }
    public required string Tier { get; init; }
    public required string FileName { get; init; }
    public required string FilePath { get; init; }
    public long FileBytes { get; init; }
    public double SingleTrialCorrelation { get; init; }
    public double CorrelationToAverage { get; init; }
    public double Feve { get; init; }
    public string? WarningsJson { get; init; }
    /// <summary>Entered by the host (an administrator): shown, marked, not ranked.</summary>
    public bool IsBaseline { get; init; }
    public string? Note { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A submission with its team's name, as leaderboards and admin lists show it.</summary>
public sealed record TeamSubmission
{
    public required Submission Submission { get; init; }
    public required string TeamName { get; init; }
}
