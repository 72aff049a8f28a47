using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Sensorium.Models.Readouts;

/// <summary>
/// One mouse's Gaussian readout with a full covariance factor and a cortex-based grid-mean predictor
/// (neuralpredictors 0.3.0 <c>FullGaussian2d</c>, gauss_type "full", grid_mean_predictor type "cortex").
/// Core features (B,C,H,W) [+ shift (B,2)] → responses (B,N) before the encoder's ELU+1.
/// <list type="bullet">
/// <item><c>mu</c> (1,N,1,2) = <c>mu_transform</c>(<c>source_grid</c> (N,2)): Linear(2,30)→ELU→Linear(30,2)→Tanh;
/// (x = width, y = height) in [−1,1].</item>
/// <item>Training: grid = clamp(mu + sigma·z, −1, 1), z ~ N(0,I₂) per image and per neuron; eval: grid = clamp(mu).
/// A shift is added after the clamp and not clamped again; points outside [−1,1] read zeros.</item>
/// <item>y[b,n] = Σ_c grid_sample(features, grid)[b,c,n] · <c>_features</c>[c,n] + <c>bias</c>[n]
/// (bilinear, zero padding, align_corners=True).</item>
/// </list>
/// Regularizer = FeatureRegWeight · Σ|features| (gamma_readout).
/// </summary>
public sealed class FullGaussian2dReadout : ReadoutModule, IReadoutBuiltFrom<FullGaussian2dReadoutSpec>
{
    public static ReadoutModule Build(FullGaussian2dReadoutSpec spec, long inChannels, MouseNeurons mouse, SamplingNoise noise,
        Generator generator, Device device)
    {
        var grid = mouse.CorticalX is null || mouse.CorticalY is null ? null : SourceGridFromCortex(mouse.CorticalX, mouse.CorticalY);
        return new FullGaussian2dReadout(inChannels, mouse.NeuronCount, grid, spec.InitSigma, spec.GammaReadout, spec.Bias,
            spec.GridPredictorHiddenFeatures, spec.GridPredictorHiddenLayers, gridFinalTanh: true, noise, generator, device);
    }

    /// <summary>Bias and grid-predictor sizes from the weights; the gamma and init sigma from the spec.</summary>
    public static FullGaussian2dReadoutSpec FromStateDict(FullGaussian2dReadoutSpec spec, IReadOnlyDictionary<string, Tensor> mouseState)
    {
        var linears = LinearIndices(mouseState, "mu_transform.");
        return spec with
        {
            Bias = mouseState.ContainsKey("bias"),
            GridPredictorHiddenLayers = Math.Max(linears.Count - 1, 0),
            GridPredictorHiddenFeatures = linears.Count > 1
                ? (int)mouseState["mu_transform.0.weight"].shape[0]
                : spec.GridPredictorHiddenFeatures,
        };
    }

    public static int NeuronCount(IReadOnlyDictionary<string, Tensor> mouseState, string dataKey) =>
        (int)(mouseState.TryGetValue("bias", out var bias) ? bias.shape[0]
            : mouseState.TryGetValue("_features", out var features) ? features.shape[3]
            : throw new InvalidDataException($"The checkpoint has no 'readout.{dataKey}._features': not a FullGaussian2d readout."));

    /// <summary>The indices i of "&lt;prefix&gt;i.weight" entries (the Linear layers of a Sequential), in order.</summary>
    internal static List<int> LinearIndices(IReadOnlyDictionary<string, Tensor> state, string prefix) =>
        state.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal))
            .Select(k => int.Parse(k[prefix.Length..^".weight".Length])).Order().ToList();

    private Parameter sigma;      // (1,N,2,2)
    private Parameter _features;  // (1,C,1,N)
    private Parameter? bias;      // (N,)
    private Tensor source_grid;   // (N,2) buffer
    private readonly Sequential mu_transform;
    private readonly SamplingNoise? noise;

    /// <param name="inChannels">Channels C of the core's feature maps.</param>
    /// <param name="sourceGrid">Normalised cortical positions (N·2 values, row-major (x,y)), e.g. from
    /// <see cref="SourceGridFromCortex"/>; null leaves zeros, to be overwritten by a checkpoint's buffer.</param>
    /// <param name="noise">Training-time position noise; null means the global RNG.</param>
    /// <param name="generator">Source of the initial values; null means the global RNG.</param>
    public FullGaussian2dReadout(long inChannels, long neurons, float[]? sourceGrid, double initSigma,
        double featureRegWeight, bool bias = true, int gridHiddenFeatures = 30, int gridHiddenLayers = 1,
        bool gridFinalTanh = true, SamplingNoise? noise = null, Generator? generator = null, Device? device = null)
        : base(nameof(FullGaussian2dReadout))
    {
        if (sourceGrid is not null && sourceGrid.Length != neurons * 2)
            throw new ArgumentException($"sourceGrid has {sourceGrid.Length} values; expected {neurons}·2.", nameof(sourceGrid));
        InChannels = inChannels;
        Neurons = neurons;
        InitSigma = initSigma;
        FeatureRegWeight = featureRegWeight;
        this.noise = noise;

        sigma = nn.Parameter(empty([1, neurons, 2, 2], device: device)).Owned();
        _features = nn.Parameter(empty([1, inChannels, 1, neurons], device: device)).Owned();
        this.bias = bias ? nn.Parameter(empty([neurons], device: device)).Owned() : null;
        source_grid = (sourceGrid is null
            ? zeros([neurons, 2], device: device)
            : tensor(sourceGrid, [neurons, 2], device: device)).Owned();

        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Linear(2, gridHiddenLayers > 0 ? gridHiddenFeatures : 2, device: device),
        };
        for (var i = 0; i < gridHiddenLayers; i++)
        {
            layers.Add(nn.ELU());
            layers.Add(nn.Linear(gridHiddenFeatures, i < gridHiddenLayers - 1 ? gridHiddenFeatures : 2, device: device));
        }
        if (gridFinalTanh) layers.Add(nn.Tanh());
        mu_transform = nn.Sequential(layers);

        Initialize(generator);
        RegisterComponents();
    }

    public long InChannels { get; }
    public override long Neurons { get; }
    public double InitSigma { get; }

    /// <summary>Weight of the L1 penalty on the feature weights (gamma_readout).</summary>
    public double FeatureRegWeight { get; }

    /// <summary>
    /// sigma ~ U(−InitSigma, InitSigma), features = 1/C, bias = 0 (no mean activity given), grid predictor with
    /// PyTorch's default Linear initialisation.
    /// </summary>
    public void Initialize(Generator? generator)
    {
        using var _ = no_grad();
        sigma.uniform_(-InitSigma, InitSigma, generator); // not nn.init.uniform_: it ignores the generator
        _features.fill_(1.0 / InChannels);
        bias?.zero_();
        foreach (var linear in mu_transform.modules().OfType<Linear>())
            Initialization.LinearDefault(linear, generator);
    }

    /// <summary>Predicted mean positions (1,N,1,2), (x,y) in [−1,1], before the clamp.</summary>
    public Tensor Mu()
    {
        using var mu = mu_transform.call(source_grid); // (N,2)
        return mu.view(1, Neurons, 1, 2);              // (1,N,1,2)
    }

    /// <summary>Sampling positions (B,N,1,2): noisy in training, mu in eval, clamped to [−1,1].</summary>
    public Tensor SampleGrid(long batch)
    {
        using var mu = Mu(); // (1,N,1,2)
        if (!training)
        {
            using var clamped = mu.clamp(-1, 1);
            return clamped.expand(batch, Neurons, 1, 2); // (B,N,1,2)
        }
        using var z = noise is null
            ? randn([batch, Neurons, 1, 2], mu.dtype, mu.device)
            : noise.Normal([batch, Neurons, 1, 2], mu.dtype, mu.device); // (B,N,1,2)
        using var spread = einsum("ancd,bnid->bnic", sigma, z); // (B,N,1,2): Σ_d sigma[n,c,d]·z[b,n,d]
        using var grid = spread + mu;
        return grid.clamp(-1, 1);
    }

    /// <summary>Σ|features|, the unweighted L1 term: a scalar.</summary>
    public Tensor FeatureL1() => _features.abs().sum();

    /// <summary>FeatureRegWeight · Σ|features|: a scalar.</summary>
    public override Tensor Regularizer()
    {
        using var l1 = FeatureL1();
        return l1 * FeatureRegWeight;
    }

    /// <param name="features">Core output (B,C,H,W).</param>
    /// <param name="shift">Per-image grid shift (B,2), or null.</param>
    /// <returns>(B,N)</returns>
    public override Tensor forward(Tensor features, Tensor? shift)
    {
        var (b, c) = (features.shape[0], features.shape[1]);
        if (c != InChannels)
            throw new ArgumentException($"The readout expects {InChannels} channels; the core gave {c}.", nameof(features));
        using var clampedGrid = SampleGrid(b); // (B,N,1,2)
        using var shifted = shift is null ? clampedGrid.alias() : clampedGrid + shift.view(b, 1, 1, 2); // not re-clamped
        // The neurons as the grid's width, (B,1,N,2), not its height (B,N,1,2) as in the reference: every point is
        // sampled by the same arithmetic, but libtorch's CPU kernel vectorises along the output width, so a width of 1
        // wastes its vector lanes: forward ~5×, backward ~2.4× slower at N=8000.
        using var grid = shifted.reshape(b, 1, Neurons, 2);
        using var sampled = F.grid_sample(features, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros,
            align_corners: true); // (B,C,1,N)
        using var weights = _features.view(1, c, Neurons); // (1,C,N)
        using var weighted = sampled.view(b, c, Neurons) * weights; // (B,C,N)
        var y = weighted.sum(1); // (B,N)
        return bias is null ? y : y.add_(bias);
    }

    /// <summary>
    /// The reference's normalisation of cortical positions: (x,y) minus their column means, divided by the largest
    /// absolute value of both columns (computed in double, stored as float). Returns N·2 values, row-major (x,y).
    /// </summary>
    public static float[] SourceGridFromCortex(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"x has {x.Count} values, y has {y.Count}.");
        var n = x.Count;
        double meanX = x.Average(), meanY = y.Average(), max = 0;
        for (var i = 0; i < n; i++) max = Math.Max(max, Math.Max(Math.Abs(x[i] - meanX), Math.Abs(y[i] - meanY)));
        if (max == 0) max = 1; // the reference divides by 0 (NaN) when all neurons sit at one point
        var grid = new float[n * 2];
        for (var i = 0; i < n; i++)
        {
            grid[2 * i] = (float)((x[i] - meanX) / max);
            grid[2 * i + 1] = (float)((y[i] - meanY) / max);
        }
        return grid;
    }
}
