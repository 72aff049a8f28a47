using Sensorium.Models;
using Sensorium.Models.Cores;

namespace Sensorium.Training.Tests;

/// <summary>A tiny vision-transformer core trained by the real trainer (deterministic seed).</summary>
public class VitTrainingTests
{
    [Fact]
    public void A_tiny_vit_learns_in_ten_epochs_with_finite_losses()
    {
        using var dir = new Sensorium.Data.Tests.TempDir();
        // 36×64, patch 8 stride 4: 8×15 tokens. Twelve neurons give a small Poisson sum: the L1 weight is scaled down
        // with it (V1T's 0.5379 is for thousands of neurons), and dropout is off to learn in few steps.
        var core = new VitCoreSpec { Blocks = 1, Heads = 2, EmbeddingDim = 32, MlpDim = 64, Gamma = 1e-3, Dropout = 0, PatchDropout = 0 };
        var spec = TinyData.Spec(maxEpochs: 10) with
        {
            Model = ModelSpec.Sota with { Core = core },
            Trainer = TinyData.Spec().Trainer with { MaxEpochs = 10, LrInit = 0.004 },
        };
        Assert.Empty(spec.Validate());
        var log = new EventLog();
        var result = Trainer.Train(spec, [TinyData.Mouse()], dir.Path, log);

        double before = Assert.Single(log.Of<TrainingStarted>()).ValidationBefore["11111-1-1"];
        var epochs = log.Of<EpochCompleted>().ToList();
        Assert.Equal(10, epochs.Count);
        Assert.All(epochs, e => Assert.True(double.IsFinite(e.TrainLoss) && e.TrainLoss > 0, $"train loss {e.TrainLoss}"));
        Assert.True(result.BestObjective > before + 0.1,
            $"validation correlation {before:F3} -> {string.Join(", ", epochs.Select(e => e.Objective.ToString("F3")))}");
        Assert.Equal(spec, Checkpoint.ReadSpec(dir.Path));
    }

    [Fact]
    public void A_vit_whose_image_size_does_not_fit_the_scale_is_refused_with_the_field_named()
    {
        var spec = TinyData.Spec() with
        {
            Dataset = TinyData.Spec().Dataset with { Scale = 0.5 },
            Model = ModelSpec.Vit,
        };
        var error = Assert.Single(spec.Validate());
        Assert.Contains("36×64", error);
        Assert.Contains("72×128", error);
        Assert.Contains("imageHeight", error);
        Assert.Empty((spec with { Model = ModelSpec.Vit.ForScale(0.5) }).Validate());
    }
}
