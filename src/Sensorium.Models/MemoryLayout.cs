using static TorchSharp.torch;

namespace Sensorium.Models;

/// <summary>
/// Channels-last (NHWC in memory) for 4-D tensors. TorchSharp 0.107 has a <c>memory_format</c> enum but no call that
/// takes it (<c>contiguous()</c>, <c>to()</c> and libLibTorchSharp's exports have no memory-format argument). libtorch
/// needs none: a tensor's memory format is read from its strides (<c>suggest_memory_format</c>), so a tensor made by
/// <c>empty_strided</c> with the strides of PyTorch's <c>x.contiguous(memory_format=torch.channels_last)</c> and a
/// copy of x is what that call returns — still an (N, C, H, W) tensor, only stored NHWC.
/// A convolution given a channels-last input runs in channels-last (cuDNN and oneDNN) and hands back a channels-last
/// output, which BatchNorm and element-wise operations keep.
/// </summary>
public static class MemoryLayout
{
    /// <summary>The (N, C, H, W) tensor <paramref name="x"/> stored channels-last (a copy unless it already is).</summary>
    public static Tensor ChannelsLast(Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"channels-last needs a 4-D (N, C, H, W) tensor, got {x.dim()}-D", nameof(x));
        if (IsChannelsLast(x)) return x;
        // Not x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2): with one channel the NHWC view of a default-layout
        // tensor already counts as contiguous (strides of size-1 dimensions are ignored), so that returns x unchanged,
        // channel stride H·W and all. A tensor with the exact strides, filled by one copy (recorded by autograd).
        long c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var y = empty_strided(x.shape, [h * w * c, 1, w * c, c], x.dtype, x.device);
        return y.copy_(x);
    }

    /// <summary>Whether a 4-D tensor has exactly the strides PyTorch gives channels-last: (H·W·C, 1, W·C, C). With one
    /// channel these differ from the default layout's (H·W, H·W, W, 1) only in the channel stride, which is what
    /// libtorch reads.</summary>
    public static bool IsChannelsLast(Tensor x)
    {
        if (x.dim() != 4) return false;
        long[] size = x.shape, stride = x.stride();
        long c = size[1], h = size[2], w = size[3];
        return stride[1] == 1 && stride[3] == c && stride[2] == w * c && stride[0] == h * w * c;
    }
}
