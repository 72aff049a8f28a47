using System.Text.Json.Serialization;

namespace Sensorium.Models.Cores;

/// <summary>
/// <see cref="VitCore"/>: a vision-transformer core after V1T (JSON kind "vit"). Defaults are V1T's published
/// hyperparameters (bryanlimy/V1T train.py: patch 8, 4 blocks, 4 heads, embedding 155, MLP 488, patch dropout
/// 0.0229, block dropout 0.2544, drop-path 0, L1 0.5379) except the patch stride: V1T's code default is 1
/// (29×57 = 1,653 tokens at 36×64, ~25× the attention work and memory of stride 4); here it is 4 (8×15 = 120 tokens,
/// an 8×15 feature map), which a CPU trains. Set <see cref="PatchStride"/> 1 on a GPU for V1T's own setting.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record VitCoreSpec : CoreSpec
{
    /// <summary>Height of the images the core takes (the dataset's at its scale: 36 at 0.25, 72 at 0.5). 36.</summary>
    public int ImageHeight { get; init; } = 36;

    /// <summary>Width of the images the core takes (64 at 0.25, 128 at 0.5). 64.</summary>
    public int ImageWidth { get; init; } = 64;

    /// <summary>Side P of the square patches. 8.</summary>
    public int PatchSize { get; init; } = 8;

    /// <summary>Stride S between patches (1 ≤ S ≤ P); the feature map is ((H−P)/S+1)×((W−P)/S+1). 4 (V1T: 1).</summary>
    public int PatchStride { get; init; } = 4;

    /// <summary>Transformer blocks. 4.</summary>
    public int Blocks { get; init; } = 4;

    /// <summary>Attention heads; each attends with the full embedding width, as in V1T. 4.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Token width E, also the channels of the feature map the readouts read. 155.</summary>
    public int EmbeddingDim { get; init; } = 155;

    /// <summary>Hidden width of each block's MLP. 488.</summary>
    public int MlpDim { get; init; } = 488;

    /// <summary>Dropout on the patch embeddings (V1T p_dropout). 0.0229.</summary>
    public double PatchDropout { get; init; } = 0.0229;

    /// <summary>Dropout inside the blocks: attention weights, attention output, MLP (V1T t_dropout). 0.2544.</summary>
    public double Dropout { get; init; } = 0.2544;

    /// <summary>Stochastic-depth rate of each residual branch (V1T drop_path). 0.</summary>
    public double DropPath { get; init; }

    /// <summary>Weight of the L1 penalty on every core parameter (V1T core_reg_scale). 0.5379.</summary>
    public double Gamma { get; init; } = 0.5379;

    /// <summary>V1T's Adam learning rate (0.001647), the default of <c>sensorium train --model vit</c> and the run form.</summary>
    public const double V1tLearningRate = 0.001647;

    public override string Label() => "vit";

    public override int OutputChannels() => EmbeddingDim;

    /// <summary>Rows × columns of the output feature map.</summary>
    [JsonIgnore]
    public (int Height, int Width) Grid => ((ImageHeight - PatchSize) / PatchStride + 1, (ImageWidth - PatchSize) / PatchStride + 1);

    /// <summary>This spec for images of a dataset stored at <paramref name="rawHeight"/>×<paramref name="rawWidth"/>
    /// loaded at <paramref name="scale"/> (the loader's rounding: 144×256 at 0.25 → 36×64).</summary>
    public VitCoreSpec ForScale(double scale, int rawHeight = 144, int rawWidth = 256) => this with
    {
        ImageHeight = (int)Math.Round(rawHeight * scale),
        ImageWidth = (int)Math.Round(rawWidth * scale),
    };

    /// <summary>This core sized for the images at <paramref name="scale"/> (<see cref="ForScale"/>).</summary>
    public override CoreSpec SizedForScale(double scale) => ForScale(scale);

    public override string? ScaleMismatch(double scale) =>
        ForScale(scale) is var fed && (fed.ImageHeight, fed.ImageWidth) != (ImageHeight, ImageWidth)
            ? $"the vit core takes {ImageHeight}×{ImageWidth} images but the dataset at scale {scale} " +
              $"feeds {fed.ImageHeight}×{fed.ImageWidth} (from the official 144×256): set imageHeight/imageWidth"
            : null;

    public override void Validate()
    {
        base.Validate();
        SpecChecks.Positive(ImageHeight, nameof(ImageHeight));
        SpecChecks.Positive(ImageWidth, nameof(ImageWidth));
        SpecChecks.Positive(PatchSize, nameof(PatchSize));
        SpecChecks.Positive(PatchStride, nameof(PatchStride));
        SpecChecks.Positive(Blocks, nameof(Blocks));
        SpecChecks.Positive(Heads, nameof(Heads));
        SpecChecks.Positive(EmbeddingDim, nameof(EmbeddingDim));
        SpecChecks.Positive(MlpDim, nameof(MlpDim));
        if (PatchStride > PatchSize)
            throw new ArgumentOutOfRangeException(nameof(PatchStride), PatchStride, $"PatchStride must be at most PatchSize ({PatchSize}).");
        if (PatchSize > ImageHeight || PatchSize > ImageWidth)
            throw new ArgumentOutOfRangeException(nameof(PatchSize), PatchSize, $"PatchSize must fit the {ImageHeight}×{ImageWidth} image.");
        if (InputChannels > 1 && EmbeddingDim < 2)
            throw new ArgumentOutOfRangeException(nameof(EmbeddingDim), EmbeddingDim, "EmbeddingDim must be at least 2 for the behaviour MLP.");
        Probability(PatchDropout, nameof(PatchDropout));
        Probability(Dropout, nameof(Dropout));
        Probability(DropPath, nameof(DropPath));
        SpecChecks.NonNegative(Gamma, nameof(Gamma));
    }

    private static void Probability(double value, string name)
    {
        if (!(value >= 0 && value < 1)) throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1).");
    }
}
