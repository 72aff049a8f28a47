namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// What <see cref="SubmissionsPanel"/> makes and submits files for: a run or an ensemble. It says whose entries they
/// are, which mice the model has readouts for (null: unknown, every track offered), how the track's files are made,
/// the name each made file is stored under, and which run or ensemble the stored entries point back to.
/// </summary>
/// <param name="Noun">"run" or "ensemble", as the panel's sentences name it.</param>
/// <param name="Predicting">The "Making files…" line, given the track.</param>
/// <param name="Make">Makes the track's live-test and final-test files (a CLI child process).</param>
/// <param name="StoredName">The name a made file is submitted under, given its own.</param>
public sealed record SubmissionSource(
    string Noun, long TeamId, long? RunId, long? EnsembleId, IReadOnlyList<string>? Mice,
    Func<string, string> Predicting, Func<string, Task<IReadOnlyList<MadeFile>>> Make, Func<string, string> StoredName)
{
    /// <summary>Whether the model has a readout for the track's mouse.</summary>
    public bool Offers(string track) => Mice is null || Mice.Contains(Sensorium.Data.Submissions.SubmissionTiers.MouseOfTrack(track));

    /// <summary>The request that submits one made file of this target.</summary>
    public SubmitRequest Request(long userId, bool isAdmin, string track, string tier, string madeFile) =>
        new(TeamId, userId, isAdmin, track, tier, StoredName(madeFile), RunId, EnsembleId);
}
