using System.Diagnostics;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Web.Features.Runs.Scheduling;

namespace Sensorium.Web.Features.Runs.Worker;

/// <summary>
/// At start-up, for the runs a previous server left running (now interrupted): makes sure their old worker is gone,
/// then requeues those whose run directory holds a checkpoint; the launcher resumes them from it. The others stay
/// interrupted with the resume action (they would start over).
/// </summary>
public sealed class RunRecovery(
    ProcessRunLauncher launcher, RunLifecycle lifecycle, IOptions<WorkerOptions> options, ILogger<RunRecovery> logger)
{
    /// <summary>Returns the runs requeued.</summary>
    public async Task<IReadOnlyList<Run>> RecoverAsync(IReadOnlyList<Run> interrupted)
    {
        var requeued = new List<Run>();
        foreach (var run in interrupted)
        {
            var runDir = launcher.RunDirectory(run.Id);
            if (run.Pid is { } pid) await EnsureWorkerGoneAsync(run.Id, pid, runDir);
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
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
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
