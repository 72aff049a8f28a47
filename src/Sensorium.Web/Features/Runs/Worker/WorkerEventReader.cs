using Sensorium.Web.Features.Runs.Scheduling;

namespace Sensorium.Web.Features.Runs.Worker;

/// <summary>
/// Turns the worker's JSON lines (<see cref="TrainingEvent"/>s of <see cref="WorkerProtocol"/>, the last one its
/// <see cref="TrainingSummary"/>) into <see cref="RunProgressRecorder"/> calls, one line at a time and in order.
/// Progress over the whole run is estimated from the epochs the schedule may still run (the worker's ETA), so early
/// stopping does not leave it stuck low.
/// </summary>
public sealed class WorkerEventReader(long runId, int maxEpochs, RunProgressRecorder recorder, ILogger logger)
{
    /// <summary>Epochs the run is expected to take: <c>maxEpochs</c> until the first epoch's ETA says otherwise.</summary>
    double expectedEpochs = Math.Max(1, maxEpochs);

    /// <summary>The worker's report of the end of its training, once read.</summary>
    public TrainingFinished? Finished { get; private set; }

    /// <summary>The worker's last line (where the run and its model are), once read.</summary>
    public TrainingSummary? Summary { get; private set; }

    public DateTimeOffset? LastEpochReadAt { get; private set; }

    /// <summary>Handles one stdout line; false when it is not an event (kept as a possible error message).</summary>
    public async Task<bool> HandleAsync(string line) =>
        WorkerProtocol.Parse(line) is { } e && await HandleAsync(e);

    /// <summary>Records one event; true (every event is one the protocol knows).</summary>
    public async Task<bool> HandleAsync(TrainingEvent e)
    {
        switch (e)
        {
            case BatchProgress b:
                await recorder.BatchAsync(runId, b, Fraction(b.Epoch - 1 + (double)b.Batch / Math.Max(1, b.BatchesPerEpoch)));
                break;
            case EpochCompleted c:
                LastEpochReadAt = DateTimeOffset.UtcNow;
                // scripts/bench-live measures from here to the clients (Debug: off unless asked for).
                logger.LogDebug("Run {RunId} epoch {Epoch} read at {At}", runId, c.Epoch, LastEpochReadAt.Value.ToUnixTimeMilliseconds());
                if (c.EpochSeconds > 0) expectedEpochs = Math.Min(Math.Max(1, maxEpochs), c.Epoch + c.EtaSeconds / c.EpochSeconds);
                await recorder.EpochAsync(runId, c, Fraction(c.Epoch));
                break;
            case Diverged d:
                await recorder.IncidentAsync(runId, d);
                break;
            case CheckpointSaved s:
                await recorder.CheckpointAsync(runId, s.Path);
                break;
            case TrainingFinished f:
                Finished = f;
                await recorder.TrainingFinishedAsync(runId, f);
                break;
            case TrainingSummary summary:
                Summary = summary;
                break;
        }
        return true;
    }

    double Fraction(double epochsDone) => Math.Clamp(epochsDone / expectedEpochs, 0, 0.999);
}
