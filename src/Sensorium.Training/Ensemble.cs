using System.Text.Json;
using System.Text.Json.Serialization;
using Sensorium.Data;

namespace Sensorium.Training;

/// <summary>One member of an ensemble: a finished run's folder (absolute), with the workbench's run id when it has one.</summary>
public sealed record EnsembleMember(string Dir, long? RunId = null, int? Seed = null);

/// <summary>
/// An ensemble folder's <c>ensemble.json</c>: the member runs, the dataset and the mice they share. The ensemble's
/// prediction is the mean of its members' predictions; nothing else is stored, so the folder is reproducible from
/// its members alone.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record EnsembleManifest
{
    public string Kind { get; init; } = Ensemble.Kind;
    public string Name { get; init; } = "";

    /// <summary>The dataset the members were trained on (the first member's path).</summary>
    public string Dataset { get; init; } = "";

    /// <summary>The mice every member has a readout for, in the first member's order.</summary>
    public IReadOnlyList<string> Mice { get; init; } = [];

    public IReadOnlyList<EnsembleMember> Members { get; init; } = [];
    public DateTimeOffset Created { get; init; }
}

/// <summary>Creates and reads ensemble folders (a manifest naming finished runs on the same dataset and mice).</summary>
public static class Ensemble
{
    public const string Kind = "ensemble", ManifestFile = "ensemble.json";

    public static bool IsEnsemble(string dir) => File.Exists(Path.Combine(dir, ManifestFile));

    /// <summary>
    /// Checks that the runs can be averaged (each finished, the same mice, and per mouse the same trials and neurons
    /// in each run's dataset) and writes the manifest into <paramref name="outDir"/>. Errors name the run and the mouse.
    /// </summary>
    public static EnsembleManifest Create(IReadOnlyList<string> runDirs, string outDir, string? name = null,
        IReadOnlyList<long?>? runIds = null, Action<string>? log = null)
    {
        if (runDirs.Count < 2) throw new DataFormatException(outDir, $"an ensemble needs at least two runs (got {runDirs.Count})");
        if (runIds is not null && runIds.Count != runDirs.Count) throw new ArgumentException("one run id per run folder");
        var dirs = runDirs.Select(d => Path.GetFullPath(d)).ToList();
        var twice = dirs.GroupBy(d => d).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new DataFormatException(twice.Key, "the run is listed twice in the ensemble");
        string outFull = Path.GetFullPath(outDir);
        if (dirs.Contains(outFull)) throw new DataFormatException(outFull, "the ensemble folder cannot be one of its runs");

        var members = new List<EnsembleMember>();
        RunShape? reference = null;
        for (int i = 0; i < dirs.Count; i++)
        {
            string dir = dirs[i];
            if (IsEnsemble(dir)) throw new DataFormatException(dir, "is an ensemble, not a run (list its runs instead)");
            var spec = Checkpoint.ReadSpec(dir);
            if (!File.Exists(Path.Combine(dir, Checkpoint.ModelFile)))
                throw new DataFormatException(dir, "the run has not finished training (no model.pth): only finished runs can be ensembled");
            var shape = RunShape.Of(dir, spec);
            if (reference is null) reference = shape;
            else reference.Require(shape);
            members.Add(new EnsembleMember(dir, runIds?[i], spec.Seed));
        }
        var manifest = new EnsembleManifest
        {
            Name = string.IsNullOrWhiteSpace(name) ? Path.GetFileName(outFull.TrimEnd(Path.DirectorySeparatorChar)) : name.Trim(),
            Dataset = reference!.Dataset,
            Mice = reference.Mice.Select(m => m.Key).ToList(),
            Members = members,
            Created = DateTimeOffset.UtcNow,
        };
        Directory.CreateDirectory(outFull);
        Checkpoint.WriteAtomically(Path.Combine(outFull, ManifestFile), JsonSerializer.Serialize(manifest, RunSpec.Json));
        log?.Invoke($"ensemble of {members.Count} runs on {string.Join(", ", manifest.Mice)} written to {outFull}");
        return manifest;
    }

    /// <summary>Reads an ensemble folder's manifest; a missing member folder or weights file is an error naming it.</summary>
    public static EnsembleManifest Read(string dir)
    {
        string path = Path.Combine(dir, ManifestFile);
        if (!File.Exists(path)) throw new DataFormatException(path, "not found (expected an ensemble's ensemble.json)");
        EnsembleManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<EnsembleManifest>(File.ReadAllText(path), RunSpec.Json)
                       ?? throw new DataFormatException(path, "the manifest is null");
        }
        catch (JsonException e) { throw new DataFormatException(path, $"invalid ensemble manifest at {e.Path ?? "$"}: {e.Message}"); }
        if (manifest.Kind != Kind) throw new DataFormatException(path, $"kind is '{manifest.Kind}', expected '{Kind}'");
        if (manifest.Members.Count < 2) throw new DataFormatException(path, $"an ensemble needs at least two members (has {manifest.Members.Count})");
        foreach (var m in manifest.Members)
            if (!File.Exists(Path.Combine(m.Dir, Checkpoint.ModelFile)))
                throw new DataFormatException(path, $"member {m.Dir}: no model.pth (the run folder was moved or deleted)");
        return manifest;
    }

    /// <summary>What must agree between members: per mouse (in the run's dataset) the number of trials and neurons.</summary>
    private sealed record RunShape(string Dir, string Dataset, IReadOnlyList<(string Key, int Trials, int Neurons)> Mice)
    {
        public static RunShape Of(string dir, RunSpec spec)
        {
            var mice = new List<(string, int, int)>();
            foreach (var entry in DatasetLoader.Select(spec.Dataset))
            {
                using var mouse = entry.Open();
                mice.Add((entry.DataKey, mouse.TrialCount, mouse.NeuronCount));
            }
            return new RunShape(dir, Path.GetFullPath(spec.Dataset.Path), mice);
        }

        public void Require(RunShape other)
        {
            foreach (var (key, _, _) in Mice)
                if (other.Mice.All(m => m.Key != key))
                    throw new DataFormatException(other.Dir, $"the run has no mouse {key} (it was trained on {string.Join(", ", other.Mice.Select(m => m.Key))}; {Dir} on {string.Join(", ", Mice.Select(m => m.Key))}): ensemble members need the same mice");
            foreach (var (key, _, _) in other.Mice)
                if (Mice.All(m => m.Key != key))
                    throw new DataFormatException(other.Dir, $"the run has mouse {key}, which {Dir} was not trained on: ensemble members need the same mice");
            foreach (var (key, trials, neurons) in Mice)
            {
                var o = other.Mice.First(m => m.Key == key);
                if (o.Trials != trials || o.Neurons != neurons)
                    throw new DataFormatException(other.Dir, $"mouse {key} has {o.Trials} trials × {o.Neurons} neurons in this run's dataset ({other.Dataset}) but {trials} × {neurons} in {Dir}'s ({Dataset}): ensemble members need the same trials and neurons");
            }
        }
    }
}
