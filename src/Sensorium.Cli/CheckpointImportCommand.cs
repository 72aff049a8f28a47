using Sensorium.Models;
using Sensorium.Training;

namespace Sensorium.Cli;

/// <summary>`sensorium checkpoint import`: a PyTorch state dict becomes a run that can be evaluated and submitted.</summary>
public sealed class CheckpointImportCommand : ICommand
{
    public string Name => "checkpoint import";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string file = args.Required("file");
        string outDir = args.Required("out");
        string data = args.Required("data");
        var baseSpec = args.Choice("model", "sota", "sota", "ln") == "ln" ? ModelSpec.Ln : ModelSpec.Sota;
        int seed = args.Int("seed", 42, 0, int.MaxValue);
        args.RejectUnknown();
        if (!File.Exists(file)) throw new Sensorium.Data.DataFormatException(file, "file not found (expected a PyTorch state dict .pth)");
        var spec = RunImport.Import(file, outDir, data, baseSpec, seed);
        error.WriteLine($"checkpoint import: {file} -> {outDir} ({string.Join(", ", spec.Dataset.Mice!)}; {spec.Model.Label}: {spec.Model.Core}, shifter {(spec.Model.HasShifter ? "on" : "off")})");
        output.WriteLine(spec.ToJson());
        return CommandLine.Ok;
    }
}
