using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Datasets;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Runs.Worker;

/// <summary>
/// Runs each training as its own <c>sensorium train … --events -</c> process and supervises it: the JSON lines on its
/// stdout go to <see cref="RunProgressRecorder"/> (through <see cref="WorkerEventReader"/>), the last stderr lines
/// explain a failure, the exit code decides the outcome (0 succeeded, 130 cancelled, anything else failed). A worker
/// that crashes, is killed or runs out of memory fails its run and nothing else.
/// <para>
/// Cancel = SIGTERM (the worker stops at the next batch and keeps its checkpoint), then SIGKILL after
/// <see cref="WorkerOptions.StopGraceSeconds"/>. When the server stops, workers get the same SIGTERM but their runs
/// stay <c>running</c> in the store: the next start requeues them from their checkpoint (<see cref="RunRecovery"/>).
/// </para>
/// </summary>
public sealed class ProcessRunLauncher(
    IOptions<WorkerOptions> workerOptions, IOptions<WorkbenchOptions> workbenchOptions, CliLauncher cli, DatasetStore datasets,
    RunProgressRecorder recorder, ILogger<ProcessRunLauncher> logger) : IRunLauncher, IHostedService
{
    /// <summary>"Diverged at epoch 3, batch 4 (loss NaN). The model kept is the best before it: epoch 2, validation 0.1835."</summary>
    public static bool IsDivergedMessage(string? error) => error?.StartsWith("Training diverged", StringComparison.Ordinal) == true;

    public static string DivergedMessage(TrainingFinished? finished) => finished is null
        ? "Training diverged (non-finite numbers); the worker's report of it was not received."
        : $"Training {finished.Reason}. The model kept is the best before it: epoch {finished.BestEpoch}, validation {finished.BestObjective:F4}.";

    readonly ConcurrentDictionary<long, WorkerProcess> workers = new();
    volatile bool serverStopping;

    WorkerOptions Options => workerOptions.Value;

    public bool IsAvailable => Options.Enabled;

    /// <summary>Run ids whose worker is alive right now.</summary>
    public IReadOnlyCollection<long> RunningWorkers => workers.Keys.ToList();

    public string RunDirectory(long runId) => cli.RunDirectory(runId);

    public bool HasCheckpoint(long runId) => Checkpoint.CanResume(RunDirectory(runId));

    /// <summary>Stop and keep best: the run directory's <see cref="StopRequest"/>, which the worker reads at every epoch
    /// boundary (a file: any web node that shares the data directory can ask, and a worker resumed after a restart still honours it).</summary>
    public StopRequest.Request RequestStop(long runId, string by, DateTimeOffset at) => StopRequest.Write(RunDirectory(runId), by, at);

    public StopRequest.Request? PendingStop(long runId) => StopRequest.Read(RunDirectory(runId));

    public void WithdrawStop(long runId) => StopRequest.Withdraw(RunDirectory(runId));

    public async Task<int> LaunchAsync(Run run, CancellationToken cancellationToken)
    {
        if (serverStopping) throw new InvalidOperationException("The server is stopping.");
        var runDir = RunDirectory(run.Id);
        Directory.CreateDirectory(runDir);
        RunSpec spec;
        List<string> arguments;
        if (Checkpoint.CanResume(runDir))
        {
            spec = RunSpec.FromJson(run.SpecJson, $"run {run.Id}"); // the worker reads its own copy from the run directory
            arguments = ["train", "--resume", "--out", runDir, "--events", "-", "--events-log", Path.Combine(runDir, WorkerProtocol.EventsLogFile)];
        }
        else
        {
            spec = await WorkerSpecAsync(run);
            var specPath = Path.Combine(runDir, Checkpoint.SpecFile);
            await File.WriteAllTextAsync(specPath, spec.ToJson(), cancellationToken);
            arguments = ["train", "--spec", specPath, "--out", runDir, "--events", "-", "--events-log", Path.Combine(runDir, WorkerProtocol.EventsLogFile)];
        }

        var process = cli.Start(arguments, cli.ThreadsPerRun(), run.Device);
        var worker = new WorkerProcess(run.Id, process, runDir, new WorkerEventReader(run.Id, spec.Trainer.MaxEpochs, recorder, logger));
        workers[run.Id] = worker;
        worker.Supervision = Task.Run(() => SuperviseAsync(worker), CancellationToken.None);
        logger.LogInformation("Run {RunId}: worker pid {Pid}: {Command} {Arguments}", run.Id, process.Id,
            process.StartInfo.FileName, string.Join(' ', process.StartInfo.ArgumentList));
        return process.Id;
    }

    public async Task StopAsync(long runId, CancellationToken cancellationToken)
    {
        if (!workers.TryGetValue(runId, out var worker)) return;
        worker.StopRequested = true;
        await TerminateAsync(worker, cancellationToken);
    }

    /// <summary>The spec the worker gets: the dataset's registered folder, the run's device and thread count.</summary>
    Task<RunSpec> WorkerSpecAsync(Run run) => WorkerSpec.ForRunAsync(run, datasets, TorchDevice(run.Device), cli.ThreadsPerRun());

    static string TorchDevice(string? device) => device?.ToLowerInvariant() switch
    {
        "cpu" => "cpu",
        { } d when d == "cuda" || d.StartsWith("cuda:") => "cuda",
        _ => "auto",
    };

    async Task SuperviseAsync(WorkerProcess worker)
    {
        var stderr = Task.Run(() => ReadErrorAsync(worker));
        try
        {
            while (await worker.Process.StandardOutput.ReadLineAsync() is { } line)
            {
                try
                {
                    if (!await worker.Events.HandleAsync(line)) worker.KeepErrorLine(line, Options.ErrorTailLines);
                }
                catch (Exception e)
                {
                    logger.LogError(e, "Run {RunId}: recording the worker's event failed: {Line}", worker.RunId, line);
                }
            }
            await stderr;
            await worker.Process.WaitForExitAsync();
            await FinishAsync(worker);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Run {RunId}: supervising the worker failed.", worker.RunId);
            try { await recorder.FinishAsync(worker.RunId, RunStatus.Failed, $"The server lost the worker: {e.Message}"); }
            catch (Exception inner) { logger.LogError(inner, "Run {RunId}: could not mark it failed.", worker.RunId); }
        }
        finally
        {
            workers.TryRemove(worker.RunId, out _);
            worker.Process.Dispose();
        }
    }

    async Task ReadErrorAsync(WorkerProcess worker)
    {
        await using var log = new StreamWriter(Path.Combine(worker.RunDirectory, "worker.log"), append: true) { AutoFlush = true };
        while (await worker.Process.StandardError.ReadLineAsync() is { } line)
        {
            worker.KeepErrorLine(line, Options.ErrorTailLines);
            await log.WriteLineAsync(line);
        }
    }

    async Task FinishAsync(WorkerProcess worker)
    {
        var code = worker.Process.ExitCode;
        if ((serverStopping || worker.Released) && !worker.StopRequested)
        {
            logger.LogInformation("Run {RunId}: worker stopped with the server or let go to another dispatching node (exit {Code}); the lease holder resumes it.", worker.RunId, code);
            return;
        }
        if (worker.StopRequested)
        {
            // A user cancelled it: RunQueue marks the run cancelled once StopAsync returns.
            logger.LogInformation("Run {RunId}: worker stopped on request (exit {Code}).", worker.RunId, code);
            await recorder.ReleaseAsync(worker.RunId);
            return;
        }
        var (status, error) = code switch
        {
            0 => (RunStatus.Succeeded, (string?)null),
            WorkerProtocol.CancelledExitCode => (RunStatus.Cancelled, "The worker was stopped; its last checkpoint is kept."),
            WorkerProtocol.DivergedExitCode => (RunStatus.Failed, DivergedMessage(worker.Events.Finished)),
            _ => (RunStatus.Failed, HideServerPaths(FailureMessage(code, worker.ErrorTail()), worker.RunDirectory)),
        };
        logger.Log(status == RunStatus.Failed ? LogLevel.Warning : LogLevel.Information,
            "Run {RunId}: worker exited with {Code}: {Status} {Error}", worker.RunId, code, status, error);
        await recorder.FinishAsync(worker.RunId, status, error);
    }

    /// <summary>
    /// A failure message as a team may see it: the run directory becomes <c>&lt;run&gt;</c>, a registered dataset's
    /// folder its name, and any other path under the data directory <c>&lt;data&gt;</c> (the full text is in worker.log).
    /// </summary>
    string HideServerPaths(string message, string runDirectory)
    {
        message = message.Replace(runDirectory, "<run>", StringComparison.Ordinal);
        try
        {
            foreach (var dataset in datasets.ListAsync().GetAwaiter().GetResult().OrderByDescending(d => d.Path.Length))
                message = message.Replace(dataset.Path, $"<dataset {dataset.Name}>", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Could not list datasets to hide their folders in a failure message.");
        }
        message = message.Replace(workbenchOptions.Value.DataDirectory, "<data>", StringComparison.Ordinal);
        return message.Replace(AppContext.BaseDirectory.TrimEnd('/'), "<app>", StringComparison.Ordinal);
    }

    /// <summary>Why a worker failed, in words: its exit code (or the signal that killed it) and its last stderr lines.</summary>
    public static string FailureMessage(int exitCode, string errorTail)
    {
        var why = exitCode switch
        {
            1 => "The worker rejected its input (exit 1).",
            2 => "The worker was called wrongly (exit 2).",
            137 => "The worker was killed (SIGKILL), often because the machine ran out of memory.",
            134 => "The worker aborted (SIGABRT), a native crash.",
            139 => "The worker crashed (SIGSEGV), a native crash.",
            143 => "The worker was terminated (SIGTERM) before it could stop cleanly.",
            > 128 and < 160 => $"The worker was killed by signal {exitCode - 128}.",
            _ => $"The worker exited with code {exitCode}.",
        };
        return string.IsNullOrWhiteSpace(errorTail) ? why : why + "\n" + errorTail;
    }

    async Task TerminateAsync(WorkerProcess worker, CancellationToken cancellationToken)
    {
        var process = worker.Process;
        try
        {
            if (process.HasExited) return;
            if (PosixSignals.Terminate(process.Id) != 0) process.Kill(entireProcessTree: true);
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(TimeSpan.FromSeconds(Options.StopGraceSeconds));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                logger.LogWarning("Run {RunId}: the worker did not stop within {Grace} s; killing it.", worker.RunId, Options.StopGraceSeconds);
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        catch (InvalidOperationException)
        {
            // the process already exited and was disposed
        }
    }

    /// <summary>
    /// This node lost the dispatcher lease: every worker gets SIGTERM as at a server stop (it keeps its checkpoint) and
    /// its run stays running for the new lease holder, which interrupts it and resumes it from that checkpoint.
    /// </summary>
    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        var all = workers.Values.ToList();
        foreach (var worker in all) worker.Released = true;
        await Task.WhenAll(all.Select(w => TerminateAsync(w, cancellationToken)));
        await Task.WhenAll(all.Select(w => w.Supervision ?? Task.CompletedTask));
    }

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Server shutdown: every worker gets SIGTERM (it keeps its checkpoint); its run stays running for recovery.</summary>
    async Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        serverStopping = true;
        await Task.WhenAll(workers.Values.Select(w => TerminateAsync(w, cancellationToken)));
        await Task.WhenAll(workers.Values.Select(w => w.Supervision ?? Task.CompletedTask));
    }
}

/// <summary>One live worker and what the server keeps of it.</summary>
sealed class WorkerProcess(long runId, Process process, string runDirectory, WorkerEventReader events)
{
    readonly Queue<string> errorTail = new();

    public long RunId { get; } = runId;
    public Process Process { get; } = process;
    public string RunDirectory { get; } = runDirectory;
    public WorkerEventReader Events { get; } = events;
    public Task? Supervision { get; set; }
    public volatile bool StopRequested;
    /// <summary>Let go to another dispatching node: its exit ends nothing (see <see cref="ProcessRunLauncher.ReleaseAllAsync"/>).</summary>
    public volatile bool Released;

    public void KeepErrorLine(string line, int keep)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        lock (errorTail)
        {
            errorTail.Enqueue(line);
            while (errorTail.Count > keep) errorTail.Dequeue();
        }
    }

    public string ErrorTail()
    {
        lock (errorTail) return string.Join('\n', errorTail);
    }
}
