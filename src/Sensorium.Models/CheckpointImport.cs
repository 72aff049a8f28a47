using System.Collections;
using System.Text;
using System.Text.RegularExpressions;
using Sensorium.Models.Encoders;
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
/// neuron positions. What weights cannot tell — SOTA vs LN nonlinearity, the regularizer weights, BatchNorm momentum,
/// init sigma — comes from the given spec. Loading is strict: missing or unexpected keys and shape mismatches are
/// reported together, by key, with expected and actual shapes.
/// </summary>
public static partial class CheckpointImport
{
    /// <param name="spec">Supplies what the weights cannot tell (Kind, gammas, momentum, init sigma).</param>
    /// <param name="mice">If given, the file must hold exactly these data keys with these neuron counts;
    /// their positions are replaced by the file's source_grid.</param>
    /// <param name="device">Where the model goes; null means the CPU.</param>
    public static ImportedModel Load(string path, ModelSpec spec, IReadOnlyList<MouseNeurons>? mice = null,
        Device? device = null)
    {
        using var scope = NewDisposeScope();
        var state = ReadStateDict(path);
        var inferredSpec = InferSpec(state, spec);
        var inferredMice = InferMice(state, mice);
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

    /// <summary>The spec with every architecture number the weights determine taken from them.</summary>
    public static ModelSpec InferSpec(IReadOnlyDictionary<string, Tensor> state, ModelSpec spec)
    {
        var layer0 = Require(state, "core.features.layer0.conv.weight", "a Stacked2dCore checkpoint"); // (C,C_in,k,k)
        var layers = state.Keys.Select(k => CoreLayer().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value)).Max() + 1;
        var hiddenKernel = state.TryGetValue("core.features.layer1.ds_conv.spatial_conv.weight", out var spatial)
            ? (int)spatial.shape[2]
            : spec.HiddenKernel;
        var readoutKeys = state.Keys.Where(k => k.StartsWith("readout.", StringComparison.Ordinal)).ToList();
        if (readoutKeys.Count == 0) throw new InvalidDataException("The checkpoint has no readout.<data key>.… entries.");
        var firstMouse = readoutKeys.Select(k => ReadoutKey().Match(k).Groups[1].Value).Min(StringComparer.Ordinal)!;
        var gridLinears = LinearIndices(state, $"readout.{firstMouse}.mu_transform.");
        var shifterKeys = state.Keys.Where(k => k.StartsWith("shifter.", StringComparison.Ordinal)).ToList();
        var shifterLinears = shifterKeys.Count == 0 ? [] : LinearIndices(state, $"shifter.{firstMouse}.mlp.");
        return spec with
        {
            Layers = layers,
            HiddenChannels = (int)layer0.shape[0],
            InputChannels = (int)layer0.shape[1],
            InputKernel = (int)layer0.shape[2],
            HiddenKernel = hiddenKernel,
            ReadoutBias = state.ContainsKey($"readout.{firstMouse}.bias"),
            GridPredictorHiddenLayers = Math.Max(gridLinears.Count - 1, 0),
            GridPredictorHiddenFeatures = gridLinears.Count > 1
                ? (int)state[$"readout.{firstMouse}.mu_transform.0.weight"].shape[0]
                : spec.GridPredictorHiddenFeatures,
            Shifter = shifterKeys.Count > 0,
            ShifterLayers = shifterLinears.Count > 0 ? shifterLinears.Count : spec.ShifterLayers,
            ShifterHiddenChannels = shifterLinears.Count > 1
                ? (int)state[$"shifter.{firstMouse}.mlp.0.weight"].shape[0]
                : spec.ShifterHiddenChannels,
        };
    }

    /// <summary>
    /// The mice of a checkpoint: data keys in ordinal order (the unpickled dict keeps no order), neuron counts from
    /// the readout bias (or the features when there is no bias).
    /// </summary>
    public static IReadOnlyList<MouseNeurons> InferMice(IReadOnlyDictionary<string, Tensor> state,
        IReadOnlyList<MouseNeurons>? expected = null)
    {
        var keys = state.Keys.Select(k => ReadoutKey().Match(k)).Where(m => m.Success)
            .Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal).ToList();
        var mice = keys.Select(key => new MouseNeurons(key, (int)(state.TryGetValue($"readout.{key}.bias", out var bias)
            ? bias.shape[0]
            : Require(state, $"readout.{key}._features", "a FullGaussian2d readout").shape[3]))).ToList();
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

    private static Tensor Require(IReadOnlyDictionary<string, Tensor> state, string key, string what) =>
        state.TryGetValue(key, out var value)
            ? value
            : throw new InvalidDataException($"The checkpoint has no '{key}': not {what}.");

    private static List<int> LinearIndices(IReadOnlyDictionary<string, Tensor> state, string prefix) =>
        state.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal))
            .Select(k => int.Parse(k[prefix.Length..^".weight".Length])).Order().ToList();

    private static string Shape(Tensor t) => "(" + string.Join(",", t.shape) + ")";

    [GeneratedRegex(@"^core\.features\.layer(\d+)\.")]
    private static partial Regex CoreLayer();

    [GeneratedRegex(@"^readout\.([^.]+)\.")]
    private static partial Regex ReadoutKey();
}
