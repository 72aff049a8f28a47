using Sensorium.Data;
using Sensorium.Data.Format;
using Sensorium.Data.Preprocessing;

namespace Sensorium.Training;

/// <summary>Loads the mice a <see cref="DatasetSpec"/> names into preprocessed arrays (once, at start).</summary>
public static class DatasetLoader
{
    /// <summary>The mice of the spec (explicit list, else the track's, else every mouse of the dataset), in that order.</summary>
    public static IReadOnlyList<MouseEntry> Select(DatasetSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Path))
            throw new DataFormatException("dataset", spec.Name is { } name
                ? $"the spec names the registered dataset '{name}' but no folder (path): the workbench resolves it before a worker reads it"
                : "the spec has no dataset path");
        var found = SensoriumDataset.Discover(spec.Path);
        if (found.Count == 0) throw new DataFormatException(spec.Path, "no mouse found (expected folders or zips named static<animal>-<session>-<scan>-GrayImageNet-<hash>, or one mouse folder/zip)");
        var wanted = spec.Mice ?? spec.TrackMice;
        if (wanted is null) return found;
        var byKey = found.ToDictionary(m => m.DataKey, StringComparer.Ordinal);
        var missing = wanted.Where(k => !byKey.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new DataFormatException(spec.Path, $"no mouse {string.Join(", ", missing)} in this dataset (found: {string.Join(", ", found.Select(m => m.DataKey))})");
        return wanted.Select(k => byKey[k]).ToList();
    }

    public static IReadOnlyList<PreprocessedMouse> Load(DatasetSpec spec, Action<string>? log = null, CancellationToken cancel = default)
    {
        var result = new List<PreprocessedMouse>();
        foreach (var entry in Select(spec))
        {
            cancel.ThrowIfCancellationRequested();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var mouse = entry.Open();
            var loaded = MouseLoader.Load(mouse, new LoadOptions(spec.Scale), cancel);
            log?.Invoke($"loaded {entry.DataKey} from {entry.Source}: {loaded.TrialCount} trials, {loaded.NeuronCount} neurons, {loaded.Height}×{loaded.Width} in {clock.Elapsed.TotalSeconds:F1} s");
            result.Add(loaded);
        }
        return result;
    }

    /// <summary>The trainer's view of a preprocessed mouse (no copies).</summary>
    public static MouseTrainingData ForTraining(PreprocessedMouse m)
    {
        var coords = m.Meta.CellMotorCoordinates; // (N,3) row-major
        var x = new double[m.NeuronCount];
        var y = new double[m.NeuronCount];
        for (int n = 0; n < x.Length; n++) { x[n] = coords[3 * n]; y[n] = coords[3 * n + 1]; }
        return new MouseTrainingData(m.DataKey, m.Images, m.Height, m.Width, m.Responses, m.NeuronCount, m.Behavior,
            m.PupilCenter, [.. m.TrialsOf(Tier.Train)], [.. m.TrialsOf(Tier.Validation)], x, y);
    }
}
