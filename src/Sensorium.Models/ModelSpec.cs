using System.Text.Json;
using System.Text.Json.Serialization;
using Sensorium.Models.Cores;
using Sensorium.Models.Readouts;
using Sensorium.Models.Shifters;

namespace Sensorium.Models;

/// <summary>
/// The architecture of a Sensorium encoder: a <see cref="CoreSpec"/>, a <see cref="ReadoutSpec"/> per mouse and, if
/// not null, a <see cref="ShifterSpec"/> per mouse; each names its kind and carries its own fields. Defaults are the
/// reference SOTA baseline (sensorium <c>stacked_core_full_gauss_readout</c>, core_bias=False); the presets give the
/// four official ones. Immutable; unknown JSON keys are an error.
/// <para>JSON: <c>{"core":{"kind":"stacked2d",…},"readout":{"kind":"fullGaussian2d",…},"shifter":null}</c>. The flat
/// format of earlier versions (<c>{"kind":"Sota","layers":4,…,"shifter":false}</c>, stored in databases and run
/// directories) still reads, as the same model (<see cref="ModelSpecJson"/>).</para>
/// </summary>
[JsonConverter(typeof(ModelSpecJson))]
public sealed record ModelSpec
{
    /// <summary>The shared core. Default: the SOTA baseline's Stacked2dCore.</summary>
    public CoreSpec Core { get; init; } = new Stacked2dCoreSpec();

    /// <summary>Every mouse's readout. Default: the baselines' FullGaussian2d readout.</summary>
    public ReadoutSpec Readout { get; init; } = new FullGaussian2dReadoutSpec();

    /// <summary>Every mouse's shifter on the pupil centre, or null for none (SOTA, LN). The SENSORIUM+ baselines have an MLP.</summary>
    public ShifterSpec? Shifter { get; init; }

    /// <summary>Image channels the core takes (1, or 4 with the behaviour planes).</summary>
    public int InputChannels => Core.InputChannels;

    public bool HasShifter => Shifter is not null;

    /// <summary>A short name for lists: the core's label ("sota", "ln", "conv", …).</summary>
    public string Label => Core.Label();

    /// <summary>This spec for a dataset that feeds <paramref name="inputChannels"/> image channels, with or without a
    /// shifter (the shifter kept if there is one, the baselines' MLP otherwise).</summary>
    public ModelSpec ForInputs(int inputChannels, bool shifter) => this with
    {
        Core = Core with { InputChannels = inputChannels },
        Shifter = shifter ? Shifter ?? new MlpShifterSpec() : null,
    };

    /// <summary>The SENSORIUM SOTA baseline: 4 layers, ELU, 1 input channel, no shifter.</summary>
    public static ModelSpec Sota { get; } = new();

    /// <summary>The SENSORIUM LN baseline: 3 layers, linear core.</summary>
    public static ModelSpec Ln { get; } = new() { Core = new Stacked2dCoreSpec { Linear = true, Layers = 3 } };

    /// <summary>The SENSORIUM+ SOTA baseline: 4 input channels (image + behaviour) and a shifter.</summary>
    public static ModelSpec SotaPlus { get; } = Sota.ForInputs(4, shifter: true);

    /// <summary>The SENSORIUM+ LN baseline: linear 3-layer core, 4 input channels and a shifter.</summary>
    public static ModelSpec LnPlus { get; } = Ln.ForInputs(4, shifter: true);

    /// <summary>Throws <see cref="ArgumentException"/> (naming the field) if a value cannot build a model.</summary>
    public void Validate()
    {
        Core.Validate();
        Readout.Validate();
        Shifter?.Validate();
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
