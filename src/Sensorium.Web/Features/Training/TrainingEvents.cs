using Sensorium.Storage.Runs;

namespace Sensorium.Web.Features.Training;

// The live events of a run as the web app publishes them: a worker's events (Sensorium.Contracts) stamped with the run
// and team, throttled, with the run's progress and best score. They flow one way: worker → RunProgressRecorder /
// RunLifecycle → TrainingNotifications → Blazor components (in process) and TrainingHub groups (SignalR clients,
// whose methods keep the names BatchProgress, EpochCompleted, TrainingIncident, RunStatusChanged).

/// <summary>Something that happened to one run of one team.</summary>
public interface ITrainingEvent
{
    long RunId { get; }
    long TeamId { get; }
}

/// <summary>A run changed status (queued, running on <see cref="Device"/>, finished, ...).</summary>
public sealed record RunStatusChanged(
    long RunId, long TeamId, RunStatus Status, string? Device, string? Error, DateTimeOffset At) : ITrainingEvent;

/// <summary>
/// Training progress within an epoch, throttled before it is published (a few per second per run at most).
/// <see cref="Progress"/> is the fraction of the whole training, 0..1. <see cref="Batch"/> is the step's position in
/// its epoch counted from 0, as the store and the curves keep it (the worker's <see cref="Sensorium.Contracts.BatchProgress"/>
/// counts the batches done, from 1).
/// </summary>
public sealed record RunBatchProgress(
    long RunId, long TeamId, int Epoch, int Batch, int BatchesPerEpoch, double Loss, double Progress) : ITrainingEvent
{
    /// <summary><see cref="Loss"/> ÷ (trials in the batch × the loss scale): one trial's loss summed over the neurons.</summary>
    public double? LossPerTrial { get; init; }
}

/// <summary>
/// The training-health guard met non-finite numbers at <see cref="Epoch"/> (and <see cref="Batch"/>, from 1): the
/// bad step was not applied and the best weights restored; <see cref="Recovered"/>: the run goes on at
/// <see cref="LearningRate"/>, otherwise it stops as diverged. A marker on the run's curves.
/// </summary>
public sealed record TrainingIncident(
    long RunId, long TeamId, int Epoch, int? Batch, string What, bool Recovered, double? LearningRate) : ITrainingEvent;

/// <summary>
/// An epoch finished and was validated. Correlations are single-trial validation correlations; <see cref="EtaSeconds"/>
/// is the worker's upper bound on the time left (null when unknown).
/// </summary>
public sealed record RunEpochCompleted(
    long RunId, long TeamId, int Epoch, double TrainLoss, double? ValidationCorrelation,
    IReadOnlyDictionary<string, double> PerMouseCorrelation, double LearningRate, double EpochSeconds,
    double? BestScore, double? EtaSeconds = null) : ITrainingEvent
{
    /// <summary>The epoch's mean loss per trial (see <see cref="RunBatchProgress.LossPerTrial"/>).</summary>
    public double? TrainLossPerTrial { get; init; }
}
