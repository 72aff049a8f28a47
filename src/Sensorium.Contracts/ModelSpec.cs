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

    /// <summary>A vision-transformer core after V1T (<see cref="VitCoreSpec"/>'s defaults) with the baselines' readout.</summary>
    public static ModelSpec Vit { get; } = new() { Core = new VitCoreSpec() };

    /// <summary>A wider and deeper CNN in the direction the winning team (GuanLab) took: the SOTA core with 6 layers of
    /// 128 channels, meant for input at <see cref="CnnWideScale"/> (72×128) instead of 0.25.</summary>
    public static ModelSpec CnnWide { get; } = new() { Core = new Stacked2dCoreSpec { Layers = 6, HiddenChannels = 128 } };

    /// <summary>The input scale of <see cref="CnnWide"/>: 0.5 (72×128 from 144×256).</summary>
    public const double CnnWideScale = 0.5;

    /// <summary>The named presets of the CLI's <c>--model</c> and the run form: sota, ln, cnn-wide, vit (stimulus-only
    /// inputs; <see cref="ForInputs"/> adapts them to a track), with the input scale each is meant for.</summary>
    public static (ModelSpec Model, double Scale) Preset(string name) => name switch
    {
        "sota" => (Sota, 0.25),
        "ln" => (Ln, 0.25),
        "cnn-wide" => (CnnWide, CnnWideScale),
        "vit" => (Vit, 0.25),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, $"model must be one of {string.Join(", ", PresetNames)}."),
    };

    public static IReadOnlyList<string> PresetNames { get; } = ["sota", "ln", "cnn-wide", "vit"];

    /// <summary>This spec with its core sized for images at <paramref name="scale"/> (a vit core's image size; other
    /// cores take any size).</summary>
    public ModelSpec ForScale(double scale) => this with { Core = Core.SizedForScale(scale) };

    /// <summary>Throws <see cref="ArgumentException"/> (naming the field) if a value cannot build a model.</summary>
    public void Validate()
    {
        Core.Validate();
        Readout.Validate();
        Shifter?.Validate();
    }
}
