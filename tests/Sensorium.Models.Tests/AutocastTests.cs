using Sensorium.Models;
using Sensorium.Models.Cores;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests;

/// <summary>
/// <see cref="Autocast"/> on every core kind: under bf16 the core's output is fp32 and close to the fp32 output but not
/// equal (its convolutions/linear layers really computed in bf16), its weights stay fp32 and get fp32 gradients close
/// to fp32's; outside the scope nothing changes.
/// </summary>
public class AutocastTests
{
    public static TheoryData<string> Cores => new() { "stacked2d", "conv", "vit" };

    static CoreModule Build(string kind, Generator generator) => kind switch
    {
        "stacked2d" => new Stacked2dCoreSpec { Layers = 3, HiddenChannels = 16 }.Build(generator, CPU),
        "conv" => new ConvCoreSpec { Layers = 2, Channels = 8 }.Build(generator, CPU),
        _ => new VitCoreSpec { Blocks = 1, Heads = 2, EmbeddingDim = 16, MlpDim = 32, InputChannels = 4 }.Build(generator, CPU),
    };

    static double RelativeError(Tensor a, Tensor b) => (a - b).norm().item<float>() / b.norm().item<float>();

    [Theory]
    [MemberData(nameof(Cores))]
    public void Under_bf16_a_core_computes_close_to_fp32_and_keeps_fp32_weights(string kind)
    {
        using var generator = new Generator(3, CPU);
        using var core = Build(kind, generator);
        core.eval(); // no dropout draws (vit); BatchNorm on its running statistics: every call the same in fp32
        using var images = randn([4, kind == "vit" ? 4 : 1, 36, 64], generator: generator);
        (Tensor Output, Dictionary<string, Tensor> Grads) Run(ScalarType? low)
        {
            Tensor y;
            using (Autocast.Enable(low)) y = core.call(images);
            (y * y).sum().backward();
            var grads = core.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
            foreach (var p in core.parameters()) p.grad = null;
            return (y.detach(), grads);
        }
        var (y32, g32) = Run(null);
        var (y16, g16) = Run(ScalarType.BFloat16);
        Assert.Null(Autocast.LowType);
        Assert.Equal(ScalarType.Float32, y16.dtype);
        double outputError = RelativeError(y16, y32);
        Assert.InRange(outputError, 1e-5, 0.02); // computed in bf16 (8-bit mantissa), not fp32, and close
        Assert.All(core.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        foreach (var (name, g) in g32)
        {
            Assert.Equal(ScalarType.Float32, g16[name].dtype);
            if (g.norm().item<float>() == 0) continue; // e.g. a vit token that the sum does not reach
            Assert.True(RelativeError(g16[name], g) < 0.05, $"{kind} {name}: bf16 gradient {RelativeError(g16[name], g):P2} from fp32's");
        }
        var (again, _) = Run(null);
        Assert.True(again.equal(y32).all().item<bool>(), "outside the scope: fp32 again");
    }

    [Fact]
    public void Scopes_nest_and_restore()
    {
        Assert.Null(Autocast.LowType);
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            using (Autocast.Enable(null)) Assert.Null(Autocast.LowType);
            Assert.Equal(ScalarType.BFloat16, Autocast.LowType);
        }
        Assert.Null(Autocast.LowType);
        Assert.Throws<ArgumentException>(() => Autocast.Enable(ScalarType.Int32));
    }
}
