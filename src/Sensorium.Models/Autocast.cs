using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Sensorium.Models;

/// <summary>
/// Mixed precision the way PyTorch's <c>torch.autocast</c> does it, for TorchSharp 0.107, which has no autocast: the
/// model stays fp32 (weights, BatchNorm and its running statistics, nonlinearities, readouts, shifters, regularizers,
/// the loss), and inside <see cref="Enable"/> the cores' convolutions, linear layers and attention matmuls cast their
/// input and weights to the low type (bf16), compute there, and hand their output back in the input's type. The casts
/// are autograd operations, so the backward pass of those ops runs in bf16 too and the gradients arrive at the fp32
/// weights as fp32. The scope is per thread, like PyTorch's; the backward pass needs no scope (the casts are in the graph).
/// Device-agnostic: the same calls on the CPU (oneDNN bf16) and on CUDA (tensor cores).
/// Not in bf16, unlike PyTorch's autocast: the readout's grid predictor and the shifter (small Linear layers on
/// positions, where bf16's 8 bits of mantissa would move the sampling points), the readout's sampling and weighted sum,
/// and the regularizers' convolutions of the weights.
/// </summary>
public static class Autocast
{
    [ThreadStatic] private static ScalarType? lowType;

    /// <summary>The type the autocast ops compute in on this thread, or null (fp32 everywhere).</summary>
    public static ScalarType? LowType => lowType;

    /// <summary>Autocast to <paramref name="type"/> (null: none) on this thread until the scope is disposed.</summary>
    public static Scope Enable(ScalarType? type)
    {
        if (type is { } t && !is_floating_point(t))
            throw new ArgumentException($"autocast needs a floating-point type, not {t}", nameof(type));
        var scope = new Scope(lowType);
        lowType = type;
        return scope;
    }

    /// <summary>Restores the autocast state from before <see cref="Enable"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly ScalarType? previous;
        internal Scope(ScalarType? previous) => this.previous = previous;
        public void Dispose() => lowType = previous;
    }

    private static bool is_floating_point(ScalarType t) =>
        t is ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float32 or ScalarType.Float64;

    /// <summary><paramref name="conv"/>(<paramref name="input"/>); under autocast in the low type, the output in the input's type.</summary>
    public static Tensor Conv2d(Conv2d conv, Tensor input)
    {
        if (lowType is not { } low) return conv.call(input);
        if (conv.padding is null || conv.padding_mode != PaddingModes.Zeros)
            throw new NotSupportedException("autocast supports convolutions with numeric zero padding only");
        using var scope = NewDisposeScope();
        var y = F.conv2d(input.to(low), conv.weight.to(low), conv.bias?.to(low), conv.stride, conv.padding, conv.dilation, conv.groups);
        return y.to(input.dtype).MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="linear"/>(<paramref name="input"/>); under autocast in the low type, the output in the input's type.</summary>
    public static Tensor Linear(Linear linear, Tensor input)
    {
        if (lowType is not { } low) return linear.call(input);
        using var scope = NewDisposeScope();
        var y = F.linear(input.to(low), linear.weight.to(low), linear.bias?.to(low));
        return y.to(input.dtype).MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="a"/>·<paramref name="b"/>; under autocast in the low type, the output in <paramref name="a"/>'s type.</summary>
    public static Tensor Matmul(Tensor a, Tensor b)
    {
        if (lowType is not { } low) return a.matmul(b);
        using var scope = NewDisposeScope();
        return a.to(low).matmul(b.to(low)).to(a.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The input of a chain of autocast ops in the low type (a copy in it, or an alias when there is no autocast):
    /// ops on a low-type input give low-type outputs, so a chain casts once in and once out (<see cref="Restore"/>).
    /// </summary>
    public static Tensor Lower(Tensor input) => lowType is { } low ? input.to(low) : input.alias();

    /// <summary>The end of a chain begun with <see cref="Lower"/>: <paramref name="output"/> in <paramref name="type"/>.</summary>
    public static Tensor Restore(Tensor output, ScalarType type) => output.dtype == type ? output.alias() : output.to(type);
}
