using System.Text.Json.Serialization;

namespace Sensorium.Models.Cores;

/// <summary><see cref="ConvCore"/>: a plain stack of convolutions with ELUs (JSON kind "conv").</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ConvCoreSpec : CoreSpec
{
    /// <summary>Convolution layers. 3.</summary>
    public int Layers { get; init; } = 3;

    /// <summary>Channels of every layer. 32.</summary>
    public int Channels { get; init; } = 32;

    /// <summary>First layer's kernel, no padding. 9.</summary>
    public int InputKernel { get; init; } = 9;

    /// <summary>Kernel of the other layers, padding k/2 (odd). 3.</summary>
    public int Kernel { get; init; } = 3;

    /// <summary>Weight of the L2 penalty on the convolution weights. 0.001.</summary>
    public double Gamma { get; init; } = 0.001;

    public override string Label() => "conv";

    public override int OutputChannels() => Channels;

    public override void Validate()
    {
        base.Validate();
        SpecChecks.Positive(Layers, nameof(Layers));
        SpecChecks.Positive(Channels, nameof(Channels));
        SpecChecks.Positive(InputKernel, nameof(InputKernel));
        SpecChecks.Positive(Kernel, nameof(Kernel));
        if (Kernel % 2 == 0) throw new ArgumentOutOfRangeException(nameof(Kernel), Kernel, "The kernel must be odd to keep the map size.");
        SpecChecks.NonNegative(Gamma, nameof(Gamma));
    }
}
