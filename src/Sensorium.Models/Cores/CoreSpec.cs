using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace Sensorium.Models.Cores;

/// <summary>
/// What a core is: its kind (the JSON <c>"kind"</c>) and its own fields. A spec validates itself, builds its
/// <see cref="CoreModule"/> and, for imported PyTorch checkpoints, reads the fields its weights determine.
/// <para>Registration: one <c>JsonDerivedType</c> line below per core (see ADDING-A-CORE.md).</para>
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

    /// <summary>The core, its initial weights drawn from <paramref name="generator"/>.</summary>
    public abstract CoreModule Build(Generator generator, Device device);

    /// <summary>
    /// This spec with every field the weights of a PyTorch checkpoint determine taken from them. <paramref name="state"/>
    /// holds the checkpoint's <c>core.</c> entries with that prefix removed. The default takes nothing from the
    /// weights: the strict load that follows still names every key or shape that does not fit.
    /// </summary>
    public virtual CoreSpec FromStateDict(IReadOnlyDictionary<string, Tensor> state) => this;
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
