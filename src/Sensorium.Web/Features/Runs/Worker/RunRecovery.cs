using System.Diagnostics;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Web.Features.Runs.Scheduling;

namespace Sensorium.Web.Features.Runs.Worker;

/// <summary>
/// At start-up, for the runs a previous server left running. First (<see cref="IngestOrphansAsync"/>, while they are
/// still marked running): makes sure their old worker is gone and reads back what it wrote to its events log
/// (<see cref="WorkerProtocol.EventsLogFile"/>; one written by any earlier version of the worker reads the same) after the server stopped hearing it (the server was killed, its
/// worker went on): epochs, best score, checkpoint; a worker that finished meanwhile makes its run succeeded. Then,
/// once the others are interrupted (<see cref="RecoverAsync"/>), requeues those whose run directory holds a
/// checkpoint; the launcher resumes them from it. The others stay interrupted with the resume action.
/// </summary>
public sealed class RunRecovery(
    ProcessRunLauncher launcher, RunLifecycle lifecycle, RunStore runs, RunMetricStore metrics, RunProgressRecorder recorder,
    IOptions<WorkerOptions> options, ILogger<RunRecovery> logger)
{
    /// <summary>For every run still marked running: stops its old worker and records the events the server missed.</summary>
    public async Task IngestOrphansAsync()
    {
        foreach (var active in (await runs.ListActiveAsync()).Where(r => r.Status == RunStatus.Running))
        {
            if (await runs.GetAsync(active.Id) is not { } run) continue;
            var runDir = launcher.RunDirectory(run.Id);
            if (run.Pid is { } pid) await EnsureWorkerGoneAsync(run.Id, pid, runDir);
            try
            {
                await IngestEventsLogAsync(run, runDir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Sensorium.Data.DataFormatException)
            {
                logger.LogError(e, "Run {RunId}: its events log could not be read back; epochs after the last recorded one are missing.", run.Id);
            }
        }
    }

    /// <summary>Replays the log's events after the last epoch stored. Returns how many lines were replayed.</summary>
    public async Task<int> IngestEventsLogAsync(Run run, string runDir)
    {
        var log = Path.Combine(runDir, WorkerProtocol.EventsLogFile);
        if (!File.Exists(log)) return 0;
        var stored = await metrics.ListEpochsAsync(run.Id);
        var lastStored = stored.Count == 0 ? 0 : stored.Max(e => e.Epoch);
        var spec = RunSpec.FromJson(run.SpecJson, $"run {run.Id}");
        var reader = new WorkerEventReader(run.Id, spec.Trainer.MaxEpochs, recorder, logger);
        int replayed = 0, epochs = 0;
        foreach (var line in await File.ReadAllLinesAsync(log))
        {
            if (WorkerProtocol.Parse(line) is not { } e) continue; // a torn last line of a killed worker
            if (WorkerProtocol.EpochOf(e) is { } epoch && epoch <= lastStored) continue;
            await reader.HandleAsync(e);
            replayed++;
            if (e is EpochCompleted) epochs++;
        }
        if (replayed > 0)
            logger.LogWarning("Run {RunId}: recorded {Epochs} epoch(s) its worker finished while the server was away ({Lines} events).", run.Id, epochs, replayed);
        if (reader.Finished is { Diverged: true } diverged)
        {
            await recorder.FinishAsync(run.Id, RunStatus.Failed, ProcessRunLauncher.DivergedMessage(diverged));
            logger.LogWarning("Run {RunId}: its worker stopped as diverged while the server was away.", run.Id);
        }
        else if (reader.Finished is not null && File.Exists(Path.Combine(runDir, Checkpoint.ModelFile)))
        {
            await recorder.FinishAsync(run.Id, RunStatus.Succeeded);
            logger.LogWarning("Run {RunId}: its worker finished while the server was away; the run succeeded.", run.Id);
        }
        return replayed;
    }

    /// <summary>Requeues the interrupted runs that have a checkpoint. Returns the runs requeued.</summary>
    public async Task<IReadOnlyList<Run>> RecoverAsync(IReadOnlyList<Run> interrupted)
    {
        var requeued = new List<Run>();
        foreach (var run in interrupted)
        {
            var runDir = launcher.RunDirectory(run.Id);
            if (!launcher.IsAvailable || !Checkpoint.CanResume(runDir)) continue;
            try
            {
                requeued.Add(await lifecycle.TransitionAsync(run.Id, RunStatus.Queued));
                logger.LogInformation("Run {RunId} is queued again to resume from its checkpoint.", run.Id);
            }
            catch (InvalidRunTransitionException e)
            {
                logger.LogWarning(e, "Run {RunId} could not be requeued.", run.Id);
            }
        }
        return requeued;
    }

    /// <summary>Stops a worker of the previous server that still runs (only if its command line names this run's directory).</summary>
    async Task EnsureWorkerGoneAsync(long runId, int pid, string runDir)
    {
        if (!IsWorkerOf(pid, runDir)) return;
        logger.LogWarning("Run {RunId}: its old worker (pid {Pid}) still runs; stopping it.", runId, pid);
        PosixSignals.Terminate(pid);
        var deadline = Stopwatch.StartNew();
        while (IsWorkerOf(pid, runDir) && deadline.Elapsed.TotalSeconds < options.Value.StopGraceSeconds)
            await Task.Delay(100);
        if (!IsWorkerOf(pid, runDir)) return;
        try { Process.GetProcessById(pid).Kill(); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { } // it exited meanwhile: gone, as wanted
    }

    static bool IsWorkerOf(int pid, string runDir)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return commandLine.Contains(" train ", StringComparison.Ordinal) && commandLine.Contains(runDir, StringComparison.Ordinal);
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
