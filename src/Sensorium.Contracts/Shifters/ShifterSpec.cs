using System.Text.Json.Serialization;
using Sensorium.Models.Cores;

namespace Sensorium.Models.Shifters;

/// <summary>
/// What a per-mouse shifter is: its kind (JSON <c>"kind"</c>) and its own fields; no TorchSharp type (the shifter
/// class in Sensorium.Models declares <c>IShifterBuiltFrom&lt;TSpec&gt;</c>). Registration: one
/// <c>JsonDerivedType</c> line below per shifter.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(MlpShifterSpec), "mlp")]
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public abstract record ShifterSpec
{
    /// <summary>Throws <see cref="ArgumentException"/> (naming the field) if a value cannot build a shifter.</summary>
    public abstract void Validate();
}

/// <summary>The MLP shifter (Sensorium.Models.Shifters.MlpShifter), the SENSORIUM+ baselines' shifter on the pupil centre.</summary>
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
}
