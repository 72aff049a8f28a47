namespace Sensorium.Storage.Runs;

/// <summary>
/// One finished epoch. <see cref="PerMouseCorrelationJson"/> maps data keys (e.g. "26872-17-20") to the
/// single-trial validation correlation of that mouse.
/// </summary>
public sealed record RunEpoch
{
    public long RunId { get; init; }
    public int Epoch { get; init; }
    public double TrainLoss { get; init; }
    /// <summary>The epoch's mean loss per trial (see <see cref="RunBatch.LossPerTrial"/>); NaN when not reported.</summary>
    public double TrainLossPerTrial { get; init; } = double.NaN;
    public double? ValidationCorrelation { get; init; }
    public string? PerMouseCorrelationJson { get; init; }
    public double LearningRate { get; init; }
    public double EpochSeconds { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>The training loss of one batch.</summary>
public sealed record RunBatch
{
    public int Epoch { get; init; }
    public int Batch { get; init; }
    public double Loss { get; init; }
    /// <summary>The objective ÷ (trials in the batch × the loss scale): the loss of one trial summed over the mouse's
    /// neurons. NaN when the worker did not report it (runs recorded before it did).</summary>
    public double LossPerTrial { get; init; } = double.NaN;
}

/// <summary>
/// Non-finite numbers the training-health guard met in a run: at <see cref="Epoch"/> (and <see cref="Batch"/>, from 1,
/// when in a training step), <see cref="What"/> was not finite; <see cref="Recovered"/>: the run went on from its best
/// weights at <see cref="LearningRate"/>, otherwise it stopped as diverged.
/// </summary>
public sealed record RunIncident
{
    public long RunId { get; init; }
    public int Epoch { get; init; }
    public int? Batch { get; init; }
    public string What { get; init; } = "";
    public bool Recovered { get; init; }
    public double? LearningRate { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
}
