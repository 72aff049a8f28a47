using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Regularizers;

/// <summary>
/// Normalised Laplace smoothness of convolution kernels (neuralpredictors <c>LaplaceL2norm</c>, use_avg_reg=False):
/// weights (O,I,k,k) → scalar Σ(L∗w)² / Σw², every one of the O·I kernels filtered separately.
/// </summary>
public sealed class LaplaceL2 : nn.Module<Tensor, Tensor>
{
    private readonly Laplace laplace;

    public LaplaceL2(long? padding = null, Device? device = null) : base(nameof(LaplaceL2))
    {
        laplace = new Laplace(padding, device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor weights)
    {
        using var scope = NewDisposeScope();
        var (o, i, kh, kw) = (weights.shape[0], weights.shape[1], weights.shape[2], weights.shape[3]);
        var kernels = weights.view(o * i, 1, kh, kw); // (O·I, 1, k, k)
        var smoothness = laplace.call(kernels).pow(2).sum() / kernels.pow(2).sum();
        return smoothness.MoveToOuterDisposeScope();
    }
}
