using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sensorium.Models.Cores;

/// <summary>
/// Depth-separable convolution (neuralpredictors <c>DepthSeparableConv2d</c>): 1×1 <c>in_depth_conv</c> (C_in→C) →
/// k×k depthwise <c>spatial_conv</c> (groups=C, padding k/2) → 1×1 <c>out_depth_conv</c> (C→C).
/// (B,C_in,H,W) → (B,C,H,W). No biases (the competition checkpoints have none).
/// </summary>
public sealed class DepthSeparableConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d in_depth_conv;
    private readonly Conv2d spatial_conv;
    private readonly Conv2d out_depth_conv;

    public DepthSeparableConv2d(long inChannels, long outChannels, long kernelSize, Device? device = null)
        : base(nameof(DepthSeparableConv2d))
    {
        in_depth_conv = nn.Conv2d(inChannels, outChannels, 1, bias: false, device: device);
        spatial_conv = nn.Conv2d(outChannels, outChannels, kernelSize, padding: kernelSize / 2, groups: outChannels,
            bias: false, device: device);
        out_depth_conv = nn.Conv2d(outChannels, outChannels, 1, bias: false, device: device);
        RegisterComponents();
    }

    internal IEnumerable<Conv2d> Convolutions => [in_depth_conv, spatial_conv, out_depth_conv];

    /// <summary>Under <see cref="Autocast"/> the three convolutions run in the low type, cast once in and once out.</summary>
    public override Tensor forward(Tensor input)
    {
        using var low = Autocast.Lower(input);
        using var x = Autocast.Conv2d(in_depth_conv, low);
        using var y = Autocast.Conv2d(spatial_conv, x);
        using var z = Autocast.Conv2d(out_depth_conv, y);
        return Autocast.Restore(z, input.dtype);
    }
}
