using System.Text.Json.Serialization;

namespace Sensorium.Models;

/// <summary>Nonlinearity of the core: the SOTA baseline has ELUs, the LN baseline none (a linear filter bank).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CoreKind>))]
public enum CoreKind
{
    /// <summary>Stacked2dCore with ELU after every layer (final_nonlinearity=True).</summary>
    Sota,
    /// <summary>Stacked2dCore with linear=True: BatchNorm kept, every ELU dropped.</summary>
    Ln,
}

/// <summary>
/// The architecture of a Sensorium encoder (sensorium <c>stacked_core_full_gauss_readout</c>). Defaults are the
/// reference SOTA baseline (notebooks/model_tutorial/1a, core_bias=False); the presets give the four official ones.
/// Immutable; unknown JSON keys are an error.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ModelSpec
{
    /// <summary>Sota (ELU core) or Ln (linear core). Default Sota.</summary>
    public CoreKind Kind { get; init; } = CoreKind.Sota;

    /// <summary>Core layers: layer0 plus Layers−1 depth-separable layers. 4 (SOTA); 3 for LN.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Channels of every core layer (hidden_channels). 64.</summary>
    public int HiddenChannels { get; init; } = 64;

    /// <summary>layer0 kernel size, no padding (input_kern). 9.</summary>
    public int InputKernel { get; init; } = 9;

    /// <summary>Depthwise kernel size of the hidden layers, padding k/2 (hidden_kern). 7.</summary>
    public int HiddenKernel { get; init; } = 7;

    /// <summary>Image channels: 1 (image), or 4 with the three behaviour planes (SENSORIUM+). 1.</summary>
    public int InputChannels { get; init; } = 1;

    /// <summary>Weight of the Laplace smoothness of the layer0 kernels (gamma_input). 6.3831.</summary>
    public double GammaInput { get; init; } = 6.3831;

    /// <summary>Weight of the L1 penalty on the readout features (gamma_readout = feature_reg_weight). 0.0076.</summary>
    public double GammaReadout { get; init; } = 0.0076;

    /// <summary>sigma ~ U(−InitSigma, InitSigma) at initialisation (init_sigma). 0.1.</summary>
    public double InitSigma { get; init; } = 0.1;

    /// <summary>BatchNorm momentum, PyTorch convention (new-statistic weight). 0.9, the model-fn default.</summary>
    public double BatchNormMomentum { get; init; } = 0.9;

    /// <summary>Hidden width of the cortex grid-mean predictor (hidden_features). 30.</summary>
    public int GridPredictorHiddenFeatures { get; init; } = 30;

    /// <summary>Hidden layers of the grid-mean predictor (hidden_layers). 1.</summary>
    public int GridPredictorHiddenLayers { get; init; } = 1;

    /// <summary>Whether each mouse has a readout bias (readout_bias). true.</summary>
    public bool ReadoutBias { get; init; } = true;

    /// <summary>Per-mouse MLP shifter on the pupil centre. false (SOTA, LN); true for SOTA+ and LN+.</summary>
    public bool Shifter { get; init; }

    /// <summary>Hidden width of the shifter MLP (hidden_channels_shifter). 5.</summary>
    public int ShifterHiddenChannels { get; init; } = 5;

    /// <summary>Linear layers of the shifter MLP (shift_layers). 3.</summary>
    public int ShifterLayers { get; init; } = 3;

    /// <summary>The SENSORIUM SOTA baseline: 4 layers, ELU, 1 input channel, no shifter.</summary>
    public static ModelSpec Sota { get; } = new();

    /// <summary>The SENSORIUM LN baseline: 3 layers, linear core.</summary>
    public static ModelSpec Ln { get; } = new() { Kind = CoreKind.Ln, Layers = 3 };

    /// <summary>The SENSORIUM+ SOTA baseline: 4 input channels (image + behaviour) and a shifter.</summary>
    public static ModelSpec SotaPlus { get; } = new() { InputChannels = 4, Shifter = true };

    /// <summary>The SENSORIUM+ LN baseline: linear 3-layer core, 4 input channels and a shifter.</summary>
    public static ModelSpec LnPlus { get; } = new() { Kind = CoreKind.Ln, Layers = 3, InputChannels = 4, Shifter = true };

    /// <summary>Throws if a value cannot build a model.</summary>
    public void Validate()
    {
        static void Positive(int value, string name)
        {
            if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1.");
        }
        Positive(Layers, nameof(Layers));
        Positive(HiddenChannels, nameof(HiddenChannels));
        Positive(InputKernel, nameof(InputKernel));
        Positive(HiddenKernel, nameof(HiddenKernel));
        Positive(InputChannels, nameof(InputChannels));
        Positive(GridPredictorHiddenFeatures, nameof(GridPredictorHiddenFeatures));
        Positive(ShifterHiddenChannels, nameof(ShifterHiddenChannels));
        Positive(ShifterLayers, nameof(ShifterLayers));
        if (HiddenKernel % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(HiddenKernel), HiddenKernel, "The hidden kernel must be odd to keep the map size.");
        if (GridPredictorHiddenLayers < 0)
            throw new ArgumentOutOfRangeException(nameof(GridPredictorHiddenLayers), GridPredictorHiddenLayers, "Must be ≥ 0.");
    }
}

/// <summary>
/// What a model needs to know of one mouse: its data key, its neuron count and, to place the readout's grid, the
/// cortical (x,y) position of every neuron (cell_motor_coordinates[:, :2]). Positions may be null when a checkpoint
/// will provide the normalised <c>source_grid</c>.
/// </summary>
public sealed record MouseNeurons(string DataKey, int NeuronCount, IReadOnlyList<double>? CorticalX = null,
    IReadOnlyList<double>? CorticalY = null)
{
    /// <summary>A mouse from its neurons' cortical positions.</summary>
    public static MouseNeurons FromCortex(string dataKey, IReadOnlyList<double> x, IReadOnlyList<double> y) =>
        new(dataKey, x.Count, x, y);
}
