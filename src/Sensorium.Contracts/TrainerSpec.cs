namespace Sensorium.Contracts;

/// <summary>
/// How a model is trained. Defaults are the Sensorium starter kit's <c>standard_trainer</c> as configured by its
/// notebooks (SENSORIUM.md §3.5).
/// </summary>
public sealed record TrainerSpec
{
    /// <summary>Maximum epochs (max_iter 200).</summary>
    public int MaxEpochs { get; init; } = 200;

    /// <summary>Adam's initial learning rate (lr_init 0.009).</summary>
    public double LrInit { get; init; } = 0.009;

    /// <summary>Rounds of early stopping, each ending in restore-best (lr_decay_steps 4).</summary>
    public int LrDecaySteps { get; init; } = 4;

    /// <summary>Learning-rate factor of ReduceLROnPlateau (0.3).</summary>
    public double LrDecayFactor { get; init; } = 0.3;

    /// <summary>Learning-rate floor (min_lr 1e-4).</summary>
    public double MinLr { get; init; } = 1e-4;

    /// <summary>Non-improving epochs that end a round (patience 5); also ReduceLROnPlateau's patience.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>Least improvement of the validation correlation that counts (tolerance 1e-6).</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>Training batch size (128).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Scale the Poisson sum by √(trials of the mouse / batch size) (scale_loss True).</summary>
    public bool ScaleLoss { get; init; } = true;

    /// <summary>Detach the core (fine-tune readouts only; drops the core regularizer).</summary>
    public bool DetachCore { get; init; }

    /// <summary>Evaluation batch size (does not change results, only speed and memory).</summary>
    public int EvalBatchSize { get; init; } = 128;

    /// <summary>"auto" (CUDA when available, else CPU), "cpu" or "cuda".</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Intra-op CPU threads for this training; 0 = all cores.</summary>
    public int Threads { get; init; }

    /// <summary>What the training-health guard does when a loss, gradient, weight or validation objective is not finite
    /// (beyond the reference, which has no guard). In every case the bad step is not applied and the best weights are
    /// restored. <c>recover</c> (default): go on with a fresh Adam at the learning rate × <see cref="LrDecayFactor"/>, at
    /// most <see cref="MaxRecoveries"/> times, then stop as diverged. <c>stop</c>: stop as diverged at once.</summary>
    public string OnDivergence { get; init; } = Recover;

    /// <summary>Divergences a run may recover from before it stops as diverged (with <see cref="OnDivergence"/> recover).</summary>
    public int MaxRecoveries { get; init; } = 2;

    public const string Recover = "recover", Stop = "stop";

    /// <summary>"fp32" (default) or "bf16": autocast-style mixed precision (Sensorium.Training's MixedPrecision): the
    /// model stays fp32 and only the cores' convolutions (and linear layers/matmuls) compute in bf16 (README).</summary>
    public string Precision { get; init; } = Fp32;

    /// <summary>The values of <see cref="Precision"/>.</summary>
    public const string Fp32 = "fp32", Bf16 = "bf16";

    /// <summary>A time limit in minutes (null: none). At the first epoch boundary where the training's time so far
    /// reaches it, training ends as early stopping does: best weights restored, model.pth written, reason "time limit
    /// … reached after epoch N; best epoch B". The time counted is the trainer's own (from building the model to the
    /// epoch's end) summed over resumes (the checkpoint keeps it); waiting in a queue, loading the dataset and the time a
    /// run spends stopped before a resume are not counted.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? MaxMinutes { get; init; }

    /// <summary>cuDNN autotuning (<c>torch.backends.cudnn.benchmark</c>): cuDNN times its convolution algorithms for each
    /// new input shape and keeps the fastest. Off by default, as the reference trainer (nnfabrik's
    /// <c>set_random_seed</c> turns it off): the algorithm chosen by timing can differ between runs, and with it the last
    /// bits of the results. Applied on CUDA only (the trainer sets libtorch's flag and reads it back; on the CPU it is
    /// recorded as not applicable). Written to the spec only when on.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool CudnnBenchmark { get; init; }

    /// <summary>Channels-last memory format: each training batch is stored NHWC before the forward, so the core's
    /// convolutions (and BatchNorm, ELU) run channels-last (cuDNN's tensor-core layout); the weights, checkpoints and
    /// evaluation keep the default layout. Same results within float rounding. Off by default; written only when on.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool ChannelsLast { get; init; }

    /// <summary>The largest <see cref="MaxMinutes"/> accepted: a week.</summary>
    public const double MaxMinutesLimit = 7 * 24 * 60;

    /// <summary>Problems with the values, one message per field; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxEpochs < 0 || MaxEpochs > 100_000) errors.Add($"maxEpochs must be in [0, 100000] (got {MaxEpochs})");
        if (!(LrInit > 0 && LrInit < 10)) errors.Add($"lrInit must be in (0, 10) (got {LrInit})");
        if (LrDecaySteps < 1 || LrDecaySteps > 100) errors.Add($"lrDecaySteps must be in [1, 100] (got {LrDecaySteps})");
        if (!(LrDecayFactor > 0 && LrDecayFactor < 1)) errors.Add($"lrDecayFactor must be in (0, 1) (got {LrDecayFactor})");
        if (!(MinLr >= 0 && MinLr <= LrInit)) errors.Add($"minLr must be in [0, lrInit] (got {MinLr})");
        if (Patience < 1 || Patience > 1000) errors.Add($"patience must be in [1, 1000] (got {Patience})");
        if (!(Tolerance >= 0 && Tolerance < 1)) errors.Add($"tolerance must be in [0, 1) (got {Tolerance})");
        if (BatchSize < 1 || BatchSize > 4096) errors.Add($"batchSize must be in [1, 4096] (got {BatchSize})");
        if (EvalBatchSize < 1 || EvalBatchSize > 4096) errors.Add($"evalBatchSize must be in [1, 4096] (got {EvalBatchSize})");
        if (Device is not ("auto" or "cpu" or "cuda")) errors.Add($"device must be auto, cpu or cuda (got '{Device}')");
        if (OnDivergence is not (Recover or Stop)) errors.Add($"onDivergence must be recover or stop (got '{OnDivergence}')");
        if (MaxRecoveries < 0 || MaxRecoveries > 100) errors.Add($"maxRecoveries must be in [0, 100] (got {MaxRecoveries})");
        if (Precision is not (Fp32 or Bf16)) errors.Add($"precision must be fp32 or bf16 (got '{Precision}')");
        if (MaxMinutes is { } minutes && !(minutes > 0 && minutes <= MaxMinutesLimit))
            errors.Add($"maxMinutes must be in (0, {MaxMinutesLimit}] minutes, or absent for no time limit (got {minutes})");
        if (Threads < 0 || Threads > 256) errors.Add($"threads must be in [0, 256] (got {Threads})");
        return errors;
    }
}
