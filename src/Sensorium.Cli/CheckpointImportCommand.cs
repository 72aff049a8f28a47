using Sensorium.Models;
using Sensorium.Training;

namespace Sensorium.Cli;

/// <summary>`sensorium checkpoint import`: a PyTorch state dict becomes a run that can be evaluated and submitted.</summary>
public sealed class CheckpointImportCommand : ICommand
{
    public string Name => "checkpoint import";
    public string Summary => "turn a PyTorch state dict (official baseline or starter-kit model) into a run";
    public string Usage => """
        usage: sensorium checkpoint import --file MODEL.pth --out RUNDIR --data DIR [--model sota|ln] [--seed N]
          --file    a state dict saved by torch.save(model.state_dict()) from the Sensorium starter kit's
                    stacked_core_full_gauss_readout (e.g. sensorium_sota_model.pth)
          --data    the dataset whose mice the model predicts (used by evaluate and submission make)
          --model   sota (ELU core) or ln (linear core): the one thing the weights cannot tell (default sota)
        Architecture, mice and neuron counts are read from the weights. Prints the run's spec as JSON.
        """;

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
