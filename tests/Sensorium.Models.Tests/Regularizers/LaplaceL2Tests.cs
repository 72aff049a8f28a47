using Sensorium.Models.Regularizers;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests.Regularizers;

public sealed class LaplaceL2Tests
{
    [Fact]
    public void DeltaKernelGivesTheSquaredFilterNorm()
    {
        using var scope = NewDisposeScope();
        using var laplaceL2 = new LaplaceL2();
        var delta = zeros(1, 1, 3, 3);
        delta[0, 0, 1, 1] = tensor(1f);
        // Zero padding 1 keeps the whole filter: 4² + 4·(−1)² = 20; Σw² = 1.
        Assert.Equal(20f, laplaceL2.call(delta).item<float>(), 5);
    }

    [Fact]
    public void ConstantKernelSeesOnlyItsBorder()
    {
        using var scope = NewDisposeScope();
        using var laplaceL2 = new LaplaceL2();
        // Centre 0, edges 1, corners 2 → Σ = 4·1 + 4·4 = 20, over Σw² = 9; all O·I kernels are summed.
        Assert.Equal(20f / 9f, laplaceL2.call(ones(3, 2, 3, 3)).item<float>(), 5);
    }

    [Fact]
    public void FilterIsAStateDictBuffer()
    {
        using var laplaceL2 = new LaplaceL2();
        var (key, filter) = Assert.Single(laplaceL2.state_dict());
        Assert.Equal("laplace.filter", key);
        Assert.Equal(new float[] { 0, -1, 0, -1, 4, -1, 0, -1, 0 }, filter.data<float>().ToArray());
        Assert.Empty(laplaceL2.parameters());
    }
}
