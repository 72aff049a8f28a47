using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Sensorium.Data;
using Sensorium.Models;
using Sensorium.Training;

namespace Sensorium.Cli;

/// <summary>`sensorium train`: trains a baseline on a dataset in the official layout and writes a run directory.</summary>
public sealed class TrainCommand : ICommand
{
    public const int Cancelled = WorkerProtocol.CancelledExitCode;

    /// <summary>Training stopped on non-finite numbers (the run directory holds the best model before them).</summary>
    public const int Diverged = WorkerProtocol.DivergedExitCode;

    public string Name => "train";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string outDir = args.Required("out");
        bool resume = args.Flag("resume");
        string? specFile = args.Optional("spec");
        string? events = args.Optional("events");
        string? eventsLog = args.Optional("events-log");
        RunSpec spec;
        double? maxMinutes = MaxMinutes(args);
        if (resume && maxMinutes is not null)
            throw new UsageException("--max-minutes cannot change a resumed run: its limit is the trainer.maxMinutes of RUNDIR/spec.json");
        if (resume)
        {
            spec = Checkpoint.ReadSpec(outDir);
            if (!Checkpoint.CanResume(outDir)) throw new Sensorium.Data.DataFormatException(outDir, "no checkpoint to resume from (checkpoint/state.json missing)");
        }
        else if (specFile is not null)
        {
            if (!File.Exists(specFile)) throw new Sensorium.Data.DataFormatException(specFile, "spec file not found");
            spec = RunSpec.FromJson(File.ReadAllText(specFile), specFile);
        }
        else spec = SpecFromOptions(args);
        if (maxMinutes is not null) spec = spec with { Trainer = spec.Trainer with { MaxMinutes = maxMinutes } };
        args.RejectUnknown();
        var problems = spec.Validate();
        if (problems.Count > 0) throw new UsageException("invalid run: " + string.Join("; ", problems));

        // A folder that holds a finished training being trained again: a stop request left by that one is not for this one.
        if (!resume && File.Exists(Path.Combine(outDir, Checkpoint.ModelFile)) && StopRequest.Withdraw(outDir))
            error.WriteLine($"train: {StopRequest.FileName} of the earlier training in {outDir} removed");
        using var cts = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cts.Cancel(); });

        TextWriter? eventWriter = events switch
        {
            null => null,
            "-" => output,
            _ => new StreamWriter(events, append: resume) { AutoFlush = true },
        };
        TextWriter? logWriter = eventsLog is null ? null : new StreamWriter(eventsLog, append: true) { AutoFlush = true };
        try
        {
            var mice = DatasetLoader.Load(spec.Dataset, line => error.WriteLine("train: " + line), cts.Token);
            var progress = new TrainProgress(error, eventWriter, logWriter);
            TrainingResult result;
            try
            {
                result = Trainer.Train(spec, mice.Select(DatasetLoader.ForTraining).ToList(), outDir, progress, resume, cts.Token);
            }
            catch (OperationCanceledException)
            {
                error.WriteLine($"train: cancelled; resume with: sensorium train --resume --out {outDir}");
                return Cancelled;
            }
            catch (TrainerSettingException e) // e.g. trainer.cudnnBenchmark asked for and not settable: one clear line
            {
                error.WriteLine($"sensorium train: {e.Message}");
                return CommandLine.InvalidInput;
            }
            var summary = TrainingSummary.Of(new TrainingFinished(result.Epochs, result.BestObjective, result.BestEpoch,
                result.BestValidation, result.Reason, result.Seconds, result.Diverged, result.Recoveries),
                Path.GetFullPath(outDir), result.Device, result.ModelPath);
            output.WriteLine(JsonSerializer.Serialize<TrainingEvent>(summary, events == "-" ? WorkerProtocol.Json : Indented));
            return result.Diverged ? Diverged : CommandLine.Ok;
        }
        finally
        {
            if (eventWriter is not null && !ReferenceEquals(eventWriter, output)) eventWriter.Dispose();
            logWriter?.Dispose();
        }
    }

    /// <summary>--max-minutes X: the training's time limit (trainer.maxMinutes), or null when absent.</summary>
    public static double? MaxMinutes(CliArgs args)
    {
        if (args.Optional("max-minutes") is null) return null;
        double minutes = args.Double("max-minutes", 0);
        if (!(minutes > 0 && minutes <= TrainerSpec.MaxMinutesLimit))
            throw new UsageException($"--max-minutes must be in (0, {TrainerSpec.MaxMinutesLimit}] minutes (got '{args.Optional("max-minutes")}')");
        return minutes;
    }

    private static readonly JsonSerializerOptions Indented = new(WorkerProtocol.Json) { WriteIndented = true };

    /// <summary>Builds a spec from the command-line options, with the starter kit's defaults for everything else.</summary>
    public static RunSpec SpecFromOptions(CliArgs args)
    {
        string data = args.Required("data");
        string track = args.Choice("track", Track.SensoriumName, [.. Track.Names, DatasetSpec.AllMice]);
        string kind = args.Choice("model", "sota", [.. ModelSpec.PresetNames]);
        var (preset, presetScale) = ModelSpec.Preset(kind);
        double scale = args.Double("scale", presetScale);
        var mice = args.List("mice");
        bool plus = track == Track.SensoriumPlusName;
        // Ablations: behaviour channels and the shifter default to the track's (both on for sensorium+ only).
        bool behavior = args.Choice("behavior", plus ? "on" : "off", "on", "off") == "on";
        bool shifter = args.Choice("shifter", plus ? "on" : "off", "on", "off") == "on";
        var model = preset.ForInputs(behavior ? 4 : 1, shifter).ForScale(scale);
        var trainer = new TrainerSpec
        {
            MaxEpochs = args.Int("epochs", 200, 0, 100_000),
            Device = args.Choice("device", "auto", "auto", "cpu", "cuda"),
            Threads = args.Int("threads", 0, 0, 256),
            BatchSize = args.Int("batch-size", 128, 1, 4096),
            Precision = args.Choice("precision", MixedPrecision.Fp32, MixedPrecision.Fp32, MixedPrecision.Bf16),
            CudnnBenchmark = args.Flag("cudnn-benchmark"),
            ChannelsLast = args.Flag("channels-last"),
            LrInit = args.Double("lr", kind == "vit" ? Sensorium.Models.Cores.VitCoreSpec.V1tLearningRate : 0.009),
        };
        return new RunSpec
        {
            Dataset = new DatasetSpec
            {
                Path = data, Track = track, Mice = mice, Scale = scale,
                IncludeBehavior = behavior == plus ? null : behavior,
                IncludePupilCenter = shifter == plus ? null : shifter,
            },
            Model = model,
            Trainer = trainer,
            Seed = args.Int("seed", 42, 0, int.MaxValue),
        };
    }

    /// <summary>Human progress on stderr (batches throttled to one line per second) and, optionally, every event as JSON.</summary>
    private sealed class TrainProgress(TextWriter error, TextWriter? events, TextWriter? log = null) : IProgress<TrainingEvent>
    {
        private DateTime _lastBatchLine = DateTime.MinValue;
        private DateTime _lastBatchEvent = DateTime.MinValue;

        public void Report(TrainingEvent e)
        {
            var now = DateTime.UtcNow;
            if ((events ?? log) is not null && (e is not BatchProgress || (now - _lastBatchEvent).TotalSeconds >= 0.25 || ((BatchProgress)e).Batch == ((BatchProgress)e).BatchesPerEpoch))
            {
                if (e is BatchProgress) _lastBatchEvent = now;
                string json = WorkerProtocol.Line(e);
                if (events is not null) lock (events) events.WriteLine(json);
                if (log is not null) lock (log) log.WriteLine(json);
            }
            string? line = e switch
            {
                TrainingStarted s => $"device {s.Device}, {s.Threads} threads, {s.Parameters:N0} parameters, {s.BatchesPerEpoch} batches/epoch; cuDNN benchmark {s.CudnnBenchmark ?? "not reported"}{(s.ChannelsLast ? "; channels-last batches" : "")}; validation before: {Format(s.ValidationBefore)}",
                BatchProgress b when (now - _lastBatchLine).TotalSeconds >= 1 => $"epoch {b.Epoch} batch {b.Batch}/{b.BatchesPerEpoch} loss {b.Loss:F1}{(b.LossPerTrial is { } t ? $" ({t:F2} per trial)" : "")} {b.SamplesPerSecond:F0} samples/s, epoch ETA {b.EpochEtaSeconds:F0} s",
                EpochCompleted c => $"epoch {c.Epoch}: train loss {c.TrainLoss:F1}, validation {Format(c.Validation)} (objective {c.Objective:F4}{(c.Improved ? ", best" : "")}), lr {c.LearningRate:G3}, {c.EpochSeconds:F1} s, ~{c.EtaSeconds / 60:F0} min left if no further improvement",
                BestRestored r => $"round ended at epoch {r.Epoch}: restored best (epoch {r.BestEpoch}, {r.BestObjective:F4})",
                Diverged d => d.Recovered
                    ? $"{d.Message.ToUpperInvariant()[..8]}{d.Message[8..]}: step skipped, best weights (epoch {d.BestEpoch}, {d.BestObjective:F4}) restored; going on at lr {d.LearningRate:G3} (recovery {d.Recoveries})"
                    : $"{d.Message.ToUpperInvariant()[..8]}{d.Message[8..]}: step skipped, best weights (epoch {d.BestEpoch}, {d.BestObjective:F4}) restored; stopping",
                TrainingFinished { Diverged: true } f => $"STOPPED, {f.Reason}, after {f.Epochs} epochs: model.pth holds the best weights before it (epoch {f.BestEpoch}, {f.BestObjective:F4}), {f.Seconds:F0} s",
                TrainingFinished f => $"finished after {f.Epochs} epochs ({f.Reason}{(f.Recoveries > 0 ? $"; recovered from {f.Recoveries} divergence(s)" : "")}): best {f.BestObjective:F4} at epoch {f.BestEpoch}, {f.Seconds:F0} s",
                _ => null,
            };
            if (e is BatchProgress && line is not null) _lastBatchLine = now;
            if (line is not null) error.WriteLine("train: " + line);
        }

        private static string Format(IReadOnlyDictionary<string, double> v) =>
            string.Join(", ", v.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:F4}")));
    }
}
