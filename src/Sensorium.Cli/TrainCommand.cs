using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Sensorium.Models;
using Sensorium.Training;

namespace Sensorium.Cli;

/// <summary>`sensorium train`: trains a baseline on a dataset in the official layout and writes a run directory.</summary>
public sealed class TrainCommand : ICommand
{
    public const int Cancelled = 130;

    /// <summary>Training stopped on non-finite numbers (the run directory holds the best model before them).</summary>
    public const int Diverged = 4;

    public string Name => "train";
    public string Summary => "train a model (LN or the CNN baseline) on a dataset; writes a run directory";
    public string Usage => """
        usage: sensorium train --data DIR --out RUNDIR [--track sensorium|sensorium+|all] [--model sota|ln]
                               [--epochs N] [--mice KEY,...] [--seed N] [--device auto|cpu|cuda] [--threads N]
                               [--batch-size N] [--lr X] [--scale X] [--behavior on|off] [--shifter on|off]
                               [--events -|FILE] [--events-log FILE]
               sensorium train --spec SPEC.json --out RUNDIR [--events -|FILE] [--events-log FILE]
               sensorium train --resume --out RUNDIR [--events -|FILE] [--events-log FILE]
          --track    sensorium: stimulus only on 26872-17-20 (default); sensorium+: behaviour channels and shifter on
                     27204-5-13; all: one shared core over every mouse of the dataset, stimulus only
          --model    sota (4-layer CNN core + Gaussian readout, default) or ln (linear-nonlinear: 3 linear layers)
          --epochs   maximum epochs (default 200; early stopping usually ends sooner)
          --mice     train these data keys instead of the track's (any dataset in the official layout)
          --behavior behaviour (pupil, its derivative, running) as 3 extra input channels; default: on for sensorium+
          --shifter  a per-mouse shifter of the readout grid driven by the pupil centre; default: on for sensorium+
                     (ablations: e.g. --track sensorium+ --shifter off; the SENSORIUM mouse's test tiers have
                     behaviour and pupil centre zeroed, so do not turn these on for 26872-17-20)
          --spec     a full run spec (JSON: dataset, model, trainer, seed) instead of the options above
          --resume   continue RUNDIR from its last checkpoint
          --events   write every training event as a JSON line (- = stdout, then the summary is the last line)
          --events-log  also append every event line to FILE (the workbench reads it back if it lost the stdout)
        Progress goes to stderr; the final JSON summary (best validation correlation per mouse) to stdout.
        A health guard checks the loss and gradients before every optimizer step and the weights after every epoch:
        on a NaN or infinity the step is skipped, the best weights are restored and training goes on at a lower
        learning rate (at most twice; a spec's trainer.onDivergence "stop" stops at once), then stops as diverged.
        Exit codes: 0 done, 1 invalid input, 2 usage, 4 diverged (model.pth holds the best weights before it),
        130 cancelled (Ctrl+C/SIGTERM; the checkpoint is kept).
        """;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string outDir = args.Required("out");
        bool resume = args.Flag("resume");
        string? specFile = args.Optional("spec");
        string? events = args.Optional("events");
        string? eventsLog = args.Optional("events-log");
        RunSpec spec;
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
        args.RejectUnknown();
        var problems = spec.Validate();
        if (problems.Count > 0) throw new UsageException("invalid run: " + string.Join("; ", problems));

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
            output.WriteLine(JsonSerializer.Serialize(new
            {
                type = "summary",
                run = Path.GetFullPath(outDir),
                best_validation_correlation = result.BestValidation,
                best_objective = result.BestObjective,
                best_epoch = result.BestEpoch,
                epochs = result.Epochs,
                stopped_by = result.Reason,
                diverged = result.Diverged,
                recoveries = result.Recoveries,
                seconds = result.Seconds,
                device = result.Device,
                model = result.ModelPath,
            }, events == "-" ? Compact : Indented));
            return result.Diverged ? Diverged : CommandLine.Ok;
        }
        finally
        {
            if (eventWriter is not null && !ReferenceEquals(eventWriter, output)) eventWriter.Dispose();
            logWriter?.Dispose();
        }
    }

    internal static readonly JsonSerializerOptions Compact = new(RunSpec.Json) { WriteIndented = false };
    private static readonly JsonSerializerOptions Indented = new(RunSpec.Json) { WriteIndented = true };

    /// <summary>Builds a spec from the command-line options, with the starter kit's defaults for everything else.</summary>
    public static RunSpec SpecFromOptions(CliArgs args)
    {
        string data = args.Required("data");
        string track = args.Choice("track", "sensorium", "sensorium", "sensorium+", "all");
        string kind = args.Choice("model", "sota", "sota", "ln");
        var mice = args.List("mice");
        bool plus = track == "sensorium+";
        // Ablations: behaviour channels and the shifter default to the track's (both on for sensorium+ only).
        bool behavior = args.Choice("behavior", plus ? "on" : "off", "on", "off") == "on";
        bool shifter = args.Choice("shifter", plus ? "on" : "off", "on", "off") == "on";
        var model = (kind == "ln" ? ModelSpec.Ln : ModelSpec.Sota).ForInputs(behavior ? 4 : 1, shifter);
        var trainer = new TrainerSpec
        {
            MaxEpochs = args.Int("epochs", 200, 0, 100_000),
            Device = args.Choice("device", "auto", "auto", "cpu", "cuda"),
            Threads = args.Int("threads", 0, 0, 256),
            BatchSize = args.Int("batch-size", 128, 1, 4096),
            LrInit = args.Double("lr", 0.009),
        };
        return new RunSpec
        {
            Dataset = new DatasetSpec
            {
                Path = data, Track = track, Mice = mice, Scale = args.Double("scale", 0.25),
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
                string json = JsonSerializer.Serialize(e, Compact);
                if (events is not null) lock (events) events.WriteLine(json);
                if (log is not null) lock (log) log.WriteLine(json);
            }
            string? line = e switch
            {
                TrainingStarted s => $"device {s.Device}, {s.Threads} threads, {s.Parameters:N0} parameters, {s.BatchesPerEpoch} batches/epoch; validation before: {Format(s.ValidationBefore)}",
                BatchProgress b when (now - _lastBatchLine).TotalSeconds >= 1 => $"epoch {b.Epoch} batch {b.Batch}/{b.BatchesPerEpoch} loss {b.Loss:F1} {b.SamplesPerSecond:F0} samples/s, epoch ETA {b.EpochEtaSeconds:F0} s",
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
