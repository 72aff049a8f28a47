using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Ensembles;
using Sensorium.Storage.Runs;
using RunSpec = Sensorium.Training.RunSpec;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Runs.Worker;
using Sensorium.Web.Features.Submissions;
using Sensorium.Web.Features.Datasets;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Ensembles;

/// <summary>Why an ensemble could not be made: the field and the message, for a 400 answer or the form.</summary>
public sealed record EnsembleResult(Ensemble? Ensemble, IDictionary<string, string[]> Errors);

/// <summary>
/// Ensembles of a team's finished runs (issue 11 item 1). Made from runs on the same dataset and mice; evaluated per
/// mouse on validation and test by worker processes (<c>sensorium ensemble</c>, then <c>sensorium evaluate</c> per
/// tier: TorchSharp stays out of the server), in a device slot of the fair scheduler like an in-silico job
/// (<see cref="ISlotJobs"/>, <see cref="SlotWork.Ensemble"/>). An ensemble of runs still training waits; each
/// scheduling pass queues the waiting ones whose members all succeeded and fails those with a member that did not.
/// Its folder is <c>&lt;Artifacts&gt;/ensembles/&lt;id&gt;</c>: the manifest <c>evaluate</c> and <c>submission make</c> accept.
/// </summary>
public sealed class EnsembleJobs(CliLauncher cli, IOptions<WorkerOptions> worker, IOptions<WorkbenchOptions> workbench,
    EnsembleStore store, RunStore runs, Sensorium.Storage.Datasets.DatasetStore datasets, RunSubmissionMaker runFiles, QueueSignal signal, ILogger<EnsembleJobs> logger,
    IHostApplicationLifetime lifetime) : ISlotJobs, IHostedService, IDisposable
{
    public const string InterruptedMessage = "The server stopped while this ensemble was being evaluated. Evaluate it again.";

    /// <summary>Why no ensemble can be evaluated on this server (it runs no worker processes), or null.</summary>
    public string? CannotEvaluate => worker.Value.Enabled ? null
        : "This server runs no worker processes (Worker:Enabled is false), so ensembles cannot be evaluated.";

    private readonly ConcurrentDictionary<long, Task> _supervising = new();
    private readonly CancellationTokenSource _stopping = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);

    /// <summary>An ensemble changed (queued, started, ended); the argument is its id.</summary>
    public event Action<long>? Changed;

    [ThreadStatic] private static bool _applyingRemote;

    /// <summary>True while <see cref="Changed"/> reports another web node's change (Features/Nodes forwards only this node's own).</summary>
    public static bool IsRemoteChange => _applyingRemote;

    /// <summary>Another web node changed an ensemble (heard through Redis): this node's pages re-read it; a queued one wakes the dispatcher.</summary>
    public void ApplyRemote(long id)
    {
        _applyingRemote = true;
        try { Changed?.Invoke(id); }
        finally { _applyingRemote = false; }
        signal.Wake();
    }

    public SlotWork Kind => SlotWork.Ensemble;

    /// <summary>The ensemble's folder (its manifest, once evaluated).</summary>
    public string Directory(long ensembleId) => DirectoryOf(workbench.Value.ArtifactsDirectory, ensembleId);

    /// <summary>An ensemble's folder under the artifacts directory.</summary>
    public static string DirectoryOf(string artifactsDirectory, long ensembleId) =>
        Path.Combine(artifactsDirectory, "ensembles", ensembleId.ToString(CultureInfo.InvariantCulture));

    public async Task<Ensemble?> GetAsync(long teamId, long id) => await store.GetAsync(id) is { } e && e.TeamId == teamId ? e : null;

    public Task<IReadOnlyList<Ensemble>> ListAsync(long teamId) => store.ListForTeamAsync(teamId);

    /// <summary>
    /// What a run's model was trained on (dataset folder, mice joined by ','; '' for every mouse of the dataset): from
    /// the spec in its folder (what the worker trained with), else its stored spec, whose dataset is a registered name.
    /// Null with the reason when neither can be read.
    /// </summary>
    private async Task<(string Dataset, string Mice)?> ShapeAsync(Run run, Action<string> problem)
    {
        try
        {
            RunSpec spec;
            string dataset;
            if (runFiles.RunDirectory(run) is { } dir)
            {
                spec = Sensorium.Training.Checkpoint.ReadSpec(dir);
                dataset = Path.GetFullPath(spec.Dataset.Path, workbench.Value.DataDirectory);
            }
            else
            {
                spec = RunSpec.FromJson(run.SpecJson, $"run {run.Id}");
                var registered = StoredDataset.Find(await datasets.ListAsync(), spec.Dataset);
                dataset = Path.GetFullPath(registered?.Path ?? StoredDataset.NameOf(spec.Dataset), workbench.Value.DataDirectory);
            }
            var mice = spec.Dataset.Mice ?? spec.Dataset.TrackMice;
            return (dataset.TrimEnd(Path.DirectorySeparatorChar), mice is null ? "" : string.Join(',', mice));
        }
        catch (Sensorium.Data.DataFormatException e)
        {
            problem($"Run {run.Id} ({run.Name}): its spec cannot be read ({e.Problem}).");
            return null;
        }
    }

    /// <summary>
    /// Makes an ensemble of the team's runs and queues its evaluation. The runs must be the team's, distinct, at least
    /// two, trained on the same dataset and mice, and finished (succeeded); with <paramref name="allowTraining"/>
    /// runs still queued or running are accepted too and the ensemble waits for them.
    /// </summary>
    public async Task<EnsembleResult> CreateAsync(long teamId, long? userId, string? name, IReadOnlyList<long>? runIds, bool allowTraining = false)
    {
        var errors = new Dictionary<string, string[]>();
        if (runIds is null || runIds.Count < 2)
            return new(null, new Dictionary<string, string[]> { ["runs"] = [$"An ensemble needs at least two runs (got {runIds?.Count ?? 0})."] });
        if (runIds.Distinct().Count() != runIds.Count)
            return new(null, new Dictionary<string, string[]> { ["runs"] = [$"Run {runIds.GroupBy(r => r).First(g => g.Count() > 1).Key} is listed twice."] });
        if (name is { Length: > 200 }) errors["name"] = ["The name is longer than 200 characters."];
        if (CannotEvaluate is { } why) errors["runs"] = [why];
        var problems = new List<string>();
        var members = new List<Run>();
        foreach (long id in runIds)
        {
            var run = await runs.GetAsync(id);
            if (run is null || run.TeamId != teamId) { problems.Add($"Run {id} is not one of your team's runs."); continue; }
            members.Add(run);
            bool training = run.Status is RunStatus.Queued or RunStatus.Running;
            if (run.Status != RunStatus.Succeeded && !(allowTraining && training))
                problems.Add($"Run {id} ({run.Name}) is {run.Status.ToString().ToLowerInvariant()}: only finished (succeeded) runs can be ensembled.");
            else if (run.Status == RunStatus.Succeeded && runFiles.RunDirectory(run) is null)
                problems.Add($"Run {id} ({run.Name}) has no model folder (spec.json, model.pth) on this server.");
        }
        (string Dataset, string Mice)? first = null;
        Run? firstRun = null;
        foreach (var run in members)
        {
            if (await ShapeAsync(run, problems.Add) is not { } shape) continue;
            if (first is null) { first = shape; firstRun = run; continue; }
            if (shape.Dataset != first.Value.Dataset)
                problems.Add($"Run {run.Id} ({run.Name}) was trained on dataset {Path.GetFileName(shape.Dataset)}, run {firstRun!.Id} on {Path.GetFileName(first.Value.Dataset)}: members need the same dataset.");
            else if (shape.Mice != first.Value.Mice)
                problems.Add($"Run {run.Id} ({run.Name}) was trained on mice {Show(shape.Mice)}, run {firstRun!.Id} on {Show(first.Value.Mice)}: members need the same mice.");
        }
        if (problems.Count > 0) errors["runs"] = [.. errors.GetValueOrDefault("runs", []), .. problems];
        if (errors.Count > 0) return new(null, errors);

        bool waiting = members.Any(m => m.Status != RunStatus.Succeeded);
        string title = string.IsNullOrWhiteSpace(name) ? $"ensemble of {string.Join(", ", runIds)}" : name.Trim();
        var device = members.Select(m => m.Device).Distinct().Count() == 1 && members[0].Device is { } d && d.StartsWith("cuda", StringComparison.OrdinalIgnoreCase)
            && workbench.Value.Devices.Any(x => string.Equals(x.Name, d, StringComparison.OrdinalIgnoreCase)) ? d : null;
        var ensemble = await store.CreateAsync(new NewEnsemble(teamId, userId, title, first!.Value.Dataset,
            first.Value.Mice.Split(',', StringSplitOptions.RemoveEmptyEntries), runIds, waiting, device));
        logger.LogInformation("Ensemble {EnsembleId} of runs {Runs} made ({Status}).", ensemble.Id, string.Join(",", runIds), ensemble.Status);
        Changed?.Invoke(ensemble.Id);
        signal.Wake();
        return new(ensemble, new Dictionary<string, string[]>());
    }

    /// <summary>
    /// Makes a succeeded ensemble's live-test and final-test files for a track (<c>sensorium submission make</c> on its
    /// folder, in a child process) into <c>ENSEMBLE/submissions/&lt;track&gt;-&lt;time&gt;</c>.
    /// </summary>
    public async Task<IReadOnlyList<MadeFile>> MakeSubmissionAsync(Ensemble ensemble, string track, CancellationToken cancel = default)
    {
        if (ensemble.Status != EnsembleStatus.Succeeded)
            throw new InvalidOperationException($"ensemble {ensemble.Id} is {ensemble.Status.ToString().ToLowerInvariant()}: files are made once it has been evaluated");
        string outDir = Path.Combine(Directory(ensemble.Id), "submissions", $"{Sensorium.Data.Track.Named(track).Slug}-{DateTime.UtcNow:yyyyMMddHHmmss}");
        var report = await runFiles.MakeFromFolderAsync(Directory(ensemble.Id), outDir, track, cancel);
        logger.LogInformation("Ensemble {EnsembleId}: made {Files} {Track} file(s) in {Folder}", ensemble.Id, report.Files.Count, track, outDir);
        return RunSubmissionMaker.Files(report);
    }

    static string Show(string mice) => mice.Length == 0 ? "(every mouse of the dataset)" : mice;

    /// <summary>Evaluates an ensemble again (after it failed or was interrupted); null when it is not in such a state or a member has not succeeded.</summary>
    public async Task<Ensemble?> RequeueAsync(long teamId, long id)
    {
        if (await GetAsync(teamId, id) is not { } ensemble) return null;
        foreach (long member in ensemble.MemberRunIds)
            if (await runs.GetAsync(member) is not { Status: RunStatus.Succeeded }) return null; // evaluated once every member has finished
        var queued = await store.QueueAsync(id);
        if (queued is not null) { Changed?.Invoke(id); signal.Wake(); }
        return queued;
    }

    /// <summary>Waiting ensembles whose members all succeeded are queued; those with a member that ended otherwise fail.</summary>
    public async Task PromoteWaitingAsync()
    {
        foreach (var e in await store.ListInStatusAsync(EnsembleStatus.Waiting))
        {
            var members = new List<Run>();
            foreach (long id in e.MemberRunIds) if (await runs.GetAsync(id) is { } r) members.Add(r);
            // An interrupted run can be resumed: the ensemble keeps waiting for it.
            var ended = members.FirstOrDefault(m => m.Status is RunStatus.Failed or RunStatus.Cancelled);
            if (members.Count < e.MemberRunIds.Count || ended is not null)
            {
                string why = ended is null ? "a member run no longer exists" : $"member run {ended.Id} ({ended.Name}) {ended.Status.ToString().ToLowerInvariant()}";
                if (await store.FailAsync(e.Id, $"Not evaluated: {why}.") is not null) Changed?.Invoke(e.Id);
            }
            else if (members.All(m => m.Status == RunStatus.Succeeded) && await store.QueueAsync(e.Id) is not null)
            {
                logger.LogInformation("Ensemble {EnsembleId}: every member finished; queued.", e.Id);
                Changed?.Invoke(e.Id);
            }
        }
    }

    /// <summary>At start-up: ensembles the previous server was evaluating end interrupted.</summary>
    public async Task RecoverAsync()
    {
        foreach (var e in await store.InterruptRunningAsync(InterruptedMessage))
        {
            logger.LogWarning("Ensemble {EnsembleId} was being evaluated when the server stopped; it is now interrupted.", e.Id);
            if (e.Pid is { } pid && IsWorkerOf(pid, Directory(e.Id))) PosixSignals.Terminate(pid);
        }
    }

    private static bool IsWorkerOf(int pid, string dir)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(dir, StringComparison.Ordinal); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    // ISlotJobs: the dispatcher's view.

    public async Task<(IReadOnlyList<QueuedRun> Queued, IReadOnlyList<RunningRun> Running)> ActiveAsync()
    {
        await PromoteWaitingAsync();
        var active = await store.ListInStatusAsync(EnsembleStatus.Queued, EnsembleStatus.Running);
        return (active.Where(e => e.Status == EnsembleStatus.Queued)
                    .Select(e => new QueuedRun(e.Id, e.TeamId, e.CreatedAt, e.RequestedDevice, 0, Kind: SlotWork.Ensemble)).ToList(),
                active.Where(e => e.Status == EnsembleStatus.Running)
                    .Select(e => new RunningRun(e.Id, e.TeamId, e.Device ?? "", Kind: SlotWork.Ensemble)).ToList());
    }

    public Task<IReadOnlyDictionary<long, DateTimeOffset>> LastStartPerTeamAsync() => store.LastStartPerTeamAsync();

    public async Task StartAsync(long jobId, string device, CancellationToken cancellationToken)
    {
        if (await store.StartAsync(jobId, device) is not { } ensemble) return; // no longer queued
        Changed?.Invoke(ensemble.Id);
        _supervising[ensemble.Id] = Task.Run(async () =>
        {
            try { await SuperviseAsync(ensemble); }
            finally { _supervising.TryRemove(ensemble.Id, out _); }
        });
    }

    private async Task SuperviseAsync(Ensemble ensemble)
    {
        var cancel = _stopping.Token;
        string? error = null;
        string? scores = null;
        try
        {
            scores = await EvaluateAsync(ensemble, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            if (await store.InterruptAsync(ensemble.Id, InterruptedMessage) is not null) Changed?.Invoke(ensemble.Id);
            return;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Ensemble {EnsembleId} failed", ensemble.Id);
            error = e.Message;
        }
        try
        {
            var ended = error is null ? await store.SucceedAsync(ensemble.Id, scores!) : await store.FailAsync(ensemble.Id, error);
            if (ended is not null) Changed?.Invoke(ensemble.Id);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Ensemble {EnsembleId}: its end could not be stored", ensemble.Id);
        }
        finally
        {
            signal.Wake(); // its slot is free
        }
    }

    private static string TorchDevice(string? device) => device?.ToLowerInvariant() switch
    {
        "cpu" => "cpu",
        { } d when d == "cuda" || d.StartsWith("cuda:", StringComparison.Ordinal) => "cuda",
        _ => "auto",
    };

    /// <summary>
    /// Writes the manifest and scores it per mouse on validation and test (test against the dataset's host copy when it
    /// has one, DIR/host). Returns the scores as JSON: {"validation": [...], "test": [...] or null, "testMessage": ...}.
    /// </summary>
    private async Task<string> EvaluateAsync(Ensemble ensemble, CancellationToken cancel)
    {
        var dirs = new List<string>();
        foreach (long id in ensemble.MemberRunIds)
        {
            var run = await runs.GetAsync(id) ?? throw new InvalidOperationException($"member run {id} no longer exists");
            dirs.Add(runFiles.RunDirectory(run) ?? throw new InvalidOperationException($"member run {id} has no model folder (spec.json, model.pth)"));
        }
        string dir = Directory(ensemble.Id);
        int threads = cli.ThreadsPerRun();
        var made = await cli.RunAsync(["ensemble", "--runs", string.Join(',', dirs), "--out", dir, "--name", ensemble.Name],
            threads: threads, cancel: cancel, started: pid => store.SetPidAsync(ensemble.Id, pid));
        if (made.ExitCode != 0) throw new InvalidOperationException(made.LastErrorLine ?? $"sensorium ensemble exited with code {made.ExitCode}");

        var result = new JsonObject();
        foreach (string tier in new[] { "validation", "test" })
        {
            List<string> arguments = ["evaluate", "--run", dir, "--tier", tier, "--device", TorchDevice(ensemble.Device)];
            string host = Path.Combine(ensemble.Dataset, "host");
            if (tier == "test" && System.IO.Directory.Exists(host)) arguments.AddRange(["--truth", host]);
            var outcome = await cli.RunAsync(arguments, threads: threads, device: ensemble.Device, cancel: cancel,
                started: pid => store.SetPidAsync(ensemble.Id, pid));
            if (outcome.ExitCode != 0)
            {
                string why = outcome.LastErrorLine ?? $"sensorium evaluate exited with code {outcome.ExitCode}";
                if (tier == "validation") throw new InvalidOperationException(why);
                result["test"] = null; // e.g. the test responses are withheld on this server: said, not hidden
                result["testMessage"] = why;
                continue;
            }
            var mice = JsonNode.Parse(outcome.Output)?["mice"]?.AsArray()
                ?? throw new InvalidDataException($"sensorium evaluate --tier {tier} printed no mice: {outcome.Output}");
            result[tier] = mice.DeepClone();
        }
        return result.ToJsonString();
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) == 1) return;
        _stopping.Cancel();
        try { await Task.WhenAll(_supervising.Values.ToArray()).WaitAsync(cancellationToken); }
        catch (OperationCanceledException) { logger.LogWarning("Ensemble evaluations still stopping when the server's stop timed out."); }
    }

    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        _stopping.Dispose();
    }
}

/// <summary>One mouse's scores on one tier, as the worker's <c>evaluate</c> printed them.</summary>
public sealed record EnsembleMouseScore(string DataKey, int Trials, int Neurons, double SingleTrialCorrelation, double CorrelationToAverage, double? Feve);

/// <summary>An ensemble's stored scores, parsed for the pages and the API.</summary>
public sealed record EnsembleScores(IReadOnlyList<EnsembleMouseScore> Validation, IReadOnlyList<EnsembleMouseScore>? Test, string? TestMessage)
{
    public static EnsembleScores? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        var root = JsonNode.Parse(json)!.AsObject();
        static List<EnsembleMouseScore>? Mice(JsonNode? node) => node?.AsArray().Select(m => new EnsembleMouseScore(
            (string)m!["data_key"]!, (int)m["trials"]!, (int)m["neurons"]!, (double)m["single_trial_correlation"]!,
            (double)m["correlation_to_average"]!, m["feve"] is { } f ? (double?)f : null)).ToList();
        return new EnsembleScores(Mice(root["validation"]) ?? [], Mice(root["test"]), (string?)root["testMessage"]);
    }

    /// <summary>The mean single-trial correlation over the mice of a tier (null without scores).</summary>
    public static double? Mean(IReadOnlyList<EnsembleMouseScore>? mice) => mice is { Count: > 0 } ? mice.Average(m => m.SingleTrialCorrelation) : null;
}
