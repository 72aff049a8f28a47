using System.Text.Json;
using Sensorium.Training;

namespace Sensorium.Cli;

/// <summary>`sensorium ensemble`: an ensemble folder (manifest) of finished runs, which evaluate and submission make accept as a run.</summary>
public sealed class EnsembleCommand : ICommand
{
    public string Name => "ensemble";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        var runs = args.List("runs") ?? throw new UsageException("--runs is required");
        string outDir = args.Required("out");
        string? name = args.Optional("name");
        args.RejectUnknown();
        if (runs.Length < 2) throw new UsageException($"--runs needs at least two run folders, comma-separated (got {runs.Length})");
        var manifest = Ensemble.Create(runs, outDir, name, log: line => error.WriteLine("ensemble: " + line));
        output.WriteLine(JsonSerializer.Serialize(new { dir = Path.GetFullPath(outDir), manifest }, RunSpec.Json));
        return CommandLine.Ok;
    }
}
