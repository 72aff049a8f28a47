using Sensorium.Models;
using Sensorium.Models.Cores;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests;

/// <summary>A spec becomes a module through the class that declares it (SpecBuilds); a kind no class declares is a
/// clear error, not a silent default.</summary>
public class SpecBuildsTests
{
    /// <summary>A core spec no class of Sensorium.Models is built from.</summary>
    sealed record UnbuiltCoreSpec : CoreSpec
    {
        public override string Label() => "unbuilt";
        public override int OutputChannels() => 1;
    }

    [Fact]
    public void Every_registered_spec_is_built_by_its_own_class()
    {
        using var generator = new Generator(1, CPU);
        Assert.IsType<Stacked2dCore>(new Stacked2dCoreSpec().Build(generator, CPU));
        Assert.IsType<ConvCore>(new ConvCoreSpec().Build(generator, CPU));
        Assert.IsType<VitCore>(new VitCoreSpec().Build(generator, CPU));
        Assert.IsType<Sensorium.Models.Shifters.MlpShifter>(new Sensorium.Models.Shifters.MlpShifterSpec().Build(generator, CPU));
    }

    [Fact]
    public void A_spec_no_class_declares_is_an_error_naming_it()
    {
        using var generator = new Generator(1, CPU);
        var e = Assert.Throws<NotSupportedException>(() => new UnbuiltCoreSpec().Build(generator, CPU));
        Assert.Contains("No class in Sensorium.Models declares ICoreBuiltFrom<UnbuiltCoreSpec>", e.Message);
    }
}
