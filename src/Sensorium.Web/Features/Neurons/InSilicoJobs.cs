using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Ensembles;
using Sensorium.Storage.InSilico;
using Sensorium.Storage.Runs;
using Sensorium.Training.InSilico;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Runs.Worker;
using Sensorium.Web.Features.Submissions;
using Sensorium.Web.Hosting;
using StoredJob = Sensorium.Storage.InSilico.InSilicoJob;

namespace Sensorium.Web.Features.Neurons;

public enum InSilicoJobState { Queued, Running, Done, Failed, Interrupted }

public enum InSilicoTargetKind { Run, Ensemble }

/// <summary>What in-silico experiments run on: a run or an ensemble (the mean of its members), by id.</summary>
public readonly record struct InSilicoTarget(InSilicoTargetKind Kind, long Id)
{
    public static InSilicoTarget OfRun(long runId) => new(InSilicoTargetKind.Run, runId);
    public static InSilicoTarget OfEnsemble(long ensembleId) => new(InSilicoTargetKind.Ensemble, ensembleId);
    public static InSilicoTarget Of(StoredJob job) => job.EnsembleId is { } e ? OfEnsemble(e)
        : OfRun(job.RunId ?? throw new InvalidDataException($"in-silico job {job.Id} names neither a run nor an ensemble"));

    [System.Text.Json.Serialization.JsonIgnore] public bool IsEnsemble => Kind == InSilicoTargetKind.Ensemble;
    /// <summary>"run" or "ensemble".</summary>
    [System.Text.Json.Serialization.JsonIgnore] public string Noun => IsEnsemble ? "ensemble" : "run";
    /// <summary>Its page: /runs/{id} or /ensembles/{id}.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public string Href => IsEnsemble ? $"/ensembles/{Id}" : $"/runs/{Id}";
    /// <summary>A key for pickers and file names: run-5, ensemble-2.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public string Key => $"{Noun}-{Id}";
    public override string ToString() => $"{Noun} {Id}";
}

/// <summary>
/// A run or an ensemble of the team as the Neurons components show it: <see cref="Ready"/> when its model can be
/// experimented on (a succeeded run; an evaluated ensemble whose folder holds its manifest), <see cref="State"/> its
/// status in words, <see cref="ModelDirectory"/> the run or ensemble folder (null when there is none on this server).
/// </summary>
public sealed record InSilicoSubject(InSilicoTarget Target, long TeamId, string Name, bool Ready, string State, string? ModelDirectory, string? Device)
{
    /// <summary>"run #5 cnn" or "ensemble #2 five seeds".</summary>
    public string Title => $"{Target.Noun} #{Target.Id} {Name}";
}

/// <summary>The state of a run's or ensemble's latest in-silico job, as the pages show it. <see cref="Device"/>: its slot once started.</summary>
public sealed record InSilicoJob(InSilicoTarget Target, InSilicoJobState State, string Stage, double Progress, string? Message, DateTimeOffset Since,
    string? Device = null)
{
    public bool IsActive => State is InSilicoJobState.Queued or InSilicoJobState.Running;

    /// <summary>The run's id for a run's job; null for an ensemble's.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public long? RunId => Target.IsEnsemble ? null : Target.Id;

    public static InSilicoJob From(StoredJob job) => new(InSilicoTarget.Of(job), (InSilicoJobState)(int)job.Status, job.Stage, job.Progress, job.Message,
        job.FinishedAt ?? job.StartedAt ?? job.CreatedAt, job.Device);
}

/// <summary>
/// Queues in-silico experiments of finished runs and evaluated ensembles (<see cref="InSilicoTarget"/>) as jobs stored in the database (<see cref="InSilicoJobStore"/>).
/// A job waits for a device slot of the fair scheduler like a training run (<see cref="ISlotJobs"/>: the
/// <see cref="RunDispatcher"/> plans both; a run trained on a GPU gets its job on that GPU), then runs as a
/// <c>sensorium insilico all --events -</c> worker process (like trainings and submission making: TorchSharp stays
/// out of the server) writing to <c>RUN/insilico</c> (an ensemble's: <c>&lt;Artifacts&gt;/ensembles/&lt;id&gt;/insilico</c>, its
/// twin the mean of its members). Progress comes from the worker's JSON lines (stored, and heard
/// live through <see cref="Changed"/>); the end frees the slot. A job the server was running when it stopped ends
/// interrupted (<see cref="RecoverAsync"/> at the next start, with a message saying so); queued jobs stay queued.
/// </summary>
public sealed class InSilicoJobs(CliLauncher cli, IOptions<WorkerOptions> worker, IOptions<WorkbenchOptions> workbench,
    InSilicoJobStore store, RunStore runStore, EnsembleStore ensembleStore, RunSubmissionMaker runs, QueueSignal signal, TimeProvider time,
    ILogger<InSilicoJobs> logger, IHostApplicationLifetime lifetime) : ISlotJobs, IHostedService, IDisposable
{
    /// <summary>What a job's worker left running when the server stopped gets as its message.</summary>
    public const string InterruptedMessage =
        "The server stopped while this job was running; results it had not finished are missing or partial. Run it again.";

    /// <summary>Each run's and ensemble's latest job as last seen (the store is the truth; this saves a query per progress line).</summary>
    private readonly ConcurrentDictionary<InSilicoTarget, InSilicoJob> _latest = new();
    private readonly ConcurrentDictionary<long, DateTimeOffset> _lastStored = new();
    private readonly ConcurrentDictionary<long, Task> _supervising = new();
    private readonly CancellationTokenSource _stopping = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);

    /// <summary>A run's or ensemble's job changed (queued, started, progress, ended).</summary>
    public event Action<InSilicoTarget>? Changed;

    /// <summary>The latest job as last seen by this server; null when none was seen (see <see cref="GetAsync(InSilicoTarget)"/>).</summary>
    public InSilicoJob? Get(InSilicoTarget target) => _latest.TryGetValue(target, out var job) ? job : null;

    /// <summary>The run's latest job as last seen by this server.</summary>
    public InSilicoJob? Get(long runId) => Get(InSilicoTarget.OfRun(runId));

    /// <summary>The latest job: as last seen, else from the store; null when it never had one.</summary>
    public async Task<InSilicoJob?> GetAsync(InSilicoTarget target)
    {
        if (Get(target) is { } seen) return seen;
        var stored = target.IsEnsemble ? await store.LatestForEnsembleAsync(target.Id) : await store.LatestForRunAsync(target.Id);
        return stored is null ? null : _latest.GetOrAdd(target, InSilicoJob.From(stored));
    }

    public Task<InSilicoJob?> GetAsync(long runId) => GetAsync(InSilicoTarget.OfRun(runId));

    /// <summary>A run as a subject of experiments.</summary>
    public InSilicoSubject SubjectOf(Run run) => new(InSilicoTarget.OfRun(run.Id), run.TeamId, run.Name, run.Status == RunStatus.Succeeded,
        run.Status.ToString().ToLowerInvariant(), runs.RunDirectory(run), run.Device);

    /// <summary>An ensemble as a subject of experiments: ready once evaluated (its folder holds ensemble.json).</summary>
    public InSilicoSubject SubjectOf(Ensemble ensemble)
    {
        string dir = Ensembles.EnsembleJobs.DirectoryOf(workbench.Value.ArtifactsDirectory, ensemble.Id);
        bool made = Sensorium.Training.Ensemble.IsEnsemble(dir);
        return new(InSilicoTarget.OfEnsemble(ensemble.Id), ensemble.TeamId, ensemble.Name, ensemble.Status == EnsembleStatus.Succeeded && made,
            ensemble.Status.ToString().ToLowerInvariant(), made ? dir : null, ensemble.Device);
    }

    /// <summary>The team's run or ensemble; null when it does not exist or is another team's.</summary>
    public async Task<InSilicoSubject?> SubjectAsync(long teamId, InSilicoTarget target)
    {
        if (target.IsEnsemble) return await ensembleStore.GetAsync(target.Id) is { } e && e.TeamId == teamId ? SubjectOf(e) : null;
        return await runStore.GetAsync(target.Id) is { } r && r.TeamId == teamId ? SubjectOf(r) : null;
    }

    /// <summary>The team's succeeded runs and evaluated ensembles whose in-silico folder holds scores, but <paramref name="except"/>: what a Neurons page compares with.</summary>
    public async Task<IReadOnlyList<InSilicoSubject>> WithScoresAsync(long teamId, InSilicoTarget except)
    {
        var subjects = (await runStore.ListForTeamAsync(teamId)).Select(SubjectOf)
            .Concat((await ensembleStore.ListForTeamAsync(teamId)).Select(SubjectOf));
        return subjects.Where(s => s.Target != except && s.Ready && ResultsDirectory(s) is { } dir && File.Exists(Path.Combine(dir, "scores.json"))).ToList();
    }

    /// <summary>The folder of a run's results (whether or not it exists yet), or null when the run has no model directory.</summary>
    public string? ResultsDirectory(Run run) => ResultsDirectory(SubjectOf(run));

    /// <summary>The folder of the results (whether or not it exists yet), or null when there is no model directory.</summary>
    public string? ResultsDirectory(InSilicoSubject subject) => subject.ModelDirectory is { } dir ? Path.Combine(dir, InSilicoFolder.DefaultName) : null;

    /// <summary>The dataset the run was trained on (from its spec.json), where a synthetic ground truth may sit; null if unreadable.</summary>
    public string? DatasetPath(Run run) => DatasetPath(SubjectOf(run));

    /// <summary>The dataset of the run or ensemble (its spec.json or ensemble.json), where a synthetic ground truth may sit; null if unreadable.</summary>
    public string? DatasetPath(InSilicoSubject subject)
    {
        if (subject.ModelDirectory is not { } dir) return null;
        try { return Sensorium.Training.ModelFolder.Open(dir).Spec.Dataset.Path is { Length: > 0 } path ? Path.GetFullPath(path, dir) : null; }
        catch (Exception e) when (e is Sensorium.Data.DataFormatException or IOException or JsonException) { return null; }
    }

    /// <summary>
    /// The device a run's job asks for: the GPU the run trained on when that is a configured device, else none (any
    /// free slot).
    /// </summary>
    public string? DeviceFor(Run run) => DeviceFor(run.Device);

    private string? DeviceFor(string? device) =>
        device is not null && device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase)
            && workbench.Value.Devices.Any(d => string.Equals(d.Name, device, StringComparison.OrdinalIgnoreCase))
            ? device : null;

    /// <summary>
    /// Queues the run's experiments unless a job for it is queued or running (then false). Throws when the run has not
    /// finished, has no model directory, or this server runs no worker processes.
    /// </summary>
    public Task<bool> EnqueueAsync(Run run, int meiNeurons, long? requestedBy = null) => EnqueueAsync(SubjectOf(run), meiNeurons, requestedBy);

    /// <summary>
    /// Queues the experiments of a run or an ensemble unless a job for it is queued or running (then false). Throws
    /// when the run has not finished (the ensemble has not been evaluated), there is no model directory, or this server
    /// runs no worker processes.
    /// </summary>
    public async Task<bool> EnqueueAsync(InSilicoSubject subject, int meiNeurons, long? requestedBy = null)
    {
        var target = subject.Target;
        if (!subject.Ready)
            throw new InvalidOperationException(target.IsEnsemble
                ? $"ensemble {target.Id} has not been evaluated (it is {subject.State}): in-silico experiments run on an evaluated ensemble"
                : $"run {target.Id} has not finished training");
        _ = subject.ModelDirectory ?? throw new InvalidOperationException(target.IsEnsemble
            ? $"ensemble {target.Id} has no folder with its manifest (ensemble.json) on this server"
            : $"run {target.Id} has no model directory (spec.json, model.pth)");
        if (!worker.Value.Enabled)
            throw new InvalidOperationException("This server runs no worker processes (Worker:Enabled is false), so in-silico jobs cannot run.");
        var job = await store.CreateAsync(new NewInSilicoJob(target.IsEnsemble ? null : target.Id, subject.TeamId, requestedBy,
            Math.Clamp(meiNeurons, 1, 64), DeviceFor(subject.Device), target.IsEnsemble ? target.Id : null));
        if (job is null) return false;
        Publish(job);
        signal.Wake(); // the dispatcher plans it with the runs
        return true;
    }

    /// <summary>At start-up: running jobs of the previous server end interrupted; their old workers are stopped.</summary>
    public async Task<IReadOnlyList<StoredJob>> RecoverAsync()
    {
        var interrupted = await store.InterruptRunningAsync(InterruptedMessage);
        foreach (var job in interrupted)
        {
            var target = InSilicoTarget.Of(job);
            logger.LogWarning("In-silico job {JobId} of {Target} was running when the server stopped; it is now interrupted.", job.Id, target);
            char sep = Path.DirectorySeparatorChar;
            string outPart = $"{sep}{target.Id}{sep}{InSilicoFolder.DefaultName}";
            if (job.Pid is { } pid && IsWorkerOf(pid, target.IsEnsemble ? $"{sep}ensembles{outPart}" : outPart, target.IsEnsemble ? null : $"{sep}ensembles{outPart}"))
            {
                logger.LogWarning("In-silico job {JobId}: its old worker (pid {Pid}) still runs; stopping it.", job.Id, pid);
                PosixSignals.Terminate(pid);
            }
            Publish(job);
        }
        return interrupted;
    }

    private static bool IsWorkerOf(int pid, string outPart, string? notPart)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return commandLine.Contains(" insilico ", StringComparison.Ordinal) && commandLine.Contains(outPart, StringComparison.Ordinal)
                && (notPart is null || !commandLine.Contains(notPart, StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    // ISlotJobs: the dispatcher's view of the jobs.

    public SlotWork Kind => SlotWork.InSilicoJob;

    public async Task<(IReadOnlyList<QueuedRun> Queued, IReadOnlyList<RunningRun> Running)> ActiveAsync()
    {
        var active = await store.ListActiveAsync();
        return (active.Where(j => j.Status == InSilicoJobStatus.Queued)
                    .Select(j => new QueuedRun(j.Id, j.TeamId, j.CreatedAt, j.RequestedDevice, 0, Kind: SlotWork.InSilicoJob)).ToList(),
                active.Where(j => j.Status == InSilicoJobStatus.Running)
                    .Select(j => new RunningRun(j.Id, j.TeamId, j.Device ?? "", Kind: SlotWork.InSilicoJob)).ToList());
    }

    public Task<IReadOnlyDictionary<long, DateTimeOffset>> LastStartPerTeamAsync() => store.LastStartPerTeamAsync();

    public async Task StartAsync(long jobId, string device, CancellationToken cancellationToken)
    {
        if (await store.StartAsync(jobId, device) is not { } job) return; // no longer queued
        Publish(job);
        _supervising[job.Id] = Task.Run(async () =>
        {
            try { await SuperviseAsync(job); }
            finally { _supervising.TryRemove(job.Id, out _); }
        });
    }

    private void Publish(StoredJob job) => Set(InSilicoJob.From(job));

    private void Set(InSilicoJob job)
    {
        _latest[job.Target] = job;
        Changed?.Invoke(job.Target);
        Published?.Invoke(job);
    }

    /// <summary>This node's own job changes, for other web nodes (Features/Nodes forwards them through Redis).</summary>
    public event Action<InSilicoJob>? Published;

    /// <summary>A job change another web node published (the dispatching node runs the jobs): shown here as well.</summary>
    public void ApplyRemote(InSilicoJob job)
    {
        _latest[job.Target] = job;
        Changed?.Invoke(job.Target);
    }

    private async Task SuperviseAsync(StoredJob job)
    {
        var cancel = _stopping.Token;
        string? error;
        try
        {
            var target = InSilicoTarget.Of(job);
            string modelDir;
            if (target.IsEnsemble)
            {
                var ensemble = await ensembleStore.GetAsync(target.Id) ?? throw new InvalidOperationException($"ensemble {target.Id} no longer exists");
                modelDir = SubjectOf(ensemble).ModelDirectory ?? throw new InvalidOperationException($"ensemble {target.Id} has no folder with its manifest (ensemble.json) on this server");
            }
            else
            {
                var run = await runStore.GetAsync(target.Id) ?? throw new InvalidOperationException($"run {target.Id} no longer exists");
                modelDir = runs.RunDirectory(run) ?? throw new InvalidOperationException($"run {run.Id} has no model directory (spec.json, model.pth)");
            }
            error = await RunWorkerAsync(job, modelDir, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The server is stopping: the worker was stopped; the job ends interrupted (also if this write is lost: RecoverAsync).
            if (await store.InterruptAsync(job.Id, InterruptedMessage) is { } interrupted) Publish(interrupted);
            return;
        }
        catch (Exception e)
        {
            logger.LogError(e, "In-silico job {JobId} ({RunId}, ensemble {EnsembleId}) failed", job.Id, job.RunId, job.EnsembleId);
            error = e.Message;
        }
        try
        {
            if (await store.FinishAsync(job.Id, error is null, error) is { } finished) Publish(finished);
        }
        catch (Exception e)
        {
            logger.LogError(e, "In-silico job {JobId} ({RunId}, ensemble {EnsembleId}): its end could not be stored", job.Id, job.RunId, job.EnsembleId);
        }
        finally
        {
            signal.Wake(); // its slot is free
        }
    }

    /// <summary>A worker's progress line: shown at once, stored at most once a second (and at every new experiment).</summary>
    private async Task ReportAsync(StoredJob job, string stage, double progress, bool newExperiment)
    {
        Set(new InSilicoJob(InSilicoTarget.Of(job), InSilicoJobState.Running, stage, progress, null, time.GetUtcNow(), job.Device));
        var now = time.GetUtcNow();
        if (!newExperiment && _lastStored.TryGetValue(job.Id, out var last) && now - last < TimeSpan.FromSeconds(1)) return;
        _lastStored[job.Id] = now;
        await store.ReportAsync(job.Id, stage, progress);
    }

    private static string TorchDevice(string? device) => device?.ToLowerInvariant() switch
    {
        "cpu" => "cpu",
        { } d when d == "cuda" || d.StartsWith("cuda:", StringComparison.Ordinal) => "cuda",
        _ => "auto",
    };

    /// <summary>As many CPU threads as a training slot gets.</summary>
    private int Threads() => worker.Value.ThreadsPerSlot > 0 ? worker.Value.ThreadsPerSlot
        : Math.Max(1, Environment.ProcessorCount / Math.Max(1, workbench.Value.Devices.Sum(d => d.Slots)));

    /// <summary>Runs the worker; null on success, else the reason (its last error line or exit code).</summary>
    private async Task<string?> RunWorkerAsync(StoredJob job, string runDir, CancellationToken cancel)
    {
        List<string> arguments = ["insilico", "all", "--run", runDir, "--out", Path.Combine(runDir, InSilicoFolder.DefaultName),
            "--neurons", "all", "--mei-neurons", $"top:{job.MeiNeurons}", "--device", TorchDevice(job.Device), "--events", "-",
            "--threads", Threads().ToString(System.Globalization.CultureInfo.InvariantCulture)];
        string[] order = ["scores", "rf", "mei", "tuning", "score"];
        string? experimentSeen = null;
        // A line that is not the protocol throws here: the launcher then stops the worker (it must not outlive its job's slot).
        var outcome = await cli.RunAsync(arguments, device: job.Device, cancel: cancel,
            started: pid => store.SetPidAsync(job.Id, pid),
            onLineAsync: async line =>
            {
                if (!line.StartsWith('{')) return;
                try { JsonDocument.Parse(line).Dispose(); }
                catch (JsonException e) { throw new InvalidDataException($"the worker wrote a broken JSON line ({e.Message}): {line}"); }
                if (InSilicoProgressLine.Parse(line) is not { } p) return; // the result or a message
                int at = Math.Max(0, Array.IndexOf(order, p.Experiment));
                // An experiment reports several stages, each from 0: the bar holds at the furthest point reached.
                double progress = Math.Max(Get(InSilicoTarget.Of(job))?.Progress ?? 0, (at + (p.Total == 0 ? 1 : p.Done / (double)p.Total)) / order.Length);
                await ReportAsync(job, $"{p.Experiment}: {p.Stage} {p.Done}/{p.Total}", progress, p.Experiment != experimentSeen);
                experimentSeen = p.Experiment;
            });
        if (outcome.ExitCode == 0) return null;
        return outcome.LastErrorLine ?? $"the worker exited with code {outcome.ExitCode}";
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The server stops: the workers of running jobs are stopped and their jobs stored as interrupted.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) == 1) return; // stopped and disposed already
        _stopping.Cancel();
        try { await Task.WhenAll(_supervising.Values.ToArray()).WaitAsync(cancellationToken); }
        catch (OperationCanceledException) { logger.LogWarning("In-silico jobs still stopping when the server's stop timed out."); }
    }

    private int _disposed;

    public void Dispose() // the host and a test's component context may both dispose it
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        _stopping.Dispose();
    }
}

public static class NeuronsSetup
{
    /// <summary>The in-silico job queue (stored jobs, planned by the run dispatcher into device slots).</summary>
    public static IServiceCollection AddNeurons(this IServiceCollection services)
    {
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<CliLauncher>(services);
        services.AddSingleton<InSilicoJobStore>();
        services.AddSingleton<InSilicoJobs>();
        services.AddSingleton<ISlotJobs>(sp => sp.GetRequiredService<InSilicoJobs>());
        services.AddHostedService(sp => sp.GetRequiredService<InSilicoJobs>()); // its StopAsync: jobs in flight end interrupted
        return services;
    }
}
