using System.Text.Json.Serialization;

namespace Sensorium.Models.Cores;

/// <summary>
/// What a core is: its kind (the JSON <c>"kind"</c>) and its own fields. A spec validates itself; it holds no
/// TorchSharp type, so the web app and the worker protocol read it without the native library. The core class in
/// Sensorium.Models declares the spec it is built from (<c>ICoreBuiltFrom&lt;TSpec&gt;</c>), which is how a spec
/// becomes a module and how an imported PyTorch checkpoint fills the fields its weights determine.
/// <para>Registration: one <c>JsonDerivedType</c> line below per core (see src/Sensorium.Models/ADDING-A-CORE.md).</para>
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(Stacked2dCoreSpec), "stacked2d")]
[JsonDerivedType(typeof(ConvCoreSpec), "conv")]
[JsonDerivedType(typeof(VitCoreSpec), "vit")]
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public abstract record CoreSpec
{
    /// <summary>Image channels: 1 (image), or 4 with the three behaviour planes (SENSORIUM+). 1.</summary>
    public int InputChannels { get; init; } = 1;

    /// <summary>A short name for lists and summaries (e.g. "sota", "ln", "conv").</summary>
    public abstract string Label();

    /// <summary>Channels of the feature maps the built core returns (what the readouts read).</summary>
    public abstract int OutputChannels();

    /// <summary>Throws <see cref="ArgumentException"/> (naming the field) if a value cannot build a core.</summary>
    public virtual void Validate() => SpecChecks.Positive(InputChannels, nameof(InputChannels));

    /// <summary>This spec for images loaded at <paramref name="scale"/> of the official 144×256. Cores that take any
    /// image size (the default) return themselves; a core built for one size (vit) resizes.</summary>
    public virtual CoreSpec SizedForScale(double scale) => this;

    /// <summary>Why this core cannot take the images a dataset feeds at <paramref name="scale"/>, or null if it can
    /// (the default: any size).</summary>
    public virtual string? ScaleMismatch(double scale) => null;
}

/// <summary>Argument checks shared by the specs.</summary>
internal static class SpecChecks
{
    public static void Positive(int value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1.");
    }

    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number ≥ 0.");
    }
}
