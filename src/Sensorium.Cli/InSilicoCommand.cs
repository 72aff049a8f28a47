using System.Text.Json;
using Sensorium.Training.InSilico;

namespace Sensorium.Cli;

/// <summary>
/// `sensorium insilico scores|rf|mei|tuning|score|all`: experiments on a trained run's model as a digital twin of its
/// neurons (Sensorium.Training.InSilico), written as JSON + NPY + PNG to --out (default RUN/insilico).
/// </summary>
public sealed class InSilicoCommand(string experiment) : ICommand
{
    public static IEnumerable<ICommand> All => new[] { "scores", "rf", "mei", "tuning", "score", "all" }.Select(e => (ICommand)new InSilicoCommand(e));

    public string Name => "insilico " + experiment;

    public string Summary => CliHelp.Of(Name).Summary;

    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string run = args.Required("run");
        string outDir = args.Optional("out") ?? Path.Combine(run, InSilicoFolder.DefaultName);
        string? neuronsArg = args.Optional("neurons");
        string neurons = neuronsArg ?? "all";
        string meiNeurons = args.Optional("mei-neurons") ?? (experiment == "mei" && neuronsArg is not null ? neuronsArg : "top:8");
        string? data = args.Optional("data");
        string? truth = args.Optional("truth");
        string? mouse = args.Optional("mouse");
        string device = args.Choice("device", "auto", "auto", "cpu", "cuda");
        int threads = args.Int("threads", 0, 0, 1024);
        double threshold = args.Double("threshold", 0.3);
        int seed = args.Int("seed", 1, 0);
        var rf = new RfOptions(NoiseImages: args.Int("noise-images", 2048, 2, 1_000_000), GradientSamples: args.Int("gradient-samples", 8, 1, 1024), Seed: seed);
        var mei = new MeiOptions(Starts: args.Int("starts", 4, 1, 256), Steps: args.Int("steps", 200, 1, 100_000),
            Rms: args.Double("rms", 0.35), BlurSigma: args.Double("blur", 1.0), Seed: seed);
        var tuning = new TuningOptions(Orientations: args.Int("orientations", 16, 2, 360), Phases: args.Int("phases", 8, 3, 360),
            Amplitude: args.Double("amplitude", 1.0));
        string? events = args.Optional("events");
        if (events is not null and not "-") throw new UsageException("--events only supports - (stdout)");
        args.RejectUnknown();
        if (mei.Rms <= 0 || mei.BlurSigma < 0) throw new UsageException("--rms must be > 0 and --blur ≥ 0");
        if (threads > 0) TorchSharp.torch.set_num_threads(threads);

        string[] experiments = experiment == "all" ? ["scores", "rf", "mei", "tuning", "score"] : [experiment];
        var request = new InSilicoRequest(run, outDir, experiments, neurons, meiNeurons, data, truth, mouse, device, threshold, rf, mei, tuning);
        if (experiment == "all" && InSilicoRunner.ResolveTruth(request) is null) experiments = experiments[..^1];
        request = request with { Experiments = experiments, ScoreOnlyWithTruth = experiment == "all" };
        var lastReport = new Dictionary<string, int>();
        TruthScore? score;
        try
        {
            score = InSilicoRunner.Run(request, line => error.WriteLine("insilico: " + line), p =>
            {
                if (events is not null)
                {
                    output.WriteLine(JsonSerializer.Serialize(new InSilicoProgressLine(p.Experiment, p.Stage, p.Done, p.Total)));
                    output.Flush();
                }
                int percent = p.Total == 0 ? 100 : 100 * p.Done / p.Total;
                string key = p.Experiment + "/" + p.Stage;
                if (!lastReport.TryGetValue(key, out int last) || percent >= last + 10 || p.Done == p.Total)
                {
                    lastReport[key] = percent;
                    error.WriteLine($"insilico: {p.Experiment}: {p.Stage} {p.Done}/{p.Total}");
                }
            });
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"sensorium {Name}: {e.Message}");
            return CommandLine.InvalidInput;
        }
        string summary = JsonSerializer.Serialize(new
        {
            @event = "done",
            run = Path.GetFullPath(run),
            out_dir = Path.GetFullPath(outDir),
            experiments,
            score,
        }, new JsonSerializerOptions(InSilicoFolder.Json) { WriteIndented = events is null });
        output.WriteLine(summary);
        return CommandLine.Ok;
    }
}
