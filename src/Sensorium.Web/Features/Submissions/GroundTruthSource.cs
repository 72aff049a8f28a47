using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sensorium.Data;
using Sensorium.Data.Format;
using Sensorium.Data.Submissions;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// The host's ground truth of each track and tier: an official ground-truth CSV an administrator imported
/// (<c>DataDirectory/truth/&lt;track&gt;/&lt;tier&gt;.csv</c>), else the host copy of the dataset
/// (<see cref="SubmissionsOptions.TruthPath"/>), whose trial_idx are the ids participants see (hashed for the
/// competition mice), as in the organizers' ground-truth files. Loaded once, kept in memory (a few MB per tier).
/// </summary>
public sealed class GroundTruthSource(IOptions<SubmissionsOptions> options, IOptions<WorkbenchOptions> workbench,
    IOptions<Sensorium.Web.Features.Datasets.FirstDataset.FirstDatasetOptions> firstDataset)
{
    readonly ConcurrentDictionary<(string Track, string Tier), Lazy<GroundTruth>> cache = new();

    /// <summary>Submissions:TruthPath, else the host copy of the synthetic dataset made at first start.</summary>
    public string HostCopyPath => options.Value.TruthPath ?? Path.Combine(workbench.Value.DatasetRoot!, firstDataset.Value.DatasetName, "host");

    /// <summary>Whether the host copy is there (a folder, or a file such as a zip).</summary>
    bool HostCopyExists => Directory.Exists(HostCopyPath) || File.Exists(HostCopyPath);

    public string ImportedPath(string track, string tier) =>
        Path.Combine(workbench.Value.DataDirectory, "truth", Track.Named(track).GroundTruthFile(tier));

    /// <summary>The ground truth, or a <see cref="DataFormatException"/>/<see cref="IOException"/> saying why there is none.</summary>
    public GroundTruth Get(string track, string tier)
    {
        var lazy = cache.GetOrAdd((track, tier), key => new Lazy<GroundTruth>(() => Load(key.Track, key.Tier)));
        try { return lazy.Value; }
        catch { cache.TryRemove(new KeyValuePair<(string, string), Lazy<GroundTruth>>((track, tier), lazy)); throw; }
    }

    /// <summary>Where the truth of a track and tier comes from, for the admin page.</summary>
    public string Describe(string track, string tier) =>
        File.Exists(ImportedPath(track, tier)) ? $"imported CSV {ImportedPath(track, tier)}" : $"host copy {HostCopyPath}";

    /// <summary>
    /// Why the track and tier have no ground truth to score with (no imported CSV, and the host copy's folder, or the
    /// track's mouse in it, is missing), for the admin page; null when there is one. Looks at folder names only.
    /// </summary>
    public string? Missing(string track, string tier)
    {
        if (File.Exists(ImportedPath(track, tier))) return null;
        if (!HostCopyExists)
            return "missing: the folder does not exist, so submissions to this track and tier cannot be scored";
        string key = SubmissionTiers.MouseOfTrack(track);
        try
        {
            var mice = SensoriumDataset.Discover(HostCopyPath);
            return mice.Any(m => m.DataKey == key) ? null
                : $"missing: it holds no mouse {key} ({(mice.Count == 0 ? "no mouse at all" : "only " + string.Join(", ", mice.Select(m => m.DataKey)))}), so submissions to this track and tier cannot be scored";
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
        {
            return $"unreadable: {e.Message}";
        }
    }

    /// <summary>
    /// Imports an official ground-truth CSV (<c>trial_indices,image_ids,responses,neuron_ids</c>) for a track and
    /// tier: read in full to check it, then put in place. Throws <see cref="DataFormatException"/> when it is not one.
    /// </summary>
    /// <param name="fileName">The uploaded file's name, which error messages name (not the staging file).</param>
    public async Task ImportAsync(string track, string tier, Stream content, long maxBytes, CancellationToken cancel = default, string? fileName = null)
    {
        string target = ImportedPath(track, tier);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        string staged = target + ".upload";
        try
        {
            await using (var file = File.Create(staged))
                if (await UploadStaging.CopyLimitedAsync(content, file, maxBytes, cancel) is null)
                    throw new DataFormatException("ground truth", $"the file is over the limit of {maxBytes} bytes");
            try
            {
                var truth = GroundTruthCsv.Read(staged, SubmissionTiers.MouseOfTrack(track), tier);
                truth.CheckConsistent();
            }
            catch (DataFormatException e) when (fileName is not null)
            {
                string Named(string text) => text.Replace(staged, fileName, StringComparison.Ordinal).Replace(Path.GetFileName(staged), fileName, StringComparison.Ordinal);
                throw new DataFormatException(Named(e.FileName), Named(e.Problem));
            }
            File.Move(staged, target, overwrite: true);
            cache.TryRemove((track, tier), out _);
        }
        finally
        {
            File.Delete(staged);
        }
    }

    GroundTruth Load(string track, string tier)
    {
        string key = SubmissionTiers.MouseOfTrack(track);
        string imported = ImportedPath(track, tier);
        if (File.Exists(imported)) return GroundTruthCsv.Read(imported, key, tier);

        if (!HostCopyExists)
            throw new DataFormatException(HostCopyPath, "no ground truth: the host copy is missing and no ground-truth CSV was imported");
        using var mouse = DatasetTargets.OpenMouse(HostCopyPath, key);
        return DatasetTargets.GroundTruth(mouse, tier);
    }
}
