using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
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

/// <summary>The state of a run's latest in-silico job, as the pages show it. <see cref="Device"/>: its slot once started.</summary>
public sealed record InSilicoJob(long RunId, InSilicoJobState State, string Stage, double Progress, string? Message, DateTimeOffset Since,
    string? Device = null)
{
    public bool IsActive => State is InSilicoJobState.Queued or InSilicoJobState.Running;

    public static InSilicoJob From(StoredJob job) => new(job.RunId, (InSilicoJobState)(int)job.Status, job.Stage, job.Progress, job.Message,
        job.FinishedAt ?? job.StartedAt ?? job.CreatedAt, job.Device);
}

/// <summary>
/// Queues in-silico experiments of finished runs as jobs stored in the database (<see cref="InSilicoJobStore"/>).
/// A job waits for a device slot of the fair scheduler like a training run (<see cref="ISlotJobs"/>: the
/// <see cref="RunDispatcher"/> plans both; a run trained on a GPU gets its job on that GPU), then runs as a
/// <c>sensorium insilico all --events -</c> worker process (like trainings and submission making: TorchSharp stays
/// out of the server) writing to <c>RUN/insilico</c>. Progress comes from the worker's JSON lines (stored, and heard
/// live through <see cref="Changed"/>); the end frees the slot. A job the server was running when it stopped ends
/// interrupted (<see cref="RecoverAsync"/> at the next start, with a message saying so); queued jobs stay queued.
/// </summary>
public sealed class InSilicoJobs(CliLauncher cli, IOptions<WorkerOptions> worker, IOptions<WorkbenchOptions> workbench,
    InSilicoJobStore store, RunStore runStore, RunSubmissionMaker runs, QueueSignal signal, TimeProvider time,
    ILogger<InSilicoJobs> logger, IHostApplicationLifetime lifetime) : ISlotJobs, IHostedService, IDisposable
{
    /// <summary>What a job's worker left running when the server stopped gets as its message.</summary>
    public const string InterruptedMessage =
        "The server stopped while this job was running; results it had not finished are missing or partial. Run it again.";

    /// <summary>Each run's latest job as last seen (the store is the truth; this saves a query per progress line).</summary>
    private readonly ConcurrentDictionary<long, InSilicoJob> _latest = new();
    private readonly ConcurrentDictionary<long, DateTimeOffset> _lastStored = new();
    private readonly ConcurrentDictionary<long, Task> _supervising = new();
    private readonly CancellationTokenSource _stopping = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);

    /// <summary>A run's job changed (queued, started, progress, ended); the argument is the run id.</summary>
    public event Action<long>? Changed;

    /// <summary>The run's latest job as last seen by this server; null when none was seen (see <see cref="GetAsync"/>).</summary>
    public InSilicoJob? Get(long runId) => _latest.TryGetValue(runId, out var job) ? job : null;

    /// <summary>The run's latest job: as last seen, else from the store; null when it never had one.</summary>
    public async Task<InSilicoJob?> GetAsync(long runId)
    {
        if (Get(runId) is { } seen) return seen;
        if (await store.LatestForRunAsync(runId) is not { } stored) return null;
        return _latest.GetOrAdd(runId, InSilicoJob.From(stored));
    }

    /// <summary>The folder of a run's results (whether or not it exists yet), or null when the run has no model directory.</summary>
    public string? ResultsDirectory(Run run) => runs.RunDirectory(run) is { } dir ? Path.Combine(dir, InSilicoFolder.DefaultName) : null;

    /// <summary>The dataset the run was trained on (from its spec.json), where a synthetic ground truth may sit; null if unreadable.</summary>
    public string? DatasetPath(Run run)
    {
        if (runs.RunDirectory(run) is not { } dir) return null;
        try { return Sensorium.Training.Checkpoint.ReadSpec(dir).Dataset.Path is { Length: > 0 } path ? Path.GetFullPath(path, dir) : null; }
        catch (Exception e) when (e is Sensorium.Data.DataFormatException or IOException or JsonException) { return null; }
    }

    /// <summary>
    /// The device a run's job asks for: the GPU the run trained on when that is a configured device, else none (any
    /// free slot).
    /// </summary>
    public string? DeviceFor(Run run) =>
        run.Device is { } device && device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase)
            && workbench.Value.Devices.Any(d => string.Equals(d.Name, device, StringComparison.OrdinalIgnoreCase))
            ? device : null;

    /// <summary>
    /// Queues the run's experiments unless a job for it is queued or running (then false). Throws when the run has not
    /// finished, has no model directory, or this server runs no worker processes.
    /// </summary>
    public async Task<bool> EnqueueAsync(Run run, int meiNeurons, long? requestedBy = null)
    {
        if (run.Status != RunStatus.Succeeded) throw new InvalidOperationException($"run {run.Id} has not finished training");
        _ = runs.RunDirectory(run) ?? throw new InvalidOperationException($"run {run.Id} has no model directory (spec.json, model.pth)");
        if (!worker.Value.Enabled)
            throw new InvalidOperationException("This server runs no worker processes (Worker:Enabled is false), so in-silico jobs cannot run.");
        var job = await store.CreateAsync(new NewInSilicoJob(run.Id, run.TeamId, requestedBy, Math.Clamp(meiNeurons, 1, 64), DeviceFor(run)));
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
            logger.LogWarning("In-silico job {JobId} of run {RunId} was running when the server stopped; it is now interrupted.", job.Id, job.RunId);
            if (job.Pid is { } pid && IsWorkerOf(pid, $"{Path.DirectorySeparatorChar}{job.RunId}{Path.DirectorySeparatorChar}{InSilicoFolder.DefaultName}"))
            {
                logger.LogWarning("In-silico job {JobId}: its old worker (pid {Pid}) still runs; stopping it.", job.Id, pid);
                PosixSignals.Terminate(pid);
            }
            Publish(job);
        }
        return interrupted;
    }

    private static bool IsWorkerOf(int pid, string outPart)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return commandLine.Contains(" insilico ", StringComparison.Ordinal) && commandLine.Contains(outPart, StringComparison.Ordinal);
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
        _latest[job.RunId] = job;
        Changed?.Invoke(job.RunId);
    }

    private async Task SuperviseAsync(StoredJob job)
    {
        var cancel = _stopping.Token;
        string? error;
        try
        {
            var run = await runStore.GetAsync(job.RunId) ?? throw new InvalidOperationException($"run {job.RunId} no longer exists");
            string runDir = runs.RunDirectory(run) ?? throw new InvalidOperationException($"run {run.Id} has no model directory (spec.json, model.pth)");
            error = await RunWorkerAsync(job, runDir, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The server is stopping: the worker was stopped; the job ends interrupted (also if this write is lost: RecoverAsync).
            if (await store.InterruptAsync(job.Id, InterruptedMessage) is { } interrupted) Publish(interrupted);
            return;
        }
        catch (Exception e)
        {
            logger.LogError(e, "In-silico job {JobId} of run {RunId} failed", job.Id, job.RunId);
            error = e.Message;
        }
        try
        {
            if (await store.FinishAsync(job.Id, error is null, error) is { } finished) Publish(finished);
        }
        catch (Exception e)
        {
            logger.LogError(e, "In-silico job {JobId} of run {RunId}: its end could not be stored", job.Id, job.RunId);
        }
        finally
        {
            signal.Wake(); // its slot is free
        }
    }

    /// <summary>A worker's progress line: shown at once, stored at most once a second (and at every new experiment).</summary>
    private async Task ReportAsync(StoredJob job, string stage, double progress, bool newExperiment)
    {
        Set(new InSilicoJob(job.RunId, InSilicoJobState.Running, stage, progress, null, time.GetUtcNow(), job.Device));
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
                double progress = Math.Max(Get(job.RunId)?.Progress ?? 0, (at + (p.Total == 0 ? 1 : p.Done / (double)p.Total)) / order.Length);
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
