using System.Text.Json;
using Microsoft.Extensions.Options;
using Sensorium.Data;
using Sensorium.Data.Submissions;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Submissions;

/// <summary>A file made from a run, with its validation report.</summary>
public sealed record MadeFile(string Tier, string Path, ValidationReport Report);

/// <summary>
/// Makes a finished run's live-test and final-test CSVs for a track with <c>sensorium submission make</c> in a child
/// process started by <see cref="CliLauncher"/> (TorchSharp stays out of the server: a native crash or its memory
/// cannot hurt the app). The run's directory is <see cref="CliLauncher.RunDirectory"/> (where the launcher puts
/// runs), else the folder holding its checkpoint (an imported run).
/// </summary>
public sealed partial class RunSubmissionMaker(CliLauncher cli, ILogger<RunSubmissionMaker> logger)
{
    public string? RunDirectory(Run run)
    {
        string artifacts = cli.RunDirectory(run.Id);
        if (File.Exists(Path.Combine(artifacts, "spec.json"))) return artifacts;
        for (var dir = run.CheckpointPath is null ? null : new FileInfo(run.CheckpointPath).Directory; dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "spec.json"))) return dir.FullName;
        return null;
    }

    /// <summary>
    /// The mice a run's model has readouts for, from the spec in its folder (else the stored one); null when unknown
    /// (then every track is offered and making the files says what is wrong).
    /// </summary>
    public IReadOnlyList<string>? MiceOf(Run run)
    {
        try
        {
            var spec = RunDirectory(run) is { } dir ? Checkpoint.ReadSpec(dir) : RunSpec.FromJson(run.SpecJson, "the run's spec");
            return spec.Dataset.Mice ?? spec.Dataset.TrackMice ?? DatasetLoader.Select(spec.Dataset).Select(m => m.DataKey).ToList();
        }
        catch (Exception e) when (e is DataFormatException or IOException or JsonException or ArgumentException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "The mice of run {RunId} could not be read; every track is offered.", run.Id);
            return null;
        }
    }

    /// <summary>
    /// A failure to make files, as the browser may show it: without the command's prefixes or the server's paths
    /// (the log keeps the whole message).
    /// </summary>
    public static string ForPeople(Exception e)
    {
        var message = e is DataFormatException d && d.FileName == "submission make" ? d.Problem : e.Message;
        message = CommandPrefix().Replace(message, "");
        message = LeadingPath().Replace(message, "");
        return AnyPath().Replace(message, m => Path.GetFileName(m.Value.TrimEnd('/')));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(sensorium )?submission make: ")]
    private static partial System.Text.RegularExpressions.Regex CommandPrefix();

    [System.Text.RegularExpressions.GeneratedRegex(@"^/[^\s:]*: ")]
    private static partial System.Text.RegularExpressions.Regex LeadingPath();

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![\w.])/(?:[\w.+-]+/)+[\w.+-]*")]
    private static partial System.Text.RegularExpressions.Regex AnyPath();

    /// <summary>Writes the track's files to a fresh folder under the run's artifacts; throws <see cref="DataFormatException"/> with the CLI's message on failure.</summary>
    public async Task<IReadOnlyList<MadeFile>> MakeAsync(Run run, string track, CancellationToken cancel = default)
    {
        string runDir = RunDirectory(run) ?? throw new DataFormatException($"run {run.Id}", "the run has no model directory (spec.json, model.pth)");
        string outDir = Path.Combine(cli.RunDirectory(run.Id), "submissions", $"{Track.Named(track).Slug}-{DateTime.UtcNow:yyyyMMddHHmmss}");
        var report = await MakeFromFolderAsync(runDir, outDir, track, cancel);
        logger.LogInformation("Run {RunId}: made {Files} {Track} file(s) in {Folder}", run.Id, report.Files.Count, track, outDir);
        return Files(report);
    }

    /// <summary>
    /// <c>sensorium submission make</c> on a model folder (a run's, or an ensemble's: the mean of its members) into
    /// <paramref name="outDir"/>; the CLI's report, or a <see cref="DataFormatException"/> with its message.
    /// </summary>
    public async Task<SubmissionMakeReport> MakeFromFolderAsync(string modelDir, string outDir, string track, CancellationToken cancel = default)
    {
        var outcome = await cli.RunAsync(["submission", "make", "--run", modelDir, "--track", track, "--out", outDir, "--device", "cpu"], cancel: cancel);
        if (outcome.ExitCode is not (0 or 1) || string.IsNullOrWhiteSpace(outcome.Output))
            throw new DataFormatException("submission make", outcome.LastErrorLine ?? $"exit code {outcome.ExitCode}");

        // The CLI validated each file and reports it; the reports are re-read from the files by the scorer anyway.
        return JsonSerializer.Deserialize<SubmissionMakeReport>(outcome.Output, SubmissionMakeReport.Json)
            ?? throw new DataFormatException("submission make", "the report is empty");
    }

    /// <summary>The files of a make report, with their validation as the panels show it.</summary>
    public static IReadOnlyList<MadeFile> Files(SubmissionMakeReport report)
    {
        return report.Files.Select(f => new MadeFile(f.Tier, f.Path,
            new ValidationReport(Path.GetFileName(f.Path), f.Valid, f.Errors.Select(e => new ValidationIssue("", 0, e)).ToList(), [],
                f.Rows, f.Neurons, false))).ToList();
    }
}
