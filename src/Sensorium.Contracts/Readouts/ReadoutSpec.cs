using System.Text.Json.Serialization;
using Sensorium.Models.Cores;

namespace Sensorium.Models.Readouts;

/// <summary>
/// What a per-mouse readout is: its kind (JSON <c>"kind"</c>) and its own fields; no TorchSharp type (the readout
/// class in Sensorium.Models declares <c>IReadoutBuiltFrom&lt;TSpec&gt;</c>). Registration: one
/// <c>JsonDerivedType</c> line below per readout.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(FullGaussian2dReadoutSpec), "fullGaussian2d")]
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public abstract record ReadoutSpec
{
    /// <summary>Throws <see cref="ArgumentException"/> (naming the field) if a value cannot build a readout.</summary>
    public abstract void Validate();
}

/// <summary>The FullGaussian2d readout (Sensorium.Models.Readouts.FullGaussian2dReadout), the baselines' readout. Defaults are the baselines'.</summary>
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
}
