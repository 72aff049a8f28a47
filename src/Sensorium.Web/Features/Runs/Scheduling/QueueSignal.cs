namespace Sensorium.Web.Features.Runs.Scheduling;

/// <summary>Wakes the dispatcher when the queue or a slot changed, instead of waiting for its next poll.</summary>
public sealed class QueueSignal
{
    readonly SemaphoreSlim signal = new(0, 1);

    public void Wake()
    {
        try { signal.Release(); }
        catch (SemaphoreFullException) { } // already awake
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        signal.WaitAsync(timeout, cancellationToken);
}
