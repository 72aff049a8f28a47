using Sensorium.Cli;
using Sensorium.Models;

namespace Sensorium.Cli.Tests;

/// <summary>How <c>sensorium train</c>'s options become a run spec (tracks, ablations).</summary>
public sealed class TrainOptionsTests
{
    private static Sensorium.Training.RunSpec Spec(params string[] options) =>
        TrainCommand.SpecFromOptions(CliArgs.Parse(["--data", "/d", "--out", "/o", .. options]));

    [Fact]
    public void TracksGiveTheStarterKitModels()
    {
        var plain = Spec();
        Assert.Equal(ModelSpec.Sota, plain.Model);
        Assert.False(plain.Dataset.BehaviorChannels);
        Assert.False(plain.Dataset.PupilCenter);
        var plus = Spec("--track", "sensorium+");
        Assert.Equal(ModelSpec.SotaPlus, plus.Model);
        Assert.True(plus.Dataset.BehaviorChannels && plus.Dataset.PupilCenter);
        Assert.Null(plus.Dataset.IncludeBehavior); // the track's default, not an override
        Assert.Equal(ModelSpec.LnPlus, Spec("--track", "sensorium+", "--model", "ln").Model);
        Assert.Equal(ModelSpec.Ln, Spec("--model", "ln").Model);
    }

    [Fact]
    public void BehaviourAndShifterCanBeAblatedIndependently()
    {
        var behaviourOnly = Spec("--track", "sensorium+", "--shifter", "off");
        Assert.Equal(4, behaviourOnly.Model.InputChannels);
        Assert.False(behaviourOnly.Model.HasShifter);
        Assert.True(behaviourOnly.Dataset.BehaviorChannels);
        Assert.False(behaviourOnly.Dataset.PupilCenter);
        Assert.Empty(behaviourOnly.Validate());

        var shifterOnly = Spec("--track", "sensorium+", "--behavior", "off");
        Assert.Equal(1, shifterOnly.Model.InputChannels);
        Assert.True(shifterOnly.Model.HasShifter);
        Assert.False(shifterOnly.Dataset.BehaviorChannels);
        Assert.True(shifterOnly.Dataset.PupilCenter);
        Assert.Empty(shifterOnly.Validate());

        var stimulusOnly = Spec("--track", "sensorium+", "--behavior", "off", "--shifter", "off");
        Assert.Equal(ModelSpec.Sota, stimulusOnly.Model);
        Assert.Equal(["27204-5-13"], stimulusOnly.Dataset.TrackMice!);
    }

    [Fact]
    public void TheNewCoresArePresetsWithTheirScaleAndLearningRate()
    {
        var vit = Spec("--model", "vit");
        Assert.Equal(ModelSpec.Vit, vit.Model);
        Assert.Equal(Sensorium.Models.Cores.VitCoreSpec.V1tLearningRate, vit.Trainer.LrInit);
        Assert.Empty(vit.Validate());
        var vitPlus = Spec("--model", "vit", "--track", "sensorium+", "--scale", "0.5");
        var core = Assert.IsType<Sensorium.Models.Cores.VitCoreSpec>(vitPlus.Model.Core);
        Assert.Equal((4, 72, 128), (core.InputChannels, core.ImageHeight, core.ImageWidth));
        Assert.Empty(vitPlus.Validate());

        var wide = Spec("--model", "cnn-wide");
        Assert.Equal(ModelSpec.CnnWide, wide.Model);
        Assert.Equal(0.5, wide.Dataset.Scale);
        Assert.Equal(0.009, wide.Trainer.LrInit);
        Assert.Equal(0.25, Spec("--model", "cnn-wide", "--scale", "0.25").Dataset.Scale);
        Assert.Contains("sota|ln|cnn-wide|vit", Assert.Throws<UsageException>(() => Spec("--model", "resnet")).Message);
    }

    [Fact]
    public void AnythingButOnOrOffIsAUsageError()
    {
        var e = Assert.Throws<UsageException>(() => Spec("--behavior", "yes"));
        Assert.Contains("--behavior must be one of on|off", e.Message);
    }
}
