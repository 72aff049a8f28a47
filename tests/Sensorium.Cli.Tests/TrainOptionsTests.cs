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
    public void AnythingButOnOrOffIsAUsageError()
    {
        var e = Assert.Throws<UsageException>(() => Spec("--behavior", "yes"));
        Assert.Contains("--behavior must be one of on|off", e.Message);
    }
}
