using System.Diagnostics;
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
/// process (TorchSharp stays out of the server: a native crash or its memory cannot hurt the app), or in-process
/// when no built CLI is found. The run's directory is <c>ArtifactsDirectory/&lt;runId&gt;</c> (where the launcher puts
/// runs), else the folder holding its checkpoint.
/// </summary>
public sealed partial class RunSubmissionMaker(IOptions<SubmissionsOptions> options, IOptions<WorkbenchOptions> workbench, ILogger<RunSubmissionMaker> logger)
{
    public string? RunDirectory(Run run)
    {
        string artifacts = Path.Combine(workbench.Value.ArtifactsDirectory, run.Id.ToString());
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
        string outDir = Path.Combine(workbench.Value.ArtifactsDirectory, run.Id.ToString(), "submissions", $"{Tracks.Slug(track)}-{DateTime.UtcNow:yyyyMMddHHmmss}");
        if (FindCli() is { } cli) return await MakeWithCliAsync(cli, runDir, track, outDir, cancel);
        logger.LogInformation("No built sensorium CLI found; making run {RunId}'s {Track} files in-process.", run.Id, track);
        var made = await Task.Run(() => SubmissionMaker.Make(runDir, track, outDir, device: "cpu", cancel: cancel), cancel);
        return made.Select(m => new MadeFile(m.Tier, m.Path, m.Report)).ToList();
    }

    async Task<IReadOnlyList<MadeFile>> MakeWithCliAsync(string cli, string runDir, string track, string outDir, CancellationToken cancel)
    {
        var start = cli.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new ProcessStartInfo("dotnet") { ArgumentList = { cli } }
            : new ProcessStartInfo(cli);
        foreach (var a in new[] { "submission", "make", "--run", runDir, "--track", track, "--out", outDir, "--device", "cpu" })
            start.ArgumentList.Add(a);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        using var process = Process.Start(start) ?? throw new IOException($"could not start {cli}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        try { await process.WaitForExitAsync(cancel); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        string output = await stdout, errors = await stderr;
        if (process.ExitCode is not (0 or 1) || string.IsNullOrWhiteSpace(output))
            throw new DataFormatException("submission make", LastLine(errors) ?? $"exit code {process.ExitCode}");

        // The CLI validated each file and reports it; the reports are re-read from the files by the scorer anyway.
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("files").EnumerateArray().Select(f => new MadeFile(
            f.GetProperty("tier").GetString()!, f.GetProperty("path").GetString()!,
            new ValidationReport(Path.GetFileName(f.GetProperty("path").GetString()!), f.GetProperty("valid").GetBoolean(),
                f.GetProperty("errors").EnumerateArray().Select(e => new ValidationIssue("", 0, e.GetString()!)).ToList(), [],
                f.GetProperty("rows").GetInt32(), f.GetProperty("neurons").GetInt32(), false))).ToList();
    }

    string? FindCli()
    {
        if (options.Value.CliPath is { } configured) return Path.GetFullPath(configured, WorkbenchPaths.ContentRoot);
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, "sensorium.dll") };
        foreach (var configuration in new[] { "Release", "Debug" })
            candidates.Add(Path.Combine(WorkbenchPaths.ContentRoot, "src", "Sensorium.Cli", "bin", configuration, "net10.0", "sensorium.dll"));
        return candidates.FirstOrDefault(File.Exists);
    }

    static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}
