using System.Reflection;
using System.Text.Json.Serialization;
using Sensorium.Models;
using Sensorium.Models.Cores;
using Sensorium.Models.Encoders;
using Sensorium.Models.Measures;
using static TorchSharp.torch;

namespace Sensorium.Training.Tests;

/// <summary>
/// Issue 16's GPU levers on the CPU: <see cref="TrainerSpec.CudnnBenchmark"/> (applied on CUDA only; recorded here as
/// not applicable) and <see cref="TrainerSpec.ChannelsLast"/> (the same loss and gradients as the default layout).
/// </summary>
public class CudnnAndLayoutTests
{
    public static TheoryData<string> CoreKinds() => RegisteredCoresTests.Kinds();

    static CoreSpec DefaultCore(string kind) => (CoreSpec)Activator.CreateInstance(typeof(CoreSpec)
        .GetCustomAttributes<JsonDerivedTypeAttribute>().Single(d => (string)d.TypeDiscriminator! == kind).DerivedType)!;

    /// <summary>The objective and every parameter's gradient of one training step on fixed weights, batch and noise.</summary>
    static (double Loss, Dictionary<string, Tensor> Gradients) Step(FiringRateEncoder model, DeviceData data, int[] trials, bool channelsLast)
    {
        using var poisson = new PoissonLoss(avg: false);
        model.train();
        model.Noise?.Restart(4242);
        double loss;
        using (var scope = NewDisposeScope())
        {
            var objective = Trainer.Objective(model, data, data.Index(trials), trials.Length, poisson, scaleLoss: true,
                detachCore: false, channelsLast);
            loss = objective.item<float>();
            objective.backward();
        }
        var grads = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone());
        foreach (var p in model.parameters()) p.grad = null;
        return (loss, grads);
    }

    [Theory]
    [MemberData(nameof(CoreKinds))]
    public void Channels_last_gives_the_default_layouts_loss_and_gradients(string kind)
    {
        var mouse = TinyData.Mouse(neurons: 30);
        var spec = ModelSpec.Sota with { Core = DefaultCore(kind) };
        using var model = ModelBuilder.Build(spec, [MouseNeurons.FromCortex(mouse.DataKey, mouse.CorticalX, mouse.CorticalY)], CPU, 11);
        using var data = new DeviceData(mouse, CPU, behaviorChannels: false, pupilCenter: false);
        int[] trials = [.. Enumerable.Range(3, 16)];
        var (plainLoss, plain) = Step(model, data, trials, channelsLast: false);
        var (clLoss, cl) = Step(model, data, trials, channelsLast: true);
        Assert.True(Math.Abs(clLoss - plainLoss) <= 1e-5 * Math.Abs(plainLoss), $"{kind}: loss {clLoss} vs {plainLoss}");
        Assert.Equal(plain.Keys, cl.Keys);
        foreach (var (name, g) in plain)
        {
            Assert.True(g.norm().item<float>() > 0, $"{kind} {name}: a zero gradient tests nothing");
            Assert.Equal(g.shape, cl[name].shape);
            double error = MixedPrecisionTests.RelativeError(cl[name], g);
            Assert.True(error < 1e-4, $"{kind} {name}: channels-last gradient {error:E2} away from the default layout's");
        }
        // The lever takes effect: the batch reaches the core channels-last, and the conv core hands back its features
        // in that layout (libtorch chose it from the input's strides). The stacked2d core is left out here: on the CPU
        // it runs its hidden layers NHWC by itself and returns NCHW (Stacked2dCore.forward); on CUDA it runs the layers
        // as given, so there the flag makes the whole core channels-last. The vit core's patches leave 4-D at once.
        using (NewDisposeScope())
        {
            using var _ = no_grad();
            var inputs = MemoryLayout.ChannelsLast(data.Inputs(data.Index(trials)));
            Assert.True(MemoryLayout.IsChannelsLast(inputs));
            var features = model.Core.call(inputs);
            if (kind == "conv")
                Assert.True(MemoryLayout.IsChannelsLast(features), $"{kind}: core features {string.Join(",", features.stride())} are not channels-last");
        }
    }

    [Fact]
    public void On_the_cpu_cudnn_benchmark_is_recorded_as_not_applicable_and_training_goes_on()
    {
        using var dir = new Sensorium.Data.Tests.TempDir();
        var spec = TinyData.Spec(maxEpochs: 1) with { Trainer = TinyData.Spec().Trainer with { MaxEpochs = 1, CudnnBenchmark = true, ChannelsLast = true } };
        bool flagBefore = CudnnBenchmark.Get();
        var log = new EventLog();
        var result = Trainer.Train(spec, [TinyData.Mouse()], dir.Path, log);
        var started = Assert.Single(log.Of<TrainingStarted>());
        Assert.Equal(CudnnSetup.NotApplicable, started.CudnnBenchmark);
        Assert.True(started.ChannelsLast);
        Assert.Equal(flagBefore, CudnnBenchmark.Get()); // nothing set on the CPU
        Assert.True(double.IsFinite(result.BestObjective));
        Assert.Equal(spec, Checkpoint.ReadSpec(dir.Path));
        // The event line carries both (the run's events.jsonl).
        string line = WorkerProtocol.Line(started);
        Assert.Contains("\"cudnnBenchmark\":\"not applicable (not CUDA)\"", line);
        Assert.Contains("\"channelsLast\":true", line);
        Assert.Equal(started.CudnnBenchmark, Assert.IsType<TrainingStarted>(WorkerProtocol.Parse(line)).CudnnBenchmark);
    }

    [Fact]
    public void Channels_last_training_ends_where_the_default_layout_does()
    {
        using var a = new Sensorium.Data.Tests.TempDir();
        using var b = new Sensorium.Data.Tests.TempDir();
        var plain = TinyData.Spec(maxEpochs: 2) with { Trainer = TinyData.Spec().Trainer with { MaxEpochs = 2 } };
        var cl = plain with { Trainer = plain.Trainer with { ChannelsLast = true } };
        var r1 = Trainer.Train(plain, [TinyData.Mouse()], a.Path);
        var r2 = Trainer.Train(cl, [TinyData.Mouse()], b.Path);
        Assert.Equal(r1.BestObjective, r2.BestObjective, 4);
        // model.pth of a channels-last run loads into a fresh model like any other (weights keep the default layout).
        using var model = ModelBuilder.Build(cl.Model, [MouseNeurons.FromCortex(TinyData.Mouse().DataKey, TinyData.Mouse().CorticalX, TinyData.Mouse().CorticalY)], CPU, 1);
        Checkpoint.LoadWeights(model, r2.ModelPath);
        foreach (var p in model.parameters()) Assert.True(p.is_contiguous());
    }

    [Fact]
    public void CudnnBenchmark_applies_only_on_cuda()
    {
        Assert.Equal(CudnnSetup.NotApplicable, CudnnSetup.Apply(true, CPU));
        Assert.Equal(CudnnSetup.NotApplicable, CudnnSetup.Apply(false, CPU));
    }

    [Fact]
    public void On_cuda_the_setting_is_set_and_verified_and_a_failure_is_never_silent()
    {
        bool before = CudnnBenchmark.Get();
        try
        {
            // The CUDA branch with the real setter (libtorch's flag exists without CUDA): set, read back, reported.
            Assert.Equal("on (verified)", CudnnSetup.Apply(true, cuda: true, CudnnBenchmark.Set));
            Assert.True(CudnnBenchmark.Get());
            Assert.Equal("off (verified)", CudnnSetup.Apply(false, cuda: true, CudnnBenchmark.Set));
            Assert.False(CudnnBenchmark.Get());
        }
        finally { CudnnBenchmark.Set(before); }
        // A setter that cannot reach the flag: asked for, the run fails naming the setting and the cause ...
        Action<bool> broken = _ => throw new InvalidOperationException("cuDNN benchmark: /x/libtorch_cpu.so exports no _ZN2at13globalContextEv");
        var e = Assert.Throws<TrainerSettingException>(() => CudnnSetup.Apply(true, cuda: true, broken));
        Assert.StartsWith("trainer.cudnnBenchmark is on but could not be applied: ", e.Message);
        Assert.Contains("exports no _ZN2at13globalContextEv", e.Message);
        // ... off, training goes on with libtorch's default, and the record says it was not verified and why.
        Assert.Equal("off (libtorch's default; not verified: cuDNN benchmark: /x/libtorch_cpu.so exports no _ZN2at13globalContextEv)",
            CudnnSetup.Apply(false, cuda: true, broken));
    }

    [Theory]
    [InlineData("cudnnBenchmark", "\"yes\"")]
    [InlineData("cudnnBenchmark", "1")]
    [InlineData("cudnnBenchmark", "null")]
    [InlineData("channelsLast", "\"on\"")]
    [InlineData("channelsLast", "[]")]
    public void A_bad_value_is_refused_naming_the_field(string field, string value)
    {
        string json = TinyData.Spec().ToJson().Replace("\"trainer\": {", $"\"trainer\": {{\n    \"{field}\": {value},");
        Assert.Contains(field, json);
        var e = Assert.Throws<Sensorium.Data.DataFormatException>(() => RunSpec.FromJson(json, "spec.json"));
        Assert.Contains($"$.trainer.{field}", e.Message);
        Assert.Contains("spec.json", e.Message);
    }

    [Fact]
    public void The_switches_are_off_by_default_written_only_when_on_and_round_trip()
    {
        var plain = TinyData.Spec();
        Assert.False(plain.Trainer.CudnnBenchmark);
        Assert.False(plain.Trainer.ChannelsLast);
        Assert.DoesNotContain("cudnnBenchmark", plain.ToJson());
        Assert.DoesNotContain("channelsLast", plain.ToJson());
        var on = plain with { Trainer = plain.Trainer with { CudnnBenchmark = true, ChannelsLast = true } };
        Assert.Contains("\"cudnnBenchmark\": true", on.ToJson());
        Assert.Contains("\"channelsLast\": true", on.ToJson());
        Assert.Equal(on, RunSpec.FromJson(on.ToJson()));
        Assert.Empty(on.Validate());
        var parsed = RunSpec.FromJson(plain.ToJson().Replace("\"trainer\": {", "\"trainer\": {\n    \"cudnnBenchmark\": false,"));
        Assert.Equal(plain, parsed);
    }
}
