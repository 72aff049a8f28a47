using System.Text.Json;
using Sensorium.Models;
using Sensorium.Models.Cores;
using TorchSharp.PyBridge;

namespace Sensorium.Training;

/// <summary>
/// Turns a PyTorch state dict (an official Sensorium baseline, or a model a team trained with the Python starter
/// kit) into a run directory of ours — spec.json + model.pth + summary.json — that can be evaluated and submitted
/// like a run trained here. The architecture and mice come from the weights; what weights cannot tell (the kind of
/// core, SOTA vs LN nonlinearity, the regularizer weights) from <paramref name="baseSpec"/> (default the SOTA baseline),
/// and the input scale the model was trained at from <paramref name="scale"/> (0.25; 0.5 for cnn-wide).
/// A vision-transformer core cannot be imported: there are no official weights of one, and a state dict does not
/// tell its architecture.
/// </summary>
public static class RunImport
{
    public static RunSpec Import(string stateDictPath, string runDir, string datasetPath, ModelSpec? baseSpec = null, int seed = 42,
        double scale = 0.25)
    {
        if (baseSpec?.Core is VitCoreSpec)
            throw new Sensorium.Data.DataFormatException(stateDictPath,
                "a vit core cannot be imported: there are no official weights of a vision-transformer core, and a state dict does not " +
                "tell its architecture (patch size and stride, width, heads, blocks). Import reads the Stacked2d kinds: sota, ln, cnn-wide. " +
                "A vit run trained here already is a run folder that evaluate and submission make accept.");
        using var imported = new DisposableImport(CheckpointImport.Load(stateDictPath, baseSpec ?? ModelSpec.Sota));
        var model = imported.Value.Spec;
        var mice = imported.Value.Mice.Select(m => m.DataKey).ToList();
        bool behavior = model.InputChannels == 4;
        if (model.InputChannels is not (1 or 4))
            throw new Sensorium.Data.DataFormatException(stateDictPath, $"the core takes {model.InputChannels} input channels; expected 1 (image) or 4 (image + 3 behaviour planes)");
        var spec = new RunSpec
        {
            Dataset = new DatasetSpec
            {
                Path = datasetPath,
                Track = behavior || model.HasShifter ? Sensorium.Data.Track.SensoriumPlusName : mice.Count > 1 ? DatasetSpec.AllMice : Sensorium.Data.Track.SensoriumName,
                Mice = mice,
                IncludeBehavior = behavior,
                IncludePupilCenter = model.HasShifter,
                Scale = scale,
            },
            Model = model,
            Seed = seed,
        };
        var problems = spec.Validate();
        if (problems.Count > 0) throw new Sensorium.Data.DataFormatException(stateDictPath, "cannot be used as a run: " + string.Join("; ", problems));
        Checkpoint.WriteSpec(runDir, spec);
        imported.Value.Encoder.save_py(Path.Combine(runDir, Checkpoint.ModelFile));
        Checkpoint.WriteAtomically(Path.Combine(runDir, Checkpoint.SummaryFile), JsonSerializer.Serialize(new
        {
            imported = Path.GetFullPath(stateDictPath),
            mice,
            inputChannels = model.InputChannels,
            shifter = model.HasShifter,
            layers = (model.Core as Stacked2dCoreSpec)?.Layers,
            hiddenChannels = (model.Core as Stacked2dCoreSpec)?.HiddenChannels,
            scale,
            kind = model.Label,
        }, RunSpec.Json));
        return spec;
    }

    private sealed class DisposableImport(ImportedModel value) : IDisposable
    {
        public ImportedModel Value { get; } = value;
        public void Dispose() => Value.Encoder.Dispose();
    }
}
