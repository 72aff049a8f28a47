using System.Collections.Concurrent;
using System.Text.Json;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Features.Runs.Scheduling;

/// <summary>What the worker reports at the end of an epoch.</summary>
/// <param name="PerMouseCorrelation">Validation correlation per data key, e.g. "26872-17-20".</param>
/// <param name="Progress">Fraction of the whole training done, 0..1.</param>
public sealed record EpochReport(
    int Epoch, double TrainLoss, double? ValidationCorrelation, IReadOnlyDictionary<string, double> PerMouseCorrelation,
    double LearningRate, double EpochSeconds, double Progress);

/// <summary>
/// Where a launcher puts what its worker reports: stores it and publishes the live events. Batch losses are buffered
/// and written about once a second; <see cref="BatchProgress"/> reaches subscribers at most every
/// <see cref="PublishInterval"/> per run (and always for an epoch's last batch), so browsers are not flooded.
/// </summary>
public sealed class RunProgressRecorder(
    RunStore runs, RunMetricStore metrics, RunLifecycle lifecycle, TrainingNotifications notifications, TimeProvider time)
{
    public static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan StoreInterval = TimeSpan.FromSeconds(1);

    readonly ConcurrentDictionary<long, RunState> states = new();

    public async Task BatchAsync(long runId, int epoch, int batch, int batchesPerEpoch, double loss, double progress)
    {
        var state = await StateAsync(runId);
        var now = time.GetUtcNow();
        var lastOfEpoch = batch == batchesPerEpoch - 1;
        List<RunBatch>? toStore = null;
        bool publish;
        lock (state)
        {
            state.Pending.Add(new RunBatch { Epoch = epoch, Batch = batch, Loss = loss });
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
            await notifications.PublishAsync(new BatchProgress(runId, state.TeamId, epoch, batch, batchesPerEpoch, loss, progress));
    }

    public async Task EpochAsync(long runId, EpochReport report)
    {
        var state = await StateAsync(runId);
        await FlushAsync(runId, state);
        await metrics.AddEpochAsync(new RunEpoch
        {
            RunId = runId, Epoch = report.Epoch, TrainLoss = report.TrainLoss,
            ValidationCorrelation = report.ValidationCorrelation,
            PerMouseCorrelationJson = JsonSerializer.Serialize(report.PerMouseCorrelation),
            LearningRate = report.LearningRate, EpochSeconds = report.EpochSeconds,
        });
        double? best;
        lock (state)
        {
            if (report.ValidationCorrelation is { } score && (state.BestScore is null || score > state.BestScore))
                state.BestScore = score;
            best = state.BestScore;
        }
        await runs.SetProgressAsync(runId, report.Progress, best);
        await notifications.PublishAsync(new EpochCompleted(
            runId, state.TeamId, report.Epoch, report.TrainLoss, report.ValidationCorrelation, report.PerMouseCorrelation,
            report.LearningRate, report.EpochSeconds, best));
    }

    public Task CheckpointAsync(long runId, string checkpointPath) => runs.SetCheckpointAsync(runId, checkpointPath);

    /// <summary>
    /// The worker ended: <see cref="RunStatus.Succeeded"/>, <see cref="RunStatus.Failed"/> (with the error) or
    /// <see cref="RunStatus.Cancelled"/>. Returns null if the run had already left running (e.g. cancelled by a user).
    /// </summary>
    public async Task<Run?> FinishAsync(long runId, RunStatus outcome, string? error = null)
    {
        if (outcome is not (RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled))
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "A worker ends succeeded, failed or cancelled.");
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
