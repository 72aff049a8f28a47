using System.Reflection;
using System.Text.Json.Serialization;
using Sensorium.Models;
using Sensorium.Models.Cores;

namespace Sensorium.Training.Tests;

/// <summary>
/// Every registered core kind (a <c>JsonDerivedType</c> of <see cref="CoreSpec"/>), with its default fields, goes
/// through the whole trainer, checkpoint and spec round trip with no other change: what ADDING-A-CORE.md promises.
/// A new core is covered here without editing this file.
/// </summary>
public class RegisteredCoresTests
{
    public static TheoryData<string> Kinds()
    {
        var kinds = new TheoryData<string>();
        foreach (var derived in typeof(CoreSpec).GetCustomAttributes<JsonDerivedTypeAttribute>())
            kinds.Add((string)derived.TypeDiscriminator!);
        return kinds;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_registered_core_trains_through_the_trainer_and_its_spec_round_trips(string kind)
    {
        var type = typeof(CoreSpec).GetCustomAttributes<JsonDerivedTypeAttribute>()
            .Single(d => (string)d.TypeDiscriminator! == kind).DerivedType;
        var core = (CoreSpec)Activator.CreateInstance(type)!;
        using var dir = new Sensorium.Data.Tests.TempDir();
        var spec = TinyData.Spec(maxEpochs: 1) with { Model = ModelSpec.Sota with { Core = core } };
        Assert.Empty(spec.Validate());
        var log = new EventLog();
        var result = Trainer.Train(spec, [TinyData.Mouse()], dir.Path, log);

        var epoch = Assert.Single(log.Of<EpochCompleted>());
        Assert.True(double.IsFinite(epoch.TrainLoss) && epoch.TrainLoss > 0, $"{kind}: train loss {epoch.TrainLoss}");
        Assert.True(double.IsFinite(result.BestObjective), $"{kind}: validation {result.BestObjective}");
        Assert.Equal(spec, Checkpoint.ReadSpec(dir.Path));
        Assert.Contains($"\"kind\": \"{kind}\"", File.ReadAllText(Path.Combine(dir.Path, Checkpoint.SpecFile)));
    }
}
