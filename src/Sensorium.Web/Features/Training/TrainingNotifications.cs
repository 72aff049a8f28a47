namespace Sensorium.Web.Features.Training;

/// <summary>
/// In-process fan-out of <see cref="ITrainingEvent"/>s (eShop's OrderStatusNotificationService pattern). Components
/// subscribe after first render and dispose the subscription; the hub relay subscribes once for SignalR clients.
/// Handlers run one after another; one that throws is logged and does not stop the others.
/// </summary>
public sealed class TrainingNotifications(ILogger<TrainingNotifications> logger)
{
    readonly Lock gate = new();
    readonly List<Subscription> subscriptions = [];

    /// <summary>Every event of every run and team: filter in the handler.</summary>
    public IDisposable Subscribe(Func<ITrainingEvent, Task> handler) => Add(runId: null, handler);

    /// <summary>The events of one run.</summary>
    public IDisposable SubscribeToRun(long runId, Func<ITrainingEvent, Task> handler) => Add(runId, handler);

    public async Task PublishAsync(ITrainingEvent trainingEvent)
    {
        Subscription[] targets;
        lock (gate) targets = subscriptions.Where(s => s.RunId is null || s.RunId == trainingEvent.RunId).ToArray();
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

    IDisposable Add(long? runId, Func<ITrainingEvent, Task> handler)
    {
        var subscription = new Subscription(this, runId, handler);
        lock (gate) subscriptions.Add(subscription);
        return subscription;
    }

    void Remove(Subscription subscription)
    {
        lock (gate) subscriptions.Remove(subscription);
    }

    sealed class Subscription(TrainingNotifications owner, long? runId, Func<ITrainingEvent, Task> handler) : IDisposable
    {
        public long? RunId { get; } = runId;
        public Func<ITrainingEvent, Task> Handler { get; } = handler;
        public void Dispose() => owner.Remove(this);
    }
}
