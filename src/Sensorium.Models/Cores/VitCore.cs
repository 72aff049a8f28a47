using Sensorium.Models.Readouts;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Sensorium.Models.Cores;

/// <summary>
/// A vision-transformer core after V1T (Li, Cornacchia, Rochefort &amp; Onken, TMLR 2023; bryanlimy/V1T
/// <c>models/core/vit.py</c>), written from its description:
/// <list type="number">
/// <item><c>patch_embedding</c>: the image channel (channel 0) cut into P×P patches at stride S, each projected
/// linearly to E dimensions (a Conv2d with kernel P and stride S, the same map as V1T's unfold + linear), a learned
/// CLS token in front, a learned position embedding added, dropout <c>PatchDropout</c>;</item>
/// <item><c>blocks</c>: Blocks × pre-norm transformer blocks — (behaviour latent added to every token) →
/// x + DropPath(MHA(LN(x))) → x + DropPath(MLP(LN(x))), the MLP Linear(E→M) → GELU → dropout → Linear(M→E) → dropout.
/// As in V1T each of the H heads attends with the full width E (queries, keys and values are H·E wide, scale E^−½),
/// so E need not be divisible by H;</item>
/// <item>the patch tokens (CLS dropped) reshaped to the patch grid: (B,E,h,w), h = (H_img−P)/S+1, w = (W_img−P)/S+1,
/// the feature map the readouts sample from.</item>
/// </list>
/// Behaviour (V1T's behaviour MLP, its <c>behavior_mode</c> 2): when the core has more than one input channel, channels
/// 1… are the loader's constant behaviour planes; their spatial means (the behaviour values) go through one
/// <c>b_mlp</c> per block, Linear(→E/2) → tanh → Linear(→E) → tanh, added to every token before the block. The pupil
/// centre goes to the model's shifter, as for the CNN (V1T's mode 3 also feeds it to the behaviour MLP; the core
/// contract hands a core images only).
/// <para>Dropout and drop-path masks come from the model's seeded noise (<see cref="AttachNoise"/>), never the global
/// RNG. Regularizer = Gamma · Σ|w| over every core parameter (V1T's L1 <c>core_reg_scale</c>). Under <see cref="Autocast"/>
/// the patch projection, the blocks' linear layers and the attention matmuls compute in bf16 (LayerNorm, softmax, GELU,
/// the behaviour MLP in fp32).</para>
/// </summary>
public sealed class VitCore : CoreModule, ICoreBuiltFrom<VitCoreSpec>
{
    public static CoreModule Build(VitCoreSpec spec, Generator generator, Device device) => new VitCore(spec, generator, device);

    private readonly VitPatchEmbedding patch_embedding;
    private readonly ModuleList<VitBlock> blocks;
    private readonly SamplingNoise ownNoise;
    private SamplingNoise noise;

    public VitCore(VitCoreSpec spec, Generator generator, Device? device = null) : base(nameof(VitCore))
    {
        spec.Validate();
        Spec = spec;
        GridHeight = (spec.ImageHeight - spec.PatchSize) / spec.PatchStride + 1;
        GridWidth = (spec.ImageWidth - spec.PatchSize) / spec.PatchStride + 1;
        // The fallback noise of a core used on its own; a model hands over its shared noise (AttachNoise).
        noise = ownNoise = new SamplingNoise((ulong)generator.initial_seed() ^ 0x5851F42D4C957F2DUL);
        patch_embedding = new VitPatchEmbedding(spec, GridHeight * GridWidth, generator, device, () => noise);
        var list = new List<VitBlock>();
        for (var b = 0; b < spec.Blocks; b++) list.Add(new VitBlock(spec, generator, device, () => noise));
        blocks = nn.ModuleList(list.ToArray());
        RegisterComponents();
    }

    public VitCoreSpec Spec { get; }

    /// <summary>Rows h of the output feature map (patch positions down the image).</summary>
    public long GridHeight { get; }

    /// <summary>Columns w of the output feature map.</summary>
    public long GridWidth { get; }

    public override long OutputChannels => Spec.EmbeddingDim;

    public override void AttachNoise(SamplingNoise noise) => this.noise = noise;

    public override Tensor Regularizer()
    {
        using var scope = NewDisposeScope();
        var sum = parameters().Select(p => p.abs().sum()).Aggregate((a, b) => a + b);
        return (sum * Spec.Gamma).MoveToOuterDisposeScope();
    }

    /// <param name="images">(B,C_in,ImageHeight,ImageWidth): the image, then the behaviour planes if C_in &gt; 1.</param>
    /// <returns>(B,E,h,w)</returns>
    public override Tensor forward(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != Spec.InputChannels || images.shape[2] != Spec.ImageHeight || images.shape[3] != Spec.ImageWidth)
            throw new ArgumentException(
                $"The vit core was built for images (B,{Spec.InputChannels},{Spec.ImageHeight},{Spec.ImageWidth}) but got " +
                $"({string.Join(",", images.shape)}); its imageHeight/imageWidth must be the dataset's image size at its scale " +
                "(36×64 at 0.25, 72×128 at 0.5).", nameof(images));
        using var scope = NewDisposeScope();
        var image = images.narrow(1, 0, 1);
        var behaviour = Spec.InputChannels > 1 ? images.narrow(1, 1, Spec.InputChannels - 1).mean([2L, 3L]) : null; // (B,C_in−1)
        var tokens = patch_embedding.call(image); // (B,1+h·w,E)
        foreach (var block in blocks) tokens = block.call(tokens, behaviour);
        var patches = tokens.narrow(1, 1, GridHeight * GridWidth); // drop CLS: (B,h·w,E), row-major over the grid
        return patches.transpose(1, 2).reshape(images.shape[0], Spec.EmbeddingDim, GridHeight, GridWidth)
            .MoveToOuterDisposeScope();
    }

    /// <summary>Inverted dropout with a mask drawn from <paramref name="noise"/>; identity outside training or at p = 0.</summary>
    internal static Tensor Dropout(Tensor x, double p, bool training, SamplingNoise noise)
    {
        if (!training || p <= 0) return x.alias();
        using var u = noise.Uniform(x.shape, x.dtype, x.device);
        using var keep = u.ge(p);
        return x * keep / (1 - p);
    }

    /// <summary>Stochastic depth: the whole residual branch of a sample dropped with probability p (V1T's DropPath).</summary>
    internal static Tensor DropPath(Tensor branch, double p, bool training, SamplingNoise noise)
    {
        if (!training || p <= 0) return branch.alias();
        using var u = noise.Uniform([branch.shape[0], 1, 1], branch.dtype, branch.device);
        using var keep = u.ge(p);
        return branch * keep / (1 - p);
    }

    /// <summary>V1T's weight init of the transformer: N(0, 0.02²) on linear weights (its trunc_normal_ truncates at ±2,
    /// i.e. never at this σ), zero biases; LayerNorms γ=1, β=0 (their defaults).</summary>
    internal static Linear TransformerLinear(long input, long output, bool bias, Generator generator, Device? device)
    {
        var linear = nn.Linear(input, output, hasBias: bias, device: device);
        using var _ = no_grad();
        linear.weight.normal_(0, 0.02, generator);
        linear.bias?.zero_();
        return linear;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) ownNoise.Dispose(); // the shared noise belongs to the model
        base.Dispose(disposing);
    }
}

/// <summary>Patch projection, CLS token, position embedding, dropout: (B,1,H,W) → (B,1+h·w,E).</summary>
internal sealed class VitPatchEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d projection;
    private readonly Parameter cls_token;      // (1,1,E)
    private readonly Parameter pos_embedding;  // (1+h·w,E)
    private readonly double dropout;
    private readonly Func<SamplingNoise> noise;

    public VitPatchEmbedding(VitCoreSpec spec, long patches, Generator generator, Device? device, Func<SamplingNoise> noise)
        : base(nameof(VitPatchEmbedding))
    {
        projection = nn.Conv2d(1, spec.EmbeddingDim, spec.PatchSize, stride: spec.PatchStride, device: device);
        cls_token = nn.Parameter(empty([1, 1, spec.EmbeddingDim], device: device)).Owned();
        pos_embedding = nn.Parameter(empty([patches + 1, spec.EmbeddingDim], device: device)).Owned();
        dropout = spec.PatchDropout;
        this.noise = noise;
        using (no_grad())
        {
            // V1T projects unfolded patches with an nn.Linear: PyTorch's default U(±1/√fan_in) on weight and bias.
            var bound = 1.0 / Math.Sqrt(spec.PatchSize * spec.PatchSize);
            projection.weight.uniform_(-bound, bound, generator);
            projection.bias!.uniform_(-bound, bound, generator);
            cls_token.normal_(0, 1, generator);      // torch.randn, as V1T
            pos_embedding.normal_(0, 1, generator);  // torch.randn, as V1T
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor image)
    {
        using var scope = NewDisposeScope();
        var patches = Autocast.Conv2d(projection, image).flatten(2).transpose(1, 2); // (B,h·w,E)
        var cls = cls_token.expand(image.shape[0], 1, cls_token.shape[2]);
        var tokens = cat([cls, patches], 1) + pos_embedding;
        return VitCore.Dropout(tokens, dropout, training, noise()).MoveToOuterDisposeScope();
    }
}

/// <summary>One pre-norm transformer block with its behaviour MLP: (B,T,E), behaviour (B,K) or null → (B,T,E).</summary>
internal sealed class VitBlock : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly LayerNorm mha_norm;
    private readonly Linear to_qkv;     // E → 3·H·E, no bias
    private readonly Linear projection; // H·E → E
    private readonly LayerNorm mlp_norm;
    private readonly Linear mlp_in;     // E → M
    private readonly Linear mlp_out;    // M → E
    private readonly Sequential? b_mlp; // K → E/2 → E, tanh after each
    private readonly long heads, width;
    private readonly double dropout, dropPath;
    private readonly Func<SamplingNoise> noise;

    public VitBlock(VitCoreSpec spec, Generator generator, Device? device, Func<SamplingNoise> noise) : base(nameof(VitBlock))
    {
        heads = spec.Heads;
        width = spec.EmbeddingDim;
        dropout = spec.Dropout;
        dropPath = spec.DropPath;
        this.noise = noise;
        mha_norm = nn.LayerNorm(width, device: device);
        to_qkv = VitCore.TransformerLinear(width, 3 * heads * width, bias: false, generator, device);
        projection = VitCore.TransformerLinear(heads * width, width, bias: true, generator, device);
        mlp_norm = nn.LayerNorm(width, device: device);
        mlp_in = VitCore.TransformerLinear(width, spec.MlpDim, bias: true, generator, device);
        mlp_out = VitCore.TransformerLinear(spec.MlpDim, width, bias: true, generator, device);
        if (spec.InputChannels > 1)
            b_mlp = nn.Sequential(
                ("0", VitCore.TransformerLinear(spec.InputChannels - 1, width / 2, bias: true, generator, device)),
                ("1", nn.Tanh()),
                ("2", VitCore.TransformerLinear(width / 2, width, bias: true, generator, device)),
                ("3", nn.Tanh()));
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens, Tensor? behaviour)
    {
        using var scope = NewDisposeScope();
        var x = tokens;
        if (b_mlp is not null)
        {
            if (behaviour is null) throw new ArgumentException("This vit core has behaviour channels: behaviour is required.", nameof(behaviour));
            x = x + b_mlp.call(behaviour).unsqueeze(1); // the same latent for every token
        }
        var n = noise();
        x = x + VitCore.DropPath(Attention(mha_norm.call(x), n), dropPath, training, n);
        var hidden = VitCore.Dropout(F.gelu(Autocast.Linear(mlp_in, mlp_norm.call(x))), dropout, training, n);
        var mlp = VitCore.Dropout(Autocast.Linear(mlp_out, hidden), dropout, training, n);
        x = x + VitCore.DropPath(mlp, dropPath, training, n);
        return x.MoveToOuterDisposeScope();
    }

    private Tensor Attention(Tensor x, SamplingNoise n)
    {
        long b = x.shape[0], t = x.shape[1];
        var qkv = Autocast.Linear(to_qkv, x).view(b, t, 3, heads, width).permute(2, 0, 3, 1, 4); // (3,B,H,T,E)
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
        var weights = (Autocast.Matmul(q, k.transpose(-1, -2)) * (1.0 / Math.Sqrt(width))).softmax(-1); // (B,H,T,T), softmax in fp32
        weights = VitCore.Dropout(weights, dropout, training, n);
        var mixed = Autocast.Matmul(weights, v).permute(0, 2, 1, 3).reshape(b, t, heads * width); // (B,T,H·E)
        return VitCore.Dropout(Autocast.Linear(projection, mixed), dropout, training, n);
    }
}
