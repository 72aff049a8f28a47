using System.Collections;
using System.Text;
using System.Text.RegularExpressions;
using Sensorium.Models.Encoders;
using Sensorium.Models.Readouts;
using Sensorium.Models.Shifters;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Sensorium.Models;

/// <summary>An encoder imported from a PyTorch state dict, with the spec and mice it was built from.</summary>
public sealed record ImportedModel(FiringRateEncoder Encoder, ModelSpec Spec, IReadOnlyList<MouseNeurons> Mice);

/// <summary>
/// Imports a PyTorch state dict (<c>torch.save(model.state_dict())</c>, e.g. the official sensorium_*_model.pth)
/// without the dataset. Shapes give the input channels, widths, kernels, layer count, readout bias, grid-predictor
/// and shifter sizes, the mice (data keys) and their neuron counts; the file's <c>source_grid</c> buffers give the
/// neuron positions. What weights cannot tell — the kind of each part, SOTA vs LN nonlinearity, the regularizer
/// weights, BatchNorm momentum, init sigma — comes from the given spec; each part's spec reads its own entries. Loading is strict: missing or unexpected keys and shape mismatches are
/// reported together, by key, with expected and actual shapes.
/// </summary>
public static partial class CheckpointImport
{
    /// <param name="spec">Supplies what the weights cannot tell (the kinds, linear or not, gammas, momentum, init sigma).</param>
    /// <param name="mice">If given, the file must hold exactly these data keys with these neuron counts;
    /// their positions are replaced by the file's source_grid.</param>
    /// <param name="device">Where the model goes; null means the CPU.</param>
    public static ImportedModel Load(string path, ModelSpec spec, IReadOnlyList<MouseNeurons>? mice = null,
        Device? device = null)
    {
        using var scope = NewDisposeScope();
        var state = ReadStateDict(path);
        var inferredSpec = InferSpec(state, spec);
        var inferredMice = InferMice(state, inferredSpec.Readout, mice);
        var encoder = ModelBuilder.Build(inferredSpec, inferredMice);
        LoadStateDict(encoder, state, path);
        if (device is not null && device.type != DeviceType.CPU) encoder.to(device);
        return new ImportedModel(encoder, inferredSpec, inferredMice);
    }

    /// <summary>Reads a <c>torch.save</c>d state dict (zip format) into CPU tensors.</summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No checkpoint at '{path}'.", path);
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"'{path}' is not a PyTorch state dict saved by torch.save: {e.Message}", e);
        }
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not Tensor value)
                throw new InvalidDataException($"'{path}' holds a '{entry.Key}' that is not a named tensor: not a state dict.");
            state[key] = value;
        }
        return state;
    }

    /// <summary>
    /// The spec with every architecture number the weights determine taken from them: each role's spec reads its own
    /// entries (<c>core.…</c>, the first mouse's <c>readout.&lt;key&gt;.…</c> and <c>shifter.&lt;key&gt;.…</c>, prefix
    /// removed), so the kind of core comes from <paramref name="spec"/> and nothing here knows a core's keys.
    /// A checkpoint with shifter entries gets the spec's shifter (the baselines' MLP when the spec has none).
    /// </summary>
    public static ModelSpec InferSpec(IReadOnlyDictionary<string, Tensor> state, ModelSpec spec)
    {
        var mice = DataKeys(state, "readout");
        if (mice.Count == 0) throw new InvalidDataException("The checkpoint has no readout.<data key>.… entries.");
        var firstMouse = mice[0];
        var hasShifter = state.Keys.Any(k => k.StartsWith("shifter.", StringComparison.Ordinal));
        return spec with
        {
            Core = spec.Core.FromStateDict(Entries(state, "core.")),
            Readout = spec.Readout.FromStateDict(Entries(state, $"readout.{firstMouse}.")),
            Shifter = hasShifter
                ? (spec.Shifter ?? new MlpShifterSpec()).FromStateDict(Entries(state, $"shifter.{firstMouse}."))
                : null,
        };
    }

    /// <summary>
    /// The mice of a checkpoint: data keys in ordinal order (the unpickled dict keeps no order), neuron counts as the
    /// readout's spec reads them from its entries.
    /// </summary>
    public static IReadOnlyList<MouseNeurons> InferMice(IReadOnlyDictionary<string, Tensor> state, ReadoutSpec readout,
        IReadOnlyList<MouseNeurons>? expected = null)
    {
        var mice = DataKeys(state, "readout")
            .Select(key => new MouseNeurons(key, readout.NeuronCount(Entries(state, $"readout.{key}."), key))).ToList();
        if (expected is null) return mice;

        var problems = new List<string>();
        foreach (var mouse in expected)
        {
            var found = mice.FirstOrDefault(m => m.DataKey == mouse.DataKey);
            if (found is null) problems.Add($"mouse '{mouse.DataKey}' is not in the checkpoint");
            else if (found.NeuronCount != mouse.NeuronCount)
                problems.Add($"mouse '{mouse.DataKey}' has {found.NeuronCount} neurons in the checkpoint, {mouse.NeuronCount} expected");
        }
        problems.AddRange(mice.Where(m => expected.All(e => e.DataKey != m.DataKey))
            .Select(m => $"the checkpoint has an unexpected mouse '{m.DataKey}'"));
        if (problems.Count > 0) throw new InvalidDataException("The checkpoint does not fit the mice: " + string.Join("; ", problems) + ".");
        return mice;
    }

    /// <summary>
    /// Copies a state dict into a module, strictly: every key of the module must be in the state dict with the same
    /// shape, and nothing else. Parameters keep requires_grad (unlike PyBridge's load_py, which copies the file's flag).
    /// </summary>
    public static void LoadStateDict(nn.Module module, IReadOnlyDictionary<string, Tensor> state, string source = "the state dict")
    {
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !target.ContainsKey(k)).ToList();
        var mismatched = target.Where(t => state.TryGetValue(t.Key, out var s) && !t.Value.shape.SequenceEqual(s.shape))
            .Select(t => $"{t.Key}: model expects {Shape(t.Value)}, {source} has {Shape(state[t.Key])}").ToList();
        if (missing.Count + unexpected.Count + mismatched.Count > 0)
        {
            var message = new StringBuilder($"{source} does not fit the model.");
            if (missing.Count > 0) message.Append(" Missing keys: ").AppendJoin(", ", missing).Append('.');
            if (unexpected.Count > 0) message.Append(" Unexpected keys: ").AppendJoin(", ", unexpected).Append('.');
            if (mismatched.Count > 0) message.Append(" Shape mismatches: ").AppendJoin("; ", mismatched).Append('.');
            throw new InvalidDataException(message.ToString());
        }
        using var _ = no_grad();
        foreach (var (key, tensor) in target) tensor.copy_(state[key]);
    }

    /// <summary>The entries under <paramref name="prefix"/>, with the prefix removed.</summary>
    public static IReadOnlyDictionary<string, Tensor> Entries(IReadOnlyDictionary<string, Tensor> state, string prefix) =>
        state.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Key[prefix.Length..], e => e.Value, StringComparer.Ordinal);

    /// <summary>The data keys of a per-mouse part ("readout", "shifter"), in ordinal order.</summary>
    private static List<string> DataKeys(IReadOnlyDictionary<string, Tensor> state, string part) =>
        state.Keys.Select(k => MouseKey().Match(k)).Where(m => m.Success && m.Groups[1].Value == part)
            .Select(m => m.Groups[2].Value).Distinct().Order(StringComparer.Ordinal).ToList();

    private static string Shape(Tensor t) => "(" + string.Join(",", t.shape) + ")";

    [GeneratedRegex(@"^(readout|shifter)\.([^.]+)\.")]
    private static partial Regex MouseKey();
}
