using System.CommandLine;
using System.Diagnostics;
using Sensorium.Cli;

// One parse of `sensorium train`'s options by CliArgs ("ours") or by System.CommandLine 3.0.0 ("scl"), each in a fresh
// process (scripts/bench-cli.sh starts them): prints the milliseconds from Main to a parsed, validated result (cold:
// assembly loading and JIT included) and the result or the error a user would read. Usage: BenchCli ours|scl ARGS…
var clock = Stopwatch.StartNew();
string outcome = args[0] switch
{
    "ours" => Ours(args[1..]),
    "scl" => Library(args[1..]),
    _ => throw new ArgumentException("first argument: ours or scl"),
};
Console.WriteLine($"{args[0]}\t{clock.Elapsed.TotalMilliseconds:F1}\t{outcome.ReplaceLineEndings(" ").Replace('\t', ' ')}");

static string Ours(string[] argv)
{
    try
    {
        var a = CliArgs.Parse(argv);
        string data = a.Required("data"), output = a.Required("out");
        string track = a.Choice("track", "sensorium", "sensorium", "sensorium+", "all");
        string model = a.Choice("model", "sota", "sota", "ln", "cnn-wide", "vit");
        int epochs = a.Int("epochs", 200, 1, 100_000);
        var mice = a.List("mice");
        int seed = a.Int("seed", 42);
        string device = a.Choice("device", "auto", "auto", "cpu", "cuda");
        int threads = a.Int("threads", 0, 0, 1024);
        int batch = a.Int("batch-size", 128, 1, 4096);
        double lr = a.Double("lr", 0.009), scale = a.Double("scale", 0.25);
        string behavior = a.Choice("behavior", "off", "on", "off"), shifter = a.Choice("shifter", "off", "on", "off");
        string precision = a.Choice("precision", "fp32", "fp32", "bf16");
        string? spec = a.Optional("spec"), events = a.Optional("events");
        bool resume = a.Flag("resume"), json = a.Flag("json");
        a.RejectUnknown();
        return $"ok: epochs {epochs}, model {model}, lr {lr}";
    }
    catch (UsageException e) { return e.Message; }
}

static string Library(string[] argv)
{
    static Option<int> Int(string name, int min, int max)
    {
        var option = new Option<int>(name);
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 1 && int.TryParse(r.Tokens[0].Value, out int v) && (v < min || v > max))
                r.AddError($"{name} must be an integer in [{min}, {max}] (got '{v}')");
        });
        return option;
    }
    var data = new Option<string>("--data") { Required = true };
    var output = new Option<string>("--out") { Required = true };
    var track = new Option<string>("--track").AcceptOnlyFromAmong("sensorium", "sensorium+", "all");
    var model = new Option<string>("--model").AcceptOnlyFromAmong("sota", "ln", "cnn-wide", "vit");
    var epochs = Int("--epochs", 1, 100_000);
    var mice = new Option<string>("--mice");
    var seed = new Option<int>("--seed");
    var device = new Option<string>("--device").AcceptOnlyFromAmong("auto", "cpu", "cuda");
    var threads = Int("--threads", 0, 1024);
    var batch = Int("--batch-size", 1, 4096);
    var lr = new Option<double>("--lr");
    var scale = new Option<double>("--scale");
    var behavior = new Option<string>("--behavior").AcceptOnlyFromAmong("on", "off");
    var shifter = new Option<string>("--shifter").AcceptOnlyFromAmong("on", "off");
    var precision = new Option<string>("--precision").AcceptOnlyFromAmong("fp32", "bf16");
    var spec = new Option<string>("--spec");
    var events = new Option<string>("--events");
    var resume = new Option<bool>("--resume");
    var json = new Option<bool>("--json");
    var train = new Command("train")
    {
        data, output, track, model, epochs, mice, seed, device, threads, batch, lr, scale, behavior, shifter, precision,
        spec, events, resume, json,
    };
    var result = new RootCommand("sensorium") { train }.Parse(["train", .. argv]);
    return result.Errors.Count == 0
        ? $"ok: epochs {result.GetValue(epochs)}, model {result.GetValue(model)}, lr {result.GetValue(lr)}"
        : string.Join(" | ", result.Errors.Select(e => e.Message));
}

namespace Sensorium.Cli
{
    /// <summary>The CLI's one-line usage error (CommandLine.cs), declared here so the bench needs no TorchSharp.</summary>
    public sealed class UsageException(string message) : Exception(message);
}
