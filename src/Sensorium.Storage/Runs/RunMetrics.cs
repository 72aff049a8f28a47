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
}
