using Sensorium.Models.Readouts;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests.Readouts;

public sealed class FullGaussian2dReadoutTests
{
    private const long Channels = 4, Neurons = 6;

    private static FullGaussian2dReadout TinyReadout(SamplingNoise? noise = null, ulong seed = 1)
    {
        using var generator = new Generator(seed);
        var mouse = Tiny.Mice((int)Neurons)[0];
        var grid = FullGaussian2dReadout.SourceGridFromCortex(mouse.CorticalX!, mouse.CorticalY!);
        return new FullGaussian2dReadout(Channels, Neurons, grid, initSigma: 0.1, featureRegWeight: 0.5, bias: true,
            gridHiddenFeatures: 5, noise: noise, generator: generator);
    }

    private static Tensor FeatureMaps(long batch = 3) => randn(batch, Channels, 8, 12, generator: new Generator(11));

    [Fact]
    public void ShapesAndInitialValues()
    {
        using var readout = TinyReadout();
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 3, Neurons }, readout.call(FeatureMaps(), null).shape);
        Assert.Equal(new long[] { 1, Neurons, 1, 2 }, readout.Mu().shape);
        var state = readout.state_dict();
        Assert.Equal(new[] { "_features", "bias", "mu_transform.0.bias", "mu_transform.0.weight", "mu_transform.2.bias",
            "mu_transform.2.weight", "sigma", "source_grid" }, state.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 1, Channels, 1, Neurons }, state["_features"].shape);
        Assert.True(state["_features"].eq(1.0 / Channels).all().item<bool>());
        Assert.True(state["bias"].eq(0).all().item<bool>());
        Assert.True(state["sigma"].abs().le(0.1).all().item<bool>());
        Assert.Equal(1.0, state["source_grid"].abs().max().item<float>(), 6);
    }

    [Fact]
    public void RegularizerIsWeightedL1OfFeatures()
    {
        using var readout = TinyReadout();
        using var scope = NewDisposeScope();
        // Σ|1/C| over C·N weights = N
        Assert.Equal(Neurons, readout.FeatureL1().item<float>(), 5);
        Assert.Equal(0.5f * Neurons, readout.Regularizer().item<float>(), 5);
    }

    [Fact]
    public void EvalUsesMuDeterministically()
    {
        using var readout = TinyReadout(new SamplingNoise(3));
        readout.eval();
        using var scope = NewDisposeScope();
        var maps = FeatureMaps();
        Assert.Equal(0, Fixtures.MaxAbsDiff(readout.call(maps, null), readout.call(maps, null)));
        var grid = readout.SampleGrid(3);
        Assert.Equal(0, Fixtures.MaxAbsDiff(grid, readout.Mu().clamp(-1, 1).expand(3, Neurons, 1, 2)));
    }

    [Fact]
    public void TrainingSamplesPerImageAndNeuronReproduciblyFromTheSeed()
    {
        using var noise = new SamplingNoise(3);
        using var readout = TinyReadout(noise);
        readout.train();
        using var scope = NewDisposeScope();
        var grid = readout.SampleGrid(2); // (2,N,1,2)
        Assert.NotEqual(0, Fixtures.MaxAbsDiff(grid[0], grid[1]));               // differs per image
        Assert.NotEqual(0, Fixtures.MaxAbsDiff(grid, readout.Mu().expand(2, Neurons, 1, 2))); // not mu
        Assert.True(grid.abs().le(1).all().item<bool>());
        var maps = FeatureMaps();
        var first = readout.call(maps, null);
        var second = readout.call(maps, null);
        Assert.NotEqual(0, Fixtures.MaxAbsDiff(first, second));

        noise.Reset(); // same seed → same positions
        readout.SampleGrid(2);
        Assert.Equal(0, Fixtures.MaxAbsDiff(readout.call(maps, null), first));

        using var otherNoise = new SamplingNoise(4);
        using var other = TinyReadout(otherNoise);
        other.train();
        other.SampleGrid(2);
        Assert.NotEqual(0, Fixtures.MaxAbsDiff(other.call(maps, null), first));
    }

    [Fact]
    public void ShiftIsAddedAfterTheClampAndReadsZerosOutside()
    {
        using var readout = TinyReadout();
        readout.eval();
        using var scope = NewDisposeScope();
        using (no_grad()) readout.state_dict()["bias"].fill_(0.25f);
        var maps = FeatureMaps(2);
        var away = tensor(new float[] { 3, 0, 0, -3 }).view(2, 2); // every point leaves [−1,1]
        Assert.True(readout.call(maps, away).eq(0.25f).all().item<bool>());
        var none = readout.call(maps, zeros(2, 2));
        Assert.Equal(0, Fixtures.MaxAbsDiff(none, readout.call(maps, null)));
    }

    [Fact]
    public void ConstantMapsGiveFeatureWeightedSums()
    {
        using var readout = TinyReadout();
        readout.eval();
        using var scope = NewDisposeScope();
        var maps = arange(1, Channels + 1, dtype: float32).view(1, Channels, 1, 1).expand(2, Channels, 8, 12);
        // Inside the map bilinear sampling of a constant returns it: Σ_c c·(1/C) = (C+1)/2
        Assert.True(readout.call(maps.contiguous(), null).sub((Channels + 1) / 2.0).abs().le(1e-5).all().item<bool>());
    }

    [Fact]
    public void FeatureGradientIsTheSampledActivity()
    {
        using var readout = TinyReadout();
        readout.eval();
        using var scope = NewDisposeScope();
        var maps = FeatureMaps(3);
        readout.call(maps, null).sum().backward();
        // ∂Σy/∂features[c,n] = Σ_b sample[b,c,n]
        using var grid = readout.SampleGrid(3);
        var sampled = nn.functional.grid_sample(maps, grid, align_corners: true).squeeze(-1).sum(0L); // (C,N)
        var gradient = readout.named_parameters().Single(p => p.name == "_features").parameter.grad!;
        Assert.True(Fixtures.MaxAbsDiff(gradient.view(Channels, Neurons), sampled) < 1e-5);
    }

    [Fact]
    public void OneOptimizerStepChangesEveryParameter()
    {
        using var readout = TinyReadout(new SamplingNoise(5));
        readout.train();
        var before = readout.parameters().Select(p => p.detach().clone()).ToList();
        using var optimizer = optim.Adam(readout.parameters(), lr: 0.01);
        using (var scope = NewDisposeScope())
        {
            var loss = readout.call(FeatureMaps(), null).pow(2).sum() + readout.Regularizer();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        Assert.Equal(7, before.Count); // sigma, features, bias, 2×2 grid-predictor tensors
        Assert.All(readout.parameters().Zip(before), pair => Assert.NotEqual(0, Fixtures.MaxAbsDiff(pair.First, pair.Second)));
    }

    [Fact]
    public void SourceGridIsCentredAndScaledByTheLargestDeviation()
    {
        var grid = FullGaussian2dReadout.SourceGridFromCortex([0, 2, 4], [1, 1, 4]);
        // means (2,2); deviations x [−2,0,2], y [−1,−1,2]; max 2
        Assert.Equal(new float[] { -1, -0.5f, 0, -0.5f, 1, 1 }, grid);
    }
}
