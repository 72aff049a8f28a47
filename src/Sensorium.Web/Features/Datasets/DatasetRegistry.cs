using Microsoft.Extensions.Options;
using Sensorium.Storage;
using Sensorium.Storage.Datasets;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Datasets;

/// <summary>
/// Registers dataset folders, which must lie inside <see cref="WorkbenchOptions.DatasetRoot"/>. It checks only that
/// the folder exists; checking its contents against the official layout belongs to Sensorium.Data's reader.
/// </summary>
public sealed class DatasetRegistry(DatasetStore datasets, IOptions<WorkbenchOptions> options)
{
    public string Root => options.Value.DatasetRoot!;

    public Task<IReadOnlyList<Dataset>> ListAsync() => datasets.ListAsync();

    public Task<Dataset?> GetAsync(long id) => datasets.GetAsync(id);

    /// <param name="path">Relative to <see cref="Root"/>, or absolute inside it.</param>
    public async Task<(Dataset? Dataset, string? Error)> RegisterAsync(string name, string path, long registeredBy)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100) return (null, "Give the dataset a name of 1 to 100 characters.");
        if (string.IsNullOrWhiteSpace(path)) return (null, "Give the dataset's folder.");
        var root = Path.GetFullPath(Root);
        var full = Path.GetFullPath(path.Trim(), root);
        if (!full.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return (null, $"Datasets must be inside {root}.");
        if (!Directory.Exists(full)) return (null, $"There is no folder {full}.");
        try
        {
            return (await datasets.CreateAsync(name, full, registeredBy), null);
        }
        catch (NameTakenException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Looks at the folder again: missing if it is gone.</summary>
    public async Task CheckAsync(Dataset dataset)
    {
        var exists = Directory.Exists(dataset.Path);
        await datasets.SetStatusAsync(dataset.Id,
            exists ? DatasetStatus.Registered : DatasetStatus.Missing,
            exists ? null : "The folder is gone.");
    }
}

public static class DatasetsSetup
{
    public static IServiceCollection AddDatasets(this IServiceCollection services) =>
        services.AddSingleton<DatasetRegistry>().AddSingleton<DatasetSummaries>();
}
