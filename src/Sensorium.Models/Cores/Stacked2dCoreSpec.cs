using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Sensorium.Models.Cores;

/// <summary>
/// <see cref="Stacked2dCore"/>: the SENSORIUM baselines' core. Defaults are the SOTA baseline's (notebooks/model_tutorial/1a,
/// core_bias=False); <see cref="Linear"/> gives the LN baseline's core.
/// </summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed partial record Stacked2dCoreSpec : CoreSpec
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

    public override CoreModule Build(Generator generator, Device device) =>
        new Stacked2dCore(InputChannels, HiddenChannels, InputKernel, HiddenKernel, Layers, Linear, GammaInput,
            BatchNormMomentum, generator, device);

    /// <summary>Layers, widths, input channels and kernels from the weights; Linear, GammaInput and momentum from this spec.</summary>
    public override CoreSpec FromStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        if (!state.TryGetValue("features.layer0.conv.weight", out var layer0)) // (C,C_in,k,k)
            throw new InvalidDataException("The checkpoint has no 'core.features.layer0.conv.weight': not a Stacked2dCore checkpoint.");
        var layers = state.Keys.Select(k => LayerKey().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value)).Max() + 1;
        return this with
        {
            Layers = layers,
            HiddenChannels = (int)layer0.shape[0],
            InputChannels = (int)layer0.shape[1],
            InputKernel = (int)layer0.shape[2],
            HiddenKernel = state.TryGetValue("features.layer1.ds_conv.spatial_conv.weight", out var spatial)
                ? (int)spatial.shape[2]
                : HiddenKernel,
        };
    }

    [GeneratedRegex(@"^features\.layer(\d+)\.")]
    private static partial Regex LayerKey();
}
