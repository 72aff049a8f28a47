using Sensorium.Models.Cores;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests.Cores;

public sealed class Stacked2dCoreTests
{
    private static Stacked2dCore TinyCore(bool linear = false, ulong seed = 1)
    {
        using var generator = new Generator(seed);
        return new Stacked2dCore(inputChannels: 1, hiddenChannels: 4, inputKernel: 5, hiddenKernel: 3, layers: 3,
            linear, gammaInput: 2.0, momentum: 0.9, generator);
    }

    [Fact]
    public void OutputIsTheLastLayerWithoutPaddingInLayer0()
    {
        using var core = TinyCore();
        using var scope = NewDisposeScope();
        var output = core.call(Tiny.Images(2)); // (2,1,12,16)
        Assert.Equal(new long[] { 2, 4, 8, 12 }, output.shape);
    }

    [Fact]
    public void StateDictKeysAreTheOfficialNames()
    {
        using var core = TinyCore();
        Assert.Equal(new[]
        {
            "_input_weights_regularizer.laplace.filter",
            "features.layer0.conv.weight", "features.layer0.norm.weight", "features.layer0.norm.bias",
            "features.layer0.norm.running_mean", "features.layer0.norm.running_var", "features.layer0.norm.num_batches_tracked",
            "features.layer1.ds_conv.in_depth_conv.weight", "features.layer1.ds_conv.spatial_conv.weight",
            "features.layer1.ds_conv.out_depth_conv.weight", "features.layer1.norm.weight", "features.layer1.norm.bias",
            "features.layer1.norm.running_mean", "features.layer1.norm.running_var", "features.layer1.norm.num_batches_tracked",
            "features.layer2.ds_conv.in_depth_conv.weight", "features.layer2.ds_conv.spatial_conv.weight",
            "features.layer2.ds_conv.out_depth_conv.weight", "features.layer2.norm.weight", "features.layer2.norm.bias",
            "features.layer2.norm.running_mean", "features.layer2.norm.running_var", "features.layer2.norm.num_batches_tracked",
        }.Order(StringComparer.Ordinal), core.state_dict().Keys.Order(StringComparer.Ordinal)); // TorchSharp lists parameters, then buffers
        var spatial = core.state_dict()["features.layer1.ds_conv.spatial_conv.weight"];
        Assert.Equal(new long[] { 4, 1, 3, 3 }, spatial.shape); // depthwise: groups = channels
    }

    [Fact]
    public void RegularizerIsGammaInputTimesLaplaceOfLayer0()
    {
        using var core = TinyCore();
        using var scope = NewDisposeScope();
        var laplace = core.Laplace().item<float>();
        Assert.True(laplace > 0);
        Assert.Equal(2.0f * laplace, core.Regularizer().item<float>(), 5);

        using (no_grad()) core.state_dict()["features.layer0.conv.weight"].fill_(1);
        // 4 constant 5×5 kernels: border pixels lose their outside neighbours: 12 edges·1² + 4 corners·2² = 28; Σw² = 25.
        Assert.Equal(28f / 25f, core.Laplace().item<float>(), 5);
    }

    [Fact]
    public void LinearCoreIsAffineInEval()
    {
        using var core = TinyCore(linear: true);
        core.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = Tiny.Images(2);
        var f0 = core.call(zeros_like(x));
        var f1 = core.call(x);
        var f2 = core.call(2 * x);
        Assert.True(Fixtures.MaxAbsDiff(f2 - f1, f1 - f0) < 1e-5);

        using var elu = TinyCore(linear: false);
        elu.eval();
        Assert.True(Fixtures.MaxAbsDiff(elu.call(2 * x) - elu.call(x), elu.call(x) - elu.call(zeros_like(x))) > 1e-3);
    }

    [Fact]
    public void BatchNormUsesMomentumPointNineInThePyTorchConvention()
    {
        using var core = TinyCore();
        core.train();
        using var scope = NewDisposeScope();
        var images = Tiny.Images(4);
        var state = core.state_dict();
        var conv = nn.functional.conv2d(images, state["features.layer0.conv.weight"]); // (4,4,8,12)
        var batchMean = conv.mean([0, 2, 3]);
        using (no_grad()) core.call(images);
        // running ← 0.1·running(0) + 0.9·batch
        Assert.True(Fixtures.MaxAbsDiff(state["features.layer0.norm.running_mean"], 0.9 * batchMean) < 1e-6);
        Assert.Equal(1L, state["features.layer0.norm.num_batches_tracked"].item<long>());
    }

    [Fact]
    public void ConvWeightsAreXavierNormalAndSeeded()
    {
        using var generator = new Generator(5);
        using var wide = new Stacked2dCore(1, 64, 9, 7, 2, linear: false, gammaInput: 1, generator: generator);
        var state = wide.state_dict();
        var pointwise = state["features.layer1.ds_conv.in_depth_conv.weight"]; // (64,64,1,1): std √(2/128)
        Assert.InRange(pointwise.std().item<float>(), 0.125 * 0.95, 0.125 * 1.05);
        var spatial = state["features.layer1.ds_conv.spatial_conv.weight"]; // (64,1,7,7): fan_in 49, fan_out 3136
        Assert.InRange(spatial.std().item<float>(), Math.Sqrt(2.0 / 3185) * 0.9, Math.Sqrt(2.0 / 3185) * 1.1);

        using var a = TinyCore(seed: 9);
        using var b = TinyCore(seed: 9);
        using var c = TinyCore(seed: 10);
        var key = "features.layer0.conv.weight";
        Assert.Equal(0, Fixtures.MaxAbsDiff(a.state_dict()[key], b.state_dict()[key]));
        Assert.NotEqual(0, Fixtures.MaxAbsDiff(a.state_dict()[key], c.state_dict()[key]));
    }

    [Fact]
    public void TrainingForwardAndGradientsEqualAPlainFunctionalCore()
    {
        // The layers apply ELU in place; a plain out-of-place re-implementation must give the same output and gradients.
        using var core = TinyCore();
        core.train();
        using var scope = NewDisposeScope();
        var images = Tiny.Images(3);
        var p = core.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        Tensor Layer(Tensor x, string name) =>
            nn.functional.elu(nn.functional.batch_norm(x, zeros(4), ones(4), p[$"{name}.norm.weight"], p[$"{name}.norm.bias"],
                training: true, momentum: 0.9, eps: 1e-5), 1.0);
        var y = Layer(nn.functional.conv2d(images, p["features.layer0.conv.weight"]), "features.layer0");
        foreach (var l in new[] { "features.layer1", "features.layer2" })
        {
            var a = nn.functional.conv2d(y, p[$"{l}.ds_conv.in_depth_conv.weight"]);
            var b = nn.functional.conv2d(a, p[$"{l}.ds_conv.spatial_conv.weight"], padding: [1, 1], groups: 4);
            y = Layer(nn.functional.conv2d(b, p[$"{l}.ds_conv.out_depth_conv.weight"]), l);
        }
        var target = randn(y.shape, generator: new Generator(2));
        var manualGrads = torch.autograd.grad([(y - target).pow(2).sum()], p.Values.Cast<Tensor>().ToList());
        var output = core.call(images);
        Assert.True(Fixtures.MaxAbsDiff(output, y) < 1e-6);
        var coreGrads = torch.autograd.grad([(output - target).pow(2).sum()], p.Values.Cast<Tensor>().ToList());
        foreach (var (mine, reference) in coreGrads.Zip(manualGrads))
            Assert.True(Fixtures.MaxAbsDiff(mine, reference) < 1e-4 * (1 + reference.abs().max().item<float>()));
    }

    [Fact]
    public void OneOptimizerStepChangesEveryParameter()
    {
        using var core = TinyCore();
        core.train();
        var before = core.parameters().Select(p => p.detach().clone()).ToList();
        using var optimizer = optim.Adam(core.parameters(), lr: 0.01);
        using (var scope = NewDisposeScope())
        {
            var output = core.call(Tiny.Images(4));
            // A squared loss: BatchNorm makes a plain sum of the outputs constant.
            var loss = (output - 0.5).pow(2).mean() + core.Regularizer();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        Assert.All(core.parameters().Zip(before), pair => Assert.NotEqual(0, Fixtures.MaxAbsDiff(pair.First, pair.Second)));
    }
}
