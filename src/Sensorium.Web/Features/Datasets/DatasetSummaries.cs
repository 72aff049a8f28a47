using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sensorium.Data;
using Sensorium.Data.Format;
using Sensorium.Storage.Datasets;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Datasets;

/// <summary>
/// The summaries of registered datasets, computed once (mice in parallel, each read in one pass) and kept in memory
/// and in <c>&lt;DataDirectory&gt;/cache/datasets/&lt;id&gt;.json</c>, so neither a render nor a restart reads the
/// trials again. A cached summary is reused while the dataset's path and its folder's listing time are unchanged.
/// </summary>
public sealed class DatasetSummaries(IOptions<WorkbenchOptions> options, TimeProvider time, ILogger<DatasetSummaries> logger)
{
    const int FormatVersion = 1;

    readonly ConcurrentDictionary<long, Lazy<Task<DatasetSummary>>> computed = new();

    string CacheDirectory => Path.Combine(options.Value.DataDirectory, "cache", "datasets");

    /// <summary>The cached summary if there is one, without computing it.</summary>
    public DatasetSummary? Peek(Dataset dataset) =>
        computed.TryGetValue(dataset.Id, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully ? lazy.Value.Result : null;

    public Task<DatasetSummary> GetAsync(Dataset dataset, bool recompute = false)
    {
        if (recompute)
        {
            computed.TryRemove(dataset.Id, out _);
            File.Delete(CachePath(dataset));
        }
        var lazy = computed.GetOrAdd(dataset.Id, _ => new Lazy<Task<DatasetSummary>>(() => Task.Run(() => LoadOrCompute(dataset))));
        var task = lazy.Value;
        if (task.IsCompletedSuccessfully && task.Result.Path != dataset.Path) // the id was reused for another folder
        {
            computed.TryRemove(dataset.Id, out _);
            return GetAsync(dataset);
        }
        return task;
    }

    DatasetSummary LoadOrCompute(Dataset dataset)
    {
        var fingerprint = Fingerprint(dataset.Path);
        var path = CachePath(dataset);
        try
        {
            if (File.Exists(path))
            {
                var cached = JsonSerializer.Deserialize<CachedSummary>(File.ReadAllBytes(path));
                if (cached is { Version: FormatVersion } && cached.Fingerprint == fingerprint) return cached.Summary;
            }
        }
        catch (JsonException e)
        {
            logger.LogWarning(e, "Ignoring the unreadable summary cache {Path}.", path);
        }

        var summary = Compute(dataset.Path, time.GetUtcNow());
        Directory.CreateDirectory(CacheDirectory);
        File.WriteAllBytes(path + ".tmp", JsonSerializer.SerializeToUtf8Bytes(new CachedSummary(FormatVersion, fingerprint, summary)));
        File.Move(path + ".tmp", path, overwrite: true);
        logger.LogInformation("Summarized dataset {Name}: {Mice} mice.", dataset.Name, summary.Mice.Count);
        return summary;
    }

    /// <summary>Reads every mouse of a dataset root (two at a time); a mouse that fails is listed under Problems.</summary>
    public static DatasetSummary Compute(string root, DateTimeOffset now)
    {
        IReadOnlyList<MouseEntry> entries;
        try
        {
            entries = SensoriumDataset.Discover(root);
        }
        catch (Exception e) when (e is DataFormatException or IOException)
        {
            return new DatasetSummary(root, now, [], [e.Message]);
        }
        var mice = new MouseSummary?[entries.Count];
        var problems = new ConcurrentBag<string>();
        Parallel.For(0, entries.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            try
            {
                mice[i] = MouseSummarizer.Summarize(entries[i]);
            }
            catch (Exception e) when (e is DataFormatException or IOException or InvalidDataException)
            {
                problems.Add($"{entries[i].DataKey}: {e.Message}");
            }
        });
        return new DatasetSummary(root, now, mice.OfType<MouseSummary>().ToList(), problems.Order(StringComparer.Ordinal).ToList());
    }

    string CachePath(Dataset dataset) => Path.Combine(CacheDirectory, $"{dataset.Id}.json");

    static string Fingerprint(string path) =>
        $"{path}|{(Directory.Exists(path) ? Directory.GetLastWriteTimeUtc(path).Ticks : 0)}";

    sealed record CachedSummary(int Version, string Fingerprint, DatasetSummary Summary);
}
