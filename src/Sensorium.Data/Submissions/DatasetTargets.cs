using Sensorium.Data.Format;
using Sensorium.Data.Preprocessing;

namespace Sensorium.Data.Submissions;

/// <summary>
/// Submission targets and ground truths read from a dataset (the official folder/zip layout): the trials of a tier in
/// file order, their trial_idx strings and frame_image_ids, and the unit_ids in file order. Ground-truth responses
/// are normalized as the loader does (raw × 1/std with the 1%-of-mean floor, in float32), which is what the
/// organizers' ground-truth files hold.
/// </summary>
public static class DatasetTargets
{
    /// <summary>Opens the mouse <paramref name="dataKey"/> from a dataset root, a mouse folder or a mouse zip.</summary>
    public static SensoriumMouse OpenMouse(string path, string dataKey)
    {
        var entries = SensoriumDataset.Discover(path);
        var entry = entries.FirstOrDefault(e => e.DataKey == dataKey)
            ?? throw new DataFormatException(path, entries.Count == 0
                ? $"no mouse found (expected mouse {dataKey}: a folder or zip named static{dataKey}-GrayImageNet-<hash>)"
                : $"mouse {dataKey} not found; it holds {string.Join(", ", entries.Select(e => e.DataKey))} (use --mouse to pick another)");
        return entry.Open();
    }

    /// <summary>The target of one tier ("test" or "final_test") of a mouse.</summary>
    public static SubmissionTarget Target(SensoriumMouse mouse, string tier)
    {
        int[] trials = TrialsOf(mouse, tier);
        var meta = mouse.Meta;
        var target = new SubmissionTarget(mouse.DataKey, tier,
            trials.Select(t => meta.TrialIdx[t]).ToArray(),
            trials.Select(t => meta.FrameImageId[t]).ToArray(),
            (long[])meta.UnitIds.Clone());
        try { target.CheckConsistent(); }
        catch (ArgumentException e) { throw new DataFormatException(mouse.Source, $"the '{tier}' trials cannot be submitted: {e.Message}"); }
        return target;
    }

    /// <summary>The target plus the tier's normalized responses (trials × neurons), as generate_ground_truth_file writes them.</summary>
    public static GroundTruth GroundTruth(SensoriumMouse mouse, string tier)
    {
        var target = Target(mouse, tier);
        int[] trials = TrialsOf(mouse, tier);
        var normalizer = new NeuroNormalizer(mouse.Statistics);
        int m = mouse.NeuronCount;
        var responses = new double[trials.Length, m];
        var normalized = new float[m];
        for (int i = 0; i < trials.Length; i++)
        {
            normalizer.NormalizeResponses(mouse.ReadResponses(trials[i]), normalized);
            for (int j = 0; j < m; j++) responses[i, j] = normalized[j];
        }
        return new GroundTruth(target, responses);
    }

    private static int[] TrialsOf(SensoriumMouse mouse, string tier)
    {
        if (!Tiers.TryParse(tier, out var t) || !t.IsTestTier())
            throw new ArgumentException($"tier must be '{SubmissionTiers.LiveTest}' or '{SubmissionTiers.FinalTest}' (got '{tier}')");
        int[] trials = mouse.Meta.TrialsOf(t);
        if (trials.Length == 0)
            throw new DataFormatException(mouse.Source, $"mouse {mouse.DataKey} has no '{tier}' trials (final_test exists only for the two competition mice)");
        return trials;
    }
}
