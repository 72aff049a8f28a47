using System.Text.Json.Serialization;
using Sensorium.Models.Cores;
using static TorchSharp.torch;

namespace Sensorium.Models.Readouts;

/// <summary>
/// What a per-mouse readout is: its kind (JSON <c>"kind"</c>) and its own fields. Registration: one
/// <c>JsonDerivedType</c> line below per readout.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(FullGaussian2dReadoutSpec), "fullGaussian2d")]
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public abstract record ReadoutSpec
{
    /// <summary>Throws <see cref="ArgumentException"/> (naming the field) if a value cannot build a readout.</summary>
    public abstract void Validate();

    /// <summary>One mouse's readout over <paramref name="inChannels"/> core channels (the core's declared output).</summary>
    /// <param name="noise">The model's shared training-time noise, for readouts that sample.</param>
    public abstract ReadoutModule Build(long inChannels, MouseNeurons mouse, SamplingNoise noise, Generator generator, Device device);

    /// <summary>This spec with the fields one mouse's checkpoint entries determine (<c>readout.&lt;key&gt;.</c> removed).</summary>
    public virtual ReadoutSpec FromStateDict(IReadOnlyDictionary<string, Tensor> mouseState) => this;

    /// <summary>The neuron count of one mouse from its checkpoint entries (<c>readout.&lt;key&gt;.</c> removed).</summary>
    public abstract int NeuronCount(IReadOnlyDictionary<string, Tensor> mouseState, string dataKey);
}

/// <summary><see cref="FullGaussian2dReadout"/>, the baselines' readout. Defaults are the baselines'.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FullGaussian2dReadoutSpec : ReadoutSpec
{
    /// <summary>Weight of the L1 penalty on the readout features (gamma_readout = feature_reg_weight). 0.0076.</summary>
    public double GammaReadout { get; init; } = 0.0076;

    /// <summary>sigma ~ U(−InitSigma, InitSigma) at initialisation (init_sigma). 0.1.</summary>
    public double InitSigma { get; init; } = 0.1;

    /// <summary>Hidden width of the cortex grid-mean predictor (hidden_features). 30.</summary>
    public int GridPredictorHiddenFeatures { get; init; } = 30;

    /// <summary>Hidden layers of the grid-mean predictor (hidden_layers). 1.</summary>
    public int GridPredictorHiddenLayers { get; init; } = 1;

    /// <summary>Whether each mouse has a readout bias (readout_bias). true.</summary>
    public bool Bias { get; init; } = true;

    public override void Validate()
    {
        SpecChecks.Positive(GridPredictorHiddenFeatures, nameof(GridPredictorHiddenFeatures));
        if (GridPredictorHiddenLayers < 0)
            throw new ArgumentOutOfRangeException(nameof(GridPredictorHiddenLayers), GridPredictorHiddenLayers, "Must be ≥ 0.");
    }

    public override ReadoutModule Build(long inChannels, MouseNeurons mouse, SamplingNoise noise, Generator generator, Device device)
    {
        var grid = mouse.CorticalX is null || mouse.CorticalY is null
            ? null
            : FullGaussian2dReadout.SourceGridFromCortex(mouse.CorticalX, mouse.CorticalY);
        return new FullGaussian2dReadout(inChannels, mouse.NeuronCount, grid, InitSigma, GammaReadout, Bias,
            GridPredictorHiddenFeatures, GridPredictorHiddenLayers, gridFinalTanh: true, noise, generator, device);
    }

    /// <summary>Bias and grid-predictor sizes from the weights; the gamma and init sigma from this spec.</summary>
    public override ReadoutSpec FromStateDict(IReadOnlyDictionary<string, Tensor> mouseState)
    {
        var linears = LinearIndices(mouseState, "mu_transform.");
        return this with
        {
            Bias = mouseState.ContainsKey("bias"),
            GridPredictorHiddenLayers = Math.Max(linears.Count - 1, 0),
            GridPredictorHiddenFeatures = linears.Count > 1
                ? (int)mouseState["mu_transform.0.weight"].shape[0]
                : GridPredictorHiddenFeatures,
        };
    }

    public override int NeuronCount(IReadOnlyDictionary<string, Tensor> mouseState, string dataKey) =>
        (int)(mouseState.TryGetValue("bias", out var bias) ? bias.shape[0]
            : mouseState.TryGetValue("_features", out var features) ? features.shape[3]
            : throw new InvalidDataException($"The checkpoint has no 'readout.{dataKey}._features': not a FullGaussian2d readout."));

    /// <summary>The indices i of "&lt;prefix&gt;i.weight" entries (the Linear layers of a Sequential), in order.</summary>
    internal static List<int> LinearIndices(IReadOnlyDictionary<string, Tensor> state, string prefix) =>
        state.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal))
            .Select(k => int.Parse(k[prefix.Length..^".weight".Length])).Order().ToList();
}
