using System.Diagnostics;
using System.Text.Json;
using Sensorium.Models;
using Sensorium.Models.Encoders;
using Sensorium.Models.Measures;
using Sensorium.Training.Schedule;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Sensorium.Training;

/// <summary>The outcome of <see cref="Trainer.Train"/>.</summary>
public sealed record TrainingResult(int Epochs, double BestObjective, int BestEpoch,
    IReadOnlyDictionary<string, double> BestValidation, string Reason, double Seconds, string Device, string ModelPath);

/// <summary>
/// The Sensorium <c>standard_trainer</c> (SENSORIUM.md §3.5), top to bottom: build → evaluate → for each epoch of
/// the early-stopping schedule: one round-robin pass over the mice (an optimizer step per round), evaluate on
/// validation, step the LR schedule, checkpoint. Objective per batch: √(trials/batch)·Σ Poisson + core and readout
/// regularizers. No web, no SQL: specs, data, an <see cref="IProgress{T}"/> and a token in, a result out.
/// </summary>
public static class Trainer
{
    private const string BestSoFar = "best-so-far.pth";

    /// <param name="runDir">Holds spec.json, checkpoints and the final model.pth; created if needed.</param>
    /// <param name="resume">Continue from runDir's checkpoint (its spec must equal <paramref name="spec"/>).</param>
    public static TrainingResult Train(RunSpec spec, IReadOnlyList<MouseTrainingData> mice, string runDir,
        IProgress<TrainingEvent>? progress = null, bool resume = false, CancellationToken cancel = default)
    {
        var problems = spec.Validate();
        if (problems.Count > 0) throw new ArgumentException("Invalid run spec: " + string.Join("; ", problems));
        foreach (var m in mice) m.Check();
        TorchNative.Initialize(); // before the first torch call (huge pages, an optional other libtorch)
        var clock = Stopwatch.StartNew();
        var ts = spec.Trainer;
        if (ts.Threads > 0) set_num_threads(ts.Threads);
        var device = TorchDevice.Resolve(ts.Device);
        Checkpoint.WriteSpec(runDir, spec);

        using var model = ModelBuilder.Build(spec.Model,
            mice.Select(m => MouseNeurons.FromCortex(m.DataKey, m.CorticalX, m.CorticalY)).ToList(), device, (ulong)spec.Seed);
        var data = mice.Select(m => new DeviceData(m, device, spec.Dataset.BehaviorChannels, spec.Dataset.PupilCenter)).ToList();
        try
        {
            using var optimizer = optim.Adam(model.parameters(), ts.LrInit);
            using var poisson = new PoissonLoss(avg: false);
            var lrSchedule = new PlateauLrSchedule(ts.LrInit, ts.LrDecayFactor, ts.Patience, ts.Tolerance, ts.MinLr);
            var stopping = new EarlyStopping(ts.Patience, ts.MaxEpochs, ts.LrDecaySteps, ts.Tolerance);
            var best = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone()); // in-memory best state
            string bestFile = Path.Combine(runDir, BestSoFar);
            var bestValidation = new Dictionary<string, double>();
            double secondsBefore = 0;

            TrainingState? resumed = null;
            if (resume)
            {
                if (!Checkpoint.CanResume(runDir)) throw new InvalidOperationException($"{runDir}: no checkpoint to resume from");
                resumed = Checkpoint.LoadState(runDir);
                Checkpoint.LoadWeights(model, Checkpoint.BestWeights(runDir));
                CopyInto(best, model);
                File.Copy(Checkpoint.BestWeights(runDir), bestFile, overwrite: true);
                Checkpoint.LoadWeights(model, Checkpoint.CurrentWeights(runDir));
                optimizer.load_state_dict(Checkpoint.OptimizerState(runDir));
                lrSchedule.Restore(resumed.LearningRate);
                SetLearningRate(optimizer, lrSchedule.LearningRate);
                bestValidation = new Dictionary<string, double>(resumed.BestValidation);
                secondsBefore = resumed.SecondsSoFar;
            }

            int batchesPerEpoch = MiceCycler.Epoch(mice.Select(m => m.Train).ToList(), ts.BatchSize, new Random(0)).Count;
            var lastValidation = new Dictionary<string, double>();
            double Evaluate()
            {
                var (perMouse, objective) = Validate(model, data, ts.EvalBatchSize);
                lastValidation = perMouse;
                return objective;
            }

            long parameters = model.parameters().Sum(p => p.numel());
            bool started = false;
            double lastEpochSeconds = 0, epochLossSum = 0, lastSamplesPerSecond = 0;
            int lastEpoch = resumed?.EarlyStopping.Epoch ?? 0;
            string reason = "early stopping";

            model.train();
            foreach (int epoch in stopping.Epochs(
                evaluate: Evaluate,
                saveBest: () =>
                {
                    CopyInto(best, model);
                    model.save_py(bestFile + ".tmp");
                    File.Move(bestFile + ".tmp", bestFile, overwrite: true);
                    bestValidation = new Dictionary<string, double>(lastValidation);
                },
                restoreBest: () => CopyFrom(best, model),
                afterEvaluation: (e, objective, what) =>
                {
                    if (what is EarlyStoppingEvent.Improved or EarlyStoppingEvent.NotImproved)
                    {
                        if (lrSchedule.Step(objective)) SetLearningRate(optimizer, lrSchedule.LearningRate);
                        int remaining = ts.MaxEpochs - e;
                        progress?.Report(new EpochCompleted(e, epochLossSum / batchesPerEpoch, lastValidation, objective,
                            lrSchedule.LearningRate, lastEpochSeconds, lastSamplesPerSecond, what == EarlyStoppingEvent.Improved,
                            stopping.BestObjective, stopping.BestEpoch, stopping.Round,
                            lastEpochSeconds * Math.Min(remaining, (ts.LrDecaySteps - stopping.Round) * (ts.Patience + 1))));
                        var state = new TrainingState(stopping.Snapshot(e), lrSchedule.Snapshot(), secondsBefore + clock.Elapsed.TotalSeconds, bestValidation);
                        progress?.Report(new CheckpointSaved(e, Checkpoint.Save(runDir, spec, model, bestFile, optimizer, state)));
                    }
                    else if (what == EarlyStoppingEvent.RestoredAfterRound)
                        progress?.Report(new BestRestored(e, stopping.BestObjective, stopping.BestEpoch));
                    else if (what == EarlyStoppingEvent.NotFinite) reason = "non-finite validation objective";
                },
                resume: resumed?.EarlyStopping))
            {
                if (!started)
                {
                    started = true;
                    progress?.Report(new TrainingStarted(device.ToString(), get_num_threads(), parameters, batchesPerEpoch,
                        resumed is null ? lastValidation : resumed.BestValidation, epoch - 1));
                }
                cancel.ThrowIfCancellationRequested();
                var epochClock = Stopwatch.StartNew();
                epochLossSum = TrainEpoch(model, data, optimizer, poisson, ts, spec.Seed, epoch, batchesPerEpoch, progress, cancel);
                lastEpochSeconds = epochClock.Elapsed.TotalSeconds;
                lastSamplesPerSecond = mice.Sum(m => m.Train.Length) / Math.Max(1e-9, lastEpochSeconds);
                lastEpoch = epoch;
            }
            if (lastEpoch >= ts.MaxEpochs && reason == "early stopping") reason = "max epochs";

            // The schedule restored the best weights; keep them as the run's model.
            string modelPath = Path.Combine(runDir, Checkpoint.ModelFile);
            model.save_py(modelPath + ".tmp");
            File.Move(modelPath + ".tmp", modelPath, overwrite: true);
            var result = new TrainingResult(lastEpoch, stopping.BestObjective, stopping.BestEpoch, bestValidation, reason,
                secondsBefore + clock.Elapsed.TotalSeconds, device.ToString(), modelPath);
            Checkpoint.WriteAtomically(Path.Combine(runDir, Checkpoint.SummaryFile), JsonSerializer.Serialize(result, RunSpec.Json));
            progress?.Report(new TrainingFinished(result.Epochs, result.BestObjective, result.BestEpoch, result.BestValidation, reason, result.Seconds));
            foreach (var t in best.Values) t.Dispose();
            return result;
        }
        finally
        {
            foreach (var d in data) d.Dispose();
        }
    }

    /// <summary>One pass of the mice cycler; returns the sum of the per-batch objectives.</summary>
    private static double TrainEpoch(FiringRateEncoder model, List<DeviceData> data, TorchSharp.Modules.OptimizerHelper optimizer,
        PoissonLoss poisson, TrainerSpec ts, int seed, int epoch, int batchesPerEpoch, IProgress<TrainingEvent>? progress,
        CancellationToken cancel)
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
        // the device), and the loss summed on the device: a scalar is read back (a sync on CUDA) only for progress.
        var device = data[0].Device;
        using var epochIndex = tensor(steps.SelectMany(s => s.Trials).Select(i => (long)i).ToArray(), device: device);
        using var lossTotal = zeros(1, ScalarType.Float64, device);
        long offset = 0;
        optimizer.zero_grad();
        for (int b = 0; b < steps.Count; b++)
        {
            cancel.ThrowIfCancellationRequested();
            var (mouse, trials) = steps[b];
            var d = data[mouse];
            using (var scope = NewDisposeScope())
            {
                var index = epochIndex.narrow(0, offset, trials.Length);
                offset += trials.Length;
                var loss = Objective(model, d, index, trials.Length, poisson, ts.ScaleLoss, ts.DetachCore);
                loss.backward();
                using (no_grad()) lossTotal.add_(loss.detach().to(ScalarType.Float64)); // = Σ (double)(float)loss
                samples += trials.Length;
                if ((b + 1) % stepEvery == 0)
                {
                    optimizer.step();
                    optimizer.zero_grad();
                }
                if (progress is not null && ((b + 1) % stepEvery == 0 || b == steps.Count - 1))
                {
                    double value = loss.item<float>();
                    double rate = samples / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                    double eta = (steps.Count - b - 1) * clock.Elapsed.TotalSeconds / (b + 1);
                    progress.Report(new BatchProgress(epoch, b + 1, batchesPerEpoch, d.Mouse.DataKey, value, rate, eta));
                }
            }
        }
        return lossTotal.item<double>();
    }

    /// <summary>
    /// The per-batch training objective (forward only): √(trials/batch)·Σ Poisson(model(inputs), targets) + the core
    /// (unless <paramref name="detachCore"/>) and readout regularizers. A scalar; the caller calls backward().
    /// </summary>
    internal static Tensor Objective(FiringRateEncoder model, DeviceData d, Tensor index, int batch, PoissonLoss poisson,
        bool scaleLoss, bool detachCore)
    {
        var inputs = d.Inputs(index);                      // (B,C,H,W)
        var targets = d.Responses.index_select(0, index); // (B,N)
        var pupil = d.Pupil(index);                        // (B,2) or null
        var output = model.call(inputs, d.Mouse.DataKey, pupil); // (B,N)
        double scale = scaleLoss ? Math.Sqrt((double)d.Mouse.TrialCount / batch) : 1.0;
        var loss = poisson.call(output, targets) * scale + (detachCore
            ? model.Readout(d.Mouse.DataKey).Regularizer()
            : model.Regularizer(d.Mouse.DataKey));
        return loss;
    }

    /// <summary>Mean validation correlation per mouse, and over all neurons of all mice (the early-stopping objective).</summary>
    internal static (Dictionary<string, double> PerMouse, double Objective) Validate(FiringRateEncoder model,
        IReadOnlyList<DeviceData> data, int batchSize)
    {
        var perMouse = new Dictionary<string, double>();
        double sum = 0;
        long count = 0;
        foreach (var d in data)
        {
            double[] r = PerNeuronCorrelation(model, d, d.Mouse.Validation, batchSize);
            perMouse[d.Mouse.DataKey] = r.Average();
            sum += r.Sum();
            count += r.Length;
        }
        return (perMouse, sum / count);
    }

    internal static double[] PerNeuronCorrelation(FiringRateEncoder model, DeviceData d, int[] trials, int batchSize)
    {
        using var scope = NewDisposeScope();
        using var predictions = Predict(model, d, trials, batchSize);
        var index = d.Index(trials);
        var targets = d.Responses.index_select(0, index);
        return Correlation.PerNeuron(predictions, targets);
    }

    /// <summary>Predicted responses (T,N) on the device for the given trials, in eval mode, in batches.</summary>
    internal static Tensor Predict(FiringRateEncoder model, DeviceData d, int[] trials, int batchSize)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var parts = new List<Tensor>();
            for (int start = 0; start < trials.Length; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var index = d.Index(trials[start..Math.Min(trials.Length, start + batchSize)]);
                var output = model.call(d.Inputs(index), d.Mouse.DataKey, d.Pupil(index));
                parts.Add(output.MoveToOuterDisposeScope());
            }
            var all = parts.Count == 1 ? parts[0] : cat(parts, 0);
            if (parts.Count > 1) foreach (var p in parts) p.Dispose();
            return all;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    private static void SetLearningRate(TorchSharp.Modules.OptimizerHelper optimizer, double lr)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
    }

    private static void CopyInto(Dictionary<string, Tensor> target, nn.Module model)
    {
        using var _ = no_grad();
        foreach (var (key, value) in model.state_dict()) target[key].copy_(value);
    }

    private static void CopyFrom(Dictionary<string, Tensor> source, nn.Module model)
    {
        using var _ = no_grad();
        foreach (var (key, value) in model.state_dict()) value.copy_(source[key]);
    }
}
