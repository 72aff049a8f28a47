using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Sensorium.Models.Regularizers;

/// <summary>
/// The 3×3 discrete Laplace operator [[0,−1,0],[−1,4,−1],[0,−1,0]] applied to single-channel maps
/// (neuralpredictors <c>regularizers.Laplace</c>): (K,1,H,W) → (K,1,H',W'), zero padding.
/// </summary>
public sealed class Laplace : nn.Module<Tensor, Tensor>
{
    private Tensor filter; // buffer (1,1,3,3), saved in the state dict like the official one
    private readonly long padding;

    /// <param name="padding">Zero padding; null means filter_size // 2 = 1 (what the baselines use).</param>
    public Laplace(long? padding = null, Device? device = null) : base(nameof(Laplace))
    {
        filter = tensor(new float[] { 0, -1, 0, -1, 4, -1, 0, -1, 0 }, [1, 1, 3, 3], device: device).Owned();
        this.padding = padding ?? 1;
        RegisterComponents();
    }

    public override Tensor forward(Tensor maps) =>
        F.conv2d(maps, filter, padding: [padding, padding]);
}
