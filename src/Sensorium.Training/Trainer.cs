using System.Diagnostics;
using System.Text.Json;
using Sensorium.Models;
using Sensorium.Models.Encoders;
using Sensorium.Models.Measures;
using Sensorium.Training.Health;
using Sensorium.Training.Schedule;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Sensorium.Training;

/// <summary>The outcome of <see cref="Trainer.Train"/>.</summary>
/// <param name="Reason">Why training stopped: "early stopping", "max epochs", "time limit M min reached after epoch E;
/// best epoch B" (<see cref="TrainerSpec.MaxMinutes"/>), "stopped by U after epoch E; best epoch B" (a
/// <see cref="StopRequest"/>), or "diverged at epoch E, batch B (what)".</param>
/// <param name="Diverged">True when training stopped because of non-finite numbers (the model is the best before them).</param>
/// <param name="Recoveries">Divergences recovered from (best weights restored, learning rate reduced) on the way.</param>
public sealed record TrainingResult(int Epochs, double BestObjective, int BestEpoch,
    IReadOnlyDictionary<string, double> BestValidation, string Reason, double Seconds, string Device, string ModelPath,
    bool Diverged = false, int Recoveries = 0);

/// <summary>
/// The Sensorium <c>standard_trainer</c> (SENSORIUM.md §3.5), top to bottom: build → evaluate → for each epoch the
/// early-stopping schedule asks for: one round-robin pass over the mice (an optimizer step per round), evaluate on
/// validation, step the LR schedule, save the best weights, checkpoint, report. Objective per batch:
/// √(trials/batch)·Σ Poisson + core and readout regularizers. Beyond the reference, a health guard checks the loss and
/// gradients before every optimizer step and the weights after every epoch (<see cref="TrainingHealth"/>); what
/// happens when they are not finite is the run's <see cref="TrainerSpec.OnDivergence"/>.
/// No web, no SQL: specs, data, an <see cref="IProgress{T}"/> and a token in, a result out.
/// </summary>
public static class Trainer
{
    /// <param name="runDir">Holds spec.json, checkpoints and the final model.pth; created if needed.</param>
    /// <param name="resume">Continue from runDir's checkpoint (its spec must equal <paramref name="spec"/>).</param>
    /// <param name="time">The clock of the training's seconds and of its time limit (tests pass a fake one); the system's by default.</param>
    public static TrainingResult Train(RunSpec spec, IReadOnlyList<MouseTrainingData> mice, string runDir,
        IProgress<TrainingEvent>? progress = null, bool resume = false, CancellationToken cancel = default, TimeProvider? time = null)
    {
        var problems = spec.Validate();
        if (problems.Count > 0) throw new ArgumentException("Invalid run spec: " + string.Join("; ", problems));
        foreach (var m in mice) m.Check();
        TorchNative.Initialize(); // before the first torch call (huge pages, an optional other libtorch)
        var clock = new ElapsedClock(time ?? TimeProvider.System);
        var ts = spec.Trainer;
        if (ts.Threads > 0) set_num_threads(ts.Threads);
        var device = TorchDevice.Resolve(ts.Device);
        string cudnnBenchmark = CudnnSetup.Apply(ts.CudnnBenchmark, device); // CUDA only; throws if asked for and not settable
        Checkpoint.WriteSpec(runDir, spec);
        var fault = TrainingHealth.ReadFaultInjection(runDir);
        using var gcStress = GcStress.FromEnvironment(); // a diagnostic (issue 9): off unless SENSORIUM_GC_STRESS is set
        if (AllocatorFill.FromEnvironment() is { } fill) Console.Error.WriteLine($"{AllocatorFill.Variable}: {fill}"); // likewise

        using var model = ModelBuilder.Build(spec.Model,
            mice.Select(m => MouseNeurons.FromCortex(m.DataKey, m.CorticalX, m.CorticalY)).ToList(), device, (ulong)spec.Seed);
        var data = mice.Select(m => new DeviceData(m, device, spec.Dataset.BehaviorChannels, spec.Dataset.PupilCenter)).ToList();
        var optimizer = optim.Adam(model.parameters(), ts.LrInit);
        using var best = new BestWeights(model); // the one copy of the best weights, in memory
        // bf16: the training forward runs under autocast (convolutions in bf16); the model stays fp32 (MixedPrecision).
        var lowType = MixedPrecision.LowType(ts.Precision);
        try
        {
            using var poisson = new PoissonLoss(avg: false);
            var lr = new PlateauLrSchedule(ts.LrInit, ts.LrDecayFactor, ts.Patience, ts.Tolerance, ts.MinLr);
            var stopping = new EarlyStopping(ts.Patience, ts.MaxEpochs, ts.LrDecaySteps, ts.Tolerance);
            int batchesPerEpoch = MiceCycler.Epoch(mice.Select(m => m.Train).ToList(), ts.BatchSize, new Random(0)).Count;
            var bestValidation = new Dictionary<string, double>();
            double secondsBefore = 0;
            int recoveries = 0;
            TrainingDivergedException? diverged = null;
            string? stoppedEarly = null; // a time limit or a stop request ended training at an epoch boundary

            if (resume)
            {
                if (!Checkpoint.CanResume(runDir)) throw new InvalidOperationException($"{runDir}: no checkpoint to resume from");
                var state = Checkpoint.LoadState(runDir);
                Checkpoint.LoadWeights(model, Checkpoint.BestWeights(runDir));
                best.Save();
                Checkpoint.LoadWeights(model, Checkpoint.CurrentWeights(runDir));
                optimizer.load_state_dict(Checkpoint.OptimizerState(runDir));
                lr.Restore(state.LearningRate);
                SetLearningRate(optimizer, lr.LearningRate);
                stopping.Resume(state.EarlyStopping);
                bestValidation = new Dictionary<string, double>(state.BestValidation);
                secondsBefore = state.SecondsSoFar;
                recoveries = state.Recoveries;
            }
            else
            {
                var (validation, objective) = Inference.Validate(model, data, ts.EvalBatchSize); // before training
                stopping.Start(objective);
                best.Save();
                bestValidation = validation;
            }
            progress?.Report(new TrainingStarted(device.ToString(), get_num_threads(), model.parameters().Sum(p => p.numel()),
                batchesPerEpoch, bestValidation, stopping.Epoch) { CudnnBenchmark = cudnnBenchmark, ChannelsLast = ts.ChannelsLast });

            model.train();
            while (true)
            {
                // At every epoch boundary (and before a resumed run's first epoch): the time limit, a stop request.
                stoppedEarly = StopReason(ts, runDir, secondsBefore + clock.Elapsed.TotalSeconds, stopping.Epoch, stopping.BestEpoch);
                if (stoppedEarly is not null) break;
                var step = stopping.Next();
                if (step == EarlyStoppingStep.RoundEnded)
                {
                    best.Restore();
                    progress?.Report(new BestRestored(stopping.Epoch, stopping.BestObjective, stopping.BestEpoch));
                    continue;
                }
                if (step == EarlyStoppingStep.NotFinite) // only a non-finite evaluation before training gets here
                {
                    diverged = new TrainingDivergedException(stopping.Epoch, null, "validation objective before training is not finite");
                    break;
                }
                if (step == EarlyStoppingStep.Finished) break;

                int epoch = stopping.Epoch;
                cancel.ThrowIfCancellationRequested();
                var epochClock = Stopwatch.StartNew();
                double epochStartedAt = clock.Elapsed.TotalSeconds; // on the trainer's TimeProvider, as the time limit
                double trainLoss, trainLossPerTrial, objective, epochSeconds;
                Dictionary<string, double> validation;
                try
                {
                    var (lossSum, perTrialSum) = TrainEpoch(model, lowType, data, optimizer, poisson, ts, spec.Seed, epoch, batchesPerEpoch, progress, fault, cancel);
                    (trainLoss, trainLossPerTrial) = (lossSum / batchesPerEpoch, perTrialSum / batchesPerEpoch);
                    epochSeconds = epochClock.Elapsed.TotalSeconds; // training only, as the samples/s it reports
                    TrainingHealth.RequireFiniteState(model, epoch);
                    (validation, objective) = Inference.Validate(model, data, ts.EvalBatchSize);
                    if (!double.IsFinite(objective))
                        throw new TrainingDivergedException(epoch, null, "validation objective not finite: the model predicts non-finite responses");
                }
                catch (TrainingDivergedException d)
                {
                    // The bad step was not applied; go back to the best weights.
                    best.Restore();
                    bool recover = ts.OnDivergence == TrainerSpec.Recover && recoveries < ts.MaxRecoveries;
                    double nextLr = Math.Max(lr.LearningRate * ts.LrDecayFactor, ts.MinLr);
                    progress?.Report(new Diverged(d.Epoch, d.Batch, d.What, recover, recover ? nextLr : lr.LearningRate,
                        recoveries + (recover ? 1 : 0), stopping.BestObjective, stopping.BestEpoch));
                    if (!recover)
                    {
                        diverged = d;
                        break;
                    }
                    // Recover: a fresh Adam at a lower learning rate from the best weights; the failed epoch counts as
                    // one that did not improve.
                    recoveries++;
                    optimizer.Dispose();
                    optimizer = optim.Adam(model.parameters(), nextLr);
                    lr.Reduce(nextLr);
                    stopping.Observe(stopping.BestObjective);
                    progress?.Report(new CheckpointSaved(epoch, Checkpoint.Save(runDir, spec, model, best, optimizer,
                        new TrainingState(stopping.Snapshot(), lr.Snapshot(), secondsBefore + clock.Elapsed.TotalSeconds, bestValidation, recoveries))));
                    continue;
                }

                var verdict = stopping.Observe(objective);
                if (verdict == EarlyStoppingVerdict.Improved)
                {
                    best.Save();
                    bestValidation = validation;
                }
                if (lr.Step(objective)) SetLearningRate(optimizer, lr.LearningRate);

                int remaining = Math.Min(ts.MaxEpochs - epoch, (ts.LrDecaySteps - stopping.Round) * (ts.Patience + 1));
                if (ts.MaxMinutes is { } limitMinutes)
                    remaining = Math.Min(remaining, EpochsWithinTimeLimit(limitMinutes * 60 - (secondsBefore + clock.Elapsed.TotalSeconds),
                        clock.Elapsed.TotalSeconds - epochStartedAt));
                progress?.Report(new EpochCompleted(epoch, trainLoss, validation, objective, lr.LearningRate, epochSeconds,
                    mice.Sum(m => m.Train.Length) / Math.Max(1e-9, epochSeconds), verdict == EarlyStoppingVerdict.Improved,
                    stopping.BestObjective, stopping.BestEpoch, stopping.Round,
                    epochSeconds * remaining, trainLossPerTrial));
                progress?.Report(new CheckpointSaved(epoch, Checkpoint.Save(runDir, spec, model, best, optimizer,
                    new TrainingState(stopping.Snapshot(), lr.Snapshot(), secondsBefore + clock.Elapsed.TotalSeconds, bestValidation, recoveries))));
            }
            best.Restore(); // the run's model is the best state, whatever ended training

            string reason = diverged?.Message ?? stoppedEarly ?? (stopping.Epoch >= ts.MaxEpochs ? "max epochs" : "early stopping");
            string modelPath = Path.Combine(runDir, Checkpoint.ModelFile);
            model.save_py(modelPath + ".tmp");
            File.Move(modelPath + ".tmp", modelPath, overwrite: true);
            var result = new TrainingResult(stopping.Epoch, stopping.BestObjective, stopping.BestEpoch, bestValidation, reason,
                secondsBefore + clock.Elapsed.TotalSeconds, device.ToString(), modelPath, diverged is not null, recoveries);
            Checkpoint.WriteAtomically(Path.Combine(runDir, Checkpoint.SummaryFile), JsonSerializer.Serialize(result, RunSpec.Json));
            progress?.Report(new TrainingFinished(result.Epochs, result.BestObjective, result.BestEpoch, result.BestValidation,
                reason, result.Seconds, result.Diverged, result.Recoveries));
            return result;
        }
        finally
        {
            optimizer.Dispose();
            foreach (var d in data) d.Dispose();
        }
    }

    /// <summary>
    /// One pass of the mice cycler; returns the sum of the per-batch objectives and the sum of the per-batch losses per
    /// trial (<see cref="BatchProgress.LossPerTrial"/>). Before each optimizer step the step's
    /// loss and gradients are checked (<see cref="TrainingHealth.RequireFiniteStep"/>): a non-finite one throws
    /// before the step is applied.
    /// </summary>
    private static (double Loss, double LossPerTrial) TrainEpoch(FiringRateEncoder model, ScalarType? lowType, List<DeviceData> data, OptimizerHelper optimizer,
        PoissonLoss poisson, TrainerSpec ts, int seed, int epoch, int batchesPerEpoch, IProgress<TrainingEvent>? progress,
        (int Epoch, int Batch)? fault, CancellationToken cancel)
    {
        // A generator per epoch for the shuffling and one for the readouts' position noise, so that a resumed run
        // shuffles and samples exactly as an uninterrupted one.
        var rng = new Random(unchecked(seed * 1_000_003 + epoch));
        model.Noise?.Restart(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xBF58476D1CE4E5B9UL + 1));
        var steps = MiceCycler.Epoch(data.Select(d => d.Mouse.Train).ToList(), ts.BatchSize, rng);
        int stepEvery = data.Count; // one optimizer step per round over the mice
        var clock = Stopwatch.StartNew();
        long samples = 0;
        // Every batch's trial indices uploaded at once (one host→device copy per epoch, not per batch; all mice share
        // the device), and the loss summed on the device: a scalar is read back (a sync on CUDA) once per step, for
        // the health check and progress.
        var device = data[0].Device;
        using var epochIndex = tensor(steps.SelectMany(s => s.Trials).Select(i => (long)i).ToArray(), device: device);
        using var lossTotal = zeros(1, ScalarType.Float64, device);
        using var stepLoss = zeros(1, ScalarType.Float64, device);
        using var perTrialTotal = zeros(1, ScalarType.Float64, device);
        using var stepPerTrial = zeros(1, ScalarType.Float64, device);
        long offset = 0;
        optimizer.zero_grad();
        for (int b = 0; b < steps.Count; b++)
        {
            cancel.ThrowIfCancellationRequested();
            var (mouse, trials) = steps[b];
            var d = data[mouse];
            using var scope = NewDisposeScope();
            var index = epochIndex.narrow(0, offset, trials.Length);
            offset += trials.Length;
            Tensor loss;
            using (Autocast.Enable(lowType)) // the forward only: the backward follows the graph's casts
                loss = Objective(model, d, index, trials.Length, poisson, ts.ScaleLoss, ts.DetachCore, ts.ChannelsLast);
            if (fault == (epoch, b + 1)) loss = loss * double.NaN; // a test's injected fault (see ReadFaultInjection)
            loss.backward();
            // The objective of one trial: ÷ (trials × the loss scale √(trials of the mouse / batch size)).
            double perTrialDivisor = trials.Length * (ts.ScaleLoss ? Math.Sqrt((double)d.Mouse.TrialCount / trials.Length) : 1.0);
            using (no_grad())
            {
                // Long-lived alphas: add_(t) would pass a finalizable temporary Scalar (see TorchScalars).
                stepLoss.add_(loss.detach().to(ScalarType.Float64), TorchScalars.One); // = Σ (double)(float)loss
                using var divisor = perTrialDivisor.ToScalar();
                stepPerTrial.add_(loss.detach().to(ScalarType.Float64).div(divisor), TorchScalars.One);
            }
            samples += trials.Length;
            bool endOfStep = (b + 1) % stepEvery == 0 || b == steps.Count - 1;
            if (!endOfStep) continue;
            // The guard's one read also brings the progress value (the step's last batch loss): one sync per step.
            double value = double.NaN;
            if (progress is null) TrainingHealth.RequireFiniteStep(model, stepLoss, epoch, b + 1);
            else value = TrainingHealth.RequireFiniteStepAndRead(model, stepLoss, epoch, b + 1, loss);
            optimizer.step();
            optimizer.zero_grad();
            using (no_grad())
            {
                lossTotal.add_(stepLoss, TorchScalars.One);
                stepLoss.zero_();
                perTrialTotal.add_(stepPerTrial, TorchScalars.One);
                stepPerTrial.zero_();
            }
            if (progress is not null)
            {
                double rate = samples / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                double eta = (steps.Count - b - 1) * clock.Elapsed.TotalSeconds / (b + 1);
                progress.Report(new BatchProgress(epoch, b + 1, batchesPerEpoch, d.Mouse.DataKey, value, rate, eta, value / perTrialDivisor));
            }
        }
        return (lossTotal.item<double>(), perTrialTotal.item<double>());
    }

    /// <summary>
    /// The per-batch training objective (forward only): √(trials/batch)·Σ Poisson(model(inputs), targets) + the core
    /// (unless <paramref name="detachCore"/>) and readout regularizers. A scalar; the caller calls backward().
    /// </summary>
    /// <param name="channelsLast">Store the batch's inputs channels-last (<see cref="MemoryLayout"/>) before the forward.</param>
    internal static Tensor Objective(FiringRateEncoder model, DeviceData d, Tensor index, int batch, PoissonLoss poisson,
        bool scaleLoss, bool detachCore, bool channelsLast = false)
    {
        var inputs = d.Inputs(index);                      // (B,C,H,W)
        if (channelsLast) inputs = MemoryLayout.ChannelsLast(inputs);
        var targets = d.Responses.index_select(0, index); // (B,N)
        var pupil = d.Pupil(index);                        // (B,2) or null
        var output = model.call(inputs, d.Mouse.DataKey, pupil); // (B,N)
        var regularizer = detachCore ? model.Readout(d.Mouse.DataKey).Regularizer() : model.Regularizer(d.Mouse.DataKey);
        double scale = scaleLoss ? Math.Sqrt((double)d.Mouse.TrialCount / batch) : 1.0;
        var loss = poisson.call(output, targets) * scale + regularizer;
        return loss;
    }

    /// <summary>
    /// Whether training ends now, after <paramref name="epoch"/>, and why: the spec's time limit reached by
    /// <paramref name="seconds"/> (the training's time, resumes included), or a <see cref="StopRequest"/> in the run
    /// directory. Null to go on.
    /// </summary>
    internal static string? StopReason(TrainerSpec ts, string runDir, double seconds, int epoch, int bestEpoch)
    {
        if (ts.MaxMinutes is { } limit && seconds >= limit * 60)
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"time limit {limit:G} min reached after epoch {epoch}; best epoch {bestEpoch}");
        if (StopRequest.Read(runDir) is { } request)
            return $"stopped by {request.By} after epoch {epoch}; best epoch {bestEpoch}";
        return null;
    }

    /// <summary>
    /// The epochs a time limit still lets start: training ends at the first epoch boundary at or past the limit, so with
    /// <paramref name="secondsLeft"/> to go and epochs of <paramref name="epochSeconds"/> (train + validation), the
    /// epochs that start before it. The ETA of <see cref="EpochCompleted"/> (and the workbench's progress) use it.
    /// </summary>
    internal static int EpochsWithinTimeLimit(double secondsLeft, double epochSeconds) =>
        secondsLeft <= 0 ? 0
        : epochSeconds <= 0 ? int.MaxValue
        : (int)Math.Min(int.MaxValue, Math.Ceiling(secondsLeft / epochSeconds));

    /// <summary>A stopwatch on a <see cref="TimeProvider"/> (so that a test's fake clock drives the time limit).</summary>
    private sealed class ElapsedClock(TimeProvider time)
    {
        private readonly long _start = time.GetTimestamp();
        public TimeSpan Elapsed => time.GetElapsedTime(_start);
    }

    private static void SetLearningRate(OptimizerHelper optimizer, double lr)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
    }
}
