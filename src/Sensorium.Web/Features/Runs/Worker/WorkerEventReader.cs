using System.Text.Json;
using Sensorium.Training;
using Sensorium.Web.Features.Runs.Scheduling;
using WorkerBatch = Sensorium.Training.BatchProgress;
using WorkerEpoch = Sensorium.Training.EpochCompleted;

namespace Sensorium.Web.Features.Runs.Worker;

/// <summary>
/// Turns the worker's JSON lines (<see cref="TrainingEvent"/>, then a final summary) into
/// <see cref="RunProgressRecorder"/> calls, one line at a time and in order. Progress over the whole run is estimated
/// from the epochs the schedule may still run (the worker's ETA), so early stopping does not leave it stuck low.
/// </summary>
public sealed class WorkerEventReader(long runId, int maxEpochs, RunProgressRecorder recorder, ILogger logger)
{
    static readonly JsonSerializerOptions Json = new(RunSpec.Json) { WriteIndented = false, AllowOutOfOrderMetadataProperties = true };

    /// <summary>Epochs the run is expected to take: <c>maxEpochs</c> until the first epoch's ETA says otherwise.</summary>
    double expectedEpochs = Math.Max(1, maxEpochs);

    public TrainingFinished? Finished { get; private set; }
    public DateTimeOffset? LastEpochReadAt { get; private set; }

    /// <summary>Handles one stdout line; false when it is not an event (kept as a possible error message).</summary>
    public async Task<bool> HandleAsync(string line)
    {
        if (!line.StartsWith('{')) return false;
        if (line.Contains("\"type\":\"summary\"", StringComparison.Ordinal)) return true;
        TrainingEvent? e;
        try
        {
            e = JsonSerializer.Deserialize<TrainingEvent>(line, Json);
        }
        catch (JsonException)
        {
            return false;
        }
        switch (e)
        {
            case WorkerBatch b:
                // The worker counts batches from 1; the recorder from 0 (its last batch is batchesPerEpoch − 1).
                var done = b.Epoch - 1 + (double)b.Batch / Math.Max(1, b.BatchesPerEpoch);
                await recorder.BatchAsync(runId, b.Epoch, b.Batch - 1, b.BatchesPerEpoch, b.Loss, Fraction(done), b.LossPerTrial);
                break;
            case WorkerEpoch c:
                LastEpochReadAt = DateTimeOffset.UtcNow;
                // scripts/bench-live measures from here to the clients (Debug: off unless asked for).
                logger.LogDebug("Run {RunId} epoch {Epoch} read at {At}", runId, c.Epoch, LastEpochReadAt.Value.ToUnixTimeMilliseconds());
                if (c.EpochSeconds > 0) expectedEpochs = Math.Min(Math.Max(1, maxEpochs), c.Epoch + c.EtaSeconds / c.EpochSeconds);
                await recorder.EpochAsync(runId, new EpochReport(c.Epoch, c.TrainLoss, c.Objective, c.Validation,
                    c.LearningRate, c.EpochSeconds, Fraction(c.Epoch), c.EtaSeconds) { TrainLossPerTrial = c.TrainLossPerTrial });
                break;
            case Diverged d:
                await recorder.IncidentAsync(runId, d.Epoch, d.Batch, d.What, d.Recovered, d.LearningRate);
                break;
            case CheckpointSaved s:
                await recorder.CheckpointAsync(runId, s.Path);
                break;
            case TrainingFinished f:
                Finished = f;
                break;
        }
        return true;
    }

    double Fraction(double epochsDone) => Math.Clamp(epochsDone / expectedEpochs, 0, 0.999);
}
