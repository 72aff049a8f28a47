using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sensorium.Models.Cores;

/// <summary>
/// layer0 of <see cref="Stacked2dCore"/>: <c>conv</c> (k×k, no padding, no bias) → <c>norm</c> (BatchNorm2d) → ELU
/// (left out when linear). (B,C_in,H,W) → (B,C,H−k+1,W−k+1).
/// </summary>
public sealed class Stacked2dInputLayer : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d norm;
    private readonly bool nonlinear;

    public Stacked2dInputLayer(long inChannels, long outChannels, long kernelSize, double momentum, bool nonlinear,
        Device? device = null) : base(nameof(Stacked2dInputLayer))
    {
        conv = nn.Conv2d(inChannels, outChannels, kernelSize, bias: false, device: device);
        norm = nn.BatchNorm2d(outChannels, eps: 1e-5, momentum: momentum, device: device);
        this.nonlinear = nonlinear;
        RegisterComponents();
    }

    internal Conv2d Conv => conv;

    public override Tensor forward(Tensor input)
    {
        using var x = Autocast.Conv2d(conv, input); // bf16 under autocast, fp32 out
        var y = norm.call(x);
        // In place: BatchNorm's backward does not need its output, and ELU's in-place backward uses its result.
        // The three-Scalar elu_ is the truly in-place one (TorchSharp's elu_(alpha) and F.elu(inplace) allocate).
        return nonlinear ? y.elu_(Elu.One, Elu.One, Elu.One) : y;
    }
}

/// <summary>
/// Hidden layer of <see cref="Stacked2dCore"/>: <c>ds_conv</c> (<see cref="DepthSeparableConv2d"/>) → <c>norm</c>
/// (BatchNorm2d) → ELU (left out when linear). (B,C,H,W) → (B,C,H,W).
/// </summary>
public sealed class Stacked2dHiddenLayer : nn.Module<Tensor, Tensor>
{
    private readonly DepthSeparableConv2d ds_conv;
    private readonly BatchNorm2d norm;
    private readonly bool nonlinear;

    public Stacked2dHiddenLayer(long channels, long kernelSize, double momentum, bool nonlinear, Device? device = null)
        : base(nameof(Stacked2dHiddenLayer))
    {
        ds_conv = new DepthSeparableConv2d(channels, channels, kernelSize, device);
        norm = nn.BatchNorm2d(channels, eps: 1e-5, momentum: momentum, device: device);
        this.nonlinear = nonlinear;
        RegisterComponents();
    }

    internal IEnumerable<Conv2d> Convolutions => ds_conv.Convolutions;

    public override Tensor forward(Tensor input)
    {
        using var x = ds_conv.call(input);
        var y = norm.call(x);
        return nonlinear ? y.elu_(Elu.One, Elu.One, Elu.One) : y;
    }
}

/// <summary>Scalars of the plain ELU (α = scale = input_scale = 1), made once.</summary>
internal static class Elu
{
    public static readonly Scalar One = 1.0;
}
