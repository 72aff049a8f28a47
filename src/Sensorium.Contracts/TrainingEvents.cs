using System.Text.Json.Serialization;

namespace Sensorium.Contracts;

/// <summary>
/// Everything a training reports while it runs (through <see cref="IProgress{T}"/>), in order. Serialised as JSON
/// lines with a "type" discriminator (<see cref="WorkerProtocol"/>), this is also the worker protocol: the web app
/// reads these lines from the `sensorium train --events -` process it launched (a channel that could as well cross a
/// network), and the same lines from a run's <c>events.jsonl</c> after a crash. Batches and epochs count from 1.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TrainingStarted), "started")]
[JsonDerivedType(typeof(BatchProgress), "batch")]
[JsonDerivedType(typeof(EpochCompleted), "epoch")]
[JsonDerivedType(typeof(BestRestored), "restored")]
[JsonDerivedType(typeof(CheckpointSaved), "checkpoint")]
[JsonDerivedType(typeof(Diverged), "diverged")]
[JsonDerivedType(typeof(TrainingFinished), "finished")]
[JsonDerivedType(typeof(TrainingSummary), "summary")]
public abstract record TrainingEvent;

/// <summary>The model, data and device are ready; <paramref name="ValidationBefore"/> is the pre-training objective.</summary>
public sealed record TrainingStarted(string Device, int Threads, long Parameters, int BatchesPerEpoch,
    IReadOnlyDictionary<string, double> ValidationBefore, int StartEpoch) : TrainingEvent
{
    /// <summary>What became of trainer.cudnnBenchmark: "on (verified)", "off (verified)", "not applicable (not CUDA)",
    /// or "off (libtorch's default; not verified: why)" (null from workers before it was reported).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CudnnBenchmark { get; init; }

    /// <summary>trainer.channelsLast (training batches stored channels-last); written only when on.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ChannelsLast { get; init; }
}

/// <summary>After an optimizer step (throttle downstream as needed).</summary>
/// <param name="Loss">The objective of the step's last batch: the loss scale √(trials of the mouse / batch size) × the
/// Poisson loss summed over the batch's trials and the mouse's neurons, plus the regularizers.</param>
/// <param name="LossPerTrial"><see cref="Loss"/> ÷ (the batch's trials × the loss scale): one trial's loss summed over
/// the neurons, comparable between batch sizes (null from workers before it was reported).</param>
public sealed record BatchProgress(int Epoch, int Batch, int BatchesPerEpoch, string DataKey, double Loss,
    double SamplesPerSecond, double EpochEtaSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? LossPerTrial = null) : TrainingEvent;

/// <summary>After an epoch and its evaluation on the validation tier.</summary>
/// <param name="TrainLoss">Mean per-batch objective (scaled Poisson + regularizers) over the epoch.</param>
/// <param name="TrainLossPerTrial">Mean over the epoch's batches of <see cref="BatchProgress.LossPerTrial"/>.</param>
/// <param name="Validation">Mean single-trial correlation per mouse on the validation tier.</param>
/// <param name="Objective">Early-stopping objective: mean correlation over all neurons of all mice.</param>
/// <param name="EtaSeconds">Remaining time if the objective stops improving now: epoch time × the epochs the schedule then still runs (its remaining rounds of patience + 1, capped by max epochs and by the epochs a time limit still lets start). Each improvement extends it.</param>
public sealed record EpochCompleted(int Epoch, double TrainLoss, IReadOnlyDictionary<string, double> Validation,
    double Objective, double LearningRate, double EpochSeconds, double SamplesPerSecond, bool Improved,
    double BestObjective, int BestEpoch, int Round, double EtaSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? TrainLossPerTrial = null) : TrainingEvent;

/// <summary>A round of early stopping ended: the best weights were restored.</summary>
public sealed record BestRestored(int Epoch, double BestObjective, int BestEpoch) : TrainingEvent;

/// <summary>A checkpoint was written.</summary>
public sealed record CheckpointSaved(int Epoch, string Path) : TrainingEvent;

/// <summary>
/// The health guard met a non-finite loss, gradient, weight or validation objective at <paramref name="Epoch"/>
/// (and <paramref name="Batch"/>, counted from 1, when it was a training step). The bad step was not applied and the
/// best weights were restored; <paramref name="Recovered"/>: training goes on at <paramref name="LearningRate"/>
/// (the <paramref name="Recoveries"/>-th recovery); otherwise it stops as diverged.
/// </summary>
public sealed record Diverged(int Epoch, int? Batch, string What, bool Recovered, double LearningRate, int Recoveries,
    double BestObjective, int BestEpoch) : TrainingEvent
{
    /// <summary>"diverged at epoch 3, batch 4 (loss NaN)".</summary>
    public string Message => Batch is null ? $"diverged at epoch {Epoch} ({What})" : $"diverged at epoch {Epoch}, batch {Batch} ({What})";
}

/// <summary>Training ended: early stop, max epochs, or diverged (<paramref name="Diverged"/>; <paramref name="Reason"/>
/// then says where and what). The model kept is the best before the end.</summary>
public sealed record TrainingFinished(int Epochs, double BestObjective, int BestEpoch,
    IReadOnlyDictionary<string, double> BestValidation, string Reason, double Seconds, bool Diverged = false,
    int Recoveries = 0) : TrainingEvent;

/// <summary>
/// The last line `sensorium train` prints on stdout: what <see cref="TrainingFinished"/> says, plus where the run and
/// its model are and the device it ran on. Its keys are snake_case (scripts read them: <c>stopped_by</c>,
/// <c>best_validation_correlation</c>); a reader that gets only part of them (an older worker) sees defaults.
/// </summary>
public sealed record TrainingSummary(
    [property: JsonPropertyName("run")] string? Run,
    [property: JsonPropertyName("best_validation_correlation")] IReadOnlyDictionary<string, double>? BestValidationCorrelation,
    [property: JsonPropertyName("best_objective")] double BestObjective,
    [property: JsonPropertyName("best_epoch")] int BestEpoch,
    [property: JsonPropertyName("epochs")] int Epochs,
    [property: JsonPropertyName("stopped_by")] string? StoppedBy,
    [property: JsonPropertyName("diverged")] bool Diverged,
    [property: JsonPropertyName("recoveries")] int Recoveries,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("device")] string? Device,
    [property: JsonPropertyName("model")] string? Model) : TrainingEvent
{
    /// <summary>The summary of a finished training in run directory <paramref name="run"/>.</summary>
    public static TrainingSummary Of(TrainingFinished f, string run, string device, string model) => new(
        run, f.BestValidation, f.BestObjective, f.BestEpoch, f.Epochs, f.Reason, f.Diverged, f.Recoveries, f.Seconds, device, model);
}
