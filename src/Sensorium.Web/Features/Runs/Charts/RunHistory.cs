using System.Text.Json;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Charts;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Features.Runs.Charts;

/// <summary>One validated epoch, as the curves need it. Epochs count from 1.</summary>
/// <param name="TrainLossPerTrial">The epoch's mean loss per trial; NaN when the worker did not report it.</param>
public sealed record EpochPoint(
    int Epoch, double TrainLoss, double? ValidationCorrelation, IReadOnlyDictionary<string, double> PerMouse,
    double LearningRate, double EpochSeconds, double TrainLossPerTrial = double.NaN)
{
    public static EpochPoint From(RunEpoch e) => new(e.Epoch, e.TrainLoss, e.ValidationCorrelation,
        e.PerMouseCorrelationJson is null ? new Dictionary<string, double>() : JsonSerializer.Deserialize<Dictionary<string, double>>(e.PerMouseCorrelationJson, Scheduling.RunProgressRecorder.NonFiniteJson)!,
        e.LearningRate, e.EpochSeconds, e.TrainLossPerTrial);

    public static EpochPoint From(RunEpochCompleted e) =>
        new(e.Epoch, e.TrainLoss, e.ValidationCorrelation, e.PerMouseCorrelation, e.LearningRate, e.EpochSeconds, e.TrainLossPerTrial ?? double.NaN);
}

/// <summary>
/// The learning history of one run: loaded whole from the store when a page opens, then extended by live events.
/// Batch losses are kept thinned (at most <see cref="MaxBatchPoints"/>; every other point goes when full), so a long
/// run stays cheap to draw. Not thread-safe: change it on the component's dispatcher.
/// </summary>
public sealed class RunHistory
{
    public const int MaxBatchPoints = 4000;

    readonly List<(int Epoch, int Batch, double Loss, double PerTrial)> batches = [];
    readonly Dictionary<int, int> batchesPerEpoch = [];
    readonly SortedDictionary<int, EpochPoint> epochs = [];
    readonly List<RunIncident> incidents = [];

    public static RunHistory From(IEnumerable<RunEpoch> epochs, IEnumerable<RunBatch> batches, IEnumerable<RunIncident>? incidents = null)
    {
        var history = new RunHistory();
        history.incidents.AddRange(incidents ?? []);
        foreach (var e in epochs) history.epochs[e.Epoch] = EpochPoint.From(e);
        foreach (var b in batches)
        {
            history.batches.Add((b.Epoch, b.Batch, b.Loss, b.LossPerTrial));
            history.batchesPerEpoch[b.Epoch] = Math.Max(history.batchesPerEpoch.GetValueOrDefault(b.Epoch), b.Batch + 1);
        }
        return history;
    }

    public IReadOnlyList<EpochPoint> Epochs => [.. epochs.Values];

    public int BatchCount => batches.Count;

    /// <summary>The epoch with the highest validation correlation (the one early stopping keeps).</summary>
    public EpochPoint? Best => epochs.Values.Where(e => e.ValidationCorrelation is not null)
        .OrderByDescending(e => e.ValidationCorrelation).ThenBy(e => e.Epoch).FirstOrDefault();

    /// <summary>The mice of the per-mouse correlations, in ordinal order of data key.</summary>
    public IReadOnlyList<string> Mice => epochs.Values.SelectMany(e => e.PerMouse.Keys).Distinct().Order(StringComparer.Ordinal).ToList();

    public void Add(RunBatchProgress progress)
    {
        batchesPerEpoch[progress.Epoch] = Math.Max(progress.BatchesPerEpoch, batchesPerEpoch.GetValueOrDefault(progress.Epoch));
        if (batches.Count > 0 && (batches[^1].Epoch, batches[^1].Batch).CompareTo((progress.Epoch, progress.Batch)) >= 0)
            batches.RemoveAll(b => (b.Epoch, b.Batch).CompareTo((progress.Epoch, progress.Batch)) >= 0); // a resumed run repeats
        batches.Add((progress.Epoch, progress.Batch, progress.Loss, progress.LossPerTrial ?? double.NaN));
        if (batches.Count > MaxBatchPoints)
        {
            var last = batches[^1];
            var kept = batches.Where((_, i) => i % 2 == 0).ToList();
            if (kept[^1] != last) kept.Add(last);
            batches.Clear();
            batches.AddRange(kept);
        }
    }

    public void Add(RunEpochCompleted completed) => epochs[completed.Epoch] = EpochPoint.From(completed);

    public void Add(TrainingIncident incident) => incidents.Add(new RunIncident
    {
        RunId = incident.RunId, Epoch = incident.Epoch, Batch = incident.Batch, What = incident.What,
        Recovered = incident.Recovered, LearningRate = incident.LearningRate,
    });

    /// <summary>What the training-health guard met, in order (non-finite loss, gradient, weight or validation).</summary>
    public IReadOnlyList<RunIncident> Incidents => incidents;

    /// <summary>A marker per incident where it happened on the epoch axis (a training step: e − 1 + b/B; an
    /// evaluation: e).</summary>
    public IReadOnlyList<ChartMarker> IncidentMarkers() => incidents.Select(i => new ChartMarker(
        i.Batch is { } b ? i.Epoch - 1 + (double)b / Math.Max(b, batchesPerEpoch.GetValueOrDefault(i.Epoch, b)) : i.Epoch,
        (i.Recovered ? "recovered: " : "diverged: ") + i.What, i.Recovered ? "#ef6c00" : "#b71c1c")).ToList();

    /// <summary>
    /// Whether the worker reported the loss per trial (workers before it did report only the batch objective, a sum
    /// over the batch's trials and neurons scaled by √(trials / batch size)).
    /// </summary>
    public bool HasLossPerTrial => batches.Any(b => double.IsFinite(b.PerTrial)) || epochs.Values.Any(e => double.IsFinite(e.TrainLossPerTrial));

    /// <summary>
    /// Batch losses against training time in epochs: batch b of epoch e (from 1) of B lies at e − 1 + (b + 1)/B.
    /// <paramref name="perTrial"/>: the loss per trial (NaN where not reported) instead of the batch objective.
    /// </summary>
    public IReadOnlyList<ChartPoint> BatchLoss(bool perTrial = false) =>
        batches.Select(b => new ChartPoint(b.Epoch - 1 + (b.Batch + 1.0) / Math.Max(1, batchesPerEpoch.GetValueOrDefault(b.Epoch, b.Batch + 1)),
            perTrial ? b.PerTrial : b.Loss)).ToList();

    /// <summary>The epochs' mean training loss: per trial when the worker reported it, else the batch objective.</summary>
    public IReadOnlyList<ChartPoint> EpochLoss(bool perTrial) =>
        EpochSeries(e => perTrial ? (double.IsFinite(e.TrainLossPerTrial) ? e.TrainLossPerTrial : null) : e.TrainLoss);

    /// <summary>The loss axis' title for <see cref="BatchLoss"/>/<see cref="EpochLoss"/>.</summary>
    public static string LossLabel(bool perTrial) => perTrial
        ? "loss per trial (Poisson, Σ over neurons)"
        : "loss per batch (√(T/B)·Σ trials × neurons)";

    public IReadOnlyList<ChartPoint> EpochSeries(Func<EpochPoint, double?> value) =>
        epochs.Values.Where(e => value(e) is not null).Select(e => new ChartPoint(e.Epoch, value(e)!.Value)).ToList();

    /// <summary>Time left if the rest goes at the pace so far: elapsed × (1 − p)/p; null before any progress.</summary>
    public static TimeSpan? EstimateRemaining(double progress, TimeSpan elapsed) =>
        progress is > 0.001 and < 1 && elapsed > TimeSpan.Zero ? elapsed * ((1 - progress) / progress) : null;

    /// <summary>
    /// Time left with a time limit (trainer.maxMinutes): the pace's estimate, or the limit's rest when that comes first
    /// (<c>LimitFirst</c>; training then ends at the first epoch end past the limit, so the rest is a lower bound by up
    /// to one epoch). Zero once the limit has passed (the current epoch is the last). <paramref name="elapsed"/> is this
    /// session's time: after a resume the limit also counts the earlier sessions, and ends sooner.
    /// </summary>
    public static (TimeSpan? Left, bool LimitFirst) EstimateRemaining(double progress, TimeSpan elapsed, double? maxMinutes)
    {
        var atPace = EstimateRemaining(progress, elapsed);
        if (maxMinutes is not { } limit || progress >= 1) return (atPace, false);
        var limitLeft = TimeSpan.FromMinutes(limit) - elapsed;
        if (limitLeft < TimeSpan.Zero) limitLeft = TimeSpan.Zero;
        return atPace is { } pace && pace <= limitLeft ? (pace, false) : (limitLeft, true);
    }
}
