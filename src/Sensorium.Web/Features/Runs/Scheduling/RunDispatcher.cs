using Microsoft.Extensions.Options;
using Sensorium.Storage.Runs;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Runs.Scheduling;

/// <summary>
/// Starts queued runs when device slots are free: asks <see cref="FairScheduler"/> which, moves each to running and
/// hands it to the <see cref="IRunLauncher"/>. Other work that takes a slot (<see cref="ISlotJobs"/>: in-silico jobs, ensemble evaluations)
/// is planned with the runs and started by its owner. Wakes on <see cref="QueueSignal"/> and polls as a safety net.
/// Does nothing while the launcher is not available.
/// </summary>
public sealed class RunDispatcher(
    RunStore runs, TeamServiceHistory history, RunLifecycle lifecycle, IRunLauncher launcher, QueueSignal signal,
    IOptions<WorkbenchOptions> options, TimeProvider time, ILogger<RunDispatcher> logger, IEnumerable<ISlotJobs> jobs) : BackgroundService
{
    /// <summary>One pass at a time: the plan and the moves to running must not interleave with another pass.</summary>
    readonly SemaphoreSlim pass = new(1, 1);

    static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!launcher.IsAvailable)
        {
            logger.LogWarning("No run launcher is configured: queued runs will wait.");
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var pause = PollInterval;
            try
            {
                await DispatchAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Dispatching queued runs failed; trying again shortly.");
                pause = TimeSpan.FromSeconds(1);
            }
            try
            {
                await signal.WaitAsync(pause, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>The run's GPU memory estimated from its spec (0 when the spec does not parse: it is then refused elsewhere).</summary>
    static long EstimateMiB(ActiveRun run)
    {
        try
        {
            return Sensorium.Training.Gpus.GpuMemoryEstimate.MiB(Sensorium.Training.RunSpec.FromJson(run.SpecJson));
        }
        catch (Sensorium.Data.DataFormatException)
        {
            return 0;
        }
    }

    /// <summary>One scheduling pass. Returns the runs whose workers were launched.</summary>
    public async Task<IReadOnlyList<Run>> DispatchAsync(CancellationToken cancellationToken)
    {
        await pass.WaitAsync(cancellationToken);
        try
        {
            return await DispatchOnceAsync(cancellationToken);
        }
        finally
        {
            pass.Release();
        }
    }

    async Task<IReadOnlyList<Run>> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var active = await runs.ListActiveAsync();
        var devices = options.Value.Devices.Select(d => new DeviceSlots(d.Name, d.Slots, d.MemoryMiB)).ToList();
        var queued = active.Where(r => r.Status == RunStatus.Queued)
            .Select(r => new QueuedRun(r.Id, r.TeamId, r.CreatedAt, r.RequestedDevice, r.Priority, EstimateMiB(r))).ToList();
        foreach (var (runId, reason) in FairScheduler.TooLarge(devices, queued))
        {
            try
            {
                await lifecycle.TransitionAsync(runId, RunStatus.Cancelled, error: "Cancelled by the scheduler. " + reason);
                logger.LogWarning("Run {RunId} cannot start: {Reason}", runId, reason);
            }
            catch (InvalidRunTransitionException) { } // cancelled since we read the queue
            queued.RemoveAll(q => q.Id == runId);
        }
        var running = active.Where(r => r.Status == RunStatus.Running)
            .Select(r => new RunningRun(r.Id, r.TeamId, r.Device ?? "", EstimateMiB(r))).ToList();
        var lastStart = new Dictionary<long, DateTimeOffset>(await history.LastStartPerTeamAsync());
        var sources = jobs.ToList(); // each plans its own kind of work: its ids are its own
        foreach (var source in sources)
        {
            var (jobsQueued, jobsRunning) = await source.ActiveAsync();
            queued.AddRange(jobsQueued);
            running.AddRange(jobsRunning);
            foreach (var (team, at) in await source.LastStartPerTeamAsync())
                if (!lastStart.TryGetValue(team, out var other) || at > other) lastStart[team] = at;
        }
        var plan = FairScheduler.Plan(devices, queued, running, lastStart, time.GetUtcNow());

        var launched = new List<Run>();
        foreach (var start in plan)
        {
            if (start.Kind != SlotWork.Run)
            {
                try
                {
                    await sources.Single(s => s.Kind == start.Kind).StartAsync(start.RunId, start.Device, cancellationToken);
                    logger.LogInformation("{Kind} {JobId} started on {Device}.", start.Kind, start.RunId, start.Device);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "{Kind} {JobId} could not start; it stays queued.", start.Kind, start.RunId);
                }
                continue;
            }
            Run run;
            try
            {
                run = await lifecycle.TransitionAsync(start.RunId, RunStatus.Running, device: start.Device);
            }
            catch (InvalidRunTransitionException)
            {
                continue; // cancelled since we read the queue
            }
            try
            {
                var pid = await launcher.LaunchAsync(run, cancellationToken);
                await runs.SetPidAsync(run.Id, pid);
                launched.Add(run with { Pid = pid });
                logger.LogInformation("Run {RunId} started on {Device} (pid {Pid}).", run.Id, start.Device, pid);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The worker of run {RunId} could not start.", run.Id);
                await lifecycle.TransitionAsync(run.Id, RunStatus.Failed, error: $"The worker could not start: {e.Message}");
            }
        }
        return launched;
    }
}
