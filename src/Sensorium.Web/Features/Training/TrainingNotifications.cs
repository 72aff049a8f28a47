namespace Sensorium.Web.Features.Training;

/// <summary>
/// In-process fan-out of <see cref="ITrainingEvent"/>s (eShop's OrderStatusNotificationService pattern). Components
/// subscribe after first render and dispose the subscription; the hub relay subscribes once for SignalR clients.
/// Handlers run one after another; one that throws is logged and does not stop the others.
/// <para>
/// With several web nodes (Features/Nodes), the events of runs another node dispatches arrive through Redis
/// (<see cref="PublishRemoteAsync"/>) and reach the same subscribers, so a page shows a run whichever node runs it.
/// <see cref="SubscribeLocal"/> hears only this node's own events: what forwards them elsewhere (the hub relay, whose
/// backplane already reaches every node; the Redis publisher) must not forward another node's events again.
/// </para>
/// </summary>
public sealed class TrainingNotifications(ILogger<TrainingNotifications> logger)
{
    readonly Lock gate = new();
    readonly List<Subscription> subscriptions = [];

    /// <summary>Every event of every run and team: filter in the handler.</summary>
    public IDisposable Subscribe(Func<ITrainingEvent, Task> handler) => Add(runId: null, handler);

    /// <summary>The events of one run.</summary>
    public IDisposable SubscribeToRun(long runId, Func<ITrainingEvent, Task> handler) => Add(runId, handler);

    /// <summary>Every event this node publishes itself (not those heard from other nodes).</summary>
    public IDisposable SubscribeLocal(Func<ITrainingEvent, Task> handler) => Add(runId: null, handler, localOnly: true);

    public Task PublishAsync(ITrainingEvent trainingEvent) => DeliverAsync(trainingEvent, remote: false);

    /// <summary>An event another web node published (heard through Redis): to every subscriber but the local-only ones.</summary>
    public Task PublishRemoteAsync(ITrainingEvent trainingEvent) => DeliverAsync(trainingEvent, remote: true);

    async Task DeliverAsync(ITrainingEvent trainingEvent, bool remote)
    {
        Subscription[] targets;
        lock (gate) targets = subscriptions.Where(s => (s.RunId is null || s.RunId == trainingEvent.RunId) && !(remote && s.LocalOnly)).ToArray();
        foreach (var target in targets)
        {
            try
            {
                await target.Handler(trainingEvent);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A {Event} handler for run {RunId} failed.", trainingEvent.GetType().Name, trainingEvent.RunId);
            }
        }
    }

    IDisposable Add(long? runId, Func<ITrainingEvent, Task> handler, bool localOnly = false)
    {
        var subscription = new Subscription(this, runId, handler, localOnly);
        lock (gate) subscriptions.Add(subscription);
        return subscription;
    }

    void Remove(Subscription subscription)
    {
        lock (gate) subscriptions.Remove(subscription);
    }

    sealed class Subscription(TrainingNotifications owner, long? runId, Func<ITrainingEvent, Task> handler, bool localOnly) : IDisposable
    {
        public long? RunId { get; } = runId;
        public bool LocalOnly { get; } = localOnly;
        public Func<ITrainingEvent, Task> Handler { get; } = handler;
        public void Dispose() => owner.Remove(this);
    }
}
