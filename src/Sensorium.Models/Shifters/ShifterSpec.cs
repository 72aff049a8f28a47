using System.Text.Json.Serialization;
using Sensorium.Models.Cores;
using Sensorium.Models.Readouts;
using static TorchSharp.torch;

namespace Sensorium.Models.Shifters;

/// <summary>
/// What a per-mouse shifter is: its kind (JSON <c>"kind"</c>) and its own fields. Registration: one
/// <c>JsonDerivedType</c> line below per shifter.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(MlpShifterSpec), "mlp")]
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public abstract record ShifterSpec
{
    /// <summary>Throws <see cref="ArgumentException"/> (naming the field) if a value cannot build a shifter.</summary>
    public abstract void Validate();

    public abstract ShifterModule Build(Generator generator, Device device);

    /// <summary>This spec with the fields one mouse's checkpoint entries determine (<c>shifter.&lt;key&gt;.</c> removed).</summary>
    public virtual ShifterSpec FromStateDict(IReadOnlyDictionary<string, Tensor> mouseState) => this;
}

/// <summary><see cref="MlpShifter"/>, the SENSORIUM+ baselines' shifter on the pupil centre.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record MlpShifterSpec : ShifterSpec
{
    /// <summary>Hidden width of the MLP (hidden_channels_shifter). 5.</summary>
    public int HiddenChannels { get; init; } = 5;

    /// <summary>Linear layers of the MLP (shift_layers). 3.</summary>
    public int Layers { get; init; } = 3;

    public override void Validate()
    {
        SpecChecks.Positive(HiddenChannels, "ShifterHiddenChannels");
        SpecChecks.Positive(Layers, "ShifterLayers");
    }

    public override ShifterModule Build(Generator generator, Device device) =>
        new MlpShifter(2, HiddenChannels, Layers, generator, device);

    public override ShifterSpec FromStateDict(IReadOnlyDictionary<string, Tensor> mouseState)
    {
        var linears = FullGaussian2dReadoutSpec.LinearIndices(mouseState, "mlp.");
        return this with
        {
            Layers = linears.Count > 0 ? linears.Count : Layers,
            HiddenChannels = linears.Count > 1 ? (int)mouseState["mlp.0.weight"].shape[0] : HiddenChannels,
        };
    }
}
