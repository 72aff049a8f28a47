namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// Benchmark-server settings, section <c>Submissions</c> of appsettings.json. Relative paths resolve against the
/// content root.
/// </summary>
public sealed class SubmissionsOptions
{
    public const string Section = "Submissions";

    /// <summary>Largest accepted submission CSV, in bytes (a full-size file is ~100 MB).</summary>
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>How many submissions a team may make per track and tier within <see cref="Window"/> (the rules: one per 24 h).</summary>
    public int MaxPerWindow { get; set; } = 1;

    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The host's ground truth: a dataset root in the official layout holding the competition mice with their true
    /// test responses (a synthetic dataset's <c>host/</c> copy). Default: the first-start synthetic dataset's host
    /// copy, <c>&lt;DatasetRoot&gt;/synthetic-&lt;preset&gt;/host</c>. Test responses an administrator imports
    /// (official ground-truth CSVs) take precedence over it.
    /// </summary>
    public string? TruthPath { get; set; }

    /// <summary>Requests per minute one client may make to <c>POST /api/submissions</c> (ASP.NET's rate limiter).</summary>
    public int ApiUploadsPerMinute { get; set; } = 10;
}
