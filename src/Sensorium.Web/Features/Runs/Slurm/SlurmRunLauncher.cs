using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Datasets;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Runs.Worker;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Runs.Slurm;

/// <summary>
/// Runs each training as a Slurm batch job (<c>Worker:Launcher</c> = <c>slurm</c>): the same
/// <c>sensorium train --spec … --out RUNDIR --events-log RUNDIR/events.jsonl</c> worker as the process launcher, on
/// whichever node Slurm picks (a GPU asked for with <c>--gres</c> for a cuda run). The fair scheduler still decides
/// which run goes next and how many run at once (the devices' slots); Slurm decides where.
/// <para>
/// Events cross machines through the shared run directory: the worker appends JSON lines to <c>events.jsonl</c>, the
/// server follows the file (<see cref="EventFileTailer"/>) and asks Slurm about the job every
/// <see cref="SlurmOptions.PollSeconds"/>. The job's end decides the run: the worker's exit code as with a local
/// process (0 succeeded, 130 cancelled, 4 diverged, else failed with the tail of <c>slurm-JOB.out</c>), unless Slurm
/// ended it (time limit, memory, node failure, preemption, a cancel from outside: <see cref="SlurmJob.SlurmOutcome"/>).
/// Cancel = <c>scancel --batch --signal=TERM</c> (the worker keeps its checkpoint), then <c>scancel</c> after the grace.
/// The run's <c>pid</c> column holds the job id; a server that restarts re-attaches to the jobs Slurm still knows
/// (<see cref="ReattachAsync"/>): a server stop never stops a job.
/// </para>
/// </summary>
public sealed class SlurmRunLauncher(
    SlurmClient slurm, IOptions<SlurmOptions> slurmOptions, IOptions<WorkerOptions> workerOptions,
    CliLauncher cli, DatasetStore datasets, RunStore runs, RunMetricStore metrics,
    RunProgressRecorder recorder, ILogger<SlurmRunLauncher> logger) : IRunLauncher, IHostedService
{
    /// <summary>Every job this server submits is named so; re-attaching lists jobs by it.</summary>
    public const string JobNamePrefix = "sensorium-run-";

    readonly ConcurrentDictionary<long, SlurmWorker> jobs = new();
    readonly CancellationTokenSource stopping = new();

    public bool IsAvailable => workerOptions.Value.Enabled;

    public string RunDirectory(long runId) => cli.RunDirectory(runId);

    /// <summary>Stop and keep best: the run directory's <see cref="StopRequest"/>, which the worker reads at every epoch
    /// boundary: it reaches the job on its compute node through the shared run directory, as events.jsonl comes back.</summary>
    public StopRequest.Request RequestStop(long runId, string by, DateTimeOffset at) => StopRequest.Write(RunDirectory(runId), by, at);

    public StopRequest.Request? PendingStop(long runId) => StopRequest.Read(RunDirectory(runId));

    public void WithdrawStop(long runId) => StopRequest.Withdraw(RunDirectory(runId));

    public bool HasCheckpoint(long runId) => Checkpoint.CanResume(RunDirectory(runId));

    public async Task<int> LaunchAsync(Run run, CancellationToken cancellationToken)
    {
        var runDir = RunDirectory(run.Id);
        Directory.CreateDirectory(runDir);
        var eventsLog = Path.Combine(runDir, WorkerProtocol.EventsLogFile);
        RunSpec spec;
        List<string> arguments;
        if (Checkpoint.CanResume(runDir))
        {
            spec = RunSpec.FromJson(run.SpecJson, $"run {run.Id}");
            arguments = ["train", "--resume", "--out", runDir, "--events-log", eventsLog];
        }
        else
        {
            spec = await WorkerSpecAsync(run);
            var specPath = Path.Combine(runDir, Checkpoint.SpecFile);
            await File.WriteAllTextAsync(specPath, spec.ToJson(), cancellationToken);
            arguments = ["train", "--spec", specPath, "--out", runDir, "--events-log", eventsLog];
        }
        var offset = File.Exists(eventsLog) ? new FileInfo(eventsLog).Length : 0; // a resumed run appends
        var (command, commandArguments) = cli.CommandLine(arguments);
        var environment = new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "PASSIVE" };
        if (workerOptions.Value.ThreadsPerSlot > 0)
            environment["OMP_NUM_THREADS"] = environment["MKL_NUM_THREADS"] = workerOptions.Value.ThreadsPerSlot.ToString();
        var jobId = await slurm.SubmitAsync(new SlurmSubmission(
            JobNamePrefix + run.Id, runDir, Path.Combine(runDir, "slurm-%j.out"), run.Device ?? "cpu",
            command, commandArguments, environment), cancellationToken);
        if (jobId > int.MaxValue) throw new SlurmException($"Slurm job id {jobId} does not fit the run's pid column.");
        Supervise(new SlurmWorker(run.Id, jobId, runDir, new EventFileTailer(eventsLog, offset),
            new WorkerEventReader(run.Id, spec.Trainer.MaxEpochs, recorder, logger), SkipThroughEpoch: 0));
        return (int)jobId;
    }

    public async Task StopAsync(long runId, CancellationToken cancellationToken)
    {
        if (!jobs.TryGetValue(runId, out var worker)) return;
        worker.StopRequested = true;
        await slurm.CancelAsync(worker.JobId, force: false, cancellationToken);
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(TimeSpan.FromSeconds(workerOptions.Value.StopGraceSeconds));
        try
        {
            await worker.Done.Task.WaitAsync(grace.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Run {RunId}: Slurm job {JobId} did not stop within {Grace} s; cancelling the job.", runId, worker.JobId, workerOptions.Value.StopGraceSeconds);
            await slurm.CancelAsync(worker.JobId, force: true, cancellationToken);
            await worker.Done.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
    }

    /// <summary>
    /// At start-up, before runs left running are interrupted: follows again every such run whose job Slurm still
    /// knows (running, pending, or finished while no server listened: its end is recorded now). Returns their ids;
    /// the others (no job id, or a job Slurm forgot) are left to be interrupted.
    /// </summary>
    public async Task<IReadOnlyCollection<long>> ReattachAsync(CancellationToken cancellationToken = default)
    {
        var reattached = new List<long>();
        foreach (var active in (await runs.ListActiveAsync()).Where(r => r.Status == RunStatus.Running))
        {
            if (await runs.GetAsync(active.Id) is not { Pid: { } jobId } run) continue;
            SlurmJob? job;
            try { job = await slurm.GetAsync(jobId, cancellationToken); }
            catch (SlurmException e)
            {
                logger.LogError(e, "Run {RunId}: could not ask Slurm about job {JobId}; the run is interrupted.", run.Id, jobId);
                continue;
            }
            if (job is null)
            {
                logger.LogWarning("Run {RunId}: Slurm no longer knows job {JobId}; the run is interrupted.", run.Id, jobId);
                continue;
            }
            var stored = await metrics.ListEpochsAsync(run.Id);
            var spec = RunSpec.FromJson(run.SpecJson, $"run {run.Id}");
            var runDir = RunDirectory(run.Id);
            Supervise(new SlurmWorker(run.Id, jobId, runDir, new EventFileTailer(Path.Combine(runDir, WorkerProtocol.EventsLogFile)),
                new WorkerEventReader(run.Id, spec.Trainer.MaxEpochs, recorder, logger), SkipThroughEpoch: stored.Count == 0 ? 0 : stored.Max(e => e.Epoch)));
            logger.LogInformation("Run {RunId}: re-attached to Slurm job {JobId} ({State}).", run.Id, jobId, job.State);
            reattached.Add(run.Id);
        }
        return reattached;
    }

    void Supervise(SlurmWorker worker)
    {
        jobs[worker.RunId] = worker;
        _ = Task.Run(() => SuperviseAsync(worker), CancellationToken.None);
    }

    async Task SuperviseAsync(SlurmWorker worker)
    {
        var poll = TimeSpan.FromSeconds(Math.Max(0.05, slurmOptions.Value.PollSeconds));
        int unknown = 0;
        try
        {
            while (!stopping.IsCancellationRequested && !worker.Released)
            {
                await ReadEventsAsync(worker);
                var job = await slurm.GetAsync(worker.JobId, stopping.Token);
                if (job is null)
                {
                    if (++unknown * poll.TotalSeconds < 60) { await Task.Delay(poll, stopping.Token); continue; }
                    await recorder.FinishAsync(worker.RunId, RunStatus.Failed, $"Slurm no longer knows job {worker.JobId}; what it did last is unknown.");
                    return;
                }
                unknown = 0;
                if (job.IsFinished)
                {
                    await DrainAsync(worker);
                    await FinishAsync(worker, job);
                    return;
                }
                await Task.Delay(poll, stopping.Token);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The server stops; the job goes on and the next server re-attaches to it.
        }
        catch (Exception e)
        {
            logger.LogError(e, "Run {RunId}: following Slurm job {JobId} failed.", worker.RunId, worker.JobId);
            try { await recorder.FinishAsync(worker.RunId, RunStatus.Failed, $"The server lost Slurm job {worker.JobId}: {e.Message}"); }
            catch (Exception inner) { logger.LogError(inner, "Run {RunId}: could not mark it failed.", worker.RunId); }
        }
        finally
        {
            jobs.TryRemove(worker.RunId, out _);
            worker.Done.TrySetResult();
        }
    }

    async Task ReadEventsAsync(SlurmWorker worker)
    {
        foreach (var line in worker.Tailer.ReadNewLines())
        {
            if (worker.SkipThroughEpoch > 0 && EpochOf(line) is { } epoch && epoch <= worker.SkipThroughEpoch) continue; // recorded before a restart
            try
            {
                if (!await worker.Events.HandleAsync(line))
                    logger.LogWarning("Run {RunId}: a line of events.jsonl is not an event: {Line}", worker.RunId, line);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Run {RunId}: recording the worker's event failed: {Line}", worker.RunId, line);
            }
        }
    }

    /// <summary>
    /// After the job ended: a shared file system may show the worker's last lines a little later, so read until the
    /// final summary arrives or a few polls bring nothing new.
    /// </summary>
    async Task DrainAsync(SlurmWorker worker)
    {
        for (int quiet = 0; quiet < 5 && worker.Events.Finished is null; quiet++)
        {
            var before = worker.Tailer.Offset;
            await ReadEventsAsync(worker);
            if (worker.Tailer.Offset != before) quiet = 0;
            else await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.05, slurmOptions.Value.PollSeconds)));
        }
    }

    async Task FinishAsync(SlurmWorker worker, SlurmJob job)
    {
        if (worker.StopRequested)
        {
            logger.LogInformation("Run {RunId}: Slurm job {JobId} stopped on request ({State}, exit {Code}).", worker.RunId, job.Id, job.State, job.ExitCode);
            await recorder.ReleaseAsync(worker.RunId);
            return;
        }
        var (status, error) = job.SlurmOutcome(cancelRequested: false) is { } slurmSays ? slurmSays
            : job.ExitCode switch
            {
                0 when job.State == "COMPLETED" => (RunStatus.Succeeded, (string?)null),
                WorkerProtocol.CancelledExitCode => (RunStatus.Cancelled, "The worker was stopped; its last checkpoint is kept."),
                WorkerProtocol.DivergedExitCode => (RunStatus.Failed, ProcessRunLauncher.DivergedMessage(worker.Events.Finished)),
                var code => (RunStatus.Failed, $"Slurm job {job.Id} ended {job.State}. " + ProcessRunLauncher.FailureMessage(code == 0 && job.Signal > 0 ? 128 + job.Signal : code, OutputTail(worker))),
            };
        logger.Log(status == RunStatus.Succeeded ? LogLevel.Information : LogLevel.Warning,
            "Run {RunId}: Slurm job {JobId} ended {State} (exit {Code}): {Status} {Error}", worker.RunId, job.Id, job.State, job.ExitCode, status, error);
        await recorder.FinishAsync(worker.RunId, status, error);
    }

    /// <summary>The last lines of the job's output file (the worker's stderr and Slurm's own messages).</summary>
    string OutputTail(SlurmWorker worker)
    {
        var file = Path.Combine(worker.RunDirectory, $"slurm-{worker.JobId}.out");
        if (!File.Exists(file)) return "";
        var lines = File.ReadLines(file).Where(l => !string.IsNullOrWhiteSpace(l) && !l.StartsWith('{')).TakeLast(workerOptions.Value.ErrorTailLines);
        return string.Join('\n', lines).Replace(worker.RunDirectory, "<run>", StringComparison.Ordinal);
    }

    /// <summary>The spec the worker gets: the dataset's registered folder and the run's device class.</summary>
    Task<RunSpec> WorkerSpecAsync(Run run)
    {
        var device = SlurmOptions.ClassOf(run.Device) == "cuda" ? "cuda" : "cpu"; // Slurm sets CUDA_VISIBLE_DEVICES to the GPU it gives
        var threads = workerOptions.Value.ThreadsPerSlot > 0 ? workerOptions.Value.ThreadsPerSlot
            : RunSpec.FromJson(run.SpecJson, $"run {run.Id}").Trainer.Threads;
        return WorkerSpec.ForRunAsync(run, datasets, device, threads);
    }

    /// <summary>The epoch of a line's event, its incidents included (they were recorded with their epoch before a restart).</summary>
    static int? EpochOf(string line) => WorkerProtocol.Parse(line) switch
    {
        Diverged d => d.Epoch,
        { } e => WorkerProtocol.EpochOf(e),
        null => null,
    };

    /// <summary>Says at start whether Slurm answers (a run launched while it does not fails with sbatch's message).</summary>
    async Task IHostedService.StartAsync(CancellationToken cancellationToken)
    {
        if (!IsAvailable) return;
        var (ok, message) = await slurm.CheckAsync(cancellationToken);
        if (ok) logger.LogInformation("Slurm launcher: partitions {Partitions}", message.Replace('\n', ';'));
        else logger.LogError("Slurm launcher: Slurm does not answer ({Message}); runs will fail to launch until it does.", message);
    }

    /// <summary>
    /// This node lost the dispatcher lease: stop following every job (they go on); the new lease holder re-attaches to
    /// them. Returns once no job is followed here any more.
    /// </summary>
    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        var all = jobs.Values.ToList();
        foreach (var worker in all) worker.Released = true;
        await Task.WhenAll(all.Select(j => j.Done.Task)).WaitAsync(cancellationToken);
    }

    /// <summary>Server shutdown: stop following; the jobs go on and the next start re-attaches to them.</summary>
    Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        stopping.Cancel();
        return Task.WhenAll(jobs.Values.Select(j => j.Done.Task)).WaitAsync(cancellationToken);
    }

    sealed record SlurmWorker(long RunId, long JobId, string RunDirectory, EventFileTailer Tailer, WorkerEventReader Events, int SkipThroughEpoch)
    {
        public volatile bool StopRequested;
        public volatile bool Released;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
