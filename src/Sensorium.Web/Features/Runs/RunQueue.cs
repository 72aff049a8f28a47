using Microsoft.Extensions.Options;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Runs;

/// <summary>
/// What a team does with its runs (queue, read, cancel, resume), used by the API and the pages alike.
/// Another team's run reads as not found.
/// </summary>
public sealed class RunQueue(
    RunStore runs, RunLifecycle lifecycle, IRunLauncher launcher, RunRequestValidator validator,
    IOptions<WorkbenchOptions> options, TimeProvider time, ILogger<RunQueue> logger,
    IEnumerable<ISlotJobs> jobs, Sensorium.Storage.Accounts.TeamStore teams)
{
    /// <summary>False while no worker can be launched: runs are accepted but wait in the queue.</summary>
    public bool CanLaunch => launcher.IsAvailable;

    public IReadOnlyList<string> Devices => options.Value.Devices.Select(d => d.Name).ToList();

    public Task<IReadOnlyList<Run>> ListAsync(long teamId) => runs.ListForTeamAsync(teamId);

    /// <summary>The configured devices and their slots.</summary>
    public IReadOnlyList<DeviceSlots> DeviceSlots => options.Value.Devices.Select(d => new DeviceSlots(d.Name, d.Slots)).ToList();

    /// <summary>The host's view: every team's running and queued runs.</summary>
    public Task<IReadOnlyList<QueueEntry>> ListQueueAsync() => runs.ListQueueAsync();

    public async Task<Run?> GetAsync(long teamId, long runId) =>
        await runs.GetAsync(runId) is { } run && run.TeamId == teamId ? run : null;

    public async Task<QueueResult> SubmitAsync(long teamId, long userId, RunRequest request)
    {
        var errors = await validator.ValidateAsync(request);
        if (errors.Count == 0 && await runs.CountQueuedForTeamAsync(teamId) >= options.Value.MaxQueuedRunsPerTeam)
            errors["queue"] = [$"Your team already has {options.Value.MaxQueuedRunsPerTeam} runs waiting."];
        if (errors.Count > 0) return QueueResult.Invalid(errors);

        var name = string.IsNullOrWhiteSpace(request.Name) ? $"run {time.GetUtcNow():yyyy-MM-dd HH:mm}" : request.Name.Trim();
        var device = request.Device is null
            ? null
            : options.Value.Devices.First(d => string.Equals(d.Name, request.Device, StringComparison.OrdinalIgnoreCase)).Name;
        var run = await lifecycle.QueueAsync(new NewRun(teamId, userId, name, request.Spec!.Value.GetRawText(), device));
        return QueueResult.Queued(run);
    }

    /// <summary>
    /// Replaces the notes and tags of a team's run (any status). Null <paramref name="notes"/> or
    /// <paramref name="tags"/> keep what the run has. Errors by field when they are not valid (<see cref="RunLabels"/>).
    /// </summary>
    public async Task<(RunChangeOutcome Outcome, Run? Run, IDictionary<string, string[]> Errors)> SetNotesAndTagsAsync(
        long teamId, long runId, string? notes, IEnumerable<string?>? tags)
    {
        if (await GetAsync(teamId, runId) is not { } run) return (RunChangeOutcome.NotFound, null, new Dictionary<string, string[]>());
        var (cleanNotes, cleanTags, errors) = RunLabels.Validate(notes ?? run.Notes, tags ?? run.TagList);
        if (errors.Count > 0) return (RunChangeOutcome.NotAllowed, run, errors);
        var changed = await runs.SetNotesAndTagsAsync(runId, cleanNotes, cleanTags);
        return changed is null ? (RunChangeOutcome.NotFound, null, errors) : (RunChangeOutcome.Done, changed, errors);
    }

    /// <summary>Cancels a queued, running or interrupted run; a running one has its worker stopped first.</summary>
    public async Task<RunChangeResult> CancelAsync(long teamId, long runId, string cancelledBy)
    {
        var run = await GetAsync(teamId, runId);
        return run is null ? new(RunChangeOutcome.NotFound, null) : await CancelAsync(run, cancelledBy);
    }

    /// <summary>The host cancels any team's run (the host's queue view).</summary>
    public async Task<RunChangeResult> CancelAnyAsync(long runId, string cancelledBy) =>
        await runs.GetAsync(runId) is { } run ? await CancelAsync(run, cancelledBy) : new(RunChangeOutcome.NotFound, null);

    async Task<RunChangeResult> CancelAsync(Run run, string cancelledBy)
    {
        var runId = run.Id;
        if (!RunStateMachine.CanCancel(run.Status))
            return new(RunChangeOutcome.NotAllowed, run, $"A {RunStore.ToText(run.Status)} run cannot be cancelled.");
        if (run.Status == RunStatus.Running)
        {
            try
            {
                await launcher.StopAsync(runId, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Stopping the worker of run {RunId} failed; marking it cancelled anyway.", runId);
            }
        }
        return await ChangeAsync(runId, RunStatus.Cancelled, $"Cancelled by {cancelledBy}.");
    }

    /// <summary>
    /// "Stop and keep best": the worker of a running run ends after its current epoch as early stopping does (best
    /// weights restored, model.pth written, the run succeeds with reason "stopped by <paramref name="stoppedBy"/> after
    /// epoch N"). Asking again changes nothing (the first request stands). Refused for a run that is not running, and
    /// where the launcher cannot do it (then cancel, which keeps no model).
    /// </summary>
    public async Task<RunChangeResult> StopAsync(long teamId, long runId, string stoppedBy)
    {
        var run = await GetAsync(teamId, runId);
        return run is null ? new(RunChangeOutcome.NotFound, null) : StopKeepingBest(run, stoppedBy);
    }

    /// <summary>The host stops any team's run and keeps its best model (the host's queue view).</summary>
    public async Task<RunChangeResult> StopAnyAsync(long runId, string stoppedBy) =>
        await runs.GetAsync(runId) is { } run ? StopKeepingBest(run, stoppedBy) : new(RunChangeOutcome.NotFound, null);

    /// <summary>The stop request a running run's worker has not honoured yet (who asked, when), or null.</summary>
    public Sensorium.Training.StopRequest.Request? PendingStop(Run run) => PendingStop(run.Id, run.Status);

    /// <summary>The same by a run's id and status (the host's queue lists entries, not runs).</summary>
    public Sensorium.Training.StopRequest.Request? PendingStop(long runId, RunStatus status)
    {
        if (status != RunStatus.Running) return null;
        try { return launcher.PendingStop(runId); }
        catch (IOException e)
        {
            logger.LogWarning(e, "Run {RunId}: its stop request could not be read.", runId);
            return null;
        }
    }

    RunChangeResult StopKeepingBest(Run run, string stoppedBy)
    {
        if (run.Status != RunStatus.Running)
            return new(RunChangeOutcome.NotAllowed, run, run.Status == RunStatus.Queued
                ? "A queued run has not trained yet: there is no model to keep. Cancel it instead."
                : $"A {RunStore.ToText(run.Status)} run is not training: only a running run can be stopped and keep its best model.");
        try
        {
            var request = launcher.RequestStop(run.Id, stoppedBy, time.GetUtcNow());
            logger.LogInformation("Run {RunId}: stop and keep best requested by {By}.", run.Id, request.By);
            return new(RunChangeOutcome.Done, run, $"Stop requested by {request.By}: the run ends after its current epoch and keeps its best model.");
        }
        catch (NotSupportedException e)
        {
            return new(RunChangeOutcome.NotAllowed, run, e.Message);
        }
        catch (IOException e)
        {
            logger.LogError(e, "Run {RunId}: the stop request could not be written.", run.Id);
            return new(RunChangeOutcome.NotAllowed, run, "The stop request could not be written to the run's directory; try again or cancel the run.");
        }
    }

    /// <summary>Whether <see cref="ResumeAsync"/> would take this run: interrupted, or failed with a checkpoint.</summary>
    public bool CanResume(Run run) => RunStateMachine.CanResume(run.Status, run.Status == RunStatus.Failed && launcher.HasCheckpoint(run.Id));

    /// <summary>
    /// Queues an interrupted run again, or a failed one whose worker left a checkpoint (killed, out of memory): the
    /// worker continues from the checkpoint. Its place in the queue is its creation time.
    /// </summary>
    public async Task<RunChangeResult> ResumeAsync(long teamId, long runId)
    {
        var run = await GetAsync(teamId, runId);
        if (run is null) return new(RunChangeOutcome.NotFound, null);
        if (!CanResume(run))
            return new(RunChangeOutcome.NotAllowed, run, run.Status == RunStatus.Failed
                ? "This failed run left no checkpoint to resume from; queue it again as a new run."
                : $"A {RunStore.ToText(run.Status)} run cannot be resumed.");
        try { launcher.WithdrawStop(runId); } // a user who resumes wants it to train on
        catch (IOException e) { logger.LogWarning(e, "Run {RunId}: an old stop request could not be withdrawn.", runId); }
        return await ChangeAsync(runId, RunStatus.Queued, null);
    }

    /// <summary>
    /// The host raises (positive) or lowers (negative) a queued run's priority: it starts sooner or later within the
    /// fair order (<see cref="FairScheduler"/>).
    /// </summary>
    public async Task<RunChangeResult> SetPriorityAsync(long runId, int priority)
    {
        if (await runs.GetAsync(runId) is not { } run) return new(RunChangeOutcome.NotFound, null);
        if (!await runs.SetPriorityAsync(runId, Math.Clamp(priority, -100, 100)))
            return new(RunChangeOutcome.NotAllowed, run, $"Run #{runId} is {RunStore.ToText(run.Status)}: only a queued run has a place to change.");
        return new(RunChangeOutcome.Done, await runs.GetAsync(runId));
    }

    /// <summary>
    /// Device slots as <paramref name="teamId"/> may see them: other teams stay anonymous. A slot held by a job (the
    /// in-silico experiments of a run, an ensemble's evaluation: <see cref="ISlotJobs"/>) counts as taken like a run's.
    /// </summary>
    public async Task<QueueOccupancy> GetOccupancyAsync(long teamId)
    {
        var active = await runs.ListActiveAsync();
        var running = active.Where(r => r.Status == RunStatus.Running).ToList();
        var slotJobs = await ListJobsAsync();
        var devices = options.Value.Devices.Select(d =>
        {
            var here = running.Where(r => string.Equals(r.Device, d.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            var jobsHere = slotJobs.Where(j => j.Running && string.Equals(j.Device, d.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            return new DeviceOccupancy(d.Name, d.Slots,
                here.Where(r => r.TeamId == teamId).Select(r => r.Id).ToList(),
                here.Count(r => r.TeamId != teamId) + jobsHere.Count(j => j.TeamId != teamId),
                jobsHere.Where(j => j.TeamId == teamId).ToList());
        }).ToList();
        var queued = active.Where(r => r.Status == RunStatus.Queued).ToList();
        var queuedJobs = slotJobs.Where(j => !j.Running).ToList();
        return new QueueOccupancy(devices, queued.Count(r => r.TeamId == teamId), queued.Count,
            queuedJobs.Count(j => j.TeamId == teamId), queuedJobs.Count);
    }

    /// <summary>
    /// The host's view of the work besides runs that holds or waits for a slot (every <see cref="ISlotJobs"/> source:
    /// in-silico experiments, ensemble evaluations), with team names; running first, then by id.
    /// </summary>
    public async Task<IReadOnlyList<SlotJobEntry>> ListJobsAsync()
    {
        var all = new List<SlotJobEntry>();
        Dictionary<long, string>? names = null;
        foreach (var source in jobs)
        {
            var (queued, active) = await source.ActiveAsync();
            if ((queued.Count > 0 || active.Count > 0) && names is null)
                names = (await teams.ListAsync()).ToDictionary(t => t.Id, t => t.Name);
            string Team(long id) => names!.GetValueOrDefault(id) ?? $"team {id}";
            all.AddRange(active.Select(j => new SlotJobEntry(j.Kind, j.Id, j.TeamId, Team(j.TeamId), j.Device, Running: true, CreatedAt: null)));
            all.AddRange(queued.Select(j => new SlotJobEntry(j.Kind, j.Id, j.TeamId, Team(j.TeamId), j.RequestedDevice, Running: false, j.CreatedAt)));
        }
        return [.. all.OrderByDescending(j => j.Running).ThenBy(j => j.Kind).ThenBy(j => j.Id)];
    }

    async Task<RunChangeResult> ChangeAsync(long runId, RunStatus to, string? reason)
    {
        try
        {
            return new(RunChangeOutcome.Done, await lifecycle.TransitionAsync(runId, to, error: reason));
        }
        catch (InvalidRunTransitionException e)
        {
            return new(RunChangeOutcome.NotAllowed, await runs.GetAsync(runId), e.Message);
        }
    }
}
