using System.Collections.Concurrent;
using Sensorium.Web.Features.Neurons;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Features.Runs;

/// <summary>
/// One signal for "a device slot may have been taken or freed", for the pages that show slots (the runs page's device
/// panel, the host's queue): a run changed status (<see cref="TrainingNotifications"/>), an in-silico job was queued,
/// started or ended (<see cref="InSilicoJobs.Changed"/>, its progress lines left out) or an ensemble's evaluation was
/// (<see cref="Ensembles.EnsembleJobs.Changed"/>). Events of other web nodes arrive through the same sources
/// (Features/Nodes), so they count too. A handler that throws is logged and does not stop the others.
/// </summary>
public sealed class SlotActivity : IDisposable
{
    readonly ILogger<SlotActivity> logger;
    readonly Lock gate = new();
    readonly List<Func<Task>> handlers = [];
    readonly ConcurrentDictionary<InSilicoTarget, InSilicoJobState> jobStates = new();
    readonly IDisposable runs;
    readonly InSilicoJobs? jobs;
    readonly Ensembles.EnsembleJobs? ensembles;

    public SlotActivity(TrainingNotifications training, IServiceProvider services, ILogger<SlotActivity> logger)
    {
        this.logger = logger;
        runs = training.Subscribe(e => e is RunStatusChanged ? RaiseAsync() : Task.CompletedTask);
        jobs = services.GetService<InSilicoJobs>();
        if (jobs is not null) jobs.Changed += OnJobChanged;
        ensembles = services.GetService<Ensembles.EnsembleJobs>();
        if (ensembles is not null) ensembles.Changed += OnEnsembleChanged;
    }

    /// <summary>Calls <paramref name="handler"/> after each change until the returned subscription is disposed.</summary>
    public IDisposable Subscribe(Func<Task> handler)
    {
        lock (gate) handlers.Add(handler);
        return new Subscription(this, handler);
    }

    void OnJobChanged(InSilicoTarget target)
    {
        if (jobs?.Get(target) is not { } job) return;
        // Progress lines repeat the state: only a new state (queued, running, ended) moves a slot.
        if (jobStates.TryGetValue(target, out var last) && last == job.State) return;
        jobStates[target] = job.State;
        _ = RaiseAsync();
    }

    void OnEnsembleChanged(long id) => _ = RaiseAsync();

    async Task RaiseAsync()
    {
        Func<Task>[] targets;
        lock (gate) targets = [.. handlers];
        foreach (var handler in targets)
        {
            try
            {
                await handler();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A device-slot change handler failed; its page shows the slots as of its last refresh.");
            }
        }
    }

    public void Dispose()
    {
        runs.Dispose();
        if (jobs is not null) jobs.Changed -= OnJobChanged;
        if (ensembles is not null) ensembles.Changed -= OnEnsembleChanged;
    }

    sealed class Subscription(SlotActivity owner, Func<Task> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner.gate) owner.handlers.Remove(handler);
        }
    }
}
