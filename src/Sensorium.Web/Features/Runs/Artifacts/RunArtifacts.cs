using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Options;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Runs.Artifacts;

/// <summary>One file of a run's directory. <see cref="Path"/> is relative to it, with '/' separators.</summary>
public sealed record ArtifactFile(string Path, long Bytes, DateTimeOffset ModifiedAt, string Kind);

/// <summary>A path asked for: the file, or why it is refused (<see cref="Error"/>), or neither (not there).</summary>
public readonly record struct ArtifactLookup(FileInfo? File, string? Error);

/// <summary>
/// The files of a run's directory (<c>ArtifactsDirectory/&lt;run id&gt;</c>: spec, checkpoints, model, events, worker
/// log, submission files, in-silico results). Only regular files inside that directory are listed or served: a path
/// with "..", an absolute path, and anything reached through a symbolic link are refused. The caller checks that the
/// run belongs to the asking team.
/// </summary>
public sealed class RunArtifacts(IOptions<WorkbenchOptions> options)
{
    /// <summary>A run directory with more files than this lists the first ones (by path).</summary>
    public const int MaxListed = 2000;

    static readonly FileExtensionContentTypeProvider Types = CreateTypes();

    public string DirectoryOf(long runId) => Path.Combine(options.Value.ArtifactsDirectory, runId.ToString());

    /// <summary>The run's files, by path; empty when the run has no directory yet (queued).</summary>
    public IReadOnlyList<ArtifactFile> List(long runId)
    {
        var root = new DirectoryInfo(DirectoryOf(runId));
        if (!root.Exists || root.LinkTarget is not null) return [];
        var files = new List<ArtifactFile>();
        var enumeration = new EnumerationOptions
        {
            RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, // links: not followed, not listed
            IgnoreInaccessible = true, ReturnSpecialDirectories = false,
        };
        foreach (var file in root.EnumerateFiles("*", enumeration))
        {
            if (file.LinkTarget is not null) continue;
            var relative = Path.GetRelativePath(root.FullName, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            files.Add(new ArtifactFile(relative, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), KindOf(relative)));
        }
        return files.OrderBy(f => f.Path, StringComparer.Ordinal).Take(MaxListed).ToList();
    }

    /// <summary>The file at <paramref name="relativePath"/> inside the run's directory, checked component by component.</summary>
    public ArtifactLookup Resolve(long runId, string? relativePath)
    {
        if (string.IsNullOrEmpty(relativePath)) return new(null, "Give the file's path inside the run's directory, e.g. spec.json.");
        if (relativePath.Length > 1024) return new(null, "The path is longer than 1,024 characters.");
        if (relativePath.Contains('\0') || relativePath.Contains('\\'))
            return new(null, "The path contains a NUL or a backslash; use '/' between folders.");
        if (relativePath.StartsWith('/') || Path.IsPathRooted(relativePath))
            return new(null, $"'{relativePath}' is an absolute path; give a path relative to the run's directory.");
        var parts = relativePath.Split('/');
        if (parts.Any(p => p is "" or "." or ".."))
            return new(null, $"'{relativePath}' has an empty, '.' or '..' part; only files inside the run's directory are served.");

        var root = new DirectoryInfo(DirectoryOf(runId));
        if (!root.Exists) return new(null, null);
        if (root.LinkTarget is not null) return new(null, "The run's directory is a link; nothing is served from it.");
        var current = root.FullName;
        for (int i = 0; i < parts.Length; i++)
        {
            current = Path.Combine(current, parts[i]);
            FileSystemInfo entry = i < parts.Length - 1 ? new DirectoryInfo(current) : new FileInfo(current);
            if (!entry.Exists)
            {
                // A link to something missing (or a file where a folder is expected) still is no file of the run.
                if (new FileInfo(current).LinkTarget is not null) return new(null, $"'{relativePath}' goes through a link; links are not served.");
                return new(null, null);
            }
            if (entry.LinkTarget is not null) return new(null, $"'{relativePath}' goes through a link; links are not served.");
        }
        var file = new FileInfo(current);
        var full = Path.GetFullPath(file.FullName);
        if (!full.StartsWith(root.FullName.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return new(null, "Only files inside the run's directory are served.");
        return new(file, null);
    }

    /// <summary>The Content-Type a file is served with (octet-stream for binary and unknown kinds).</summary>
    public static string ContentTypeOf(string fileName) =>
        Types.TryGetContentType(fileName, out var type) ? type : "application/octet-stream";

    /// <summary>What a file is, for people: by name and folder.</summary>
    public static string KindOf(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        return name switch
        {
            "spec.json" => "run spec",
            "model.pth" => "model (best weights, PyTorch state dict)",
            "events.jsonl" => "training events (JSON lines)",
            "worker.log" => "worker log",
            "summary.json" => "training summary",
            _ when path.StartsWith("checkpoint/", StringComparison.Ordinal) => "checkpoint (resumable state)",
            _ when path.StartsWith("submissions/", StringComparison.Ordinal) => "submission file",
            _ when path.StartsWith("insilico/", StringComparison.Ordinal) => "in-silico result",
            _ when name.EndsWith(".pth", StringComparison.Ordinal) || name.StartsWith("checkpoint", StringComparison.Ordinal) => "checkpoint",
            _ => Path.GetExtension(name).TrimStart('.') is { Length: > 0 } ext ? ext + " file" : "file",
        };
    }

    static FileExtensionContentTypeProvider CreateTypes()
    {
        var provider = new FileExtensionContentTypeProvider();
        provider.Mappings[".jsonl"] = "application/jsonl";
        provider.Mappings[".log"] = "text/plain";
        provider.Mappings[".csv"] = "text/csv";
        provider.Mappings[".pth"] = "application/octet-stream";
        provider.Mappings[".pt"] = "application/octet-stream";
        provider.Mappings[".npy"] = "application/octet-stream";
        provider.Mappings[".tmp"] = "application/octet-stream";
        return provider;
    }
}
