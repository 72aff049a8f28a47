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
public sealed class Stacked2dCore : nn.Module<Tensor, Tensor>
{
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

    /// <summary>Channels of the output feature maps.</summary>
    public long HiddenChannels { get; }

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
    public Tensor Regularizer()
    {
        using var laplace = Laplace();
        return laplace * GammaInput;
    }

    public override Tensor forward(Tensor images) => features.call(images);
}
