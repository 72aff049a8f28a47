using System.Text;
using Sensorium.Data;

namespace Sensorium.Cli;

/// <summary>
/// One option of a command: its name, the value it takes (null for a switch), what it does (null: listed in the
/// synopsis only), whether it is required, and whether the first synopsis line lists it (false: only another form does).
/// </summary>
public sealed record CliOption(string Name, string? Value = null, string? Help = null, bool Required = false, bool InSynopsis = true);

/// <summary>
/// A command's help: its one-line summary and what `--help` and a usage error print, generated from its options (the
/// synopsis lists every option, the list below explains those with a help text), its other forms and its notes.
/// </summary>
public sealed record CommandHelp(string Command, string Summary, IReadOnlyList<CliOption> Options, IReadOnlyList<string>? Notes = null,
    IReadOnlyList<string>? OtherForms = null, string? Positional = null)
{
    const int Width = 118;

    public string Usage => Render();

    string Render()
    {
        var text = new StringBuilder();
        string head = $"usage: sensorium {Command}";
        var words = new List<string>();
        if (Positional is not null) words.Add(Positional);
        words.AddRange(Options.Where(o => o.InSynopsis).Select(o => o.Required ? Synopsis(o) : $"[{Synopsis(o)}]"));
        string indent = new(' ', head.Length);
        var line = new StringBuilder(head);
        foreach (var word in words)
        {
            if (line.Length + 1 + word.Length > Width && line.Length > indent.Length)
            {
                text.AppendLine(line.ToString());
                line.Clear().Append(indent);
            }
            line.Append(' ').Append(word);
        }
        text.AppendLine(line.ToString());
        foreach (var form in OtherForms ?? []) text.AppendLine($"       sensorium {Command} {form}");
        var explained = Options.Where(o => o.Help is not null).ToList();
        int column = explained.Count == 0 ? 0 : Math.Min(30, explained.Max(o => Synopsis(o).Length) + 4);
        foreach (var o in explained)
        {
            var helpLines = o.Help!.Split('\n');
            string left = "  " + Synopsis(o);
            text.AppendLine(left.Length + 1 >= column ? $"{left} {helpLines[0]}" : left.PadRight(column) + helpLines[0]);
            foreach (var more in helpLines.Skip(1)) text.AppendLine(new string(' ', column) + more);
        }
        foreach (var note in Notes ?? []) text.AppendLine(note);
        return text.ToString().TrimEnd('\n', '\r');
    }

    static string Synopsis(CliOption o) => o.Value is null ? $"--{o.Name}" : $"--{o.Name} {o.Value}";
}

/// <summary>
/// The help of every `sensorium` command in one table (issue 10: usage strings were kept by hand in each command and
/// drifted from the options they read). A command's <c>Summary</c> and <c>Usage</c> come from here.
/// </summary>
public static class CliHelp
{
    static readonly string Tracks = string.Join("|", Track.Names);
    static readonly string Devices = "auto|cpu|cuda";
    static readonly CliOption Device = new("device", Devices);

    static readonly CliOption[] TrackTier =
    [
        new("track", Tracks, $"the competition mouse ({string.Join(" | ", Track.All.Select(t => t.Mouse))})"),
        new("mouse", "KEY", "another mouse instead (e.g. a pre-training mouse)"),
        new("tier", "test|final_test", "live test (submission_file_live_test.csv) or final test"),
        new("max-errors", "N", "errors collected before stopping (default 20)"),
        new("max-bytes", "N", "refuse larger files (default 1 GiB)"),
    ];

    static readonly string[] Experiments = ["scores", "rf", "mei", "tuning", "score", "all"];

    public static IReadOnlyList<CommandHelp> Table { get; } =
    [
        new("synth", "generate the synthetic dataset (official layout, known ground truth)",
        [
            new("out", "DIR", Required: true),
            new("preset", "tiny|small|full", "tiny (tests, seconds), small (default; the app's dataset), full (the real trial and neuron counts)"),
            new("seed", "N", "dataset seed (default 2022); the same seed gives byte-identical files"),
            new("mice", "KEY,...", "data keys to write (default: all seven)"),
            new("no-zip", null, "write the folders only, not the release zips"),
            new("host-zips", null, "also zip the host copy (default: host folders only)"),
            new("threads", "N", "worker threads (default: all cores); does not change the files"),
        ],
        [
            "Writes the participant copy under DIR, the host copy (true withheld data, oracle) under DIR/host,",
            "DIR/README.txt and DIR/synthetic.json. Progress goes to stderr, a JSON summary to stdout.",
        ]),

        new("train", "train a model (LN or the CNN baseline) on a dataset; writes a run directory",
        [
            new("data", "DIR", Required: true),
            new("out", "RUNDIR", Required: true),
            new("track", $"{Tracks}|{DatasetSpec.AllMice}",
                $"{Track.SensoriumName}: stimulus only on {Track.Sensorium.Mouse} (default); {Track.SensoriumPlusName}: behaviour channels and shifter on\n" +
                $"{Track.SensoriumPlus.Mouse}; {DatasetSpec.AllMice}: one shared core over every mouse of the dataset, stimulus only"),
            new("model", "sota|ln|cnn-wide|vit", "sota (4-layer CNN core + Gaussian readout, default), ln (linear-nonlinear: 3 linear layers),\n" +
                "cnn-wide (the CNN with 6 layers of 128 channels at --scale 0.5, 72×128) or vit (a vision-transformer core\n" +
                "after V1T: patch 8 stride 4, 4 blocks, 4 heads, width 155, MLP 488; default --lr 0.001647 as V1T)"),
            new("epochs", "N", "maximum epochs (default 200; early stopping usually ends sooner)"),
            new("mice", "KEY,...", "train these data keys instead of the track's (any dataset in the official layout)"),
            new("seed", "N"),
            Device,
            new("threads", "N"),
            new("batch-size", "N"),
            new("lr", "X"),
            new("scale", "X", "input scale of the official 144×256 images (default 0.25 = 36×64; 0.5 for cnn-wide)"),
            new("behavior", "on|off", $"behaviour (pupil, its derivative, running) as 3 extra input channels; default: on for {Track.SensoriumPlusName}"),
            new("shifter", "on|off", $"a per-mouse shifter of the readout grid driven by the pupil centre; default: on for {Track.SensoriumPlusName}\n" +
                $"(ablations: e.g. --track {Track.SensoriumPlusName} --shifter off; the SENSORIUM mouse's test tiers have\n" +
                $"behaviour and pupil centre zeroed, so do not turn these on for {Track.Sensorium.Mouse})"),
            new("precision", "fp32|bf16", "fp32 (default) or bf16: autocast-style mixed precision: the core's convolutions (the vit core's\n" +
                "linear layers and attention too) compute in bf16, everything else (BatchNorm, readout, loss, Adam, the\n" +
                "saved model) stays fp32 (for GPUs with bf16 tensor cores; GPU speed and quality not measured yet, see the README)"),
            new("cudnn-benchmark", null, "CUDA: cuDNN autotuning (trainer.cudnnBenchmark; off by default, as the reference; see the README)"),
            new("channels-last", null, "store training batches channels-last (NHWC) so the convolutions run in that layout (trainer.channelsLast)"),
            new("max-minutes", "X", "a time limit: at the first epoch's end past X minutes of training (resumes included) training\n" +
                "ends as early stopping does, the best weights kept in model.pth (trainer.maxMinutes; also with --spec)"),
            new("spec", "SPEC.json", "a full run spec (JSON: dataset, model, trainer, seed) instead of the options above", InSynopsis: false),
            new("resume", null, "continue RUNDIR from its last checkpoint", InSynopsis: false),
            new("events", "-|FILE", "write every training event as a JSON line (- = stdout, then the summary is the last line)"),
            new("events-log", "FILE", "also append every event line to FILE (the workbench reads it back if it lost the stdout)"),
        ],
        [
            "Progress goes to stderr; the final JSON summary (best validation correlation per mouse) to stdout.",
            "A health guard checks the loss and gradients before every optimizer step and the weights after every epoch:",
            "on a NaN or infinity the step is skipped, the best weights are restored and training goes on at a lower",
            "learning rate (at most twice; a spec's trainer.onDivergence \"stop\" stops at once), then stops as diverged.",
            $"Exit codes: 0 done, 1 invalid input, 2 usage, {WorkerProtocol.DivergedExitCode} diverged (model.pth holds the best weights before it),",
            $"{WorkerProtocol.CancelledExitCode} cancelled (Ctrl+C/SIGTERM; the checkpoint is kept, no model.pth). To end a training now and",
            "keep its best model instead: `sensorium stop --out RUNDIR` (it ends after the current epoch, exit 0).",
        ],
        OtherForms:
        [
            "--spec SPEC.json --out RUNDIR [--max-minutes X] [--events -|FILE] [--events-log FILE]",
            "--resume --out RUNDIR [--events -|FILE] [--events-log FILE]",
        ]),

        new("stop", "end a training after its current epoch and keep its best model (stop and keep best)",
        [
            new("out", "RUNDIR", "a run directory a `sensorium train` is training into (here or on a shared disk)"),
            new("by", "NAME", "who asks, shown in the reason (default: your user name)"),
            new("run", "ID", "a run of a workbench instead: POST /api/runs/ID/stop on --server with a team API token", InSynopsis: false),
            new("server", "URL", InSynopsis: false),
            new("token", "T", "a team API token (or SENSORIUM_TOKEN)", InSynopsis: false),
        ],
        [
            "Writes RUNDIR/stop-request.json; the trainer reads it at every epoch's end and ends as early stopping does:",
            "best weights restored, model.pth written, reason \"stopped by NAME after epoch N; best epoch B\", exit 0.",
            "Asking again changes nothing. A finished run directory (model.pth written) is refused (exit 1).",
            "Ctrl+C / SIGTERM still cancel (no model.pth; resume with train --resume).",
        ],
        OtherForms: ["--run ID --server URL [--token T]"]),

        new("ensemble", "an ensemble of finished runs (the mean of their predictions), for evaluate and submission make",
        [
            new("runs", "A,B,...", "the run folders, comma-separated (at least two; same mice, trials and neurons)", Required: true),
            new("out", "DIR", "the ensemble folder to write (DIR/ensemble.json)", Required: true),
            new("name", "NAME", "a name for it (default: the folder's name)"),
        ],
        ["Writes DIR/ensemble.json naming the runs, their dataset and mice, and prints it. Pass DIR as --run to",
         "`sensorium evaluate` and `sensorium submission make`: they predict with the mean of the members' predictions."]),
        new("sweep", "train a base spec over a grid or random draws of some of its fields; table of validation scores",
        [
            new("spec", "BASE.json", "the base run spec (as train --spec takes it)", Required: true),
            new("grid", "FIELD=V1,V2,...", "values of one field (a dotted path of the spec: trainer.lrInit, model.core.hiddenChannels,\n" +
                "seed, ...); repeat for more fields; grid mode trains every combination"),
            new("range", "FIELD=LOW:HIGH[:log]", "a numeric range (random mode only; whole numbers for an integer field); repeatable"),
            new("random", "N", "random mode: draw N distinct runs from the values and ranges (seeded, reproducible)"),
            new("budget", "N", "grid mode: refuse a grid of more than N runs"),
            new("sweep-seed", "N", "seed of the random draws (default 0; not the runs' own seed, which can be a --grid field)"),
            new("out", "DIR", "writes DIR/sweep.json, DIR/run-NNN/spec.json and trains each into DIR/run-NNN; DIR/results.json"),
            new("dry-run", null, "list the runs (and write their specs when --out is given); train nothing"),
            new("file", "SWEEP.json", "the whole sweep as JSON: {\"base\": {spec}, \"mode\": \"grid\"|\"random\", \"budget\": N, \"seed\": N,\n" +
                "\"axes\": [{\"field\": F, \"values\": [...]} or {\"field\": F, \"range\": {\"low\": L, \"high\": H, \"log\": true}}]}", InSynopsis: false),
        ],
        [
            "Runs are trained one after another; the table (stdout) gives each run's swept values and best validation",
            "objective, the best marked '* best'. A run whose DIR/run-NNN/summary.json exists is not trained again: run the",
            "same command to continue a stopped sweep. An unknown field, a value of the wrong type, an empty axis or a grid",
            "larger than the budget is an error naming the field (exit 1).",
        ],
        OtherForms: ["--file SWEEP.json (--out DIR | --dry-run)"]),

        new("evaluate", "score a trained run on a tier (single-trial corr, corr to average, FEVE) per mouse",
        [
            new("run", "RUNDIR", "a run folder, or an ensemble folder (sensorium ensemble)", Required: true),
            new("data", "DIR", "the dataset to read the mice from (default: the run's own)"),
            new("truth", "DIR", "where the true responses are (e.g. a synthetic dataset's DIR/host copy, when --data is a\n" +
                "participant copy whose test responses are withheld); default: --data"),
            new("tier", "validation|test|final_test", "default validation"),
            Device,
            new("per-neuron", null, "also print the per-neuron values"),
        ],
        ["Prints JSON: per mouse the trials, neurons, images and the three metrics (FEVE null without repeats)."]),

        new("submission make", "write and validate a run's live-test and final-test submission CSVs for a track",
        [
            new("run", "RUNDIR", "a run folder, or an ensemble folder (sensorium ensemble)", Required: true),
            new("track", Tracks, string.Join("; ", Track.All.Select(t => $"{t.Name}: mouse {t.Mouse}")) + " (the run must have been trained on it)", Required: true),
            new("out", "DIR", Required: true),
            new("data", "DIR", "the dataset to read the mouse from (default: the run's own)"),
            new("mouse", "KEY", "another data key (e.g. a pre-training mouse's live test)"),
            Device,
        ],
        [
            "Writes DIR/submission_file_live_test.csv and DIR/submission_file_final_test.csv (when the mouse has a final",
            "test), validates each, and prints a JSON report. Exit code 1 if a written file does not validate.",
        ]),

        new("submission validate", "check a submission CSV against a dataset (or a ground-truth CSV); JSON report",
        [
            new("file", "F", "the submission CSV", Required: true),
            new("data", "DIR", "dataset root, mouse folder or mouse zip (or a ground-truth CSV)", Required: true),
            .. TrackTier,
        ]),

        new("submission score", "score a submission CSV as the official evaluator (single-trial corr, corr to average, FEVE)",
        [
            new("file", "F", "the submission CSV", Required: true),
            new("truth", "DIR|CSV", "dataset root, mouse folder or zip (responses normalized), or a ground-truth CSV", Required: true),
            .. TrackTier,
            new("per-neuron", null, "also print per-neuron values (ground-truth neuron order)"),
        ]),

        new("submission submit", "upload a submission CSV to a workbench server (scored and ranked there)",
        [
            new("file", "F", "the submission CSV (e.g. submission_file_live_test.csv)", Required: true),
            new("track", Tracks, Required: true),
            new("tier", "test|final_test", Required: true),
            new("server", "URL", "the workbench, e.g. https://sensorium.example.org", Required: true),
            new("token", "T", "a team API token (the workbench's API tokens page); or the SENSORIUM_TOKEN environment variable", Required: true),
        ],
        [
            "Prints the server's JSON answer (scores; final-test scores stay hidden until the host reveals them).",
            "Exit code 1 with the server's message when the file is refused.",
        ]),

        new("checkpoint import", "turn a PyTorch state dict (official baseline or starter-kit model) into a run",
        [
            new("file", "MODEL.pth", "a state dict saved by torch.save(model.state_dict()) from the Sensorium starter kit's\n" +
                "stacked_core_full_gauss_readout (e.g. sensorium_sota_model.pth)", Required: true),
            new("out", "RUNDIR", Required: true),
            new("data", "DIR", "the dataset whose mice the model predicts (used by evaluate and submission make)", Required: true),
            new("model", "sota|ln|cnn-wide", "sota (ELU core, default), ln (linear core) or cnn-wide (the ELU core fed at --scale 0.5):\n" +
                "what the weights cannot tell. vit is refused: no official weights of one exist, and a state dict does\n" +
                "not tell its architecture"),
            new("scale", "X", "the input scale the model was trained at (default 0.25; 0.5 for cnn-wide)"),
            new("seed", "N"),
        ],
        ["Architecture (layers, channels, kernels), mice and neuron counts are read from the weights. Prints the run's spec as JSON."]),

        new("inspect", "describe the mice of a dataset root, mouse folder or mouse zip (JSON)", [],
            ["PATH: a dataset root, a mouse folder or a mouse .zip"], Positional: "PATH"),

        new("bench load", "time loading + preprocessing one mouse; report seconds, array MB, peak memory (JSON)",
        [
            new("data", "PATH", Required: true), new("mouse", "KEY"), new("repeat", "N"), new("scale", "0.25"), new("threads", "N"),
            new("folder"),
        ]),

        new("bench score", "time submission validate + score on a generated full-size file",
        [
            new("neurons", "8000"), new("trials", "1000"), new("images", "100"), new("seed", "1"), new("repeat", "3"), new("keep"),
            new("python-floats", null, "write float32 values widened to double (17 digits), as the Python starter kit does"),
        ]),

        new("bench train", "time the training step (samples/s, ms/step, forward/backward/optimizer, eval, peak memory; JSON)",
        [
            new("neurons", "8000"), new("batch", "128"), new("steps", "10"), new("warmup", "2"), new("threads", "N"), Device,
            new("model", "sota|ln|cnn-wide|vit", "cnn-wide is timed at its 72×128 input"), new("plus"), new("eval-steps", "N"), new("profile", "N"), new("seed", "42"),
            new("precision", "fp32|bf16", "bf16: the training forward under autocast (convolutions in bf16, the rest fp32), as train"),
            new("no-split", null, "no synchronisation between forward, backward and Adam (one per step: the loss read)"),
            new("cudnn-benchmark", null, "CUDA: cuDNN autotuning on (set in libtorch and read back; \"not applicable\" on the CPU), as train"),
            new("channels-last", null, "batches stored channels-last (NHWC) before the forward, as train --channels-last"),
        ],
        ["  Huge pages off: run with THP_MEM_ALLOC_ENABLE=0 in the environment."]),

        .. Experiments.Select(InSilico),
    ];

    static CommandHelp InSilico(string experiment) => new($"insilico {experiment}", experiment switch
    {
        "scores" => "per-neuron validation/test correlations of a run (JSON, CSV) and its test predictions (NPY)",
        "rf" => "receptive fields of model neurons: gradient at grey, gradient energy over noise, model STA",
        "mei" => "most exciting inputs by norm-constrained, smoothed gradient ascent from several starts",
        "tuning" => "grating tuning: preferred orientation, OSI, preferred SF, F1/F0 (simple vs complex)",
        "score" => "score rf and tuning results against a synthetic dataset's ground-truth neurons",
        _ => "scores, rf, mei, tuning and (with a ground truth) score, in one go",
    },
    [
        new("run", "RUNDIR", "a finished run's folder, or an ensemble folder (`sensorium ensemble`: the mean of its members)", Required: true),
        new("out", "DIR", "output folder (default RUNDIR/insilico); each experiment rewrites its own files there"),
        new("neurons", "all|top:N|I,J,...", "rf and tuning: all (default), top:N (best test correlation; needs scores) or indices"),
        new("mei-neurons", "SEL", "mei: default top:8 (or --neurons when given to `insilico mei`)"),
        new("data", "DIR"),
        new("truth", "DIR", "a synthetic dataset (or its host/ copy): true test responses and ground_truth/<key>.json;\n" +
            "default: the run's dataset when it has a host/ copy"),
        new("mouse", "KEY"),
        Device,
        new("threads", "N", "CPU threads of the model (default: all cores)"),
        new("threshold", "X", "score: neurons with test single-trial correlation ≥ X (default 0.3)"),
        new("noise-images", "N", "rf: images of the model STA (default 2048)"),
        new("gradient-samples", "N", "rf: noise images per neuron for the gradient energy map (default 8)"),
        new("starts", "N", "mei: random starts (default 4)"),
        new("steps", "N", "mei: ascent steps (default 200)"),
        new("rms", "X", "mei: RMS contrast budget in normalized units (default 0.35)"),
        new("blur", "X", "mei: σ px of the gradient smoothing prior (default 1.0)"),
        new("orientations", "N", "tuning: orientations (default 16)"),
        new("phases", "N", "tuning: phases (default 8)"),
        new("amplitude", "X", "tuning: grating amplitude (default 1.0, normalized units)"),
        new("seed", "N"),
        new("events", "-", "progress as JSON lines on stdout (event: progress, ...), the result as the last line"),
    ],
    ["Writes JSON, NPY and PNG files (see README); prints a JSON summary. Exit 1 on invalid input."]);

    /// <summary>The help of a command (its words, e.g. "submission make").</summary>
    public static CommandHelp Of(string command) => Table.FirstOrDefault(h => h.Command == command)
        ?? throw new InvalidOperationException($"no help for the command '{command}' in CliHelp.Table");
}
