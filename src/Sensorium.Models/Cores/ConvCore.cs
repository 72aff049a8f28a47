using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sensorium.Models.Cores;

/// <summary>
/// A plain feed-forward convolutional core, the smallest real second core (it shows the seam: ADDING-A-CORE.md):
/// <c>features.0</c> = Conv2d(C_in→C, k₀, no padding) → ELU, then Layers−1 × [Conv2d(C→C, k, padding k/2) → ELU]
/// (<c>features.2</c>, <c>features.4</c>, …). No BatchNorm. (B,C_in,H,W) → (B,C,H−k₀+1,W−k₀+1).
/// Regularizer = Gamma · Σ w² over the convolution weights.
/// </summary>
public sealed class ConvCore : CoreModule, ICoreBuiltFrom<ConvCoreSpec>
{
    public static CoreModule Build(ConvCoreSpec spec, Generator generator, Device device) =>
        new ConvCore(spec.InputChannels, spec.Channels, spec.InputKernel, spec.Kernel, spec.Layers, spec.Gamma, generator, device);

    private readonly Sequential features;
    private readonly List<Conv2d> convolutions = [];

    /// <param name="generator">Source of the xavier_normal_ weights (biases start at 0).</param>
    public ConvCore(long inputChannels, long channels, long inputKernel, long kernel, int layers, double gamma,
        Generator generator, Device? device = null) : base(nameof(ConvCore))
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "A core needs at least one layer.");
        OutputChannels = channels;
        Gamma = gamma;
        var stack = new List<nn.Module<Tensor, Tensor>>();
        for (var l = 0; l < layers; l++)
        {
            var conv = l == 0
                ? nn.Conv2d(inputChannels, channels, inputKernel, device: device)
                : nn.Conv2d(channels, channels, kernel, padding: kernel / 2, device: device);
            convolutions.Add(conv);
            stack.Add(conv);
            stack.Add(nn.ELU());
        }
        features = nn.Sequential(stack);
        using (no_grad())
            foreach (var conv in convolutions)
            {
                Initialization.XavierNormal(conv.weight, generator);
                conv.bias!.zero_();
            }
        RegisterComponents();
    }

    public override long OutputChannels { get; }

    /// <summary>Weight of the L2 penalty on the convolution weights.</summary>
    public double Gamma { get; }

    public override Tensor Regularizer()
    {
        using var scope = NewDisposeScope();
        var sum = convolutions.Select(c => c.weight.pow(2).sum()).Aggregate((a, b) => a + b);
        return (sum * Gamma).MoveToOuterDisposeScope();
    }

    /// <summary>The stack in order; under <see cref="Autocast"/> each convolution computes in the low type, its ELU in fp32.</summary>
    public override Tensor forward(Tensor images)
    {
        if (Autocast.LowType is null) return features.call(images);
        using var scope = NewDisposeScope();
        var x = images;
        foreach (var module in features.children())
            x = module is Conv2d conv ? Autocast.Conv2d(conv, x) : ((nn.Module<Tensor, Tensor>)module).call(x);
        return x.MoveToOuterDisposeScope();
    }
}
