using Sensorium.Data;
using Sensorium.Data.Preprocessing;

namespace Sensorium.Training;

/// <summary>
/// What <c>evaluate</c> and <c>submission make</c> predict with: a run folder (one model) or an ensemble folder
/// (the mean of its members' predictions). A run is treated as an ensemble of one, so both share one code path.
/// </summary>
public sealed class ModelFolder
{
    private ModelFolder(string dir, EnsembleManifest? manifest, IReadOnlyList<string> members, RunSpec spec)
    {
        Dir = dir;
        Manifest = manifest;
        Members = members;
        Spec = spec;
    }

    public string Dir { get; }

    /// <summary>The ensemble's manifest; null for a run folder.</summary>
    public EnsembleManifest? Manifest { get; }

    public bool IsEnsemble => Manifest is not null;

    /// <summary>The run folders whose predictions are averaged (one for a run).</summary>
    public IReadOnlyList<string> Members { get; }

    /// <summary>The run's spec, or the first member's with the ensemble's dataset: what the mice are loaded and scored with.</summary>
    public RunSpec Spec { get; }

    public static ModelFolder Open(string dir)
    {
        if (!Ensemble.IsEnsemble(dir)) return new ModelFolder(dir, null, [dir], Checkpoint.ReadSpec(dir));
        var manifest = Ensemble.Read(dir);
        var first = Checkpoint.ReadSpec(manifest.Members[0].Dir);
        var spec = first with { Dataset = first.Dataset with { Path = manifest.Dataset, Mice = manifest.Mice, Track = first.Dataset.Track } };
        return new ModelFolder(dir, manifest, manifest.Members.Select(m => m.Dir).ToList(), spec);
    }

    /// <summary>The dataset to load the mice from (another copy when <paramref name="dataPath"/> is given).</summary>
    public DatasetSpec DataSpec(string? dataPath) => dataPath is null ? Spec.Dataset : Spec.Dataset with { Path = dataPath };

    /// <summary>
    /// The predictions (trials × neurons, row-major, normalized units) for each request: the model's, or the mean of
    /// the members'. Members are loaded one at a time; a member whose preprocessing differs (another image scale)
    /// gets its own copy of the mice. A member without the mouse, or with other trials or neurons, is an error naming both.
    /// </summary>
    /// <param name="mice">The mice loaded with <see cref="DataSpec"/> (reused by every member with the same preprocessing).</param>
    public IReadOnlyList<float[]> Predict(IReadOnlyList<PreprocessedMouse> mice, IReadOnlyList<(string DataKey, int[] Trials)> requests,
        string? dataPath = null, string device = "auto", Action<string>? log = null, CancellationToken cancel = default)
    {
        var reference = requests.Select(r => mice.FirstOrDefault(m => m.DataKey == r.DataKey)
            ?? throw new DataFormatException(Dir, $"no mouse {r.DataKey} among the loaded mice")).ToList();
        var referenceSpec = DataSpec(dataPath);
        var loaded = new Dictionary<double, IReadOnlyList<PreprocessedMouse>> { [referenceSpec.Scale] = mice };
        var sums = requests.Select((r, i) => new double[r.Trials.Length * reference[i].NeuronCount]).ToArray();
        foreach (string member in Members)
        {
            cancel.ThrowIfCancellationRequested();
            var memberSpec = Checkpoint.ReadSpec(member);
            var memberData = referenceSpec with { Scale = memberSpec.Dataset.Scale };
            if (!loaded.TryGetValue(memberData.Scale, out var memberMice))
                loaded[memberData.Scale] = memberMice = DatasetLoader.Load(memberData, log, cancel);
            using var predictor = Predictor.Load(member, memberMice, device);
            for (int r = 0; r < requests.Count; r++)
            {
                var (key, trials) = requests[r];
                var mouse = memberMice.FirstOrDefault(m => m.DataKey == key)
                    ?? throw new DataFormatException(member, $"the run has no mouse {key}");
                if (mouse.NeuronCount != reference[r].NeuronCount || mouse.TrialCount != reference[r].TrialCount)
                    throw new DataFormatException(member, $"mouse {key}: {mouse.TrialCount} trials × {mouse.NeuronCount} neurons, but {reference[r].TrialCount} × {reference[r].NeuronCount} in the ensemble's dataset");
                float[] p = predictor.Predict(mouse, trials);
                if (p.Length != sums[r].Length)
                    throw new DataFormatException(member, $"mouse {key}: {p.Length} predictions for {trials.Length} trials × {reference[r].NeuronCount} neurons");
                if (IsEnsemble && Array.FindIndex(p, x => !float.IsFinite(x)) is var bad and >= 0)
                    throw new DataFormatException(member, $"mouse {key}: non-finite prediction {p[bad]} (trial {trials[bad / reference[r].NeuronCount]}): the ensemble's mean would be undefined");
                var sum = sums[r];
                for (int i = 0; i < p.Length; i++) sum[i] += p[i];
            }
            if (IsEnsemble) log?.Invoke($"predicted with member {member}");
        }
        return sums.Select(s => Array.ConvertAll(s, x => (float)(x / Members.Count))).ToList();
    }
}
