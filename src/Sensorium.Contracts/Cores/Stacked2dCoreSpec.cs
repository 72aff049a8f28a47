namespace Sensorium.Models.Cores;

/// <summary>
/// <see cref="Stacked2dCore"/>: the SENSORIUM baselines' core. Defaults are the SOTA baseline's (notebooks/model_tutorial/1a,
/// core_bias=False); <see cref="Linear"/> gives the LN baseline's core.
/// </summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record Stacked2dCoreSpec : CoreSpec
{
    /// <summary>Layers: layer0 plus Layers−1 depth-separable layers. 4 (SOTA); 3 for LN.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Channels of every layer (hidden_channels). 64.</summary>
    public int HiddenChannels { get; init; } = 64;

    /// <summary>layer0 kernel size, no padding (input_kern). 9.</summary>
    public int InputKernel { get; init; } = 9;

    /// <summary>Depthwise kernel size of the hidden layers, padding k/2 (hidden_kern). 7.</summary>
    public int HiddenKernel { get; init; } = 7;

    /// <summary>No ELU anywhere, BatchNorm kept (neuralpredictors linear=True): the LN baseline. false (SOTA).</summary>
    public bool Linear { get; init; }

    /// <summary>Weight of the Laplace smoothness of the layer0 kernels (gamma_input). 6.3831.</summary>
    public double GammaInput { get; init; } = 6.3831;

    /// <summary>BatchNorm momentum, PyTorch convention (new-statistic weight). 0.9, the model-fn default.</summary>
    public double BatchNormMomentum { get; init; } = 0.9;

    public override string Label() => Linear ? "ln" : "sota";

    public override int OutputChannels() => HiddenChannels;

    public override void Validate()
    {
        base.Validate();
        SpecChecks.Positive(Layers, nameof(Layers));
        SpecChecks.Positive(HiddenChannels, nameof(HiddenChannels));
        SpecChecks.Positive(InputKernel, nameof(InputKernel));
        SpecChecks.Positive(HiddenKernel, nameof(HiddenKernel));
        if (HiddenKernel % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(HiddenKernel), HiddenKernel, "The hidden kernel must be odd to keep the map size.");
    }
}
