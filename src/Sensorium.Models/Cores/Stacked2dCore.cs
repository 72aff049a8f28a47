using System.Text.RegularExpressions;
using Sensorium.Models.Regularizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sensorium.Models.Cores;

/// <summary>
/// The shared convolutional core of the Sensorium baselines (neuralpredictors <c>Stacked2dCore</c> with
/// depth_separable=True, pad_input=False, stack=−1, final_nonlinearity=True, core_bias=False):
/// <c>features.layer0</c> = <see cref="Stacked2dInputLayer"/>, <c>features.layer1…</c> = <see cref="Stacked2dHiddenLayer"/>.
/// Images (B,C_in,H,W) → feature maps of the last layer (B,C,H−k₀+1,W−k₀+1), e.g. (B,1,36,64) → (B,64,28,56).
/// With <c>linear</c> every ELU is dropped (the LN baseline). Regularizer = GammaInput · LaplaceL2(layer0 weights).
/// </summary>
public sealed partial class Stacked2dCore : CoreModule, ICoreBuiltFrom<Stacked2dCoreSpec>
{
    public static CoreModule Build(Stacked2dCoreSpec spec, Generator generator, Device device) =>
        new Stacked2dCore(spec.InputChannels, spec.HiddenChannels, spec.InputKernel, spec.HiddenKernel, spec.Layers,
            spec.Linear, spec.GammaInput, spec.BatchNormMomentum, generator, device);

    /// <summary>Layers, widths, input channels and kernels from the weights; Linear, GammaInput and momentum from the spec.</summary>
    public static Stacked2dCoreSpec FromStateDict(Stacked2dCoreSpec spec, IReadOnlyDictionary<string, Tensor> state)
    {
        if (!state.TryGetValue("features.layer0.conv.weight", out var layer0)) // (C,C_in,k,k)
            throw new InvalidDataException("The checkpoint has no 'core.features.layer0.conv.weight': not a Stacked2dCore checkpoint.");
        var layers = state.Keys.Select(k => LayerKey().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value)).Max() + 1;
        return spec with
        {
            Layers = layers,
            HiddenChannels = (int)layer0.shape[0],
            InputChannels = (int)layer0.shape[1],
            InputKernel = (int)layer0.shape[2],
            HiddenKernel = state.TryGetValue("features.layer1.ds_conv.spatial_conv.weight", out var spatial)
                ? (int)spatial.shape[2]
                : spec.HiddenKernel,
        };
    }

    [GeneratedRegex(@"^features\.layer(\d+)\.")]
    private static partial Regex LayerKey();

    private readonly LaplaceL2 _input_weights_regularizer;
    private readonly Sequential features;

    /// <param name="momentum">BatchNorm momentum in the PyTorch convention (running ← (1−m)·running + m·batch).</param>
    /// <param name="generator">Source of the xavier_normal_ initial weights; null means the global RNG.</param>
    public Stacked2dCore(long inputChannels, long hiddenChannels, long inputKernel, long hiddenKernel, int layers,
        bool linear, double gammaInput, double momentum = 0.9, Generator? generator = null, Device? device = null)
        : base(nameof(Stacked2dCore))
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "A core needs at least one layer.");
        GammaInput = gammaInput;
        HiddenChannels = hiddenChannels;
        _input_weights_regularizer = new LaplaceL2(device: device);
        var stack = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("layer0", new Stacked2dInputLayer(inputChannels, hiddenChannels, inputKernel, momentum, !linear, device)),
        };
        for (var l = 1; l < layers; l++)
            stack.Add(($"layer{l}", new Stacked2dHiddenLayer(hiddenChannels, hiddenKernel, momentum, !linear, device)));
        features = nn.Sequential(stack);
        Initialize(generator);
        RegisterComponents();
    }

    /// <summary>Weight of the Laplace smoothness penalty on the layer0 kernels (gamma_input).</summary>
    public double GammaInput { get; }

    /// <summary>Channels of every layer, and so of the output feature maps.</summary>
    public long HiddenChannels { get; }

    public override long OutputChannels => HiddenChannels;

    private Stacked2dInputLayer InputLayer => (Stacked2dInputLayer)features[0];

    /// <summary>xavier_normal_ on every convolution weight (neuralpredictors <c>Core.init_conv</c>); BatchNorm keeps γ=1, β=0.</summary>
    public void Initialize(Generator? generator)
    {
        Initialization.XavierNormal(InputLayer.Conv.weight, generator);
        for (var l = 1; l < features.Count; l++)
            foreach (var conv in ((Stacked2dHiddenLayer)features[l]).Convolutions)
                Initialization.XavierNormal(conv.weight, generator);
    }

    /// <summary>LaplaceL2(layer0 weights), the unweighted smoothness term: a scalar.</summary>
    public Tensor Laplace() => _input_weights_regularizer.call(InputLayer.Conv.weight);

    /// <summary>
    /// GammaInput · LaplaceL2(layer0 weights): a scalar. The group-sparsity term of the reference is skipped for
    /// depth-separable cores and its weight (gamma_hidden) is 0 in every baseline.
    /// </summary>
    public override Tensor Regularizer()
    {
        using var laplace = Laplace();
        return laplace * GammaInput;
    }

    /// <summary>
    /// On the CPU the hidden layers run in channels-last memory layout (same shapes and values up to float rounding):
    /// oneDNN's depthwise 7×7 and 1×1 convolutions, forward and above all backward, are ~2–3× faster in NHWC than in
    /// NCHW on the CPU, and BatchNorm/ELU keep the layout. layer0's output is converted once (its input has 1 or 4
    /// channels, where NHWC buys nothing) and the result is returned contiguous (NCHW). On CUDA the layers run as they are.
    /// </summary>
    public override Tensor forward(Tensor images)
    {
        if (images.device_type != DeviceType.CPU || features.Count < 2) return features.call(images);
        var x = features[0].call(images);
        for (var l = 1; l < features.Count; l++)
        {
            using var input = x;
            using var layout = l == 1 ? ToChannelsLast(input) : input.alias();
            x = ((nn.Module<Tensor, Tensor>)features[l]).call(layout);
        }
        using (x) return x.contiguous();
    }

    /// <summary>(B,C,H,W) with NHWC strides (TorchSharp 0.107 has no memory_format argument).</summary>
    private static Tensor ToChannelsLast(Tensor x)
    {
        using var nhwc = x.permute(0, 2, 3, 1);
        using var packed = nhwc.contiguous();
        return packed.permute(0, 3, 1, 2);
    }
}
