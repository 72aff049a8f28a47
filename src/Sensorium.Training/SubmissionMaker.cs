using Sensorium.Data;
using Sensorium.Data.Format;
using Sensorium.Data.Submissions;

namespace Sensorium.Training;

/// <summary>A submission file made from a run, with its validation report.</summary>
public sealed record MadeSubmission(string Tier, string Path, ValidationReport Report);

/// <summary>
/// Turns a trained run (or an ensemble folder) into the official submission files of a track (SENSORIUM.md §5): the live-test and final-test
/// CSVs for the track's competition mouse, predictions in normalized units, each validated after writing.
/// </summary>
public static class SubmissionMaker
{
    public static IReadOnlyList<MadeSubmission> Make(string runDir, string track, string outDir, string? dataPath = null,
        string? mouseKey = null, string device = "auto", Action<string>? log = null, CancellationToken cancel = default)
    {
        var folder = ModelFolder.Open(runDir);
        var spec = folder.Spec;
        string key = mouseKey ?? SubmissionTiers.MouseOfTrack(track);
        var runMice = DatasetLoader.Select(spec.Dataset).Select(m => m.DataKey).ToList();
        if (!runMice.Contains(key))
            throw new DataFormatException(runDir, $"the {(folder.IsEnsemble ? "ensemble" : "run")} was trained on {string.Join(", ", runMice)}, not on {key} (the {track} mouse): it has no readout for it");
        if (Track.Named(track).UsesBehavior && !spec.Dataset.BehaviorChannels)
            log?.Invoke("warning: this run does not use behaviour; the Sensorium+ track allows it and ranks by single-trial correlation");

        // Load every mouse of the run (the model has a readout per mouse), predict with the track's.
        var dataSpec = folder.DataSpec(dataPath);
        var mice = DatasetLoader.Load(dataSpec, log, cancel);
        var mouse = mice.Single(m => m.DataKey == key);
        using var raw = DatasetTargets.OpenMouse(dataSpec.Path, key);
        var tiers = new List<(Tier Tier, int[] Trials)>();
        foreach (var tier in new[] { Tier.Test, Tier.FinalTest })
        {
            int[] trials = [.. mouse.TrialsOf(tier)];
            if (trials.Length == 0) log?.Invoke($"{key} has no {tier.ToOfficialString()} trials: no file for that tier");
            else tiers.Add((tier, trials));
        }
        var predicted = folder.Predict(mice, tiers.Select(t => (key, t.Trials)).ToList(), dataPath, device, log, cancel);
        Directory.CreateDirectory(outDir);
        var made = new List<MadeSubmission>();
        for (int k = 0; k < tiers.Count; k++)
        {
            cancel.ThrowIfCancellationRequested();
            var (tier, trials) = tiers[k];
            var target = DatasetTargets.Target(raw, tier.ToOfficialString());
            float[] flat = predicted[k];
            var predictions = new float[trials.Length, mouse.NeuronCount];
            Buffer.BlockCopy(flat, 0, predictions, 0, flat.Length * sizeof(float));
            string path = SubmissionWriter.WriteFile(outDir, target, predictions);
            var report = SubmissionValidator.Validate(path, target);
            log?.Invoke($"wrote {path}: {target.Trials} rows × {target.Neurons} neurons, {(report.Valid ? "valid" : "INVALID")}");
            made.Add(new MadeSubmission(tier.ToOfficialString(), path, report));
        }
        return made;
    }
}
