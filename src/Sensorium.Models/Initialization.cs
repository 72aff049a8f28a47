using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sensorium.Models;

/// <summary>
/// PyTorch's initialisers, drawn from an explicit <see cref="Generator"/> so that a model's initial weights depend on
/// its seed only (the global RNG is process-wide). TorchSharp 0.107's <c>nn.init.normal_/uniform_</c> accept a
/// generator but ignore it, and its xavier/kaiming take none: we call the Tensor methods, which do use it.
/// </summary>
internal static class Initialization
{
    /// <summary><c>nn.init.xavier_normal_</c>: N(0, 2/(fan_in + fan_out)) with PyTorch's fan computation.</summary>
    public static void XavierNormal(Tensor weight, Generator? generator)
    {
        var receptive = weight.dim() > 2 ? weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b) : 1L;
        var fanIn = weight.shape[1] * receptive;
        var fanOut = weight.shape[0] * receptive;
        using var _ = no_grad();
        weight.normal_(0, Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>
    /// <c>nn.Linear.reset_parameters</c>: kaiming_uniform_(a=√5) on the weight and U(±1/√fan_in) on the bias,
    /// which both come down to U(−1/√fan_in, 1/√fan_in).
    /// </summary>
    public static void LinearDefault(Linear linear, Generator? generator)
    {
        var bound = 1.0 / Math.Sqrt(linear.weight.shape[1]);
        using var _ = no_grad();
        linear.weight.uniform_(-bound, bound, generator);
        linear.bias?.uniform_(-bound, bound, generator);
    }

    /// <summary>
    /// Takes a module's own parameter or buffer out of any enclosing dispose scope (as TorchSharp's built-in modules
    /// do), so that a model built inside a scope outlives it.
    /// </summary>
    public static T Owned<T>(this T tensor) where T : Tensor
    {
        tensor.DetachFromDisposeScope();
        return tensor;
    }
}
