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
        // The preset gives what the weights cannot tell: the kind of core, linear or not, and the input scale (cnn-wide: 0.5).
        var (baseSpec, presetScale) = ModelSpec.Preset(args.Choice("model", "sota", [.. ModelSpec.PresetNames]));
        double scale = args.Double("scale", presetScale);
        int seed = args.Int("seed", 42, 0, int.MaxValue);
        args.RejectUnknown();
        if (!File.Exists(file)) throw new Sensorium.Data.DataFormatException(file, "file not found (expected a PyTorch state dict .pth)");
        var spec = RunImport.Import(file, outDir, data, baseSpec, seed, scale);
        error.WriteLine($"checkpoint import: {file} -> {outDir} ({string.Join(", ", spec.Dataset.Mice!)}; {spec.Model.Label}: {spec.Model.Core}, " +
            $"shifter {(spec.Model.HasShifter ? "on" : "off")}, input scale {spec.Dataset.Scale})");
        output.WriteLine(spec.ToJson());
        return CommandLine.Ok;
    }
}
