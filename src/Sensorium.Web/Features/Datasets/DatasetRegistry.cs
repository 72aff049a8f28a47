using Microsoft.Extensions.Options;
using Sensorium.Storage;
using Sensorium.Storage.Datasets;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Datasets;

/// <summary>
/// Registers dataset folders, which must lie inside <see cref="WorkbenchOptions.DatasetRoot"/> once every symbolic
/// link is resolved (a link inside the root pointing elsewhere is refused). A folder holding withheld test responses
/// (the host copy of a synthetic dataset: a mouse with <c>meta/oracle/</c> or <c>meta/trials/true_trial_idx.npy</c>,
/// or anything inside the ground-truth host copy or the imported truth) is refused too: every team sees a registered
/// dataset. It checks only that the folder exists; the official layout is Sensorium.Data's reader's business.
/// </summary>
public sealed class DatasetRegistry(DatasetStore datasets, IOptions<WorkbenchOptions> options, IServiceProvider services)
{
    public string Root => options.Value.DatasetRoot!;

    public Task<IReadOnlyList<Dataset>> ListAsync() => datasets.ListAsync();

    public Task<Dataset?> GetAsync(long id) => datasets.GetAsync(id);

    /// <param name="path">Relative to <see cref="Root"/>, or absolute inside it.</param>
    public async Task<(Dataset? Dataset, string? Error)> RegisterAsync(string name, string path, long registeredBy)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100) return (null, "Give the dataset a name of 1 to 100 characters.");
        if (string.IsNullOrWhiteSpace(path)) return (null, "Give the dataset's folder.");
        var root = RealPath(Path.GetFullPath(Root)) ?? Path.GetFullPath(Root);
        var given = Path.GetFullPath(path.Trim(), root);
        if (!Directory.Exists(given)) return (null, $"There is no folder {given}.");
        var full = RealPath(given) ?? given;
        if (!IsInside(full, root))
            return (null, full == given ? $"Datasets must be inside {root}." : $"Datasets must be inside {root}: {given} leads to {full}.");
        if (WithheldReason(full) is { } reason) return (null, $"{given} holds withheld test data ({reason}); only the participant copy can be registered.");
        try
        {
            return (await datasets.CreateAsync(name, full, registeredBy), null);
        }
        catch (NameTakenException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Why <paramref name="folder"/> holds withheld data, or null.</summary>
    string? WithheldReason(string folder)
    {
        var truth = services.GetService<IOptions<Submissions.SubmissionsOptions>>()?.Value.TruthPath;
        var host = services.GetService<Submissions.GroundTruthSource>()?.HostCopyPath;
        foreach (var withheld in new[] { truth, host, Path.Combine(options.Value.DataDirectory, "truth") })
            if (withheld is not null && (RealPath(withheld) ?? withheld) is var real && (folder == real || IsInside(folder, real)))
                return "it is the host copy with the ground truth";
        foreach (var mouse in Directory.EnumerateDirectories(folder).Prepend(folder))
        {
            if (Directory.Exists(Path.Combine(mouse, "meta", "oracle"))) return $"{Path.GetFileName(mouse)}/meta/oracle";
            if (File.Exists(Path.Combine(mouse, "meta", "trials", "true_trial_idx.npy"))) return $"{Path.GetFileName(mouse)}/meta/trials/true_trial_idx.npy";
        }
        return null;
    }

    static bool IsInside(string path, string root) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The canonical path with every symbolic link resolved (realpath(3)), or null if it does not exist.</summary>
    public static string? RealPath(string path)
    {
        if (OperatingSystem.IsWindows()) return Path.GetFullPath(path);
        var resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return null;
        try { return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(resolved); }
        finally { free(resolved); }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    static extern IntPtr realpath([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [System.Runtime.InteropServices.DllImport("libc")]
    static extern void free(IntPtr pointer);

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
