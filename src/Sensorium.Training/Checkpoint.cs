using System.Text.Json;
using Sensorium.Models;
using Sensorium.Models.Encoders;
using Sensorium.Training.Schedule;
using TorchSharp;
using TorchSharp.PyBridge;

namespace Sensorium.Training;

/// <summary>Where the trainer left off, saved with every checkpoint.</summary>
public sealed record TrainingState(EarlyStoppingState EarlyStopping, PlateauLrState LearningRate, double SecondsSoFar,
    IReadOnlyDictionary<string, double> BestValidation, int Recoveries = 0);

/// <summary>
/// A run directory:
/// <code>
/// spec.json                 the RunSpec (dataset, model, trainer, seed)
/// model.pth                 the final (best) weights, a PyTorch state dict with the official key names
/// summary.json              the final result
/// checkpoint/current.pth    weights after the last finished epoch      ┐
/// checkpoint/best.pth       best weights so far                        │ written after every epoch,
/// checkpoint/optimizer.bin  Adam's state (TorchSharp format)           │ swapped in atomically;
/// checkpoint/state.json     schedule position, LR, best scores          ┘ enough to resume
/// checkpoint/spec.json      the spec again, so a checkpoint describes itself
/// </code>
/// Weights are PyTorch state dicts, so the starter kit's Python model loads them with <c>load_state_dict</c>.
/// </summary>
public static class Checkpoint
{
    public const string SpecFile = "spec.json", ModelFile = "model.pth", SummaryFile = "summary.json";
    private const string Dir = "checkpoint", Current = "current.pth", Best = "best.pth", Optimizer = "optimizer.bin", State = "state.json";

    public static bool CanResume(string runDir) => File.Exists(Path.Combine(runDir, Dir, State));

    public static RunSpec ReadSpec(string runDir)
    {
        string path = Path.Combine(runDir, SpecFile);
        if (!File.Exists(path)) throw new Sensorium.Data.DataFormatException(path, "not found (expected the run's spec.json: is this a run directory?)");
        return RunSpec.FromJson(File.ReadAllText(path), path);
    }

    public static void WriteSpec(string runDir, RunSpec spec)
    {
        Directory.CreateDirectory(runDir);
        WriteAtomically(Path.Combine(runDir, SpecFile), spec.ToJson());
    }

    /// <summary>Writes the resume checkpoint into a fresh folder, then swaps it in, so a crash never leaves half of one.</summary>
    internal static string Save(string runDir, RunSpec spec, FiringRateEncoder model, BestWeights best,
        TorchSharp.Modules.OptimizerHelper optimizer, TrainingState state)
    {
        string final = Path.Combine(runDir, Dir);
        string temp = final + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, true);
        Directory.CreateDirectory(temp);
        model.save_py(Path.Combine(temp, Current));
        best.SaveTo(Path.Combine(temp, Best));
        optimizer.save_state_dict(Path.Combine(temp, Optimizer));
        File.WriteAllText(Path.Combine(temp, State), JsonSerializer.Serialize(state, RunSpec.Json));
        File.WriteAllText(Path.Combine(temp, SpecFile), spec.ToJson());
        string old = final + ".old";
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(final)) Directory.Move(final, old);
        Directory.Move(temp, final);
        if (Directory.Exists(old)) Directory.Delete(old, true);
        return final;
    }

    internal static TrainingState LoadState(string runDir)
    {
        string path = Path.Combine(runDir, Dir, State);
        try
        {
            return JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path), RunSpec.Json)
                   ?? throw new Sensorium.Data.DataFormatException(path, "empty training state");
        }
        catch (JsonException e) { throw new Sensorium.Data.DataFormatException(path, $"corrupt training state: {e.Message}"); }
    }

    internal static string CurrentWeights(string runDir) => Path.Combine(runDir, Dir, Current);
    internal static string BestWeights(string runDir) => Path.Combine(runDir, Dir, Best);
    internal static string OptimizerState(string runDir) => Path.Combine(runDir, Dir, Optimizer);

    /// <summary>Copies a PyTorch state dict file into the model (strict: every key, every shape).</summary>
    public static void LoadWeights(FiringRateEncoder model, string path)
    {
        if (!File.Exists(path)) throw new Sensorium.Data.DataFormatException(path, "weights file not found");
        var state = CheckpointImport.ReadStateDict(path);
        try { CheckpointImport.LoadStateDict(model, state, path); }
        finally { foreach (var t in state.Values) t.Dispose(); }
    }

    internal static void WriteAtomically(string path, string text)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
