namespace Sensorium.Web.Features.Datasets.FirstDataset;

public enum FirstDatasetState { Idle, Generating, Ready, Failed }

/// <summary>
/// Where the first-start dataset generation stands, for the pages' banner. A singleton: components subscribe after
/// their first render and dispose the subscription (like <c>TrainingNotifications</c>). A subscriber that throws is
/// logged and does not stop the others nor the generator.
/// </summary>
public sealed class FirstDatasetStatus(ILogger<FirstDatasetStatus>? logger = null)
{
    readonly Lock gate = new();
    readonly List<Action> subscribers = [];

    public FirstDatasetState State { get; private set; }
    public string DatasetName { get; private set; } = "";
    public string Message { get; private set; } = "";
    /// <summary>0..1 over the whole dataset.</summary>
    public double Progress { get; private set; }

    public IDisposable Subscribe(Action onChange)
    {
        lock (gate) subscribers.Add(onChange);
        return new Subscription(this, onChange);
    }

    public void Set(FirstDatasetState state, string datasetName, string message, double progress)
    {
        Action[] targets;
        lock (gate)
        {
            (State, DatasetName, Message, Progress) = (state, datasetName, message, Math.Clamp(progress, 0, 1));
            targets = [.. subscribers];
        }
        foreach (var target in targets)
        {
            try { target(); }
            catch (Exception e)
            {
                // A dead circuit must not stop the generator; the page that missed the change shows the state of its last render.
                logger?.LogWarning(e, "A first-dataset subscriber failed on the change to {State}.", state);
            }
        }
    }

    sealed class Subscription(FirstDatasetStatus owner, Action onChange) : IDisposable
    {
        public void Dispose()
        {
            lock (owner.gate) owner.subscribers.Remove(onChange);
        }
    }
}
