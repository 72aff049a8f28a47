namespace Sensorium.Data.Submissions;

/// <summary>
/// What a submission file must cover: one mouse (data key), one tier ("test" = live test, "final_test"), every trial
/// of that tier once, and every neuron. Built from a dataset folder (meta/trials/trial_idx, frame_image_id,
/// meta/neurons/unit_ids) or from an official ground-truth CSV.
/// </summary>
/// <param name="DataKey">The mouse, e.g. 26872-17-20.</param>
/// <param name="Tier">"test" or "final_test".</param>
/// <param name="TrialIds">trial_idx of each trial of the tier, as strings (32-hex hashes for competition mice,
/// integers for pre-training mice; never parsed as numbers).</param>
/// <param name="ImageIds">frame_image_id of each trial, parallel to <paramref name="TrialIds"/>.</param>
/// <param name="NeuronIds">unit_ids in file order: the order of prediction columns.</param>
public sealed record SubmissionTarget(string DataKey, string Tier, string[] TrialIds, long[] ImageIds, long[] NeuronIds)
{
    public int Trials => TrialIds.Length;
    public int Neurons => NeuronIds.Length;

    /// <summary>Throws <see cref="ArgumentException"/> unless the arrays are parallel and ids are unique.</summary>
    public void CheckConsistent()
    {
        if (ImageIds.Length != TrialIds.Length)
            throw new ArgumentException($"{TrialIds.Length} trial ids but {ImageIds.Length} image ids");
        var trials = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in TrialIds) if (!trials.Add(t)) throw new ArgumentException($"trial id '{t}' appears twice");
        var neurons = new HashSet<long>();
        foreach (var n in NeuronIds) if (!neurons.Add(n)) throw new ArgumentException($"neuron id {n} appears twice");
    }
}

/// <summary>The organizers' side of a tier: the target plus the responses (trials × neurons, normalized units).</summary>
public sealed record GroundTruth(SubmissionTarget Target, double[,] Responses)
{
    public void CheckConsistent()
    {
        Target.CheckConsistent();
        if (Responses.GetLength(0) != Target.Trials || Responses.GetLength(1) != Target.Neurons)
            throw new ArgumentException($"responses are {Responses.GetLength(0)}×{Responses.GetLength(1)}, target is {Target.Trials}×{Target.Neurons}");
    }
}

/// <summary>Tiers, tracks and file names of Sensorium 2022 submissions (SENSORIUM.md §5).</summary>
public static class SubmissionTiers
{
    public const string LiveTest = "test";
    public const string FinalTest = "final_test";

    /// <summary>The official file name of a tier's submission ("live_test" is only a file-name label of tier "test").</summary>
    public static string FileName(string tier) => tier switch
    {
        LiveTest => "submission_file_live_test.csv",
        FinalTest => "submission_file_final_test.csv",
        _ => throw new ArgumentException($"tier must be '{LiveTest}' or '{FinalTest}' (got '{tier}')"),
    };

    /// <summary>The competition mouse of a track: sensorium → 26872-17-20, sensorium+ → 27204-5-13 (<see cref="Track.Mouse"/>).</summary>
    public static string MouseOfTrack(string track) => Track.Named(track).Mouse;
}
