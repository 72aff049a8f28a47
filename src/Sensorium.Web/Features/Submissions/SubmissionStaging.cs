using Microsoft.Extensions.Options;
using Sensorium.Data.Submissions;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// Where a submission's file lives: a fresh path per upload under <c>&lt;DataDirectory&gt;/submissions/&lt;team&gt;/</c>,
/// the upload streamed there under <see cref="SubmissionsOptions.MaxUploadBytes"/> (never buffered whole), a safe
/// name to show, and the answer for a file over the limit.
/// </summary>
public sealed class SubmissionStaging(IOptions<SubmissionsOptions> options, IOptions<WorkbenchOptions> workbench, TimeProvider time)
{
    public long MaxUploadBytes => options.Value.MaxUploadBytes;

    /// <summary>A new, unused path for the team's file of a tier.</summary>
    public string NewPath(SubmitRequest request)
    {
        string directory = Path.Combine(workbench.Value.DataDirectory, "submissions", request.TeamId.ToString());
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, $"{time.GetUtcNow():yyyyMMdd-HHmmss}-{Guid.NewGuid():N}-{request.Tier}.csv");
    }

    /// <summary>Streams <paramref name="content"/> to a new file at <paramref name="path"/>; its length, or null when over the limit.</summary>
    public async Task<long?> WriteAsync(Stream content, string path, CancellationToken cancel)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        return await UploadStaging.CopyLimitedAsync(content, file, MaxUploadBytes, cancel);
    }

    /// <summary>The answer for a file over <see cref="SubmissionsOptions.MaxUploadBytes"/>: invalid, not read.</summary>
    public static SubmitResult OverLimit(string fileName, long maxBytes)
    {
        string file = SafeName(fileName);
        return new(SubmitOutcome.Invalid, null, new ValidationReport(file, false,
            [new ValidationIssue(file, 0, $"the file is over the limit of {LimitText(maxBytes)}; it was not read")], [], 0, 0, true),
            "The file is not a valid submission.");
    }

    /// <summary>The upload limit for people: "1000 bytes (the server's setting Submissions:MaxUploadBytes)", with MiB/GiB when that large.</summary>
    public static string LimitText(long maxBytes) =>
        $"{maxBytes} bytes ({(maxBytes >= 1024 ? Security.RequestBodyLimits.Size(maxBytes) + ", " : "")}the server's setting {SubmissionsOptions.Section}:{nameof(SubmissionsOptions.MaxUploadBytes)})";

    /// <summary>The uploaded name without folders or odd characters (it is shown and used for downloads).</summary>
    public static string SafeName(string name)
    {
        var clean = new string(Path.GetFileName(name ?? "").Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
        return string.IsNullOrEmpty(clean) ? "submission.csv" : clean[..Math.Min(clean.Length, 100)];
    }
}
