using System.Collections.Concurrent;
using System.Text.Json;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Features.Runs.Scheduling;

/// <summary>
/// Where a launcher puts what its worker reports: stores it and publishes the live events. Batch losses are buffered
/// and written about once a second; <see cref="RunBatchProgress"/> reaches subscribers at most every
/// <see cref="PublishInterval"/> per run (and always for an epoch's last batch), so browsers are not flooded.
/// It takes the worker's own events (<see cref="Sensorium.Contracts.TrainingEvent"/>) with the run's progress.
/// </summary>
public sealed class RunProgressRecorder(
    RunStore runs, RunMetricStore metrics, RunLifecycle lifecycle, TrainingNotifications notifications, TimeProvider time)
{
    public static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan StoreInterval = TimeSpan.FromSeconds(1);

    readonly ConcurrentDictionary<long, RunState> states = new();

    /// <summary>
    /// A worker's optimizer step. The worker counts the batches done (from 1); the store and the curves place a step
    /// at its position in the epoch (from 0: the last is batchesPerEpoch − 1), so batch b is stored as b − 1.
    /// </summary>
    public Task BatchAsync(long runId, BatchProgress batch, double progress) =>
        BatchAsync(runId, batch.Epoch, batch.Batch - 1, batch.BatchesPerEpoch, batch.Loss, progress, batch.LossPerTrial);

    /// <summary>A step at <paramref name="batch"/> (from 0) of <paramref name="epoch"/> (from 1).</summary>
    /// <param name="lossPerTrial">The batch objective ÷ (trials × loss scale), when the worker reports it.</param>
    public async Task BatchAsync(long runId, int epoch, int batch, int batchesPerEpoch, double loss, double progress, double? lossPerTrial = null)
    {
        var state = await StateAsync(runId);
        var now = time.GetUtcNow();
        var lastOfEpoch = batch == batchesPerEpoch - 1;
        List<RunBatch>? toStore = null;
        bool publish;
        lock (state)
        {
            state.Pending.Add(new RunBatch { Epoch = epoch, Batch = batch, Loss = loss, LossPerTrial = lossPerTrial ?? double.NaN });
            if (lastOfEpoch || now - state.LastStored >= StoreInterval)
            {
                toStore = [.. state.Pending];
                state.Pending.Clear();
                state.LastStored = now;
            }
            publish = lastOfEpoch || now - state.LastPublished >= PublishInterval;
            if (publish) state.LastPublished = now;
        }
        if (toStore is not null)
        {
            await metrics.AddBatchesAsync(runId, toStore);
            await runs.SetProgressAsync(runId, progress);
        }
        if (publish)
            await notifications.PublishAsync(new RunBatchProgress(runId, state.TeamId, epoch, batch, batchesPerEpoch, loss, progress) { LossPerTrial = lossPerTrial });
    }

    /// <summary>
    /// A worker's validated epoch; <paramref name="progress"/> is the fraction of the whole training done (0..1). The
    /// run's score is the epoch's objective (mean single-trial validation correlation); its ETA is published when the
    /// worker gave one (finite, not negative).
    /// </summary>
    public async Task EpochAsync(long runId, EpochCompleted epoch, double progress)
    {
        var state = await StateAsync(runId);
        await FlushAsync(runId, state);
        await metrics.AddEpochAsync(new RunEpoch
        {
            RunId = runId, Epoch = epoch.Epoch, TrainLoss = epoch.TrainLoss, TrainLossPerTrial = epoch.TrainLossPerTrial ?? double.NaN,
            ValidationCorrelation = epoch.Objective,
            PerMouseCorrelationJson = JsonSerializer.Serialize(epoch.Validation, NonFiniteJson),
            LearningRate = epoch.LearningRate, EpochSeconds = epoch.EpochSeconds,
        });
        double? best;
        lock (state)
        {
            if (double.IsFinite(epoch.Objective) && (state.BestScore is null || epoch.Objective > state.BestScore))
                state.BestScore = epoch.Objective;
            best = state.BestScore;
        }
        await runs.SetProgressAsync(runId, progress, best);
        await notifications.PublishAsync(new RunEpochCompleted(
            runId, state.TeamId, epoch.Epoch, epoch.TrainLoss, epoch.Objective, epoch.Validation,
            epoch.LearningRate, epoch.EpochSeconds, best, double.IsFinite(epoch.EtaSeconds) && epoch.EtaSeconds >= 0 ? epoch.EtaSeconds : null)
            { TrainLossPerTrial = epoch.TrainLossPerTrial });
    }

    /// <summary>The worker's training-health guard met non-finite numbers: stored as a marker of the run and published live.</summary>
    public Task IncidentAsync(long runId, Diverged d) => IncidentAsync(runId, d.Epoch, d.Batch, d.What, d.Recovered, d.LearningRate);

    /// <summary>The training-health guard met non-finite numbers: stored as a marker of the run and published live.</summary>
    public async Task IncidentAsync(long runId, int epoch, int? batch, string what, bool recovered, double? learningRate)
    {
        var state = await StateAsync(runId);
        await FlushAsync(runId, state);
        await metrics.AddIncidentAsync(new RunIncident
        {
            RunId = runId, Epoch = epoch, Batch = batch, What = what, Recovered = recovered, LearningRate = learningRate,
        });
        await notifications.PublishAsync(new TrainingIncident(runId, state.TeamId, epoch, batch, what, recovered, learningRate));
    }

    /// <summary>NaN and ±inf written as "NaN"/"Infinity" (a diverging run's per-mouse scores), never an exception.</summary>
    internal static readonly JsonSerializerOptions NonFiniteJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public Task CheckpointAsync(long runId, string checkpointPath) => runs.SetCheckpointAsync(runId, checkpointPath);

    /// <summary>The worker's report of its training's end: stores why it ended (early stopping, a time limit, a stop request, …).</summary>
    public Task TrainingFinishedAsync(long runId, TrainingFinished finished) => runs.SetStopReasonAsync(runId, finished.Reason);

    /// <summary>
    /// The worker ended: <see cref="RunStatus.Succeeded"/>, <see cref="RunStatus.Failed"/> (with the error) or
    /// <see cref="RunStatus.Cancelled"/>. Returns null if the run had already left running (e.g. cancelled by a user).
    /// </summary>
    public async Task<Run?> FinishAsync(long runId, RunStatus outcome, string? error = null)
    {
        if (outcome is not (RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Interrupted))
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "A worker ends succeeded, failed, cancelled or interrupted (its node was lost).");
        if (states.TryRemove(runId, out var state)) await FlushAsync(runId, state);
        try
        {
            return await lifecycle.TransitionAsync(runId, outcome, error: error);
        }
        catch (InvalidRunTransitionException)
        {
            return null;
        }
    }

    /// <summary>
    /// The worker of a run a user cancelled has exited: stores what it reported last and forgets the run. The queue
    /// sets the status (<see cref="RunQueue.CancelAsync"/>), so the user's "cancelled by" is what the run shows.
    /// </summary>
    public async Task ReleaseAsync(long runId)
    {
        if (states.TryRemove(runId, out var state)) await FlushAsync(runId, state);
    }

    async Task FlushAsync(long runId, RunState state)
    {
        List<RunBatch> toStore;
        lock (state)
        {
            toStore = [.. state.Pending];
            state.Pending.Clear();
            state.LastStored = time.GetUtcNow();
        }
        if (toStore.Count > 0) await metrics.AddBatchesAsync(runId, toStore);
    }

    async Task<RunState> StateAsync(long runId)
    {
        if (states.TryGetValue(runId, out var state)) return state;
        var run = await runs.GetAsync(runId) ?? throw new KeyNotFoundException($"Run {runId} does not exist.");
        return states.GetOrAdd(runId, new RunState(run.TeamId) { BestScore = run.BestScore });
    }

    sealed class RunState(long teamId)
    {
        public long TeamId { get; } = teamId;
        public List<RunBatch> Pending { get; } = [];
        public DateTimeOffset LastStored { get; set; } = DateTimeOffset.MinValue;
        public DateTimeOffset LastPublished { get; set; } = DateTimeOffset.MinValue;
        public double? BestScore { get; set; }
    }
}
